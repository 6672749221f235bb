"""Injecting faults into the mock LLM from a test, through the same fault path as every served mock."""

from __future__ import annotations

from typing import Any

from robot.api.deco import keyword

from .mock_llm import UsesMockLLM, mock_only
from .served import inject_fault


class FaultKeywords(UsesMockLLM):
    @keyword("Inject LLM Fault")
    @mock_only
    def inject_llm_fault(self, **fault: Any) -> str:
        """Makes the mock break matching model requests; returns the fault's name.

        Effects (combine freely): ``status`` (error in the provider's exact shape), ``message``,
        ``type``, ``retry_after`` (seconds; also sends ``retry-after-ms``), ``retry_after_ms``,
        ``should_retry`` (``x-should-retry``), ``delay_ms`` (before the headers),
        ``first_token_ms`` and ``chunk_ms`` (stream pacing), ``cut_after_events`` /
        ``cut_after_bytes`` (the connection drops, no terminal event), ``malformed=sse|json``,
        ``hang_s`` (hold the request, then close; at most 300 s), ``reset`` (close at once,
        unanswered), ``ws_close_after_events``.

        ``misbehave`` makes the *model* answer badly, in each wire format's exact shape:
        ``refusal``, ``content_filter``, ``max_tokens`` (stopped mid-text),
        ``truncated_tool_arguments`` (stopped mid tool call), ``invalid_tool_arguments``,
        ``undeclared_tool``, ``duplicate_tool_call_ids``, ``empty``, ``reasoning_only``
        (see the Misbehaviour table of ``docs/capabilities/faults.md``); ``message`` sets the refusal's or the
        reasoning's text.

        Targeting: ``nth`` (only the Nth matching call), ``times`` (the first N matching
        calls, then recover), ``probability`` with ``seed`` (deterministic), ``name``, and any
        scenario ``when`` condition as a named argument (``user_text_contains=...``).

        Faults injected in a test end with the test; in a suite setup, with the suite.

        Example:
        | Inject LLM Fault    status=429    retry_after=1    times=2
        | Inject LLM Fault    status=500    nth=3
        | Inject LLM Fault    cut_after_events=3    provider=anthropic
        | Inject LLM Fault    misbehave=refusal    times=1
        | Inject LLM Fault    misbehave=invalid_tool_arguments    nth=1    protocol=openai.chat
        """
        from ..mockllm.scenario.loader import FAULT_FIELDS, MATCHER_FIELDS

        return inject_fault(self.mock().app, self.llm.kind, fault, FAULT_FIELDS, MATCHER_FIELDS,
                            scope_key=self.ctx.scope_key)  # fmt: skip

    @keyword("Clear LLM Faults")
    @mock_only
    def clear_llm_faults(self) -> None:
        """Removes the faults injected in the current test (or suite setup) and restarts fault counters."""
        self.mock().app.clear_faults(self.ctx.scope_key)
