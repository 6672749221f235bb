"""PyGithub and githubkit against the github preset: every object they parse, labels as objects in both body forms,
pages through Link headers, rate-limit headers, secondary rate limits retried after Retry-After, ETags answered 304."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Iterator
from typing import Any

import pytest

from AgentTestLibrary.mockservice import MockService
from AgentTestLibrary.mockservice.loader import parse_service_fault
from tests.contract.conftest import Preset

github = pytest.importorskip("github")
githubkit = pytest.importorskip("githubkit")

LABEL_FIELDS = {"id", "node_id", "url", "name", "color", "default", "description"}
SECONDARY = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."


@pytest.fixture
def served(preset: Preset) -> tuple[MockService, str]:
    return preset("github")


def pygithub(url: str, **options: Any) -> Any:
    return github.Github(base_url=url, auth=github.Auth.Token("ghp_fixture"), seconds_between_requests=None,
                         seconds_between_writes=None, **options)  # fmt: skip


def routes(app: MockService) -> list[tuple[str | None, int]]:
    return [(entry.subject.route, entry.status) for entry in app.journal.entries() if entry.subject]


def test_pygithub_issues_labels_in_both_body_forms_and_comments(served: tuple[MockService, str]) -> None:
    app, url = served
    repo = pygithub(url, retry=None).get_repo("acme/app")
    assert repo.full_name == "acme/app" and repo.owner.login == "agenttest-bot"
    issue = repo.create_issue(title="Crash on start", labels=["triage"])
    assert issue.number == 1 and issue.body is None and [label.name for label in issue.labels] == ["triage"]
    issue.add_to_labels("bug", "ui")  # PyGithub posts the bare array ["bug", "ui"]
    again = repo.get_issue(1)
    assert [label.name for label in again.labels] == ["triage", "bug", "ui"]
    assert all(label.color == "ededed" and label.id > 0 for label in again.labels)
    stored = app.collections.find("issues", 1)
    assert stored is not None and all(set(label) >= LABEL_FIELDS for label in stored["labels"])
    issue.edit(state="closed", labels=["wontfix"], body="not ours")
    closed = repo.get_issue(1)
    assert (
        closed.state == "closed"
        and closed.body == "not ours"
        and [label.name for label in closed.labels] == ["wontfix"]
    )
    assert [label.name for label in repo.get_labels()] == ["triage", "bug", "ui", "wontfix"]
    repo.create_issue(title="Second", body="text")
    assert [item.number for item in repo.get_issues(state="open")] == [2]
    closed.create_comment("closing: not ours")
    assert [(comment.body, comment.user.login) for comment in closed.get_comments()] == [
        ("closing: not ours", "agenttest-bot")
    ]
    with pytest.raises(github.UnknownObjectException):  # GitHub: 404 for a comment on an issue that is not there
        repo._requester.requestJsonAndCheck("POST", f"{repo.url}/issues/99/comments", input={"body": "lost"})
    assert len(app.collections.items("comments")) == 1


def test_pygithub_pulls_reviews_and_contents(served: tuple[MockService, str]) -> None:
    app, url = served
    repo = pygithub(url, retry=None).get_repo("acme/app")
    pull = repo.create_pull(title="Fix crash", body="Fixes #1", head="fix-crash", base="main")
    assert pull.number == 1 and pull.head.ref == "fix-crash" and pull.base.ref == "main" and not pull.merged
    pull.edit(title="Fix the crash on start")
    assert repo.get_pull(1).title == "Fix the crash on start"
    assert [item.title for item in repo.get_pulls(state="open")] == ["Fix the crash on start"]
    review = pull.create_review(body="Looks right", event="APPROVE")
    assert review.state == "APPROVED" and review.user.login == "agenttest-bot"
    pull.create_review(body="One question")
    merged = pull.merge(commit_message="ship it")
    assert merged.merged and merged.message == "Pull Request successfully merged"
    after = repo.get_pull(1)
    assert after.merged and after.state == "closed" and after.merged_by.login == "agenttest-bot"
    assert [item.state for item in pull.get_reviews()] == ["APPROVED", "PENDING"]
    created = repo.create_file("docs/notes.md", "Add notes", "triage notes\n")
    content = created["content"]
    expected_sha = hashlib.sha1(b"blob 13\0triage notes\n", usedforsecurity=False).hexdigest()
    assert content.path == "docs/notes.md" and content.name == "notes.md" and content.sha == expected_sha
    fetched = repo.get_contents("docs/notes.md")
    assert fetched.decoded_content == b"triage notes\n" and fetched.size == 13 and fetched.sha == expected_sha
    repo.update_file("docs/notes.md", "Edit notes", "new notes\n", fetched.sha)
    assert repo.get_contents("docs/notes.md").decoded_content == b"new notes\n"
    assert len(app.collections.items("contents")) == 1
    deleted = repo.delete_file("docs/notes.md", "Drop notes", repo.get_contents("docs/notes.md").sha)
    assert deleted["commit"].raw_data["message"] == "Drop notes" and app.collections.items("contents") == []
    with pytest.raises(github.UnknownObjectException):
        repo.get_contents("docs/notes.md")
    with pytest.raises(github.UnknownObjectException):
        repo.delete_file("docs/notes.md", "Again", expected_sha)
    with pytest.raises(github.GithubException) as invalid:
        repo._requester.requestJsonAndCheck("PUT", f"{repo.url}/contents/x.md", input={"message": "m", "content": "*"})
    assert invalid.value.status == 422 and "Base64" in invalid.value.data["message"]


def test_a_file_is_changed_only_by_a_request_that_names_its_current_sha(served: tuple[MockService, str]) -> None:
    """As GitHub: updating an existing file without its blob's sha is a 422, with another sha a 409 (also for a
    delete); a new path ignores the sha sent."""
    app, url = served
    repo = pygithub(url, retry=None).get_repo("acme/app")
    first = repo.update_file("notes.md", "Add", "one\n", "0" * 40)["content"]  # a new path: the sha is ignored
    with pytest.raises(github.GithubException) as unnamed:
        repo.create_file("notes.md", "Again", "two\n")
    assert (
        unnamed.value.status == 422 and unnamed.value.data["message"] == 'Invalid request.\n\n"sha" wasn\'t supplied.'
    )
    stale = "1" * 40
    for change in (lambda: repo.update_file("notes.md", "Edit", "two\n", stale),
                   lambda: repo.delete_file("notes.md", "Drop", stale)):  # fmt: skip
        with pytest.raises(github.GithubException) as conflict:
            change()
        assert conflict.value.status == 409 and conflict.value.data["message"] == f"notes.md does not match {stale}"
    assert repo.get_contents("notes.md").decoded_content == b"one\n"
    repo.update_file("notes.md", "Edit", "two\n", first.sha)
    assert repo.get_contents("notes.md").decoded_content == b"two\n" and len(app.collections.items("contents")) == 1


def _listed_after_adding(repo: Any, paths: tuple[str, ...], folder: str) -> list[Any]:
    """The listing of ``folder`` once a file was created at each of ``paths`` (each holding its own path)."""
    for path in paths:
        repo.create_file(path, "Add", f"{path}\n")
    listed = repo.get_contents(folder)
    assert isinstance(listed, list)
    return listed


def test_a_directory_answers_the_list_of_what_is_directly_in_it(served: tuple[MockService, str]) -> None:
    """As GitHub's content-directory: files with their links and no content, a folder below as a dir entry; PyGithub
    gets a list and completes a file entry from its url."""
    _, url = served
    repo = pygithub(url, retry=None).get_repo("acme/app")
    listed = _listed_after_adding(repo, ("docs/guide.md", "docs/api/index.md", "docs/api/v1/calls.md", "README.md"),
                                  "docs")  # fmt: skip
    assert [(entry.type, entry.name, entry.path) for entry in listed] == [
        ("dir", "api", "docs/api"),
        ("file", "guide.md", "docs/guide.md"),
    ]
    folder, guide = listed
    assert folder.size == 0 and folder.download_url is None and folder.html_url.endswith("/acme/app/tree/main/docs/api")
    _, raw = repo._requester.requestJsonAndCheck("GET", f"{repo.url}/contents/docs")
    assert len(folder.sha) == 40 and "content" not in raw[1] and raw[1]["size"] == len("docs/guide.md\n")
    assert guide.decoded_content == b"docs/guide.md\n"  # PyGithub fetches the file from the entry's url
    assert [entry.path for entry in repo.get_contents("docs/api")] == ["docs/api/index.md", "docs/api/v1"]
    with pytest.raises(github.UnknownObjectException):
        repo.get_contents("doc")  # a prefix of a name is no folder


def test_the_repository_root_answers_the_list_of_what_is_at_its_top(served: tuple[MockService, str], kit: Any) -> None:
    """As GitHub: the contents path with no path (PyGithub's get_contents(""), githubkit's path="", or no slash at
    all) lists the root, files and a dir entry for each top-level folder; an empty repository's root is a 404."""
    _, url = served
    repo = pygithub(url, retry=None).get_repo("acme/app")
    with pytest.raises(github.UnknownObjectException):
        repo.get_contents("")
    listed = _listed_after_adding(repo, ("docs/guide.md", "docs/api/index.md", "setup.py", "README.md"), "")
    assert [(entry.type, entry.name, entry.path) for entry in listed] == [
        ("file", "README.md", "README.md"),
        ("dir", "docs", "docs"),
        ("file", "setup.py", "setup.py"),
    ]
    readme, docs, _ = listed
    assert docs.html_url.endswith("/acme/app/tree/main/docs") and docs.url.endswith("/acme/app/contents/docs")
    assert readme.decoded_content == b"README.md\n"  # PyGithub fetches the file from the entry's url
    assert [entry.path for entry in repo.get_contents("/")] == ["README.md", "docs", "setup.py"]
    _, bare = repo._requester.requestJsonAndCheck("GET", f"{repo.url}/contents")  # no slash: the root as well
    assert [(entry["type"], entry["path"]) for entry in bare] == [("file", "README.md"), ("dir", "docs"),
                                                                   ("file", "setup.py")]  # fmt: skip
    root = kit.rest.repos.get_content("acme", "app", "").parsed_data
    assert [(entry.type, entry.name, entry.path) for entry in root] == [
        ("file", "README.md", "README.md"),
        ("dir", "docs", "docs"),
        ("file", "setup.py", "setup.py"),
    ]


