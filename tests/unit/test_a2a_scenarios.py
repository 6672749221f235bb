"""The a2a_agents section: what loads, and every mistake named with file:line, the key and the fix; the codec's
version rule."""

from __future__ import annotations

import pytest

from AgentTestLibrary.errors import ScenarioError
from AgentTestLibrary.mocka2a import ECHO_AGENT, a2a_agent_from_text, load_a2a_agent
from AgentTestLibrary.mocka2a.codec import CODECS, card, choose
from AgentTestLibrary.mocka2a.model import A2ARequest, Part
from AgentTestLibrary.mockmcp.jsonrpc import RpcError

AGENT = """
a2a_agents:
  researcher:
    versions: ["1.0"]
    card: {name: Researcher, skills: [{id: s, name: Search, tags: [x]}], push_notifications: false}
    rules:
      - name: research
        when: {text_contains: Sources, data: {topic: {contains: mcp}}, task_state: input-required}
        reply: {states: [completed], status: "on {{text}}", artifacts: [{name: a, text: "{{data.topic}}"}]}
      - name: hello
        when: {text_matches: "^hi"}
        sequence: [{message: one}, {message: two}]
    faults: [{when: {method: get}, expire_task: true, times: 1}]
"""


def test_an_agent_loads_with_its_card_rules_and_faults() -> None:
    spec = a2a_agent_from_text(AGENT)
    assert spec.name == "Researcher" and spec.versions == ("1.0",) and not spec.push_notifications
    assert [rule.name for rule in spec.rules] == ["research", "hello"] and spec.rules[1].is_sequence
    assert spec.faults[0].expire_task and spec.strict
    request = A2ARequest("send", "1.0", "SendMessage", parts=(Part("text", text="find sources"),
                         Part("data", data={"topic": "about mcp"})), task_state="input-required")  # fmt: skip
    assert spec.rules[0].matcher.mismatches(request) == []
    reply = spec.rules[0].replies[0].build(request, "research")
    assert reply.status == "on find sources" and reply.artifacts[0][2][0].text == "about mcp"
    new = A2ARequest("send", "1.0", "SendMessage", parts=(Part("text", text="find sources"),))
    assert spec.rules[0].matcher.mismatches(new) == [
        "data 'topic' is missing (wanted contains 'mcp')",
        "the message starts a new task, wanted a task in state input-required",
    ]
    assert load_a2a_agent(None) is ECHO_AGENT and not ECHO_AGENT.strict


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a2a_agents:\n  a:\n    rules: [{when: {text_contain: x}, reply: {message: y}}]\n",
         ":3: a2a_agents.a.rules[0].when.text_contain: unknown key 'text_contain'. Did you mean 'text_contains'?"),
        ("a2a_agents:\n  a:\n    rules: [{reply: {states: [working]}}]\n",
         "a2a_agents.a.rules[0].reply.states[0]: the last state is where the task stops"),
        ("a2a_agents:\n  a:\n    rules: [{reply: {states: [completed, working]}}]\n",
         "a2a_agents.a.rules[0].reply.states[0]: 'completed' is terminal: nothing can follow it."),
        ("a2a_agents:\n  a:\n    rules: [{reply: {states: [done]}}]\n",
         "a2a_agents.a.rules[0].reply.states[0]: expected one of working, input-required"),
        ("a2a_agents:\n  a:\n    rules: [{reply: {message: hi, states: [completed]}}]\n",
         "a2a_agents.a.rules[0].reply: a 'message' reply has no task: drop states"),
        ("a2a_agents:\n  a:\n    rules: [{when: {method: send_message}, reply: {message: hi}}]\n",
         "a2a_agents.a.rules[0].when.method: expected one of card, send, stream"),
        ("a2a_agents:\n  a:\n    versions: ['2.0']\n",
         "a2a_agents.a.versions[0]: expected one of 1.0, 0.3; got '2.0'."),
        ("a2a_agents:\n  a:\n    rules: [{reply: {artifacts: [{name: x, file: {name: f}}]}}]\n",
         "a file has either 'uri' or 'bytes' (base64), not both or neither."),
        ("a2a_agents:\n  a:\n    faults: [{times: 1}]\n", "a fault needs at least one effect"),
        ("a2a_agents:\n  a: {}\n  b: {}\n", "the file declares 2 agents (a, b); name one."),
        ("rules: []\n", "no 'a2a_agents:' section"),
    ],
)  # fmt: skip
def test_mistakes_name_the_place_and_the_fix(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError) as raised:
        a2a_agent_from_text(text, "flow.yaml")
    assert expected in str(raised.value) and str(raised.value).startswith("flow.yaml")


