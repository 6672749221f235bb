"""The layer rules of the design, checked on the source: each layer imports only the layers below it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parents[2] / "src" / "AgentTestLibrary"
GROUND = ("errors", "secrets", "naming", "private", "environment", "wire", "yamlio", "version", "validation",
          "webhooks", "clock", "shipped")  # fmt: skip
KEYWORD_EDGE = ("keywords", "listener", "library", "cli")  # the command line (shards merging included) is edge


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved), top-level and nested."""
    package = module_name(path).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            name = ".".join([*base, node.module] if node.module else base)
            found.add(name)
            found.update(f"{name}.{alias.name}" for alias in node.names)
    return found


MODULES = {module_name(path): imports(path) for path in PACKAGE.rglob("*.py")}


def area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def offenders(sources: tuple[str, ...], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{module} imports {name}"
        for module, names in MODULES.items()
        if area(module) in sources
        for name in names
        if any(name == banned or name.startswith(f"{banned}.") for banned in forbidden)
    )


def test_nothing_below_the_keyword_edge_imports_robot_framework() -> None:
    below = tuple({area(module) for module in MODULES} - set(KEYWORD_EDGE) - {""})
    assert "shards" not in below and "AgentTestLibrary.cli.shards" in MODULES  # merging results is edge work
    assert offenders(below, ("robot", "robotlibcore")) == []


def test_every_module_that_imports_robot_framework_is_at_the_edge() -> None:
    users = {module for module, names in MODULES.items()
             if any(name == "robot" or name.startswith(("robot.", "robotlibcore")) for name in names)}  # fmt: skip
    assert sorted(module for module in users if area(module) not in KEYWORD_EDGE) == []


def test_the_ground_floor_imports_no_other_part_of_the_package() -> None:
    above = ("mock", "mockllm", "mockmcp", "mockservice", "mockaws", "cassettes", "harness", "live", "keywords",
             "listener", "library", "cli", "lanes")  # fmt: skip
    upper = tuple(f"AgentTestLibrary.{name}" for name in above)
    assert offenders(GROUND, upper) == []


def test_the_mock_core_knows_no_protocol_family_and_no_keyword() -> None:
    upper = ("AgentTestLibrary.mockllm", "AgentTestLibrary.mockmcp", "AgentTestLibrary.mockservice",
             "AgentTestLibrary.mockaws", "AgentTestLibrary.cassettes", "AgentTestLibrary.keywords",
             "AgentTestLibrary.harness", "AgentTestLibrary.live")  # fmt: skip
    assert offenders(("mock",), upper) == []


def test_the_model_mock_does_not_import_cassettes_or_keywords() -> None:
    assert offenders(("mockllm",), ("AgentTestLibrary.cassettes", "AgentTestLibrary.keywords")) == []


def test_the_mcp_mock_knows_no_other_protocol_family() -> None:
    banned = ("AgentTestLibrary.mockllm", "AgentTestLibrary.cassettes", "AgentTestLibrary.keywords",
              "AgentTestLibrary.harness")  # fmt: skip
    assert offenders(("mockmcp",), banned) == []


def test_the_a2a_mock_knows_no_other_protocol_family_but_json_rpc() -> None:
    banned = ("AgentTestLibrary.mockllm", "AgentTestLibrary.mockservice", "AgentTestLibrary.mockaws",
              "AgentTestLibrary.cassettes", "AgentTestLibrary.keywords", "AgentTestLibrary.harness")  # fmt: skip
    assert offenders(("mocka2a",), banned) == []
    borrowed = {name for module, names in MODULES.items() if area(module) == "mocka2a" for name in names
                if name.startswith("AgentTestLibrary.mockmcp")}  # fmt: skip
    assert all(name == "AgentTestLibrary.mockmcp" or name.startswith("AgentTestLibrary.mockmcp.jsonrpc")
               for name in borrowed)  # fmt: skip


def test_service_and_aws_mocks_know_no_other_protocol_family() -> None:
    banned = ("AgentTestLibrary.mockllm", "AgentTestLibrary.mockmcp", "AgentTestLibrary.cassettes",
              "AgentTestLibrary.keywords", "AgentTestLibrary.harness")  # fmt: skip
    assert offenders(("mockservice", "mockaws"), banned) == []
    assert offenders(("mockservice",), ("AgentTestLibrary.mockaws", "moto", "boto3", "botocore")) == []


