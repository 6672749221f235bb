"""Reading the journal: what the agent sent to the mock, and what the mock answered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from robot.api import logger
from robot.api.deco import keyword

from ..wire import JournalProtocol
from .mock_llm import UsesMockLLM, mock_only, unmatched_report

if TYPE_CHECKING:
    from ..mock.journal import JournalEntry
    from ..mockllm.conversation import Conversation


class JournalKeywords(UsesMockLLM):
    def _entries(self, protocol: JournalProtocol | None = None) -> list[JournalEntry]:
        """Model requests of the current test (or of the whole run outside tests)."""
        return [entry for entry in self.requests() if protocol is None or entry.protocol == protocol]

    def _model_calls(self) -> list[tuple[JournalEntry, Conversation]]:
        from ..mockllm.conversation import conversation_of

        return [(entry, conversation) for entry in self._entries() if (conversation := conversation_of(entry))]

    @keyword("Get LLM Requests")
    @mock_only
    def get_llm_requests(self, protocol: JournalProtocol | None = None) -> list[dict[str, Any]]:
        """Returns the requests the mock received in the current test, oldest first, as dictionaries.

        Each has ``index``, ``method``, ``path``, ``status``, ``protocol``, ``rule`` (the rule
        that answered), ``unmatched``, ``near_miss``, ``headers`` and ``body`` (redacted),
        ``request`` (the normalized view: ``model``, ``system``, ``messages``, ``tools``,
        ``latest_user_text``, ``turn``) and ``reply`` (``text``, ``tool_calls``). Outside a
        test (e.g. in Suite Teardown) all requests since the mock started are returned.
        ``protocol`` keeps only ``openai.chat``, ``anthropic.messages`` ... requests.

        Example:
        | ${requests}=    Get LLM Requests
        | Should Be Equal    ${requests}[0][request][model]    gpt-4o-mini
        """
        entries = [entry.to_dict() for entry in self._entries(protocol)]
        logger.info(f"{len(entries)} LLM request(s):\n" + "\n".join(_summary(e) for e in entries))
        return entries

    @keyword("Mock LLM Should Have Received")
    @mock_only
    def mock_llm_should_have_received(
        self, count: int, unit: Literal["request", "requests"] = "requests", protocol: JournalProtocol | None = None
    ) -> None:
        """Fails unless the mock received exactly ``count`` model requests in the current test.

        Example:
        | Mock LLM Should Have Received    2    requests
        | Mock LLM Should Have Received    1    request    protocol=anthropic.messages
        """
        entries = self._entries(protocol)
        if len(entries) != count:
            listing = "\n".join(_summary(entry.to_dict()) for entry in entries) or "(none)"
            what = f" {protocol}" if protocol else ""
            raise AssertionError(f"Expected {count}{what} request(s), the mock received {len(entries)}:\n{listing}")
        logger.info(f"The mock received {count} request(s) as expected.")

    @keyword("Mock LLM Should Have Requested Tool")
    @mock_only
    def mock_llm_should_have_requested_tool(self, tool: str, **arguments: Any) -> None:
        """Fails unless the mock answered with a call of ``tool`` whose arguments include ``arguments``.

        Example:
        | Mock LLM Should Have Requested Tool    list_files    path=.
        """
        from ..mock.conditions import equal_to
        from ..mockllm.conversation import Reply

        calls = [call for entry, _ in self._model_calls() if isinstance(entry.reply, Reply)
                 for call in entry.reply.tool_calls]  # fmt: skip
        for call in calls:
            if call.name == tool and not equal_to(arguments).mismatches(call.arguments):
                return
        seen = ", ".join(f"{call.name}({call.arguments_json()})" for call in calls) or "no tool calls"
        raise AssertionError(f"No call of tool '{tool}' with arguments {arguments} was sent; sent: {seen}.")

    @keyword("Tool Result Should Have Been Sent")
    @mock_only
    def tool_result_should_have_been_sent(self, contains: str = "", tool: str | None = None) -> None:
        """Fails unless the agent sent back a tool result containing ``contains`` (for ``tool``, if given).

        Example:
        | Tool Result Should Have Been Sent    notes.txt    tool=list_files
        """
        seen = []
        for _, conversation in self._model_calls():
            names = {call.id: call.name for call in conversation.tool_calls}
            for result in conversation.tool_results:
                name = names.get(result.call_id, "?")
                seen.append(f"{name}: {result.content[:80]!r}")
                if contains in result.content and (tool is None or name == tool):
                    return
        listing = "; ".join(dict.fromkeys(seen)) or "no tool results"
        raise AssertionError(
            f"No tool result{f' of {tool}' if tool else ''} containing '{contains}' was sent; seen: {listing}."
        )

    @keyword("Tool Should Have Been Offered")
    @mock_only
    def tool_should_have_been_offered(self, tool: str) -> None:
        """Fails unless every model request of the current test offered ``tool`` to the model."""
        calls = self._model_calls()
        missing = [entry.index for entry, conversation in calls if tool not in conversation.tool_names]
        if not calls or missing:
            raise AssertionError(f"Tool '{tool}' was not offered in request(s) {missing or 'none received'}.")

    @keyword("System Prompt Should Contain")
    @mock_only
    def system_prompt_should_contain(self, text: str) -> None:
        """Fails unless the system prompt of every model request of the current test contains ``text``."""
        calls = self._model_calls()
        bad = [conversation for _, conversation in calls if text not in conversation.system]
        if not calls or bad:
            prompts = "; ".join(repr(conversation.system[:80]) for conversation in bad) or "no requests"
            raise AssertionError(f"System prompt does not contain '{text}': {prompts}.")

    @keyword("User Message Should Have Been Sent")
    @mock_only
    def user_message_should_have_been_sent(self, contains: str) -> None:
        """Fails unless some model request of the current test had a user message containing ``contains``."""
        texts = [m.text for _, conversation in self._model_calls() for m in conversation.messages if m.role == "user"]
        if not any(contains in text for text in texts):
            raise AssertionError(f"No user message contains '{contains}'; user messages: {list(dict.fromkeys(texts))}.")

    @keyword("LLM Requests Should Use Model")
    @mock_only
    def llm_requests_should_use_model(self, model: str) -> None:
        """Fails unless every model request of the current test asked for ``model``."""
        used = [conversation.model for _, conversation in self._model_calls()]
        if not used or any(name != model for name in used):
            raise AssertionError(f"Expected every request to use model '{model}'; used: {used or 'no requests'}.")

    @keyword("Mock LLM Should Have Matched All Requests")
    @mock_only
    def mock_llm_should_have_matched_all_requests(self) -> None:
        """Fails when a request of the current test matched no scenario rule, naming the closest rule.

        In strict mode this check also runs automatically at the end of every test.
        """
        failures = unmatched_report(self._entries())
        if failures:
            raise AssertionError(failures)


def _summary(entry: dict[str, Any]) -> str:
    request = entry.get("request") or {}
    reply = entry.get("reply") or {}
    answer = ", ".join(call["name"] for call in reply.get("tool_calls", [])) or repr((reply.get("text") or "")[:60])
    return (
        f"#{entry['index']} {entry['method']} {entry['path']} -> {entry['status']} "
        f"[{entry.get('protocol')}] model={request.get('model')} user={request.get('latest_user_text', '')[:60]!r} "
        f"rule={entry.get('rule')} reply={answer}"
        + (f" UNMATCHED: {entry['near_miss']}" if entry.get("unmatched") else "")
    )