def test_pygithub_walks_search_pages_through_link_headers(served: tuple[MockService, str]) -> None:
    app, url = served
    client = pygithub(url, retry=None, per_page=2)
    repo = client.get_repo("acme/app")
    for number in range(5):
        repo.create_issue(title=f"issue {number}")
    found = client.search_issues("repo:acme/app is:issue")
    assert found.totalCount == 5
    assert [issue.number for issue in found] == [1, 2, 3, 4, 5]
    pages = [entry.subject.page for entry in app.journal.entries() if entry.subject.route == "search issues"]
    assert pages[-3:] == [1, 2, 3]


def test_search_counts_against_its_own_rate_limit_resource(served: tuple[MockService, str], kit: Any) -> None:
    """As GitHub: searches spend the search resource (30 a minute), shown in their headers and in /rate_limit, and
    leave the core resource alone."""
    _, url = served
    client = pygithub(url, retry=None)
    client.get_repo("acme/app").create_issue(title="Crash")
    for _ in range(2):
        assert [issue.number for issue in client.search_issues("repo:acme/app crash")] == [1]
    headers, _ = client._Github__requester.requestJsonAndCheck("GET", "/search/issues", parameters={"q": "crash"})
    assert headers["x-ratelimit-resource"] == "search" and headers["x-ratelimit-limit"] == "30"
    assert headers["x-ratelimit-used"] == "3" and headers["x-ratelimit-remaining"] == "27"
    resources = kit.rest.rate_limit.get().parsed_data.resources
    assert (resources.search.limit, resources.search.used, resources.search.remaining) == (30, 3, 27)
    assert resources.core.used == 2  # the repository and the issue: /rate_limit itself is counted after it answers
    assert 0 < resources.search.reset - int(time.time()) <= 60 < resources.core.reset - int(time.time())