def test_the_harness_does_not_import_the_mocks() -> None:
    banned = ("AgentTestLibrary.mock", "AgentTestLibrary.mockllm", "AgentTestLibrary.mockmcp", "wsproto", "h11")
    assert offenders(("harness",), banned) == []


@pytest.mark.parametrize(
    ("module", "must_not_load"),
    [
        ("AgentTestLibrary.harness.fake_cli", ("h11", "wsproto", "AgentTestLibrary.mockllm", "robot")),
        ("AgentTestLibrary.harness.hooks", ("yaml", "AgentTestLibrary.mock", "robot", "typing")),
        ("AgentTestLibrary.mockllm", ("robot", "AgentTestLibrary.cassettes", "AgentTestLibrary.mockmcp")),
        ("AgentTestLibrary.mockmcp.stdio", ("robot", "AgentTestLibrary.mockllm", "wsproto", "mcp")),
        # Library AgentTestLibrary loads what a suite uses when a keyword needs it: no AWS (httpx), no TOML
        # editing, no MCP model, no mock server, no recorder at import.
        (
            "AgentTestLibrary.library",
            (
                "httpx",
                "tomlkit",
                "moto",
                "botocore",
                "wsproto",
                "uvloop",
                "AgentTestLibrary.mockmcp",
                "AgentTestLibrary.mockaws",
                "AgentTestLibrary.mockservice",
                "AgentTestLibrary.mock.server",
                "AgentTestLibrary.mockllm.app",
                "AgentTestLibrary.cassettes.session",
            ),
        ),
    ],
)
def test_importing_a_layer_loads_nothing_above_it(module: str, must_not_load: tuple[str, ...]) -> None:
    code = f"import sys, json, {module}; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)
    assert [name for name in loaded if any(name == bad or name.startswith(f"{bad}.") for bad in must_not_load)] == []


def attribute_reads(attribute: str) -> set[str]:
    """Modules that read ``X.attribute`` as a value (not a method call, not ``super().attribute``)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        called = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
        for node in ast.walk(tree):
            on_super = isinstance(node, ast.Attribute) and isinstance(node.value, ast.Call) and (
                getattr(node.value.func, "id", "") == "super")  # fmt: skip
            if isinstance(node, ast.Attribute) and node.attr == attribute and id(node) not in called and not on_super:
                found.add(module_name(path))
    return found


def test_one_fault_decision_whether_a_fault_replaces_the_answer_is_the_pipelines() -> None:
    assert attribute_reads("replaces_answer") == {"AgentTestLibrary.mock.pipeline"}
    assert attribute_reads("reset") <= {"AgentTestLibrary.mock.pipeline", "AgentTestLibrary.mock.faults"}


def calls_of(name: str) -> set[str]:
    """Modules that call ``name(...)`` (a plain name, as imported)."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == name:
                found.add(module_name(path))
    return found


def test_one_lifecycle_every_mock_the_keywords_start_is_served_by_served_py() -> None:
    from AgentTestLibrary.keywords.context import LibraryContext
    from AgentTestLibrary.keywords.served import ServedComponent
    from AgentTestLibrary.library import AgentTestLibrary

    starters = {module for module in calls_of("MockServer") if area(module) == "keywords"}
    assert starters == {"AgentTestLibrary.keywords.served"}
    library = AgentTestLibrary()
    serving = [component for component in library.ctx.served if isinstance(component, ServedComponent)]
    assert [type(component).__name__ for component in serving] == ["MockLLMKeywords", "McpKeywords",
                                                                    "ServiceKeywords", "AwsKeywords",
                                                                    "A2AKeywords"]  # fmt: skip
    assert not {"mocks", "real_llm", "stopped_during_test"} & set(LibraryContext.__dataclass_fields__)


def test_every_failure_a_keyword_raises_comes_from_the_error_family_or_is_an_assertion() -> None:
    from AgentTestLibrary import errors

    family = {name for name, value in vars(errors).items() if isinstance(value, type)
              and issubclass(value, errors.AgentTestError)}  # fmt: skip
    raised = set()
    for path in (PACKAGE / "keywords").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) and isinstance(node.exc.func, ast.Name):
                raised.add((path.name, node.exc.func.id))
    assert sorted((file, name) for file, name in raised if name not in family | {"AssertionError"}) == []
