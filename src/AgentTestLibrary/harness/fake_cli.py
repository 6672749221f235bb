"""Fake command-line tools: a generated POSIX ``sh`` shim per name, put first on PATH.

The shim needs no Python and no running Robot process: it matches its argv against the
rules (exact, prefix, glob, regex), writes a record of the call (cwd, selected environment,
argv, optionally stdin, the rule and exit code) into its own file, then answers. Records are
NUL-separated so any argument survives; the file's mtime is the call time.

Everything a rule says reaches the script quoted: literal text is single-quoted, a glob keeps
only its ``*``, ``?`` and simple ``[...]`` classes unquoted, variable names and command names
are checked, delays are bounded, ``files:`` stay inside the working directory, and the shim
calls its helper programs by absolute path (a fake ``grep`` cannot hijack another fake).
"""

from __future__ import annotations

import difflib
import math
import os
import re
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal, get_args

from ..clock import iso
from ..errors import FakeCliError, YamlLocationError
from ..yamlio import load_with_lines

MatchKind = Literal["any", "exact", "prefix", "glob", "regex"]
Unmatched = Literal["fail", "passthrough"]
MATCH_KINDS: tuple[str, ...] = get_args(MatchKind)
UNMATCHED: tuple[str, ...] = get_args(Unmatched)
RULE_KEYS = ("name", "args", "match", "stdout", "stderr", "exit_code", "delay", "files", "capture_stdin")
UNMATCHED_RULE = "<unmatched>"
PASSTHROUGH_RULE = "<passthrough>"  # no rule matched; the real program answered
MAX_DELAY_S = 300.0
COMMAND_NAME = re.compile(r"[A-Za-z0-9_+][A-Za-z0-9._+\-]{0,127}")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
BRACKET = re.compile(r"!?[A-Za-z0-9_.,:+/=@%\-]+")
HELPERS = ("cat", "sleep", "grep", "mkdir")


@dataclass(frozen=True)
class CliRule:
    name: str
    match: str = "any"
    args: str = ""
    stdout: str = ""
    stderr: str = ""
    exit_code: int = 0
    delay: float = 0.0
    files: dict[str, str] = field(default_factory=dict)
    capture_stdin: bool = False


@dataclass(frozen=True)
class CliCall:
    name: str
    argv: tuple[str, ...]
    cwd: str
    env: dict[str, str]
    time_ns: int
    rule: str
    exit_code: int | None
    stdin: str | None

    def to_dict(self) -> dict[str, Any]:
        data = {"name": self.name, "argv": list(self.argv), "cwd": self.cwd, "env": self.env}
        return {**data, "time": iso(self.time_ns / 1e9), "rule": self.rule, "exit_code": self.exit_code,
                "stdin": self.stdin}  # fmt: skip


def parse_rules(data: Any, source: str) -> list[CliRule]:
    """Validate a rule list (parsed YAML); errors name the source, rule and key."""
    if not isinstance(data, list):
        raise FakeCliError(f"{source}: expected a list of rules, each a mapping with {', '.join(RULE_KEYS)}.")
    return [parse_rule(item, f"{source}: rules[{index}]") for index, item in enumerate(data)]


