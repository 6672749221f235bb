"""Scenario rules from keywords: everything a YAML scenario can say, without writing YAML."""

from __future__ import annotations

import json
from typing import Any

from robot.api import logger
from robot.api.deco import keyword

from ..errors import ScenarioError
from ..validation import data_from
from .mock_llm import UsesMockLLM, mock_only
from .served import require_all_used


class RuleKeywords(UsesMockLLM):
    @keyword("Add LLM Rule")
    @mock_only
    def add_llm_rule(self, rule: dict[str, Any] | str) -> None:
        """Adds one scenario rule, written as in a scenario file, as a dictionary or YAML/JSON text.

        Rules added inside a test apply until the test ends; added in a suite setup, until
        the suite ends. They are checked before the scenario file's rules, in the order added.

        Example:
        | ${rule}=    Catenate    SEPARATOR=\\n
        | ...    name: ask twice
        | ...    when: {user_text_contains: weather}
        | ...    sequence:
        | ...      - tool_calls: [{name: get_weather, arguments: {city: Paris}}]
        | ...      - text: It is sunny.
        | Add LLM Rule    ${rule}
        """
        self._add(data_from(rule, "Add LLM Rule"))

    @keyword("Reply With Text")
    @mock_only
    def reply_with_text(self, text: str, **when: Any) -> None:
        """Answers requests matching ``when`` conditions with ``text``.

        Conditions are the scenario ``when`` keys as named arguments: ``protocol``,
        ``provider``, ``model``, ``model_matches``, ``user_text_contains``,
        ``user_text_matches`` (what the user typed), ``turn_text_contains``, ``turn_text_matches``
        (the latest turn with the agent harness's injected blocks), ``system_contains``,
        ``tool_offered``, ``tool_result``,
        ``tool_result_contains``, ``tool_call_id``, ``turn``.

        Example:
        | Reply With Text    Hello there!    user_text_contains=hello
        | Reply With Text    Done.    tool_result=${True}
        """
        self._add({"when": _conditions(when), "reply": {"text": text}})

    @keyword("Reply With Tool Call")
    @mock_only
    def reply_with_tool_call(
        self, tool: str, arguments: dict[str, Any] | str | None = None, call_id: str | None = None, **when: Any
    ) -> None:
        """Answers matching requests with a call of ``tool``.

        Named arguments that are scenario ``when`` keys (``user_text_contains``, ``tool_result``
        ...) are conditions; every other named argument is an argument of the tool call, the
        way `Mock LLM Should Have Requested Tool` reads them (``cmd=git status``). ``arguments``
        (a dictionary or JSON) gives them all at once, e.g. when an argument is not text.

        Example:
        | Reply With Tool Call    run_shell    cmd=git status    user_text_contains=status    tool_result=${False}
        | &{args}=    Create Dictionary    path=.    depth=${2}
        | Reply With Tool Call    list_files    ${args}    user_text_contains=files
        """
        conditions = _conditions(when, known_only=True)
        given = data_from(arguments, f"Reply With Tool Call {tool}: arguments") if arguments is not None else {}
        if not isinstance(given, dict):
            raise ScenarioError(f"Reply With Tool Call {tool}: arguments must be a dictionary or a JSON object; "
                                f"got {given!r}.")  # fmt: skip
        given = {**given, **{key: value for key, value in when.items() if key not in conditions}}
        call: dict[str, Any] = {"name": tool, "arguments": given}
        if call_id:
            call["id"] = call_id
        self._add({"when": conditions, "reply": {"tool_calls": [call]}})

    @keyword("Reply With JSON")
    @mock_only
    def reply_with_json(self, data: Any, **when: Any) -> None:
        """Answers matching requests with ``data`` serialized as JSON text (a dictionary or JSON string).

        Example:
        | Reply With JSON    {"verdict": "pass", "score": 9}    user_text_contains=grade
        """
        data = data_from(data, "Reply With JSON: data") if isinstance(data, str) else data
        self._add({"when": _conditions(when), "reply": {"json": data}})

    @keyword("Reply With Error")
    @mock_only
    def reply_with_error(self, status: int, message: str | None = None, type: str | None = None, **when: Any) -> None:
        """Answers matching requests with an HTTP error in the provider's own error shape.

        Example:
        | Reply With Error    400    prompt too long    user_text_contains=huge
        """
        error: dict[str, Any] = {"status": status}
        if message:
            error["message"] = message
        if type:
            error["type"] = type
        self._add({"when": _conditions(when), "reply": {"error": error}})

    @keyword("Every LLM Rule Should Have Been Used")
    @mock_only
    def every_llm_rule_should_have_been_used(self) -> None:
        """Fails naming the scenario and keyword rules that answered no request: in a test, that test's
        requests; in a suite teardown, everything since the mock started (dead rules in a scenario file).

        Example:
        | Suite Teardown    Run Keywords    Every LLM Rule Should Have Been Used    AND    Stop Mock LLM
        """
        require_all_used(self.mock().app.rulebook, self.ctx.current_test is not None, "rule")

    def _add(self, data: Any) -> None:
        mock = self.mock()
        source = f"keyword rule #{len(mock.app.rules()) + 1}"
        if isinstance(data, dict):
            data = {"name": source, **data}
        from ..mockllm.scenario import parse_rule

        rule = parse_rule(data, source)
        mock.app.add_rule(rule, self.ctx.scope_key)
        logger.info(f"Added {rule.describe()} for {self.ctx.scope_key}: {json.dumps(data, default=str)}")


def _conditions(when: dict[str, Any], known_only: bool = False) -> dict[str, Any]:
    """Named arguments as the scenario ``when`` types they spell (``turn=2``: an integer); unknown names pass on
    for the validator to name (or, ``known_only``, stay out: they are a tool call's arguments)."""
    from ..mock.fields import from_text
    from ..mockllm.scenario.loader import MATCHER_FIELDS

    return from_text({key: value for key, value in when.items() if key in MATCHER_FIELDS or not known_only},
                     MATCHER_FIELDS)  # fmt: skip
