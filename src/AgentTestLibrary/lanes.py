"""Lanes: every test declares ``lane:no-model`` or ``lane:model-backed``, and each lane keeps its rules.

- no lane tag → error; both lane tags → error;
- ``lane:model-backed`` needs the ``live`` tag and an owner (``owner:NAME`` tag or suite Metadata ``Owner``);
- ``lane:no-model`` must not call ``Require Credential Or Skip``, nor ``Get Credential`` with ``from=`` (a
  secrets manager); a missing key there is a failure, not a skip:
  checked statically here through the test, its setups and the suite file's own keywords, and at run
  time by the keyword itself;
- ``quarantine`` needs ``owner:NAME`` and ``fix-by:YYYY-MM-DD`` tags, and a fix-by date not yet past
  and at most the horizon ahead (90 days unless ``[tool.agenttest.lanes] quarantine_horizon_days``
  says otherwise), so no quarantine silences a test for good (a quarantined test's failure is
  reported as SKIP until then; see :func:`quarantine_of`);
- statically only: a suite with ``live`` tests names its owner in suite Metadata ``Owner``; with scope
  labels opted into, every test carries one of :data:`SCOPE_LABELS`.

Used by ``agenttest lanes check PATH...`` (which reads the suites) and by the library listener
before and after each test runs. No Robot Framework imports: tests come in as Robot's model objects.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

NO_MODEL = "lane:no-model"
MODEL_BACKED = "lane:model-backed"
LANES = (NO_MODEL, MODEL_BACKED)
GATED_KEYWORD = "require credential or skip"
FETCHING_KEYWORD = "get credential"  # gated too when it fetches from a secrets manager (from=SOURCE)
GATED = {GATED_KEYWORD: "Require Credential Or Skip", f"{FETCHING_KEYWORD} from=": "Get Credential with from="}
QUARANTINE = "quarantine"
OWNER_PREFIX = "owner:"
FIX_BY_PREFIX = "fix-by:"
SCOPE_LABELS = ("scope:unit", "scope:contract", "scope:integration", "scope:e2e", "scope:release-gate")
DEFAULT_HORIZON_DAYS = 90
HORIZON_KEY = "quarantine_horizon_days"


@dataclass(frozen=True)
class LaneSettings:
    """``[tool.agenttest.lanes]`` of a project's ``pyproject.toml``."""

    scope_labels: bool = False
    horizon_days: int = DEFAULT_HORIZON_DAYS


def lane_settings(root: Path) -> LaneSettings:
    """The lane settings of ``root/pyproject.toml`` (defaults without one); ValueError names a bad value."""
    import tomlkit

    file = root / "pyproject.toml"
    if not file.is_file():
        return LaneSettings()
    try:
        document = tomlkit.parse(file.read_text(encoding="utf-8"))
    except tomlkit.exceptions.ParseError as error:
        raise ValueError(f"{file}: invalid TOML: {error}") from None
    table = document.get("tool", {}).get("agenttest", {}).get("lanes", {})
    labels, horizon = table.get("scope_labels", False), table.get(HORIZON_KEY, DEFAULT_HORIZON_DAYS)
    if not isinstance(labels, bool):
        raise ValueError(f"{file}: [tool.agenttest.lanes] scope_labels must be true or false; got {labels!r}.")
    if isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise ValueError(f"{file}: [tool.agenttest.lanes] {HORIZON_KEY} must be a whole number of days from 1; "
                         f"got {horizon!r}.")  # fmt: skip
    return LaneSettings(labels, int(horizon))