def parse_rule(item: Any, where: str) -> CliRule:
    if not isinstance(item, dict):
        raise FakeCliError(f"{where}: expected a mapping with keys {', '.join(RULE_KEYS)}.")
    for key in item:
        if key not in RULE_KEYS:
            close = difflib.get_close_matches(str(key), RULE_KEYS, n=1)
            hint = f" Did you mean '{close[0]}'?" if close else ""
            raise FakeCliError(f"{where}.{key}: unknown key.{hint} Valid keys: {', '.join(RULE_KEYS)}.")
    args = item.get("args", "")
    args = shlex.join(str(a) for a in args) if isinstance(args, list) else str(args)
    match = str(item.get("match", "prefix" if args else "any"))
    if match not in MATCH_KINDS:
        raise FakeCliError(f"{where}.match: expected one of {', '.join(MATCH_KINDS)}; got {match!r}.")
    if match == "regex":
        try:
            re.compile(args)
        except re.error as error:
            raise FakeCliError(f"{where}.args: invalid regular expression {args!r}: {error}.") from None
    exit_code = item.get("exit_code", 0)
    if not isinstance(exit_code, int) or isinstance(exit_code, bool) or not 0 <= exit_code <= 255:
        raise FakeCliError(f"{where}.exit_code: expected an integer 0-255; got {exit_code!r}.")
    delay = item.get("delay", 0)
    if (
        not isinstance(delay, (int, float))
        or isinstance(delay, bool)
        or not math.isfinite(delay)
        or not 0 <= delay <= MAX_DELAY_S
    ):
        raise FakeCliError(
            f"{where}.delay: expected seconds (a non-negative number, at most {MAX_DELAY_S:g}); got {delay!r}."
        )
    files = item.get("files", {})
    if not isinstance(files, dict):
        raise FakeCliError(f"{where}.files: expected a mapping of path to content.")
    for path in files:
        parts = PurePosixPath(str(path)).parts
        if not str(path).strip() or str(path).startswith("/") or ".." in parts or "\0" in str(path):
            raise FakeCliError(
                f"{where}.files: '{path}' must be a relative path inside the working directory (no '..', not absolute)."
            )
    if match == "glob":
        glob_pattern(args, where)
    for key in ("stdout", "stderr"):
        if key in item and not isinstance(item[key], str):
            raise FakeCliError(
                f"{where}.{key}: expected text; got {type(item[key]).__name__} {item[key]!r} (YAML reads yes, no, "
                "on, off, true, false and numbers as values: quote the text)."
            )
    return CliRule(
        name=str(item.get("name", where.rsplit(": ", 1)[-1])),
        match=match,
        args=args,
        stdout=str(item.get("stdout", "")),
        stderr=str(item.get("stderr", "")),
        exit_code=exit_code,
        delay=float(delay),
        files={str(path): str(content) for path, content in files.items()},
        capture_stdin=bool(item.get("capture_stdin", False)),
    )


def load_rules(source: str) -> list[CliRule]:
    """Rules from a YAML file path, or YAML text."""
    path = Path(source)
    is_file = "\n" not in source and path.suffix in (".yaml", ".yml")
    if is_file and not path.is_file():
        raise FakeCliError(f"Fake CLI rules file '{source}' does not exist. Build the path from ${{CURDIR}}.")
    text, name = (path.read_text(encoding="utf-8"), str(path)) if is_file else (source, "rules")
    try:
        data, _ = load_with_lines(text)
    except YamlLocationError as error:
        raise FakeCliError(f"{name}:{error.line}: invalid YAML: {error.message}.") from None
    return parse_rules(data, name)


def _q(text: str) -> str:
    return shlex.quote(text)


def glob_pattern(glob: str, where: str = "rule") -> str:
    """A ``case`` pattern for ``glob``: literals quoted, ``*`` ``?`` and plain ``[...]`` classes kept."""
    out: list[str] = []
    literal: list[str] = []

    def flush() -> None:
        if literal:
            out.append(_q("".join(literal)))
            literal.clear()

    index = 0
    while index < len(glob):
        character = glob[index]
        if character in "*?":
            flush()
            out.append(character)
        elif character == "[" and "]" in glob[index + 2 :]:
            end = glob.index("]", index + 2)
            body = glob[index + 1 : end]
            if not BRACKET.fullmatch(body):
                raise FakeCliError(
                    f"{where}.args: the class [{body}] may hold only letters, digits and _ . , : + / = @ % - "
                    "(and a leading !); use match: regex for anything else."
                )
            flush()
            out.append(f"[{body}]")
            index = end
        elif character == "\\" and index + 1 < len(glob):
            literal.append(glob[index + 1])
            index += 1
        else:
            literal.append(character)
        index += 1
    flush()
    return "".join(out) or "''"


