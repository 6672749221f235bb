"""Verdicts on the agent's resilience, judged from the journal of the current test."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from robot.api import logger
from robot.api.deco import keyword

from ..report.tables import table
from .mock_llm import UsesMockLLM, mock_only

if TYPE_CHECKING:
    from ..mock.journal import JournalEntry


class ResilienceKeywords(UsesMockLLM):
    def _entries(self) -> list[JournalEntry]:
        return self.requests()

    def _judge(self, verdict: str, *args: Any) -> None:
        """Judge the test's requests by ``verdict`` (a function of :mod:`~..mockllm.resilience`), with the table."""
        from ..mockllm import resilience

        failure: str = getattr(resilience, verdict)(self._entries(), *args)
        rows = [[call["call"], call["attempts"], call["retries"], call["gaps_s"], call["statuses"],
                 [value for value in call["retry_after_s"] if value is not None]]
                for call in self.get_llm_retry_report()]  # fmt: skip
        headers = ("model call", "attempts", "retries", "gaps (s)", "statuses", "retry-after asked (s)")
        logger.info(table("Model calls of this test", headers, rows), html=True)
        if failure:
            raise AssertionError(failure)
        logger.info("Verdict holds.")

    @keyword("Get LLM Retry Report")
    @mock_only
    def get_llm_retry_report(self) -> list[dict[str, Any]]:
        """Returns, per model call of the current test, its attempts, retries, gaps (s) and statuses.

        Example:
        | ${report}=    Get LLM Retry Report
        | Should Be Equal As Integers    ${report}[0][attempts]    3
        """
        from ..mockllm import resilience

        return [call.to_dict() for call in resilience.calls(self._entries())]

    @keyword("Agent Should Have Retried")
    @mock_only
    def agent_should_have_retried(self, times: int) -> None:
        """Fails unless the agent retried failed or broken responses exactly ``times`` times in this test.

        Example:
        | Inject LLM Fault    status=429    retry_after=1    times=2
        | Run Example Agent    hi
        | Agent Should Have Retried    2
        """
        self._judge("retried", times)

    @keyword("Agent Should Have Honoured Retry After")
    @mock_only
    def agent_should_have_honoured_retry_after(self, tolerance: float = 0.05) -> None:
        """Fails unless every retry after a ``retry-after`` or ``retry-after-ms`` waited at least that long.

        ``tolerance`` (seconds) absorbs timer resolution. The failure names the numbers:
        ``retried after 0.21 s, retry-after asked for 1 s``.
        """
        self._judge("honoured_retry_after", tolerance)

    @keyword("Agent Should Have Backed Off")
    @mock_only
    def agent_should_have_backed_off(self, growth: float = 1.2) -> None:
        """Fails unless the gaps between retries of a call grew (each at least ``growth`` times the last)."""
        self._judge("backed_off", growth)

    @keyword("Agent Should Not Have Hammered")
    @mock_only
    def agent_should_not_have_hammered(self, min_gap: float = 0.1) -> None:
        """Fails when the agent retried a failed response sooner than ``min_gap`` seconds."""
        self._judge("not_hammered", min_gap)

    @keyword("Truncated Response Should Not Have Been Accepted")
    @mock_only
    def truncated_response_should_not_have_been_accepted(self, rc: int | None = None) -> None:
        """Fails when a cut or malformed response was taken as complete.

        It was if the agent went on to the next turn after it, or (given the agent's exit
        code ``rc``) exited 0 without retrying.

        Example:
        | Inject LLM Fault    cut_after_events=3    times=1
        | ${result}=    Run Example Agent And Expect Failure Or Success    hi    stream=${TRUE}
        | Truncated Response Should Not Have Been Accepted    rc=${result.rc}
        """
        self._judge("truncated_not_accepted", rc)

    @keyword("Agent Should Have Given Up Cleanly")
    @mock_only
    def agent_should_have_given_up_cleanly(self, max_attempts: int | None = None, rc: int | None = None) -> None:
        """Fails unless, facing a persistent error, the agent stopped and failed.

        ``max_attempts`` bounds the attempts of the failing call; ``rc`` (the agent's exit
        code) must then be non-zero.
        """
        self._judge("gave_up_cleanly", max_attempts, rc)

    @keyword("Agent Should Not Have Executed Malformed Tool Call")
    @mock_only
    def agent_should_not_have_executed_malformed_tool_call(self) -> None:
        """Fails when the agent ran a tool call the model malformed in this test.

        Malformed: its arguments were cut at the token limit (``misbehave=truncated_tool_arguments``)
        or do not parse (``invalid_tool_arguments``), or its tool was not offered
        (``undeclared_tool``). Judged from the tool results the agent sent back: a result for such
        a call must be an error (Anthropic's ``is_error``, or text starting with ``error``); not
        answering the call at all, or failing, also holds. Fails too when no malformed call was served.

        Example:
        | Inject LLM Fault    misbehave=invalid_tool_arguments    times=1
        | Run Example Agent    List the files
        | Agent Should Not Have Executed Malformed Tool Call
        """
        self._judge("malformed_not_executed")

    @keyword("Agent Should Not Have Looped On Refusal")
    @mock_only
    def agent_should_not_have_looped_on_refusal(self, max_repeats: int = 0) -> None:
        """Fails when, after a refusal or a content filter (``misbehave=refusal|content_filter``), the agent
        sent the refused request again, or went on with it without a new instruction, more than
        ``max_repeats`` times. Fails too when no refusal was served.

        Example:
        | Inject LLM Fault    misbehave=refusal
        | ${result}=    Run Example Agent And Expect Failure Or Success    List the files
        | Agent Should Not Have Looped On Refusal
        """
        self._judge("not_looped_on_refusal", max_repeats)