def test_errors_answering_a_search_count_against_search_too(served: tuple[MockService, str], kit: Any) -> None:
    """As GitHub: every request to /search/ spends the search resource, errors too (an injected fault, a 422 for a
    missing q, a search the mock does not route): their headers say search, and core is left alone."""
    app, url = served
    client = pygithub(url, retry=None)
    app.add_fault(parse_service_fault({"when": {"route": "search issues"}, "status": 503, "times": 1}, "t"), "t")
    with pytest.raises(github.GithubException) as faulted:
        list(client.search_issues("repo:acme/app crash"))
    assert faulted.value.status == 503
    failures = [faulted.value]
    for path, parameters in (("/search/issues", {}), ("/search/code", {"q": "crash"})):
        with pytest.raises(github.GithubException) as failed:
            client._Github__requester.requestJsonAndCheck("GET", path, parameters=parameters)
        failures.append(failed.value)
    assert [failure.status for failure in failures] == [503, 422, 404]
    assert [failure.headers["x-ratelimit-resource"] for failure in failures] == ["search"] * 3
    assert [failure.headers["x-ratelimit-used"] for failure in failures] == ["1", "2", "3"]
    assert all(failure.headers["x-ratelimit-limit"] == "30" for failure in failures)
    resources = kit.rest.rate_limit.get().parsed_data.resources
    assert (resources.search.used, resources.search.remaining, resources.core.used) == (3, 27, 0)


