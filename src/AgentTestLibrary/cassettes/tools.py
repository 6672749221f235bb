"""Cassette housekeeping for the CLI: find stale, unused and invalid cassettes; turn one into scenario rules."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from ..errors import CassetteError
from ..naming import slug
from .model import Cassette, load_cassette


def cassette_files(paths: Iterable[str | Path]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"{path} does not exist; give cassette files or folders of them.")
        files.extend(sorted(path.rglob("*.yaml")) if path.is_dir() else [path])
    return files


def check(
    paths: Iterable[str | Path], max_age_days: float | None, test_names: set[tuple[str, str]] | None
) -> list[str]:
    """One line per problem: ``FILE: invalid|stale|unused: why``."""
    problems = []
    for file in cassette_files(paths):
        try:
            cassette = load_cassette(file)
        except CassetteError as error:
            problems.append(f"{file}: invalid: {error}")
            continue
        age = cassette.age().total_seconds() / 86400
        if max_age_days is not None and age > max_age_days:
            problems.append(f"{file}: stale: recorded {age:.0f} days ago (max {max_age_days:g}); re-record it")
        if test_names is not None and (file.parent.name, file.stem) not in test_names:
            problems.append(f"{file}: unused: no test '{file.stem}' in a suite '{file.parent.name}'")
    return problems


def test_names(tests: Iterable[Any]) -> set[tuple[str, str]]:
    """(suite slug, test slug) of every test (Robot's model objects, read by the CLI), as cassettes name them."""
    return {(slug(test.parent.name), slug(test.name)) for test in tests}


def to_scenario(cassette: Cassette) -> str:
    """Editable scenario rules, one per episode, matching on turn and latest user text."""
    rules: list[dict[str, Any]] = []
    for number, episode in enumerate(cassette.episodes, 1):
        request, reply = episode.request, episode.reply
        messages = request.get("messages") or []
        user_texts = [m.get("text", "") for m in messages if m.get("role") == "user" and m.get("text")]
        when: dict[str, Any] = {
            "protocol": request.get("protocol"),
            "turn": 1 + sum(m.get("role") == "assistant" for m in messages),
        }
        if user_texts:
            when["user_text_contains"] = user_texts[-1][:80]
        when["tool_result"] = bool(messages and messages[-1].get("tool_results"))
        if "error" in reply:
            status = episode.response.get("status", 500)
            answer: dict[str, Any] = {"error": {"status": status, "message": f"recorded error {status}"}}
        else:
            answer = {"text": reply.get("text", "")} if reply.get("text") else {}
            if reply.get("tool_calls"):
                answer["tool_calls"] = reply["tool_calls"]
            answer = answer or {"text": ""}
        rules.append({"name": f"episode {number}", "when": when, "reply": answer})
    header = f"# Scenario made from cassette {cassette.path}; edit freely.\n"
    return header + yaml.safe_dump({"version": 1, "rules": rules}, sort_keys=False, allow_unicode=True, width=120)
