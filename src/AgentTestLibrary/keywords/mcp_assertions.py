"""What the agent asked of the mock MCP servers: calls, their order, session recovery, every rule used."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from robot.api import logger
from robot.api.deco import keyword

from .mcp import McpKeywords
from .scopes import LibraryComponent
from .served import count_unmet, require_all_used, with_values

if TYPE_CHECKING:
    from ..mock.journal import JournalEntry
    from ..mockmcp.model import McpRequest
    from .context import LibraryContext

# How an MCP client answers an elicitation (the schema's ElicitResult.action); libdoc lists the choices.
ElicitationAction = Literal["accept", "decline", "cancel"]


class McpAssertionKeywords(LibraryComponent):
    """Assertions on the journals of the servers :class:`~.mcp.McpKeywords` started (the current test's calls)."""

    def __init__(self, ctx: LibraryContext, mcp: McpKeywords) -> None:
        super().__init__(ctx)
        self.mcp = mcp

    @keyword("Every MCP Rule Should Have Been Used")
    def every_mcp_rule_should_have_been_used(self, server: str = "tools") -> None:
        """Fails naming the rules (tools' own replies included) of ``server`` that answered no call: in a test,
        that test's calls; in a suite teardown, every call since the server started."""
        require_all_used(self.mcp.server(server).app.rulebook, self.ctx.current_test is not None, "rule")

    def _calls(self, server: str | None) -> list[tuple[str, JournalEntry, McpRequest]]:
        in_test = self.ctx.current_test is not None
        calls = [(running.name, entry, request) for running in self.mcp.of_test_mcp(server)
                 for entry, request in running.calls(in_test)]  # fmt: skip
        return sorted(calls, key=lambda call: call[1].time)

    def _tool_calls(self, server: str | None, tool: str, arguments: dict[str, Any]) -> list[McpRequest]:
        from ..mock.conditions import equal_to

        wanted = equal_to(arguments)
        return [request for _, _, request in self._calls(server)
                if request.tool == tool and not wanted.mismatches(request.arguments)]  # fmt: skip

    @keyword("MCP Tool Should Have Been Called")
    def mcp_tool_should_have_been_called(
        self, tool: str, *, server: str | None = None, times: int | None = None, **arguments: Any
    ) -> None:
        """Fails unless ``tool`` was called (``times`` times exactly, when given) with arguments that include
        ``arguments`` (``name=value``; dotted names reach into objects, ``filters.lang=python``).

        Counts the current test's calls on ``server`` (default: every mock MCP server).

        Example:
        | MCP Tool Should Have Been Called    search    query=mcp
        | MCP Tool Should Have Been Called    search    times=2    server=docs
        """
        found = self._tool_calls(server, tool, arguments)
        wanted = count_unmet(len(found), times, "a call", "call(s)")
        if wanted:
            raise AssertionError(f"Expected {wanted} of MCP tool '{tool}'{with_values(arguments)}, found {len(found)}. "
                                 f"Calls seen:\n{self._listing(server)}")  # fmt: skip
        logger.info(f"MCP tool '{tool}' was called {len(found)} time(s){with_values(arguments)}.")

    @keyword("MCP Tool Should Not Have Been Called")
    def mcp_tool_should_not_have_been_called(self, tool: str, *, server: str | None = None, **arguments: Any) -> None:
        """Fails if ``tool`` was called (with arguments that include ``arguments``, when given).

        Example:
        | MCP Tool Should Not Have Been Called    delete_repo
        """
        found = self._tool_calls(server, tool, arguments)
        if found:
            raise AssertionError(f"MCP tool '{tool}'{with_values(arguments)} was called {len(found)} time(s):\n"
                                 f"{self._listing(server)}")  # fmt: skip

    @keyword("MCP Tools Should Have Been Called In Order")
    def mcp_tools_should_have_been_called_in_order(self, *tools: str, server: str | None = None) -> None:
        """Fails unless the tools were called in this order (other calls may come between).

        Example:
        | MCP Tools Should Have Been Called In Order    search    fetch_page
        """
        called = [request.tool for _, _, request in self._calls(server) if request.tool]
        position = 0
        for name in called:
            if position < len(tools) and name == tools[position]:
                position += 1
        if position < len(tools):
            raise AssertionError(f"Expected MCP tool calls in the order {' -> '.join(tools)}; the calls were "
                                 f"{' -> '.join(t for t in called if t) or 'none'} ('{tools[position]}' is missing "
                                 "after the ones before it).")  # fmt: skip

    @keyword("MCP Session Should Have Been Reinitialized")
    def mcp_session_should_have_been_reinitialized(self, server: str = "tools") -> None:
        """Fails unless, after a request got ``404`` for an unknown or expired session, the client initialized a
        new session and used it (the recovery the MCP specification asks for).

        Example:
        | Inject MCP Fault    expire_session=${True}    tool=search    times=1
        | Run Agent    search the docs
        | MCP Session Should Have Been Reinitialized
        """
        from ..mockmcp.model import McpRequest

        entries = self.mcp.server(server).app.journal.entries(self.mcp.server(server).test_mark)
        expired = next((entry for entry in entries if entry.status == 404 and entry.protocol == "mcp"), None)
        if expired is None:
            raise AssertionError(f"No request to MCP server '{server}' got a 404 for its session in this test.")
        later = [entry for entry in entries if entry.index > expired.index and isinstance(entry.subject, McpRequest)]
        fresh = next((entry for entry in later if entry.subject.method == "initialize" and entry.status == 200), None)
        if fresh is None:
            raise AssertionError(f"After the 404 (exchange #{expired.index}) the client sent no new initialize; "
                                 f"it sent {[e.subject.method for e in later] or 'nothing'}.")  # fmt: skip
        used = [entry for entry in later if entry.index > fresh.index and entry.status == 200
                and entry.subject.method not in ("initialize", "<response>")]  # fmt: skip
        if not used:
            raise AssertionError("The client initialized a new session but sent no request in it afterwards.")
        logger.info(f"Session expired at exchange #{expired.index}; re-initialized at #{fresh.index}; "
                    f"{len(used)} request(s) in the new session.")  # fmt: skip

    @keyword("Get MCP Requests")
    def get_mcp_requests(self, server: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """The current test's MCP requests (every server, or ``server``), oldest first, as dictionaries.

        Each has ``server``, ``index``, ``time``, ``transport``, ``status``, ``rule``, ``unmatched``,
        ``near_miss``, ``fault``, ``request`` (``method``, ``params``, ``tool``, ``arguments``,
        ``session``, ``protocol_version``) and ``reply`` (``result``, ``is_error``, ``text``, or ``error``),
        secrets masked. ``method`` keeps one method, e.g. ``tools/call``.

        Example:
        | ${calls}=    Get MCP Requests    method=tools/call
        | Should Be Equal    ${calls}[0][request][arguments][query]    mcp
        """
        found = [{"server": name, **entry.to_dict()} for name, entry, request in self._calls(server)
                 if method is None or request.method == method]  # fmt: skip
        logger.info(f"{len(found)} MCP request(s):\n" + "\n".join(_summary(item) for item in found))
        return found

    @keyword("Get MCP Server Requests")
    def get_mcp_server_requests(self, server: str | None = None, method: str | None = None) -> list[dict[str, Any]]:
        """What the mock MCP servers asked their clients in the current test (``elicitation/create``,
        ``sampling/createMessage``), oldest first: ``request`` (``method``, ``params``, ``tool``, ``session``) and
        ``reply`` (``result``, ``error``, ``action``, ``unanswered``: why there was no answer), secrets masked.

        Example:
        | ${asked}=    Get MCP Server Requests    method=elicitation/create
        | Should Be Equal    ${asked}[0][reply][action]    accept
        """
        found = [{"server": running.name, **entry.to_dict()} for running in self.mcp.of_test_mcp(server)
                 for entry in running.server_requests(self.ctx.current_test is not None)
                 if method is None or entry.subject.method == method]  # fmt: skip
        found.sort(key=lambda item: str(item["time"]))
        logger.info(f"{len(found)} request(s) to MCP clients:\n" + "\n".join(_asked(item) for item in found))
        return found

    @keyword("MCP Client Should Have Been Asked For Elicitation")
    def mcp_client_should_have_been_asked_for_elicitation(
        self, message: str | None = None, *, action: ElicitationAction | None = None, server: str | None = None,
        times: int | None = None,
    ) -> None:  # fmt: skip
        """Fails unless a mock MCP server sent its client ``elicitation/create`` in this test (whose message
        contains ``message``, when given) and the client answered with ``action`` (``accept``, ``decline``,
        ``cancel``; when given); ``times``: exactly that many such requests.

        Example:
        | MCP Client Should Have Been Asked For Elicitation    Who are you?    action=accept
        """
        self._asked("elicitation/create", message, action, server, times)

    @keyword("MCP Client Should Have Been Asked For Sampling")
    def mcp_client_should_have_been_asked_for_sampling(
        self, text: str | None = None, *, server: str | None = None, times: int | None = None
    ) -> None:
        """Fails unless a mock MCP server sent its client ``sampling/createMessage`` in this test (whose messages
        contain ``text``, when given) and the client answered it; ``times``: exactly that many such requests.

        Example:
        | MCP Client Should Have Been Asked For Sampling    Summarise
        """
        self._asked("sampling/createMessage", text, None, server, times)

    def _asked(self, method: str, text: str | None, action: str | None, server: str | None, times: int | None) -> None:
        asked = self.get_mcp_server_requests(server, method)
        fitting = [item for item in asked
                   if (text is None or text in json.dumps(item["request"]["params"], ensure_ascii=False))
                   and (action is None or item["reply"]["action"] == action)
                   and (method != "sampling/createMessage" or item["reply"]["result"] is not None)]  # fmt: skip
        wanted = f"{method}" + (f" containing {text!r}" if text else "") + (f" answered {action!r}" if action else "")
        seen = "\n".join(_asked(item) for item in asked) or "(none)"
        if times is not None and len(fitting) != times:
            raise AssertionError(f"Expected {times} {wanted}, found {len(fitting)}. Requests to MCP clients:\n{seen}")
        if not fitting:
            raise AssertionError(f"Expected {wanted} to an MCP client in this test; none fits. Requests:\n{seen}")

    def _listing(self, server: str | None) -> str:
        return (
            "\n".join(_summary({"server": name, **entry.to_dict()}) for name, entry, _ in self._calls(server))
            or "(none)"
        )


def _asked(entry: dict[str, Any]) -> str:
    request, reply = entry.get("request") or {}, entry.get("reply") or {}
    answer = reply.get("action") or reply.get("unanswered") or json.dumps(reply.get("result") or reply.get("error"))
    params = json.dumps(request.get("params"), ensure_ascii=False)[:160]
    what = f"{request.get('method')} {params} (tool {request.get('tool')})"
    return f"#{entry['index']} [{entry.get('server')}] {what} -> {answer}"


def _summary(entry: dict[str, Any]) -> str:
    request = entry.get("request") or {}
    reply = entry.get("reply") or {}
    what = request.get("method", "?")
    if request.get("tool"):
        what += f" {request['tool']}({json.dumps(request.get('arguments'), ensure_ascii=False)[:120]})"
    answer = reply.get("error", {}).get("message") if reply.get("error") else (reply.get("text") or "")[:80]
    flags = " isError" if reply.get("is_error") else ""
    return (f"#{entry['index']} [{entry.get('server')}/{entry.get('transport')}] {what} -> {entry['status']}{flags} "
            f"{answer!r} rule={entry.get('rule')}" + (f" FAULT: {entry['fault']}" if entry.get("fault") else "")
            + (f" UNMATCHED: {entry['near_miss']}" if entry.get("unmatched") else ""))  # fmt: skip