def _answer(rule: CliRule, helpers: dict[str, str]) -> str:
    lines = [f"  printf 'rule\\0%s\\0exit\\0%s\\0' {_q(rule.name)} {rule.exit_code} >> \"$rec\""]
    if rule.capture_stdin:
        lines.append(f'  {helpers["cat"]} > "$records/stdin-$n"')
    if rule.delay:
        lines.append(f"  {helpers['sleep']} {rule.delay:.3f}")
    for path, content in rule.files.items():
        parent = str(PurePosixPath(path).parent)
        if parent != ".":
            lines.append(f"  {helpers['mkdir']} -p -- {_q(parent)}")
        lines.append(f"  printf '%s' {_q(content)} > {_q(path)}")
    if rule.stdout:
        lines.append(f"  printf '%s' {_q(rule.stdout)}")
    if rule.stderr:
        lines.append(f"  printf '%s' {_q(rule.stderr)} >&2")
    lines.append(f"  exit {rule.exit_code}")
    return "\n".join(lines)


def shim_script(
    name: str,
    *,
    records: Path,
    rules: list[CliRule],
    unmatched: str,
    real: str | None,
    env: tuple[str, ...],
    helpers: dict[str, str] | None = None,
) -> str:
    """The ``sh`` program for one fake command."""
    tools = helpers or {tool: tool for tool in HELPERS}
    out = [
        "#!/bin/sh",
        f"# Fake '{name}' generated by AgentTestLibrary.",
        "IFS=' '",
        f"records={_q(str(records))}",
        # Calls are numbered in order: claim the first free number with an exclusive create.
        'first_free() { set -- "$records"/[0-9]*; [ -e "$1" ] && n=$# || n=0; }',
        "first_free",
        'while ! { set -C; : > "$records/$n"; } 2>/dev/null; do n=$((n+1)); done',
        'set +C; rec="$records/$n"',
        "{",
        f"  printf 'name\\0%s\\0' {_q(name)}",
        "  printf 'cwd\\0%s\\0' \"$PWD\"",
        *(f'  [ -n "${{{var}+x}}" ] && printf \'env\\0%s\\0\' "{var}=${var}"' for var in env),
        "  printf 'argc\\0%s\\0' \"$#\"",
        '  for arg in "$@"; do printf \'%s\\0\' "$arg"; done',
        '} >> "$rec"',
        'args="$*"',
    ]
    for rule in rules:
        if rule.match == "any":
            out.append("if true; then")
        elif rule.match == "exact":
            out.append(f'if [ "$args" = {_q(rule.args)} ]; then')
        elif rule.match == "prefix":
            out.append(f'if case "$args" in {_q(rule.args)}*) true;; *) false;; esac; then')
        elif rule.match == "glob":
            out.append(f'if case "$args" in {glob_pattern(rule.args)}) true;; *) false;; esac; then')
        else:
            out.append(f"if printf '%s' \"$args\" | {tools['grep']} -Eq -- {_q(posix_regex(rule.args))}; then")
        out += [_answer(rule, tools), "fi"]
    if unmatched == "passthrough" and real:  # the real program answers; its exit code is recorded like a rule's
        out += [f"printf 'rule\\0%s\\0' {_q(PASSTHROUGH_RULE)} >> \"$rec\"", f'{_q(real)} "$@"', "code=$?",
                "printf 'exit\\0%s\\0' \"$code\" >> \"$rec\"", 'exit "$code"']  # fmt: skip
    else:
        out.append(f"printf 'rule\\0%s\\0' {_q(UNMATCHED_RULE)} >> \"$rec\"")
        listing = "; ".join(f"{r.name}: {r.match} {r.args!r}" for r in rules) or "none"
        before = f"fake {name}: no rule matches the arguments '"
        after = f"' (rules: {listing}). Add a rule or use unmatched=passthrough."
        out += [
            f"printf '%s%s%s\\n' {_q(before)} \"$args\" {_q(after)} >&2",
            "printf 'exit\\0%s\\0' 127 >> \"$rec\"",
            "exit 127",
        ]
    return "\n".join(out) + "\n"


def real_binary(name: str, path: str, exclude: Path) -> str | None:
    """Where ``name`` resolves on ``path`` once the fakes directory is taken out."""
    kept = os.pathsep.join(entry for entry in path.split(os.pathsep) if Path(entry) != exclude)
    return shutil.which(name, path=kept)