@dataclass(frozen=True)
class Quarantine:
    """A quarantined test's owner and fix-by date as its tags give them (None where missing or unreadable)."""

    owner: str | None
    fix_by: dt.date | None
    fix_by_text: str | None  # the tag's value as written, for messages

    def problems(self, today: dt.date, horizon_days: int = DEFAULT_HORIZON_DAYS) -> list[str]:
        found = []
        if not self.owner:
            found.append(f"is quarantined without an owner: add an {OWNER_PREFIX}NAME tag")
        if self.fix_by_text is None:
            found.append(f"is quarantined without a fix-by date: add a {FIX_BY_PREFIX}YYYY-MM-DD tag")
        elif self.fix_by is None:
            found.append(f"has fix-by date '{self.fix_by_text}', which is not a date: write {FIX_BY_PREFIX}YYYY-MM-DD")
        elif self.fix_by < today:
            found.append(
                f"was to be fixed by {self.fix_by.isoformat()} (owner {self.owner or 'none'}): fix it, or agree a "
                f"new date and change the {FIX_BY_PREFIX} tag"
            )
        elif self.fix_by > today + dt.timedelta(days=horizon_days):
            found.append(
                f"has fix-by date {self.fix_by.isoformat()}, more than {horizon_days} days ahead: a quarantine must "
                f"end; agree a nearer date (the horizon is [tool.agenttest.lanes] {HORIZON_KEY} in pyproject.toml)"
            )
        return found

    def label(self) -> str:
        return f"owner {self.owner or 'none'}, fix by {self.fix_by_text or 'no date'}"


def quarantine_of(tags: Iterable[str]) -> Quarantine | None:
    """The quarantine a test's tags declare, or None when it is not tagged ``quarantine``."""
    tags = [str(tag) for tag in tags]
    if QUARANTINE not in (tag.lower() for tag in tags):
        return None
    owner = next((tag[len(OWNER_PREFIX) :].strip() for tag in tags if tag.lower().startswith(OWNER_PREFIX)), None)
    text = next((tag[len(FIX_BY_PREFIX) :].strip() for tag in tags if tag.lower().startswith(FIX_BY_PREFIX)), None)
    try:
        fix_by = dt.date.fromisoformat(text) if text else None
    except ValueError:
        fix_by = None
    return Quarantine(owner or None, fix_by, text)


def lane_problems(tags: Iterable[str], metadata: Mapping[str, str]) -> list[str]:
    """What is wrong with a test's lane declaration, from its tags and its suite's metadata."""
    tags = {str(tag) for tag in tags}
    lanes = [lane for lane in LANES if lane in tags]
    if not lanes:
        return [f"declares no lane: add [Tags] {NO_MODEL} or {MODEL_BACKED} (or Test Tags in the suite)"]
    if len(lanes) > 1:
        return [f"declares both {NO_MODEL} and {MODEL_BACKED}; a test is in exactly one lane"]
    problems = []
    if lanes[0] == MODEL_BACKED:
        if "live" not in tags:
            problems.append(f"is {MODEL_BACKED} but not tagged 'live' (the nightly lane runs --include live)")
        owners = [tag for tag in tags if tag.startswith("owner:")]
        if not owners and not any(name.lower() == "owner" for name in metadata):
            problems.append(f"is {MODEL_BACKED} but names no owner: add an owner:NAME tag or suite Metadata Owner")
    return problems


def offences(tests: Iterable[Any], today: dt.date | None = None, settings: LaneSettings | None = None) -> list[str]:
    """One line per problem (Robot's running model, read by the CLI): ``file: Suite.Test: problem``."""
    today = today or dt.date.today()
    settings = settings or LaneSettings()
    found: list[str] = []
    ownerless: dict[str, str] = {}  # live suites without Metadata Owner: full name -> source
    for test in tests:
        metadata = _metadata(test)
        problems = lane_problems(test.tags, metadata)
        gate = _calls_gate(test) if NO_MODEL in test.tags else None
        if gate:
            problems.append(
                f"is {NO_MODEL} but calls {gate}: no-model tests must never skip for a missing key; move it to the "
                "model-backed lane"
            )
        quarantine = quarantine_of(test.tags)
        if quarantine is not None:
            problems += quarantine.problems(today, settings.horizon_days)
        if settings.scope_labels and not any(str(tag) in SCOPE_LABELS for tag in test.tags):
            problems.append(f"carries no scope label: add one of {', '.join(SCOPE_LABELS)}")
        if "live" in test.tags and not any(name.lower() == "owner" for name in metadata):
            ownerless.setdefault(test.parent.full_name, str(test.parent.source))
        found.extend(f"{test.source}: {test.full_name}: {problem}" for problem in problems)
    found.extend(f"{source}: {suite}: live suite names no owner: add Metadata    Owner    NAME to its Settings"
                 for suite, source in ownerless.items())  # fmt: skip
    return found


