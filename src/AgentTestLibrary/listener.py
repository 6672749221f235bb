"""Library listener: per-test scoping, strict-mode verdicts, evidence files, cleanup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from robot import result as robot_result
from robot import running
from robot.api import logger
from robot.libraries.BuiltIn import BuiltIn

from .errors import NameClashError
from .keywords.cassettes import close_cassette, open_cassette
from .keywords.context import LibraryContext
from .keywords.fake_cli import end_fake_scope, mark_fake_calls
from .keywords.hooks import end_hook_scope, mark_hook_events
from .keywords.journal import unmatched_report
from .keywords.live import sealed_network_skip
from .keywords.runtimes import end_runtime_home
from .lanes import lane_problems
from .live import gate
from .naming import per_test_file


class LibraryListener:
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, ctx: LibraryContext) -> None:
        self.ctx = ctx

    # -- masking: no registered secret reaches output.xml, log.html or the console ------------

    def log_message(self, message: robot_result.Message) -> None:
        message.message = self.ctx.secrets.mask_text(message.message)

    def message(self, message: robot_result.Message) -> None:
        message.message = self.ctx.secrets.mask_text(message.message)

    def end_keyword(self, data: running.Keyword, result: robot_result.Keyword) -> None:
        mask = self.ctx.secrets.mask_text
        result.args = tuple(mask(str(argument)) for argument in result.args)
        result.message = mask(result.message)

    def start_test(self, data: running.TestCase, result: robot_result.TestCase) -> None:
        self.ctx.current_test = data.full_name
        self.ctx.current_test_tags = tuple(str(tag) for tag in data.tags)
        suite = data.parent.name if data.parent else ""
        self.ctx.current_test_place = (suite, data.name, str(data.source or ""))
        self.ctx.ensure_live_environment()
        problems = lane_problems(data.tags, _metadata(data))
        if problems:
            _replace_body(data, "BuiltIn.Fail", f"Test '{data.name}' " + "; ".join(problems) + ".")
        elif "live" in data.tags and not gate.live_enabled():
            _replace_body(data, "BuiltIn.Skip", f"{gate.MASTER_GATE} not set")
        mark_fake_calls(self.ctx)
        mark_hook_events(self.ctx)
        for mock in self.ctx.mocks:
            mock.test_mark = mock.app.journal.next_index
            mock.app.reset_counters()
            verdict = open_cassette(self.ctx, mock, *self.ctx.current_test_place)
            if verdict.action:
                _replace_body(data, "BuiltIn.Fail" if verdict.action == "fail" else "BuiltIn.Skip", verdict.message)

    def end_test(self, data: running.TestCase, result: robot_result.TestCase) -> None:
        result.message = self.ctx.secrets.mask_text(result.message)
        upstreams = [failure.url for mock in self.ctx.mocks_of_test() if mock.tape
                     for failure in mock.tape.upstream_failures]  # fmt: skip
        scope = self.ctx.rule_scope
        end_fake_scope(self.ctx, scope)
        end_hook_scope(self.ctx, scope)
        self.ctx.current_test = None
        self.ctx.current_test_tags = ()
        for number, mock in enumerate(self.ctx.mocks_of_test()):
            mock.app.remove_scope(scope)
            written = close_cassette(mock)
            if written:
                logger.info(f"Cassette recorded: {written}")
            entries = [entry for entry in mock.app.journal.entries(mock.test_mark) if entry.protocol]
            try:
                evidence = self._write_evidence(data, entries, number)
            except NameClashError as error:
                result.status, result.message = "FAIL", str(error)
                continue
            if evidence:
                logger.info(f'LLM evidence ({len(entries)} requests): <a href="{evidence}">{evidence}</a>', html=True)
            report = unmatched_report(entries)
            if report and result.passed:
                result.status = "FAIL"
                result.message = f"Strict mock LLM: {report}"
            elif report and result.failed:
                result.message += f"\n\nAlso, strict mock LLM: {report}"
        self.ctx.stopped_during_test.clear()
        tags = [str(tag) for tag in data.tags]
        if "live" in tags and result.failed:
            skip = sealed_network_skip(self.ctx, data.full_name, result.message, tags, upstreams)
            if skip:
                result.status, result.message = "SKIP", skip
        elif upstreams and result.passed:
            result.status = "FAIL"
            result.message = (
                f"Recording failed: the upstream {', '.join(dict.fromkeys(upstreams))} could not be reached."
            )

    def end_suite(self, data: running.TestSuite, result: robot_result.TestSuite) -> None:
        end_fake_scope(self.ctx, f"suite:{data.full_name}")
        end_hook_scope(self.ctx, f"suite:{data.full_name}")
        end_runtime_home(self.ctx, data.full_name)
        if self.ctx.real_llm is not None and self.ctx.real_llm_suite == data.full_name:
            self.ctx.real_llm.restore()
            self.ctx.real_llm = None
        for mock in list(self.ctx.mocks):
            mock.app.remove_scope(f"suite:{data.full_name}")
            if mock.suite == data.full_name and mock in self.ctx.mocks:
                self.ctx.stop_mock(mock)
                logger.info(f"Stopped mock LLM at {mock.url} at the end of suite '{data.full_name}'.")

    def close(self) -> None:
        end_runtime_home(self.ctx)
        for key in list(self.ctx.fake_scopes):
            end_fake_scope(self.ctx, key)
        for key in list(self.ctx.hook_scopes):
            end_hook_scope(self.ctx, key)
        if self.ctx.real_llm is not None:
            self.ctx.real_llm.restore()
            self.ctx.real_llm = None
        for mock in list(reversed(self.ctx.mocks)):
            self.ctx.stop_mock(mock)
        self.ctx.private.close()

    def _write_evidence(self, test: running.TestCase, entries: list[Any], number: int) -> str | None:
        """Write the test's redacted requests under the output directory; return the relative link."""
        output_dir = BuiltIn().get_variable_value("${OUTPUT DIR}")
        if not output_dir:
            return None
        suite = test.parent.full_name if test.parent else ""
        suffix = f"-{number}" if number else ""
        relative = per_test_file("agenttest-evidence", suite, test.name, f"{suffix}.json")
        path = self.ctx.names.claim(Path(output_dir) / relative, f"{suite}.{test.name}")
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {"suite": suite, "test": test.name, "request_count": len(entries),
                   "requests": [entry.to_dict() for entry in entries]}  # fmt: skip
        path.write_text(json.dumps(self.ctx.secrets.mask(payload), indent=2, ensure_ascii=False), encoding="utf-8")
        return relative.as_posix()


def _replace_body(test: running.TestCase, keyword: str, message: str) -> None:
    """Run only ``keyword`` (Skip or Fail) with ``message`` instead of the test and its setup/teardown."""
    test.setup.config(name=None)
    test.teardown.config(name=None)
    test.body.clear()
    test.body.create_keyword(name=keyword, args=[message.replace("\\", "\\\\")])


def _metadata(test: running.TestCase) -> dict[str, str]:
    metadata: dict[str, str] = {}
    suite = test.parent
    while suite is not None:
        metadata = {**{str(k): str(v) for k, v in suite.metadata.items()}, **metadata}
        suite = suite.parent
    return metadata