def install(
    name: str, *, bin_dir: Path, records_root: Path, rules: list[CliRule], unmatched: str, env: tuple[str, ...]
) -> Path:
    if not COMMAND_NAME.fullmatch(name):
        raise FakeCliError(
            f"{name[:80]!r} cannot be a command name: use 1 to 128 letters, digits and . _ + - "
            "(not starting with . or -)."
        )
    bad = [variable for variable in env if not ENV_NAME.fullmatch(variable)]
    if bad:
        raise FakeCliError(f"record_env: {bad[0]!r} is not a variable name (letters, digits and _, not a digit first).")
    if unmatched not in UNMATCHED:
        raise FakeCliError(f"unmatched must be fail or passthrough; got {unmatched!r}.")
    path = os.environ.get("PATH", "")
    real = real_binary(name, path, bin_dir)
    if unmatched == "passthrough" and real is None:
        raise FakeCliError(f"unmatched=passthrough needs a real '{name}' on PATH; none was found.")
    helpers = {tool: real_binary(tool, path, bin_dir) or f"/bin/{tool}" for tool in HELPERS}
    records_root.mkdir(parents=True, exist_ok=True)
    bin_dir.mkdir(parents=True, exist_ok=True)
    shim = bin_dir / name
    script = shim_script(
        name, records=records_root, rules=rules, unmatched=unmatched, real=real, env=env, helpers=helpers
    )
    shim.write_text(script, encoding="utf-8")
    shim.chmod(0o755)
    return shim


def call_count(records_root: Path) -> int:
    return sum(1 for _ in records_root.glob("[0-9]*"))


def read_calls(records_root: Path, since: int = 0) -> list[CliCall]:
    """Recorded calls under ``records_root`` numbered ``since`` or later, in call order."""
    records = [record for record in records_root.glob("[0-9]*") if int(record.name) >= since]
    # Every fake of a scope shares one folder, so the claimed numbers order all calls exactly.
    return [_parse(record, record.stat().st_mtime_ns) for record in sorted(records, key=lambda r: int(r.name))]


SHORTHANDS = {  # shorthand -> (outside brackets, inside brackets; None: kept as written)
    "d": ("[0-9]", "0-9"), "D": ("[^0-9]", None), "s": ("[[:space:]]", "[:space:]"), "S": ("[^[:space:]]", None),
    "w": ("[[:alnum:]_]", "[:alnum:]_"), "W": ("[^[:alnum:]_]", None),
}  # fmt: skip


def posix_regex(pattern: str) -> str:
    """A Python-style pattern as the POSIX extended regex ``grep -E`` runs: ``\\d``, ``\\s``, ``\\w`` (and their
    negations outside brackets) become classes, so the patterns users write in Python work in the shim."""
    out, inside, index = [], False, 0
    while index < len(pattern):
        character = pattern[index]
        if character == "\\" and index + 1 < len(pattern):
            following = pattern[index + 1]
            outside_form, inside_form = SHORTHANDS.get(following, (None, None))
            replacement = inside_form if inside else outside_form
            out.append(replacement if replacement is not None else pattern[index : index + 2])
            index += 2
            continue
        if character == "[" and not inside:
            inside = True
        elif character == "]" and inside and out and out[-1] not in ("[", "[^"):
            inside = False
        out.append(character)
        index += 1
    return "".join(out)


def _parse(record: Path, time_ns: int) -> CliCall:
    tokens = record.read_bytes().decode("utf-8", errors="replace").split("\0")
    values: dict[str, Any] = {"env": {}, "argv": (), "name": "", "cwd": "", "rule": "", "exit": None}
    index = 0
    while index < len(tokens) - 1:
        key = tokens[index]
        if key == "argc":
            count = int(tokens[index + 1])
            values["argv"] = tuple(tokens[index + 2 : index + 2 + count])
            index += 2 + count
            continue
        if key == "env":
            variable, _, value = tokens[index + 1].partition("=")
            values["env"][variable] = value
        elif key in ("name", "cwd", "rule", "exit"):
            values[key] = tokens[index + 1]
        index += 2
    stdin_file = record.with_name(f"stdin-{record.name}")
    stdin = stdin_file.read_text(encoding="utf-8", errors="replace") if stdin_file.exists() else None
    exit_code = int(values["exit"]) if values["exit"] not in (None, "") else None
    return CliCall(
        values["name"], values["argv"], values["cwd"], values["env"], time_ns, values["rule"], exit_code, stdin
    )
