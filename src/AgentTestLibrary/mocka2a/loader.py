"""Load and validate mock A2A agents from a scenario's ``a2a_agents`` section; errors name file:line and the fix.

a2a_agents:
  researcher:                      # the agent's name (Start Mock A2A Agent    researcher)
    strict: true                   # closed world: a message no rule answers fails the test at its end
    versions: ["1.0", "0.3"]       # the protocol versions served (and advertised on the card)
    card:                          # what /.well-known/agent-card.json says besides the interfaces
      name: Researcher
      description: Finds sources
      version: 2.1.0
      streaming: true
      push_notifications: true
      input_modes: [text/plain]
      output_modes: [text/plain, application/json]
      skills: [{id: search, name: Search, description: Finds sources, tags: [search], examples: [find X]}]
    rules:                         # first match wins
      - name: research
        when:                      # all must hold
          method: send             # send | stream | get | cancel ... (neutral, both versions)
          version: "1.0"
          text_contains: sources   # or text (equals), text_matches (regular expression)
          data: {topic: {contains: mcp}}        # conditions on the message's data parts (merged)
          file: {mimeType: application/pdf}     # conditions on one of its file parts
          metadata: {priority: high}
          task_state: input-required            # the message continues a task in this state
        reply:
          states: [working, completed]          # the task's states (default); the last is where it stops
          status: "Found 3 sources on {{text}}" # the text of its last status message
          artifacts:
            - {name: sources, text: "1. ...", data: {count: 3}, file: {name: a.pdf, mimeType: application/pdf,
               uri: "http://127.0.0.1/a.pdf"}}
        # or reply: {message: "Hello {{text}}"} (a message, no task); or {error: {code: -32603, message: ...}}
        # or sequence: [reply, reply, ...] (one per matching call, then the last again)
    faults: [{when: {text_contains: sources}, status: 503, times: 1}, {when: {method: get}, expire_task: true}]
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Any

from ..errors import ScenarioError
from ..mock.conditions import Conditions, parse_conditions
from ..mock.faults import fault_fields, parse_fault_data
from ..mock.fields import Pattern
from ..mockmcp.jsonrpc import RpcError
from ..validation import Validator, parse_yaml, read_text
from ..wire import SCENARIO_SECTIONS
from ..yamlio import Path
from .model import (
    ECHO_AGENT,
    INTERRUPTED,
    METHODS,
    STATES,
    TERMINAL,
    VERSIONS,
    A2AFault,
    A2AMatcher,
    A2AReplySpec,
    A2ARule,
    AgentSpec,
    ArtifactSpec,
    Part,
    Skill,
)

AGENT_KEYS = ("strict", "versions", "card", "rules", "faults")
CARD_KEYS = (
    "name",
    "description",
    "version",
    "streaming",
    "push_notifications",
    "input_modes",
    "output_modes",
    "skills",
)
SKILL_KEYS = ("id", "name", "description", "tags", "examples")
RULE_KEYS = ("name", "when", "reply", "sequence")
WHEN_KEYS = ("method", "version", "text", "text_contains", "text_matches", "data", "file", "metadata", "task_state")
REPLY_KEYS = ("message", "data", "file", "states", "status", "artifacts", "error")
ARTIFACT_KEYS = ("name", "description", "text", "data", "file")
FILE_KEYS = ("name", "mimeType", "uri", "bytes")
ERROR_KEYS = ("code", "message", "data")
FAULT_FIELDS = fault_fields(A2AFault)


def agent_names(path: str | FilePath) -> list[str]:
    """The A2A agents a scenario file declares."""
    data, _ = parse_yaml(read_text(path, "Scenario file"), str(path))
    agents = data.get("a2a_agents") if isinstance(data, dict) else None
    return list(agents) if isinstance(agents, dict) else []


def load_a2a_agent(path: str | FilePath | None, name: str | None = None) -> AgentSpec:
    """The agent ``name`` of a scenario file (the only one when ``name`` is None); the echo agent without a file."""
    if path is None:
        return ECHO_AGENT
    return a2a_agent_from_text(read_text(path, "Scenario file"), str(path), name)


def a2a_agent_from_text(text: str, source: str = "<scenario>", name: str | None = None) -> AgentSpec:
    data, lines = parse_yaml(text, source)
    return _Validator(source, lines).file(data, name)


def parse_a2a_fault(data: Any, source: str) -> A2AFault:
    """One fault from a mapping (a keyword's arguments, the admin API)."""
    return _Validator(source).fault(data, ("faults", 0))


def parse_a2a_matcher(data: Any, source: str) -> A2AMatcher:
    """Conditions written as a rule's ``when`` (an assertion's arguments)."""
    return _Validator(source).matcher(data, ("when",))


def parse_a2a_rule(data: Any, source: str) -> A2ARule:
    """One rule from a mapping (a keyword's arguments, the admin API)."""
    return _Validator(source).rule(data, ("rules", 0))


class _Validator(Validator):
    error_class = ScenarioError

    def file(self, data: Any, name: str | None) -> AgentSpec:
        if data is None:
            raise self.fail(
                (), "the scenario is empty. Add an 'a2a_agents:' section (see docs/reference/formats.md, A2A scenario)."
            )
        top = self.mapping(data, (), SCENARIO_SECTIONS)
        agents = top.get("a2a_agents")
        if agents is None:
            raise self.fail((), "no 'a2a_agents:' section: declare the agent under a2a_agents.NAME.")
        self.typed(agents, ("a2a_agents",), dict, "a mapping of agent names to agents")
        if name is None:
            if len(agents) != 1:
                listing = ", ".join(map(str, agents)) or "none"
                raise self.fail(("a2a_agents",), f"the file declares {len(agents)} agents ({listing}); name one.")
            name = str(next(iter(agents)))
        if name not in agents:
            known = ", ".join(map(str, agents)) or "none"
            raise self.fail(("a2a_agents",), f"no agent named '{name}' (declared: {known}).")
        return self.agent(agents[name], ("a2a_agents", name), name)

    def agent(self, data: Any, path: Path, name: str) -> AgentSpec:
        raw = self.mapping(data if data is not None else {}, path, AGENT_KEYS)
        rules = [
            self.rule(item, (*path, "rules", index))
            for index, item in enumerate(self.items(raw.get("rules", []), (*path, "rules"), "rules"))
        ]
        self.unique([rule.name for rule in rules], (*path, "rules"), "rule")
        faults = [
            self.fault(item, (*path, "faults", index))
            for index, item in enumerate(self.items(raw.get("faults", []), (*path, "faults"), "faults"))
        ]
        versions = tuple(self.strings(raw.get("versions", list(VERSIONS)), (*path, "versions")))
        for index, version in enumerate(versions):
            if version not in VERSIONS:
                raise self.fail((*path, "versions", index), f"expected one of {', '.join(VERSIONS)}; got {version!r}.")
        if not versions:
            raise self.fail((*path, "versions"), f"serve at least one version ({', '.join(VERSIONS)}).")
        card = self.mapping(raw.get("card") or {}, (*path, "card"), CARD_KEYS)
        cpath = (*path, "card")
        skills = [
            self.skill(item, (*cpath, "skills", index))
            for index, item in enumerate(self.items(card.get("skills", []), (*cpath, "skills"), "skills"))
        ]
        self.unique([skill.id for skill in skills], (*cpath, "skills"), "skill id")
        default = AgentSpec()
        return AgentSpec(
            name=self.typed(card.get("name", name), (*cpath, "name"), str, "a string"),
            description=self.typed(
                card.get("description", default.description), (*cpath, "description"), str, "a string"
            ),
            agent_version=str(
                self.typed(
                    card.get("version", default.agent_version),
                    (*cpath, "version"),
                    (str, int, float),
                    "a version string",
                )
            ),
            skills=tuple(skills),
            streaming=self.typed(card.get("streaming", True), (*cpath, "streaming"), bool, "true or false"),
            push_notifications=self.typed(
                card.get("push_notifications", True), (*cpath, "push_notifications"), bool, "true or false"
            ),
            input_modes=tuple(
                self.strings(card.get("input_modes", list(default.input_modes)), (*cpath, "input_modes"))
            ),
            output_modes=tuple(
                self.strings(card.get("output_modes", list(default.output_modes)), (*cpath, "output_modes"))
            ),
            versions=versions,
            rules=tuple(rules),
            faults=tuple(faults),
            strict=self.typed(raw.get("strict", True), (*path, "strict"), bool, "true or false"),
            source=self.source,
        )

    def strings(self, data: Any, path: Path) -> list[str]:
        items = self.items(data, path, "strings")
        return [self.typed(item, (*path, index), str, "a string") for index, item in enumerate(items)]

    def skill(self, data: Any, path: Path) -> Skill:
        raw = self.mapping(data, path, SKILL_KEYS)
        for key in ("id", "name"):
            if key not in raw:
                raise self.fail(path, f"a skill needs '{key}'.")
        return Skill(
            self.typed(raw["id"], (*path, "id"), str, "a string"),
            self.typed(raw["name"], (*path, "name"), str, "a string"),
            self.typed(raw.get("description", ""), (*path, "description"), str, "a string"),
            tuple(self.strings(raw.get("tags", []), (*path, "tags"))),
            tuple(self.strings(raw.get("examples", []), (*path, "examples"))),
        )

    def rule(self, data: Any, path: Path) -> A2ARule:
        raw = self.mapping(data, path, RULE_KEYS)
        name = self.typed(raw.get("name", f"rule {path[-1]}"), (*path, "name"), str, "a string")
        if ("reply" in raw) == ("sequence" in raw):
            raise self.fail(path, "give exactly one of 'reply' (same answer each time) or 'sequence' (one per call).")
        matcher = self.matcher(raw.get("when", {}), (*path, "when"))
        if "reply" in raw:
            replies: tuple[A2AReplySpec, ...] = (self.reply(raw["reply"], (*path, "reply")),)
        else:
            items = self.items(raw["sequence"], (*path, "sequence"), "replies")
            if not items:
                raise self.fail((*path, "sequence"), "a sequence needs at least one reply.")
            replies = tuple(self.reply(item, (*path, "sequence", index)) for index, item in enumerate(items))
        return A2ARule(name, matcher, replies, self.location(path), "sequence" in raw)

    def matcher(self, data: Any, path: Path) -> A2AMatcher:
        raw = self.mapping(data if data is not None else {}, path, WHEN_KEYS)
        method = raw.get("method")
        if method is not None and method not in METHODS:
            raise self.fail((*path, "method"), f"expected one of {', '.join(METHODS)}; got {method!r}.")
        version = raw.get("version")
        if version is not None and str(version) not in VERSIONS:
            raise self.fail((*path, "version"), f"expected one of {', '.join(VERSIONS)}; got {version!r}.")
        state = raw.get("task_state")
        if state is not None and state not in STATES:
            raise self.fail((*path, "task_state"), f"expected one of {', '.join(STATES)}; got {state!r}.")
        texts = {
            key: self.typed(raw[key], (*path, key), str, "a string")
            for key in ("text", "text_contains", "text_matches")
            if key in raw
        }
        pattern = None
        if "text_matches" in texts:
            try:
                pattern = Pattern(texts["text_matches"])
            except Exception as error:  # noqa: BLE001 - regex.error, named in the message
                raise self.fail((*path, "text_matches"), f"invalid regular expression: {error}.") from None
        return A2AMatcher(
            method,
            None if version is None else str(version),
            texts.get("text"),
            texts.get("text_contains"),
            pattern,
            self.conditions(raw.get("data"), (*path, "data"), "data"),
            self.conditions(raw.get("file"), (*path, "file"), "file"),
            self.conditions(raw.get("metadata"), (*path, "metadata"), "metadata"),
            state,
        )

    def conditions(self, data: Any, path: Path, what: str) -> Conditions:
        try:
            return parse_conditions(data, what)
        except ValueError as error:
            raise self.fail(path, str(error)) from None

    def reply(self, data: Any, path: Path) -> A2AReplySpec:
        raw = self.mapping(data, path, REPLY_KEYS)
        if "error" in raw:
            others = sorted(set(raw) - {"error"})
            if others:
                raise self.fail(path, f"'error' (a JSON-RPC error) cannot be combined with {', '.join(others)}.")
            return A2AReplySpec(error=self.rpc_error(raw["error"], (*path, "error")))
        if "message" in raw or ("data" in raw and not ({"states", "status", "artifacts"} & set(raw))):
            others = sorted(set(raw) & {"states", "status", "artifacts"})
            if others:
                raise self.fail(
                    path,
                    f"a 'message' reply has no task: drop {', '.join(others)} (or reply with a "
                    "task: states, status, artifacts).",
                )
            return A2AReplySpec(message=self.parts(raw, path, ("message", "data")))
        if "data" in raw:
            raise self.fail(
                (*path, "data"), "a task's data goes into an artifact: artifacts: [{name: ..., data: ...}]."
            )
        states = tuple(self.strings(raw.get("states", ["working", "completed"]), (*path, "states")))
        if not states:
            raise self.fail((*path, "states"), "a task needs at least its last state, e.g. [completed].")
        for index, state in enumerate(states):
            if state not in STATES or state == "submitted":
                raise self.fail(
                    (*path, "states", index),
                    f"expected one of {', '.join(STATES[1:])} (a task starts submitted); got {state!r}.",
                )
            last = index == len(states) - 1
            if last and state not in TERMINAL | INTERRUPTED:
                raise self.fail(
                    (*path, "states", index),
                    f"the last state is where the task stops: one of "
                    f"{', '.join(sorted(TERMINAL | INTERRUPTED))}; got {state!r}.",
                )
            if not last and state in TERMINAL:
                raise self.fail((*path, "states", index), f"'{state}' is terminal: nothing can follow it.")
        status = raw.get("status")
        if status is not None:
            self.typed(status, (*path, "status"), str, "a string")
        artifacts = tuple(
            self.artifact(item, (*path, "artifacts", index))
            for index, item in enumerate(self.items(raw.get("artifacts", []), (*path, "artifacts"), "artifacts"))
        )
        return A2AReplySpec(states=states, status=status, artifacts=artifacts)

    def parts(self, raw: dict[str, Any], path: Path, keys: tuple[str, str] = ("text", "data")) -> tuple[Part, ...]:
        """The parts a reply or artifact writes: text (``keys[0]``), data (``keys[1]``), a file (``file``)."""
        text_key, data_key = keys
        parts = []
        if text_key in raw:
            parts.append(Part("text", text=self.typed(raw[text_key], (*path, text_key), str, "a string")))
        if data_key in raw:
            parts.append(Part("data", data=raw[data_key]))
        if "file" in raw:
            file = self.mapping(raw["file"], (*path, "file"), FILE_KEYS)
            if ("uri" in file) == ("bytes" in file):
                raise self.fail((*path, "file"), "a file has either 'uri' or 'bytes' (base64), not both or neither.")
            parts.append(
                Part(
                    "file",
                    file={key: self.typed(value, (*path, "file", key), str, "a string") for key, value in file.items()},
                )
            )
        if not parts:
            raise self.fail(path, f"give at least one of {text_key}, {data_key}, file.")
        return tuple(parts)

    def artifact(self, data: Any, path: Path) -> ArtifactSpec:
        raw = self.mapping(data, path, ARTIFACT_KEYS)
        name = self.typed(raw.get("name", f"artifact {path[-1]}"), (*path, "name"), str, "a string")
        description = self.typed(raw.get("description", ""), (*path, "description"), str, "a string")
        return ArtifactSpec(name, self.parts(raw, path), description)

    def rpc_error(self, data: Any, path: Path) -> RpcError:
        raw = self.mapping(data, path, ERROR_KEYS)
        code = self.typed(raw.get("code"), (*path, "code"), int, "a JSON-RPC error code (an integer, e.g. -32603)")
        message = self.typed(raw.get("message", f"mock A2A error {code}"), (*path, "message"), str, "a string")
        return RpcError(code, message, raw.get("data"))

    def fault(self, data: Any, path: Path) -> A2AFault:
        return parse_fault_data(self, data, path, A2AFault, self.matcher)