def test_the_method_says_the_version_and_the_header_must_agree() -> None:
    served = ("1.0", "0.3")
    assert choose("SendMessage", "1.0", served).version == "1.0"
    assert choose("SendMessage", "1.2", served).version == "1.0"
    assert choose("message/send", None, served).version == "0.3"
    assert choose("message/send", "0.3", served).version == "0.3"
    for method, header in (("SendMessage", None), ("SendMessage", "0.3"), ("message/send", "1.0")):
        with pytest.raises(RpcError) as raised:
            choose(method, header, served)
        assert raised.value.code == -32009
    with pytest.raises(RpcError, match=r"serves A2A 1\.0, not 0\.3"):
        choose("message/send", None, ("1.0",))
    with pytest.raises(RpcError) as unknown:
        choose("tasks/explode", "1.0", served)
    assert unknown.value.code == -32601


def test_the_card_advertises_one_interface_per_version_and_0_3_fields() -> None:
    spec = a2a_agent_from_text(AGENT)
    data = card(spec, "http://127.0.0.1:9")
    assert data["supportedInterfaces"] == [{"url": "http://127.0.0.1:9/", "protocolBinding": "JSONRPC",
                                            "protocolVersion": "1.0"}]  # fmt: skip
    assert "url" not in data and data["capabilities"]["pushNotifications"] is False
    both = card(ECHO_AGENT, "http://127.0.0.1:9")
    assert both["protocolVersion"] == "0.3.0" and both["url"] == "http://127.0.0.1:9/"


def test_parts_in_both_shapes() -> None:
    v1, v03 = CODECS["1.0"], CODECS["0.3"]
    file = v1.part_in({"url": "http://x/a.pdf", "filename": "a.pdf", "mediaType": "application/pdf"}, "p")
    assert file.file == {"name": "a.pdf", "mimeType": "application/pdf", "uri": "http://x/a.pdf"}
    assert v03.part_out(file) == {"kind": "file", "file": {"name": "a.pdf", "mimeType": "application/pdf",
                                                            "uri": "http://x/a.pdf"}}  # fmt: skip
    assert v1.part_out(file) == {"url": "http://x/a.pdf", "filename": "a.pdf", "mediaType": "application/pdf"}
    assert v03.part_out(Part("data", data=[1, 2])) == {"kind": "data", "data": {"value": [1, 2]}}
    with pytest.raises(RpcError, match=r"p\.kind must be text, data or file"):
        v03.part_in({"text": "no kind"}, "p")
    with pytest.raises(RpcError, match="has none of text, data, url or raw"):
        v1.part_in({"kind": "text"}, "p")


def test_the_documented_example_loads() -> None:
    import re
    from pathlib import Path

    page = (Path(__file__).parents[2] / "docs" / "capabilities" / "a2a.md").read_text(encoding="utf-8")
    found = re.search(r"```yaml\n(.*?)```", page, re.DOTALL)
    assert found is not None
    spec = a2a_agent_from_text(found.group(1), "docs/capabilities/a2a.md")
    assert [rule.name for rule in spec.rules] == ["research", "clarify", "clarified", "hello"]
