"""slack_sdk's WebClient against the slack preset: chat, conversations, users, files, cursors, ok:false, 429."""

from __future__ import annotations

from typing import Any

import pytest

from AgentTestLibrary.mockservice import MockService
from AgentTestLibrary.mockservice.loader import parse_service_fault
from tests.contract.conftest import Preset

slack_sdk = pytest.importorskip("slack_sdk")
from slack_sdk.errors import SlackApiError  # noqa: E402
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler  # noqa: E402


@pytest.fixture
def slack(preset: Preset) -> tuple[MockService, Any]:
    app, url = preset("slack")
    return app, slack_sdk.WebClient(token="xoxb-fixture", base_url=url + "/api/")


def test_chat_post_update_delete_and_the_history_newest_first(slack: tuple[MockService, Any]) -> None:
    _, client = slack
    first = client.chat_postMessage(channel="C0001GENERAL", text="deploy started")
    second = client.chat_postMessage(channel="C0001GENERAL", text="deploy done")
    assert first["ok"] and first["channel"] == "C0001GENERAL" and first["message"]["text"] == "deploy started"
    assert "thread_ts" not in first["message"], "a message outside a thread has no thread_ts"
    updated = client.chat_update(channel="C0001GENERAL", ts=second["ts"], text="deploy done (green)")
    assert updated["ts"] == second["ts"] and updated["text"] == "deploy done (green)"
    history = client.conversations_history(channel="C0001GENERAL")
    assert [message["text"] for message in history["messages"]] == ["deploy done (green)", "deploy started"]
    assert history["response_metadata"]["next_cursor"] == ""
    deleted = client.chat_delete(channel="C0001GENERAL", ts=first["ts"])
    assert deleted["ok"] and deleted["ts"] == first["ts"]
    assert [m["ts"] for m in client.conversations_history(channel="C0001GENERAL")["messages"]] == [second["ts"]]
    with pytest.raises(SlackApiError) as gone:
        client.chat_delete(channel="C0001GENERAL", ts=first["ts"])
    assert gone.value.response.status_code == 200 and gone.value.response["error"] == "message_not_found"


def test_a_thread_answers_its_parent_first_then_its_replies(slack: tuple[MockService, Any]) -> None:
    _, client = slack
    parent = client.chat_postMessage(channel="C0002RANDOM", text="which build broke?")
    client.chat_postMessage(channel="C0002RANDOM", text="unrelated")
    client.chat_postMessage(channel="C0002RANDOM", text="build 42", thread_ts=parent["ts"])
    replies = client.conversations_replies(channel="C0002RANDOM", ts=parent["ts"])
    assert [message["text"] for message in replies["messages"]] == ["which build broke?", "build 42"]
    assert replies["messages"][1]["thread_ts"] == parent["ts"]


def test_cursors_are_walked_by_the_iterator_and_lookups_answer_ok_false(slack: tuple[MockService, Any]) -> None:
    app, client = slack
    pages = [
        (page["channels"], page["response_metadata"]["next_cursor"]) for page in client.conversations_list(limit=2)
    ]  # the iterator reuses one response object: read each page as it comes
    assert [[channel["name"] for channel in channels] for channels, _ in pages] == [["general", "random"], ["alerts"]]
    assert pages[0][1] and pages[1][1] == ""
    users = [member["name"] for page in client.users_list(limit=1) for member in page["members"]]
    assert users == ["agenttest-bot", "alice"]
    assert client.users_info(user="U0002ALICE")["user"]["profile"]["email"] == "alice@example.com"
    assert client.conversations_info(channel="C0003ALERTS")["channel"]["name"] == "alerts"
    for call, code in ((lambda: client.conversations_info(channel="C9"), "channel_not_found"),
                       (lambda: client.users_info(user="U9"), "user_not_found")):  # fmt: skip
        with pytest.raises(SlackApiError) as missing:
            call()
        assert missing.value.response.status_code == 200 and missing.value.response["ok"] is False
        assert missing.value.response["error"] == code
    with pytest.raises(SlackApiError) as unknown:
        client.conversations_history(channel="C9NOWHERE")
    assert unknown.value.response.status_code == 200 and unknown.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as forged:
        client.conversations_list(cursor="not-a-cursor")
    assert forged.value.response.status_code == 200 and forged.value.response["error"] == "invalid_cursor"
    app.add_fault(parse_service_fault({"when": {"route": "users.info"}, "status": 403, "type": "not_authed"}, "t"), "t")
    with pytest.raises(SlackApiError) as refused:
        client.users_info(user="U0001")
    assert refused.value.response.status_code == 403 and refused.value.response["error"] == "not_authed"


def test_files_upload_v2_gets_a_url_sends_the_bytes_and_completes(slack: tuple[MockService, Any]) -> None:
    app, client = slack
    done = client.files_upload_v2(channel="C0001GENERAL", content="build log", filename="build.log",
                                  title="Build log", initial_comment="see attached")  # fmt: skip
    assert done["ok"] and done["file"]["title"] == "Build log" and done["file"]["name"] == "build.log"
    stored = app.collections.items("files")
    assert len(stored) == 1 and stored[0]["uploaded"] is True and stored[0]["id"] == done["file"]["id"]
    assert done["file"]["size"] == len("build log")  # a number, as Slack answers it (sent as form text)
    routes = [entry.subject.route for entry in app.journal.entries() if entry.subject]
    assert routes == ["files.getUploadURLExternal", "upload a file's bytes", "files.completeUploadExternal"]
    uploaded = next(entry for entry in app.journal.entries() if entry.subject.route == "upload a file's bytes")
    assert uploaded.subject.text == "build log"


def test_a_429_with_retry_after_is_retried_by_the_rate_limit_handler(
    slack: tuple[MockService, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, client = slack
    waits: list[float] = []
    monkeypatch.setattr("slack_sdk.http_retry.builtin_handlers.time.sleep", waits.append)
    client.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    app.add_fault(parse_service_fault({"when": {"route": "chat.postMessage"}, "status": 429, "type": "ratelimited",
                                       "retry_after": 3, "times": 1}, "t"), "t")  # fmt: skip
    posted = client.chat_postMessage(channel="C0001GENERAL", text="after the wait")
    assert posted["ok"] and len(waits) == 1 and 3 <= waits[0] < 4  # Retry-After: 3, plus the handler's jitter
    assert [entry.status for entry in app.journal.entries()] == [429, 200]
    assert len(app.collections.items("messages")) == 1  # the refused call posted nothing
    app.add_fault(parse_service_fault({"when": {"route": "chat.postMessage"}, "status": 429, "type": "ratelimited",
                                       "retry_after": 1}, "t"), "t")  # fmt: skip
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C0001GENERAL", text="again")
    assert limited.value.response.status_code == 429 and limited.value.response.headers["retry-after"] == "1"