def _metadata(test: Any) -> dict[str, str]:
    metadata: dict[str, str] = {}
    suite = test.parent
    while suite is not None:
        metadata = {**dict(suite.metadata), **metadata}
        suite = suite.parent
    return metadata


def _calls_gate(test: Any) -> str | None:
    """The gate the test (its setups, body and the suite file's own keywords, transitively) calls, if any."""
    keywords: dict[str, Any] = {}
    suite = test.parent
    while suite is not None:
        keywords.update({kw.name.lower(): kw for kw in suite.resource.keywords})
        suite = suite.parent
    seen: set[str] = set()
    pending = [*_calls(test.body), *_calls([test.setup, test.teardown])]
    suite = test.parent
    while suite is not None:
        pending += _calls([suite.setup])
        suite = suite.parent
    while pending:
        name = pending.pop().lower().split(".")[-1]
        if name in GATED:
            return GATED[name]
        if name in keywords and name not in seen:
            seen.add(name)
            pending += _calls(keywords[name].body)
    return None


def _calls(body: Iterable[Any]) -> list[str]:
    names = []
    for item in body:
        if getattr(item, "name", None) and getattr(item, "type", "") in ("KEYWORD", "SETUP", "TEARDOWN"):
            name = str(item.name)
            fetches = name.lower().split(".")[-1] == FETCHING_KEYWORD and any(
                str(argument).startswith("from=") for argument in getattr(item, "args", ())
            )
            names.append(f"{FETCHING_KEYWORD} from=" if fetches else name)
        names += _calls(getattr(item, "body", ()) or ())
    return names


def quarantine_summary(tests: Iterable[Any]) -> list[str]:
    """The console lines listing a run's quarantined tests (Robot's result model): status, name, owner, date."""
    rows = [(test, quarantine) for test in tests if (quarantine := quarantine_of(test.tags)) is not None]
    if not rows:
        return ["No quarantined tests."]
    failed = sum(1 for test, _ in rows if test.status == "SKIP" and test.message.startswith("Quarantined ("))
    lines = [f"Quarantined tests: {len(rows)} ({failed} failed and reported as SKIP)"]
    for test, quarantine in rows:
        original = test.message.split("Original failure:\n", 1)[-1].strip().splitlines()
        shown = "FAIL→SKIP" if test.status == "SKIP" and "Original failure:" in test.message else test.status
        detail = f": {original[0][:120]}" if shown != "PASS" and original else ""
        lines.append(f"  {shown:<9} {test.full_name} ({quarantine.label()}){detail}")
    return lines


# Names a credential file is commonly given; each must be ignored by git so a written file is never committed.
CREDENTIAL_FILES = (".env.live", ".env", "credentials.json", "service-account.json",
                    "application_default_credentials.json", ".aws/credentials", "key.pem")  # fmt: skip


def unignored_credential_files(root: Path) -> list[str]:
    """Warnings for credential file names that git under ``root`` would not ignore (empty outside a git work tree)."""
    try:
        inside = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                                capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return ["git is not available: cannot check that credential files are git-ignored"]
    if inside.stdout.strip() != "true":
        return []
    found = []
    for name in CREDENTIAL_FILES:
        ignored = subprocess.run(["git", "-C", str(root), "check-ignore", "--no-index", "-q", name],
                                 capture_output=True, timeout=30, check=False)  # fmt: skip
        if ignored.returncode != 0:
            found.append(f"{name} is not git-ignored: add it to .gitignore, so a credential file is never committed")
    return found
