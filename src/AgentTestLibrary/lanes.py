"""Lanes: every test declares ``lane:no-model`` or ``lane:model-backed``, and each lane keeps its rules.

- no lane tag → error; both lane tags → error;
- ``lane:model-backed`` needs the ``live`` tag and an owner (``owner:NAME`` tag or suite Metadata ``Owner``);
- ``lane:no-model`` must not call ``Require Credential Or Skip`` (a missing key there is a failure, not a skip):
  checked statically here through the test, its setups and the suite file's own keywords, and at run
  time by the keyword itself.

Used by ``agenttest lanes check PATH...`` (which reads the suites) and by the library listener
before each test runs. No Robot Framework imports: tests come in as Robot's model objects.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

NO_MODEL = "lane:no-model"
MODEL_BACKED = "lane:model-backed"
LANES = (NO_MODEL, MODEL_BACKED)
GATED_KEYWORD = "require credential or skip"


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


def offences(tests: Iterable[Any]) -> list[str]:
    """One line per offending test (Robot's running model, read by the CLI): ``file: Suite.Test: problem``."""
    found: list[str] = []
    for test in tests:
        problems = lane_problems(test.tags, _metadata(test))
        if NO_MODEL in test.tags and _calls_gate(test):
            problems.append(
                f"is {NO_MODEL} but calls Require Credential Or Skip: no-model tests must never skip for a "
                "missing key; move it to the model-backed lane"
            )
        found.extend(f"{test.source}: {test.full_name}: {problem}" for problem in problems)
    return found


def _metadata(test: Any) -> dict[str, str]:
    metadata: dict[str, str] = {}
    suite = test.parent
    while suite is not None:
        metadata = {**dict(suite.metadata), **metadata}
        suite = suite.parent
    return metadata


def _calls_gate(test: Any) -> bool:
    """Does the test (its setups, body and the suite file's own keywords, transitively) call the gate?"""
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
        if name == GATED_KEYWORD:
            return True
        if name in keywords and name not in seen:
            seen.add(name)
            pending += _calls(keywords[name].body)
    return False


def _calls(body: Iterable[Any]) -> list[str]:
    names = []
    for item in body:
        if getattr(item, "name", None) and getattr(item, "type", "") in ("KEYWORD", "SETUP", "TEARDOWN"):
            names.append(str(item.name))
        names += _calls(getattr(item, "body", ()) or ())
    return names