def test_rate_limit_headers_and_a_secondary_limit_retried_after_retry_after(
    served: tuple[MockService, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, url = served
    waits: list[float] = []
    monkeypatch.setattr("urllib3.util.retry.time.sleep", waits.append)
    client = pygithub(url)  # PyGithub's default GithubRetry
    repo = client.get_repo("acme/app")
    remaining, limit = client.rate_limiting
    assert limit == 5000 and remaining == 4999
    core = client.get_rate_limit().resources.core  # /rate_limit agrees with the headers
    assert (core.limit, core.remaining, core.used) == (5000, 4999, 1)
    assert int(core.reset.timestamp()) == client.rate_limiting_resettime
    app.add_fault(parse_service_fault({"when": {"route": "create an issue"}, "status": 403, "message": SECONDARY,
                                       "retry_after": 2, "times": 1}, "t"), "t")  # fmt: skip
    issue = repo.create_issue(title="after the wait")
    assert issue.number == 1 and waits == [2.0]
    assert [status for route, status in routes(app) if route == "create an issue"] == [403, 201]
    refused = app.journal.entries()[-2]
    assert refused.status == 403
    waits.clear()
    app.add_fault(
        parse_service_fault(
            {
                "when": {"route": "get an issue"},
                "status": 403,
                "message": "API rate limit exceeded for user ID 1.",
                "times": 1,
            },
            "t",
        ),
        "t",
    )
    assert repo.get_issue(1).number == 1  # the default retry waited for x-ratelimit-reset: a second, not an hour
    assert len(waits) == 1 and 0 < waits[0] <= 2
    app.add_fault(parse_service_fault({"when": {"route": "get an issue"}, "status": 403,
                                       "message": "Resource not accessible by integration"}, "t"), "t")  # fmt: skip
    with pytest.raises(github.GithubException) as forbidden:
        pygithub(url, retry=None).get_repo("acme/app").get_issue(1)
    assert forbidden.value.status == 403 and not isinstance(forbidden.value, github.RateLimitExceededException)
    assert forbidden.value.headers["x-ratelimit-remaining"] != "0"  # a refusal is not an exhausted limit


def test_pygithub_conditional_requests_get_304_that_cost_nothing(served: tuple[MockService, str]) -> None:
    app, url = served
    client = pygithub(url, retry=None)
    repo = client.get_repo("acme/app")
    repo.create_issue(title="watch me")
    issue = repo.get_issue(1)
    assert issue.etag
    before = client.rate_limiting[0]
    assert issue.update() is False  # If-None-Match: the same ETag -> 304 Not Modified
    assert routes(app)[-1] == ("get an issue", 304)
    repo.get_issue(1).edit(title="changed")
    assert issue.update() is True and issue.title == "changed"
    assert client.rate_limiting[0] < before


@pytest.fixture
def kit(served: tuple[MockService, str]) -> Iterator[Any]:
    client = githubkit.GitHub("ghp_fixture", base_url=served[1] + "/")
    with client:
        yield client


def test_githubkit_parses_every_object_it_gets(served: tuple[MockService, str], kit: Any) -> None:
    app, _ = served
    assert kit.rest.users.get_authenticated().parsed_data.login == "agenttest-bot"
    assert kit.rest.repos.get("acme", "app").parsed_data.full_name == "acme/app"
    issue = kit.rest.issues.create("acme", "app", title="Crash", labels=["triage"]).parsed_data
    labels = kit.rest.issues.add_labels("acme", "app", issue.number, labels=["bug"]).parsed_data
    assert [label.name for label in labels] == ["triage", "bug"] and labels[1].color == "ededed"
    bare = kit.rest.issues.add_labels("acme", "app", issue.number, data=["ui"]).parsed_data
    assert [label.name for label in bare] == ["triage", "bug", "ui"]
    updated = kit.rest.issues.update("acme", "app", issue.number, state="closed").parsed_data
    assert updated.state == "closed"
    fetched = kit.rest.issues.get("acme", "app", issue.number).parsed_data
    assert [label.name for label in fetched.labels] == ["triage", "bug", "ui"]
    assert [item.number for item in kit.rest.issues.list_for_repo("acme", "app", state="closed").parsed_data] == [1]
    comment = kit.rest.issues.create_comment("acme", "app", issue.number, body="seen").parsed_data
    assert comment.issue_url.endswith("/issues/1")
    assert [c.body for c in kit.rest.issues.list_comments("acme", "app", issue.number).parsed_data] == ["seen"]
    pull = kit.rest.pulls.create("acme", "app", title="Fix", head="fix", base="main", body="b").parsed_data
    assert pull.head.repo.full_name == "acme/app" and pull.base.ref == "main"
    assert kit.rest.pulls.update("acme", "app", pull.number, title="Fix it").parsed_data.title == "Fix it"
    assert kit.rest.pulls.get("acme", "app", pull.number).parsed_data.title == "Fix it"
    assert [p.number for p in kit.rest.pulls.list("acme", "app").parsed_data] == [pull.number]
    review = kit.rest.pulls.create_review("acme", "app", pull.number, body="ok", event="REQUEST_CHANGES")
    assert review.parsed_data.state == "CHANGES_REQUESTED"
    assert [r.state for r in kit.rest.pulls.list_reviews("acme", "app", pull.number).parsed_data] == [
        "CHANGES_REQUESTED"
    ]
    text = base64.b64encode(b"hello\n").decode()
    kit.rest.repos.create_or_update_file_contents("acme", "app", "README.md", message="add", content=text)
    file = kit.rest.repos.get_content("acme", "app", "README.md").parsed_data
    assert base64.b64decode(file.content) == b"hello\n" and file.size == 6
    searched = kit.rest.search.issues_and_pull_requests(q="repo:acme/app").parsed_data
    assert searched.total_count == 2 and searched.items[0].labels[0].name == "triage"  # the issue and the pull
    assert kit.rest.rate_limit.get().parsed_data.resources.core.limit == 5000
    assert all(status < 400 for _, status in routes(app))


def test_githubkit_pages_retries_a_secondary_limit_and_sees_304(
    served: tuple[MockService, str], kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = served
    for number in range(5):
        kit.rest.issues.create("acme", "app", title=f"issue {number}")
    walked = list(kit.paginate(kit.rest.issues.list_for_repo, owner="acme", repo="app", per_page=2))
    assert [issue.number for issue in walked] == [5, 4, 3, 2, 1]  # GitHub lists the newest first
    waits: list[float] = []
    monkeypatch.setattr("githubkit.core.time.sleep", waits.append)
    app.add_fault(parse_service_fault({"when": {"route": "get an issue"}, "status": 403, "message": SECONDARY,
                                       "retry_after": 3, "times": 1}, "t"), "t")  # fmt: skip
    first = kit.rest.issues.get("acme", "app", 1)
    assert first.parsed_data.number == 1 and waits == [3.0]
    tag = first.headers["etag"]
    unchanged = kit.rest.issues.get("acme", "app", 1, headers={"If-None-Match": tag})
    assert routes(app)[-1] == ("get an issue", 304)  # githubkit's HTTP cache answers the 304 with what it kept
    assert unchanged.parsed_data.title == "issue 0"
    kit.rest.issues.update("acme", "app", 1, title="changed")
    changed = kit.rest.issues.get("acme", "app", 1, headers={"If-None-Match": tag})
    assert routes(app)[-1] == ("get an issue", 200) and changed.parsed_data.title == "changed"


def test_search_qualifiers_closed_at_comment_counts_and_assignees_as_github_keeps_them(
    served: tuple[MockService, str], kit: Any
) -> None:
    _, url = served
    client = pygithub(url, retry=None)
    repo = client.get_repo("acme/app")
    crash = repo.create_issue(title="Crash on start", labels=["bug"], assignees=["octocat"])
    repo.create_issue(title="Docs typo", body="mentions the CRASH", labels=["docs"])
    slow = repo.create_issue(title="Slow search", labels=["bug", "good first issue"], assignee="hubot")
    assert [user.login for user in crash.assignees] == ["octocat"] and crash.assignee.login == "octocat"
    assert slow.assignee.login == "hubot" and crash.closed_at is None and crash.comments == 0
    slow.edit(state="closed")
    closed = repo.get_issue(3)
    assert closed.closed_at is not None and closed.state_reason == "completed"

    def found(query: str) -> list[int]:
        return [issue.number for issue in client.search_issues(query)]

    assert found("repo:acme/app is:issue is:open label:bug") == [1]
    assert found("repo:acme/app crash") == [1, 2]  # free text: every word in the title or the body, any case
    assert found("repo:acme/app crash in:title") == [1]
    assert found("repo:acme/app is:closed") == found("repo:acme/app state:closed") == [3]
    assert found('repo:acme/app label:"good first issue"') == [3]
    assert found("repo:acme/app -label:bug") == [2]
    assert found("repo:acme/app no:assignee") == [2]
    assert found("repo:acme/other") == [] and found("repo:acme/app is:pr") == []
    assert found("author:agenttest-bot assignee:octocat") == [1]
    assert found("repo:acme/app crash linked:pr archived:false") == [1, 2]  # qualifiers it does not model: ignored
    crash.create_comment("first")
    crash.create_comment("second")
    assert repo.get_issue(1).comments == 2
    assert [issue.comments for issue in client.search_issues("repo:acme/app label:bug")] == [2, 0]
    crash.edit(assignees=["hubot", "octocat"])
    again = kit.rest.issues.get("acme", "app", 1).parsed_data  # githubkit's models: user objects, not names
    assert [user.login for user in again.assignees] == ["hubot", "octocat"] and again.comments == 2
    assert repo.get_issue(1).assignee.login == "hubot"
    closed.edit(state="open")
    reopened = kit.rest.issues.get("acme", "app", 3).parsed_data
    assert reopened.closed_at is None and reopened.state_reason == "reopened"
    searched = kit.rest.search.issues_and_pull_requests(q="repo:acme/app is:open label:bug").parsed_data
    assert [item.number for item in searched.items] == [1, 3] and searched.total_count == 2


def test_the_api_version_header_selects_a_version_and_an_unknown_one_is_a_400(
    served: tuple[MockService, str], kit: Any
) -> None:
    app, url = served
    answered = kit.rest.issues.create("acme", "app", title="versioned")  # githubkit sends its schema's version
    assert answered.headers["x-github-api-version-selected"] == "2026-03-10"
    client = pygithub(url, retry=None)  # PyGithub sends no version header: GitHub's default
    fetched = client.get_repo("acme/app").get_issue(1)
    assert fetched.raw_headers["x-github-api-version-selected"] == "2022-11-28"
    pinned = pygithub(url, retry=None, api_version="2022-11-28")
    assert pinned.get_repo("acme/app").get_issue(1).title == "versioned"
    with pytest.raises(github.GithubException) as refused:
        pygithub(url, retry=None, api_version="v3").get_repo("acme/app")
    assert refused.value.status == 400
    assert refused.value.data["message"].startswith(
        'The version you specified in the "X-GitHub-Api-Version" request header, "v3", is not a supported version.'
    )
    assert '"2022-11-28"' in refused.value.data["message"] and '"2026-03-10"' in refused.value.data["message"]
    assert routes(app)[-1] == ("get a repository", 400)


def test_version_2026_03_10_answers_without_the_fields_it_removed(served: tuple[MockService, str], kit: Any) -> None:
    """githubkit's 2026-03-10 schemas (generated from GitHub's description) have no issue or pull `assignee`, no pull
    `merge_commit_sha` and no top-level `rate` in /rate_limit; 2022-11-28 (PyGithub's) keeps all three."""
    _, url = served
    issue = kit.rest.issues.create("acme", "app", title="one", assignees=["octocat"])
    pull = kit.rest.pulls.create("acme", "app", title="Fix", head="fix", base="main")
    kit.rest.pulls.merge("acme", "app", pull.parsed_data.number)
    newer = [issue.json(), kit.rest.issues.get("acme", "app", 1).json(), kit.rest.pulls.get("acme", "app", 2).json(),
             *kit.rest.issues.list_for_repo("acme", "app").json(), *kit.rest.pulls.list("acme", "app",
                                                                                       state="all").json(),
             *kit.rest.search.issues_and_pull_requests(q="repo:acme/app").json()["items"]]  # fmt: skip
    assert all("assignee" not in item and "merge_commit_sha" not in item for item in newer)
    assert [user["login"] for user in newer[0]["assignees"]] == ["octocat"]
    assert "rate" not in kit.rest.rate_limit.get().json()
    repo = pygithub(url, retry=None).get_repo("acme/app")
    assert repo.get_issue(1).raw_data["assignee"]["login"] == "octocat"
    assert repo.get_pull(2).raw_data["merge_commit_sha"] and repo.get_pull(2).raw_data["assignee"] is None
    assert pygithub(url, retry=None).get_rate_limit().raw_data["rate"]["limit"] == 5000


def test_issue_and_pull_listings_filter_and_order_as_github_does(served: tuple[MockService, str], kit: Any) -> None:
    """GitHub lists open issues and pulls by default, newest first; state=all, labels (all of them), assignee (a
    login, none or *), creator, direction; pulls by head and base; search orders by sort and order when asked."""
    _, url = served
    client = pygithub(url, retry=None)
    repo = client.get_repo("acme/app")
    repo.create_issue(title="one", labels=["bug"], assignees=["octocat"])
    repo.create_issue(title="two", labels=["bug", "ui"])
    repo.create_issue(title="three").edit(state="closed")
    repo.create_issue(title="four", labels=["ui"])

    def numbers(listing: Any) -> list[int]:
        return [item.number for item in listing]

    assert numbers(repo.get_issues()) == [4, 2, 1]
    assert numbers(repo.get_issues(state="all")) == [4, 3, 2, 1]
    assert numbers(repo.get_issues(state="closed")) == [3]
    assert numbers(repo.get_issues(direction="asc")) == [1, 2, 4]
    assert numbers(repo.get_issues(labels=["bug", "ui"])) == [2]
    assert numbers(repo.get_issues(assignee="octocat")) == [1]
    assert numbers(repo.get_issues(assignee="none")) == [4, 2]
    assert numbers(repo.get_issues(assignee="*")) == [1]
    assert numbers(repo.get_issues(creator="agenttest-bot", sort="updated")) == [4, 2, 1]
    assert numbers(kit.rest.issues.list_for_repo("acme", "app", state="all", per_page=2).parsed_data) == [4, 3]
    repo.create_pull(title="A", body="", head="fix-a", base="main")
    repo.create_pull(title="B", body="", head="fix-b", base="release")
    repo.create_pull(title="C", body="", head="fix-c", base="main").edit(state="closed")
    assert numbers(repo.get_pulls()) == [6, 5]  # pulls are numbered with the issues
    assert numbers(repo.get_pulls(state="all", direction="asc")) == [5, 6, 7]
    assert numbers(repo.get_pulls(base="main", state="all")) == [7, 5]
    assert numbers(repo.get_pulls(head="acme:fix-b")) == [6]
    assert numbers(client.search_issues("repo:acme/app is:issue", sort="created", order="asc")) == [1, 2, 3, 4]
    assert numbers(client.search_issues("repo:acme/app", sort="created")) == [7, 6, 5, 4, 3, 2, 1]  # desc: default


def test_labels_assignees_and_comments_change_as_github_changes_them(served: tuple[MockService, str], kit: Any) -> None:
    """Remove a label (a label not on the issue is a 404), set and clear labels, add and remove assignees, read, edit
    and delete a comment: PyGithub's calls and githubkit's models, with GitHub's status codes."""
    app, url = served
    repo = pygithub(url, retry=None).get_repo("acme/app")
    issue = repo.create_issue(title="triage me", labels=["bug", "ui", "docs"])
    issue.remove_from_labels("ui")
    assert [label.name for label in repo.get_issue(1).labels] == ["bug", "docs"]
    with pytest.raises(github.UnknownObjectException):
        issue.remove_from_labels("ui")
    issue.set_labels("wontfix", "bug")
    assert [label.name for label in repo.get_issue(1).labels] == ["wontfix", "bug"]
    issue.delete_labels()
    assert repo.get_issue(1).labels == []
    issue.add_to_assignees("octocat", "hubot")
    assert [user.login for user in issue.assignees] == ["octocat", "hubot"]  # PyGithub reads the answered issue
    issue.remove_from_assignees("octocat", "nobody")
    assert [user.login for user in repo.get_issue(1).assignees] == ["hubot"]
    comment = issue.create_comment("first take")
    assert repo.get_issue(1).get_comment(comment.id).body == "first take"
    comment.edit("second take")
    assert kit.rest.issues.get_comment("acme", "app", comment.id).parsed_data.body == "second take"
    assert kit.rest.issues.update_comment("acme", "app", comment.id, body="third").parsed_data.body == "third"
    comment.delete()
    assert list(repo.get_issue(1).get_comments()) == [] and repo.get_issue(1).comments == 0
    with pytest.raises(github.UnknownObjectException):
        comment.edit("gone")
    statuses = {route: status for route, status in routes(app) if route}
    assert statuses["add assignees"] == 201 and statuses["remove assignees"] == 200
    assert statuses["remove all labels"] == 204 and statuses["delete a comment"] == 204


def test_errors_carry_the_status_as_text_as_githubs_basic_error_does(served: tuple[MockService, str]) -> None:
    """GitHub's error body: {message, documentation_url, status} with the status a string ("404"), the type of
    githubkit's BasicError.status."""
    from githubkit_schemas.v2026_03_10.models import BasicError

    _, url = served
    with pytest.raises(github.UnknownObjectException) as missing:
        pygithub(url, retry=None).get_repo("acme/app").get_issue(404)
    assert missing.value.data["status"] == "404" and missing.value.data["message"] == "Not Found"
    assert BasicError.model_validate(missing.value.data).status == "404"


def test_pull_requests_are_issues_too(served: tuple[MockService, str], kit: Any) -> None:
    """On GitHub every pull request is an issue: one numbering for both, comments and labels on a pull go through
    the issue endpoints, the issue listing and search hold pulls (with pull_request), and the pull answers them."""
    _, url = served
    client = pygithub(url, retry=None)
    repo = client.get_repo("acme/app")
    repo.create_issue(title="Crash on start")
    pull = repo.create_pull(title="Fix", body="Fixes #1", head="fix", base="main")
    assert pull.number == 2
    pull.create_issue_comment("CI passed")
    pull.add_to_labels("ready")
    assert list(repo.get_issue(1).get_comments()) == [] and repo.get_issue(1).labels == []
    again = repo.get_pull(2)
    assert [label.name for label in again.labels] == ["ready"] and again.comments == 1
    twin = repo.get_issue(2)
    assert twin.pull_request is not None and twin.pull_request.html_url.endswith("/pull/2") and twin.title == "Fix"
    assert twin.html_url.endswith("/acme/app/pull/2") and repo.get_issue(1).html_url.endswith("/acme/app/issues/1")
    assert {issue.number: issue.html_url.split("/")[-2] for issue in repo.get_issues()} == {2: "pull", 1: "issues"}
    assert [issue.number for issue in repo.get_issues()] == [2, 1]
    assert [issue.number for issue in client.search_issues("repo:acme/app is:pr")] == [2]
    assert [issue.number for issue in client.search_issues("repo:acme/app is:issue")] == [1]
    pull.edit(title="Fix the crash")
    assert repo.get_issue(2).title == "Fix the crash"
    pull.merge()
    merged = kit.rest.issues.get("acme", "app", 2).parsed_data
    assert merged.state == "closed" and merged.closed_at is not None and merged.pull_request.merged_at is not None
    assert kit.rest.pulls.get("acme", "app", 2).parsed_data.labels[0].name == "ready"
    assert repo.create_issue(title="Next").number == 3


def test_a_review_agent_reads_a_pulls_files_and_comments_on_its_lines(
    served: tuple[MockService, str], kit: Any
) -> None:
    """A pull's files (seeded with their patch), its review comments created on a line and listed back."""
    app, url = served
    repo = pygithub(url, retry=None).get_repo("acme/app")
    pull = repo.create_pull(title="Fix", body="", head="fix", base="main")
    patch = "@@ -1,2 +1,2 @@\n-print('helo')\n+print('hello')"
    app.collections.seed("files", [{"pull_number": 1, "filename": "app.py", "status": "modified", "additions": 1,
                                    "deletions": 1, "changes": 2, "patch": patch}], "t")  # fmt: skip
    files = list(pull.get_files())
    assert [(file.filename, file.status, file.patch) for file in files] == [("app.py", "modified", patch)]
    assert files[0].blob_url.endswith("/blob/6dcb09b5b57875f334f61aebed695e2e4193db5e/app.py")
    assert [entry.filename for entry in kit.rest.pulls.list_files("acme", "app", 1).parsed_data] == ["app.py"]
    comment = pull.create_review_comment("typo fixed, thanks", pull.head.sha, "app.py", line=1, side="RIGHT")
    assert (comment.path, comment.line, comment.side, comment.user.login) == ("app.py", 1, "RIGHT", "agenttest-bot")
    listed = kit.rest.pulls.list_review_comments("acme", "app", 1).parsed_data
    assert [(item.body, item.path, item.commit_id) for item in listed] == [("typo fixed, thanks", "app.py",
                                                                            pull.head.sha)]  # fmt: skip
    assert list(pull.get_issue_comments()) == [] and repo.get_pull(1).review_comments == 1
    with pytest.raises(github.UnknownObjectException):
        repo._requester.requestJsonAndCheck("GET", f"{repo.url}/pulls/9/files")
