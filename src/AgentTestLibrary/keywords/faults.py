"""Injecting faults into the mock LLM from a test."""

from __future__ import annotations

from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from ..mock.fields import from_text
from ..mockllm.scenario import parse_fault
from ..mockllm.scenario.loader import FAULT_FIELDS, MATCHER_FIELDS
from .context import mock_only
from .scopes import LibraryComponent


class FaultKeywords(LibraryComponent):
    @keyword("Inject LLM Fault")
    @mock_only
    def inject_llm_fault(self, **fault: Any) -> str:
        """Makes the mock break matching model requests; returns the fault's name.

        Effects (combine freely): ``status`` (error in the provider's exact shape), ``message``,
        ``type``, ``retry_after`` (seconds; also sends ``retry-after-ms``), ``retry_after_ms``,
        ``should_retry`` (``x-should-retry``), ``delay_ms`` (before the headers),
        ``first_token_ms`` and ``chunk_ms`` (stream pacing), ``cut_after_events`` /
        ``cut_after_bytes`` (the connection drops, no terminal event), ``malformed=sse|json``,
        ``hang_s`` (hold the request, then close; at most 300 s), ``ws_close_after_events``.

        Targeting: ``nth`` (only the Nth matching call), ``times`` (the first N matching
        calls, then recover), ``probability`` with ``seed`` (deterministic), ``name``, and any
        scenario ``when`` condition as a named argument (``user_text_contains=...``).

        Faults injected in a test end with the test; in a suite setup, with the suite.

        Example:
        | Inject LLM Fault    status=429    retry_after=1    times=2
        | Inject LLM Fault    status=500    nth=3
        | Inject LLM Fault    cut_after_events=3    provider=anthropic
        """
        spec = from_text({k: v for k, v in fault.items() if k not in MATCHER_FIELDS}, FAULT_FIELDS)
        spec["when"] = from_text({k: v for k, v in fault.items() if k in MATCHER_FIELDS}, MATCHER_FIELDS)
        mock = self.ctx.current_mock()
        spec.setdefault("name", f"keyword fault #{len(mock.app.faults) + 1}")
        parsed = parse_fault(spec, "Inject LLM Fault")
        mock.app.add_fault(parsed, self.ctx.rule_scope)
        logger.info(f"Injected {parsed.describe()} for {self.ctx.rule_scope}.")
        return parsed.name

    @keyword("Clear LLM Faults")
    @mock_only
    def clear_llm_faults(self) -> None:
        """Removes the faults injected in the current test (or suite setup) and restarts fault counters."""
        mock = self.ctx.current_mock()
        mock.app.clear_faults(self.ctx.rule_scope)
