"""Route files for mock services: every mistake names file:line and the fix; paths, pages and templates hold."""

from __future__ import annotations

import hashlib
import json
from dataclasses import fields
from typing import Any

import pytest

from AgentTestLibrary.errors import ScenarioError
from AgentTestLibrary.mock.http import Outcome, Request
from AgentTestLibrary.mock.pagination import InvalidPage, Paging, decode, encode, link_header, page, position_of
from AgentTestLibrary.mockservice import MockService, load_service, loader, presets, service_from_text
from AgentTestLibrary.mockservice.model import Collection, PathTemplate

LIST = "routes:\n  - name: r\n    method: GET\n    path: /x\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rutes: []\n", r"<r>:1: rutes: unknown key 'rutes'\. Did you mean 'routes'\?"),
        ("routes:\n  - {method: GET, reply: {json: {}}}\n", r"<r>:2: routes\[0\]: a route needs a 'path'"),
        ("routes:\n  - {path: x, reply: {json: {}}}\n", r"routes\[0\]\.path: a path starts with '/'"),
        ("routes:\n  - {path: /x, method: FETCH, reply: {json: {}}}\n", r"routes\[0\]\.method: expected one or a list"),
        ("routes:\n  - {path: /x, reply: {list: issues}}\n", r"reply\.list: no collection named 'issues'"),
        ("collections: {issues: {}}\nroutes:\n  - {path: /x, reply: {get: issues}}\n", r"'get' needs a 'key'"),
        ("collections: {i: {}}\nroutes:\n  - {path: /x, reply: {list: i, get: i, key: k}}\n", r"give one of list"),
        ("routes:\n  - {path: /x, reply: {json: {}, paginate: {}}}\n", r"pagination goes with 'list: COLLECTION'"),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {list: i, paginate: {style: pages}}}\n",
            r"paginate\.style: expected one of link, cursor, token, offset",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {list: i, paginate: {size: 0}}}\n",
            r"paginate\.size: expected 1 to max_size",
        ),
        ("routes:\n  - {path: /x, reply: {status: 99}}\n", r"reply\.status: expected an HTTP status 100-599"),
        ("routes:\n  - {path: /x, reply: {json: 1, text: a}}\n", r"give either 'json' or 'text'"),
        (
            "routes:\n  - {path: /x, verify: {provider: gitlab, secret: s}, reply: {}}\n",
            r"verify\.provider: expected one of github, slack, stripe, standard",
        ),
        ("routes:\n  - {path: /x, verify: {provider: github}, reply: {}}\n", r"give the secret as 'secret_env'"),
        (
            "routes:\n  - {path: /x, verify: {provider: github, secret_env: AGENTTEST_UNSET_XYZ}, reply: {}}\n",
            r"the environment variable AGENTTEST_UNSET_XYZ is not set",
        ),
        ("routes:\n  - {path: /x, when: {body: {}}, reply: {}}\n", r"when\.body: unknown key 'body'"),
        ("routes:\n  - {path: /x, when: {json: {a: {matches: '['}}}, reply: {}}\n", r"invalid regular expression"),
        ("extends: gitlab\n", r"extends: no preset named 'gitlab' \(presets: github, slack\)"),
        ("faults:\n  - {when: {page: 0}, status: 500}\n", r"faults\[0\]\.when\.page: pages count from 1"),
        ("faults:\n  - {when: {route: r}}\n", r"a fault needs at least one effect"),
        (LIST + "    reply: {}\n  - name: r\n    path: /y\n    reply: {}\n", r"duplicate route name 'r'"),
        ("service: {rate_limit: 0}\n", r"service\.rate_limit: expected a positive request limit"),
        (
            "service: {rate_resources: {search: {limit: 30, window_s: 60, paths: [/search/]}}}\n",
            r"service\.rate_resources: rate_resources goes with 'rate_limit'",
        ),
        (
            "service: {rate_limit: 9, rate_resources: {search: {limit: 30, window_s: 0, paths: [/s/]}}}\n",
            r"service\.rate_resources\.search\.window_s: expected a positive integer; got 0",
        ),
        (
            "service: {rate_limit: 9, rate_resources: {search: {limit: 30, window_s: 60, paths: [search]}}}\n",
            r"service\.rate_resources\.search\.paths: give the path prefixes it counts",
        ),
        ("collections: {i: {refs: {tags: tags}}}\n", r"collections\.i\.refs\.tags: no collection named 'tags'"),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {get: i, key: k, append: {a: b}}}\n",
            r"reply\.append: append goes with 'update: COLLECTION'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {get: i, key: k, remove: {a: b}}}\n",
            r"reply\.remove: remove goes with 'update: COLLECTION'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {list: i, also: {i: {a: b}}}}\n",
            r"reply\.also: also goes with 'create' or 'update'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {create: i, also: {j: {a: b}}}}\n",
            r"reply\.also\.j: no collection named 'j'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {get: i, key: k, join: {i: a}}}\n",
            r"reply\.join\.i: expected a list of field names",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {json: {}, join: {i: [a]}}}\n",
            r"reply\.join: join goes with a collection",
        ),
        ("collections: {i: {numbered_with: [j]}}\n", r"collections\.i\.numbered_with: no collection named 'j'"),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {get: i, key: k, missing: {status: 9}}}\n",
            r"reply\.missing\.status: expected an HTTP status 100-599",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {list: i, requires: {j: k}}}\n",
            r"reply\.requires\.j: no collection named 'j' \(collections: i\)",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {list: i, invalid_page: {status: 200}}}\n",
            r"reply\.invalid_page: invalid_page goes with 'paginate'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {list: i, replace: true}}\n",
            r"reply\.replace: replace goes with 'create: COLLECTION'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {list: i, folder: {}}}\n",
            r"reply\.folder: folder goes with 'get: COLLECTION'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {get: i, key: k, folder: {fields: x, entry: {}}}}\n",
            r"reply\.folder\.fields: expected a list of field names",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {create: i, expects: {sha: {sent: s}}}}\n",
            r"reply\.expects: expects goes with 'update', 'delete' or 'create' with 'replace: true'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {delete: i, key: k, expects: {sha: {}}}}\n",
            r"reply\.expects\.sha\.sent: give what the request says the field holds",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {update: i, key: k, expects: {sha: {sent: s, "
            "differs: {status: 200}}}}}\n",
            r"reply\.expects\.sha\.differs\.status: expected an HTTP error status 400-599; got 200",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {get: i, key: k, stored_fields: {a: b}}}\n",
            r"reply\.stored_fields: stored_fields goes with 'create: COLLECTION'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {create: i, derive: {size: {length: c}}}}\n",
            r"reply\.derive\.size\.length: unknown key 'length'\. Valid keys: integer, base64_size",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {get: i, key: k, derive: {s: {base64_size: c}}}}\n",
            r"reply\.derive: derive goes with 'create' or 'update'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {get: i, key: k, newest_first: true}}\n",
            r"newest_first goes with 'list: COLLECTION'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {get: i, key: k, translate: {s: 1}}}\n",
            r"reply\.translate\.s: expected a mapping of values as sent",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {get: i, key: k, search: {github: q}}}\n",
            r"reply\.search: search goes with 'list: COLLECTION' and names one query language \(github, github_list\)",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {list: i, search: {lucene: q}}}\n",
            r"reply\.search: .* query language \(github, github_list\)",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {list: i, search: {github: '{{item}}'}}}\n",
            r"placeholder \{\{item\}\} names 'item', which its search never has",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {get: i, key: k, on_change: {s: {a: {b: 1}}}}}\n",
            r"reply\.on_change: on_change goes with 'update: COLLECTION'",
        ),
        (
            "collections: {i: {}}\nroutes:\n  - {path: /x, reply: {update: i, key: k, on_change: {s: {a: 1}}}}\n",
            r"reply\.on_change\.s\.a: expected a mapping of fields to templates",
        ),
        (
            "collections: {i: {counts: {n: {c: i}}}}\n",
            r"collections\.i\.counts\.n: no collection named 'c'",
        ),
        (
            "collections: {i: {counts: {n: {c: i, d: j}}}}\n",
            r"collections\.i\.counts\.n: give one collection and its field",
        ),
    ],
)
def test_mistakes_name_the_place_and_the_fix(text: str, expected: str) -> None:
    with pytest.raises(ScenarioError, match=expected):
        service_from_text(text, "<r>")


def test_presets_load_and_a_file_extends_one() -> None:
    assert presets() == ["github", "slack"]
    github = load_service("github", "gh")
    assert github.rate_limit == 5000 and any(route.name == "add labels" for route in github.routes)
    extended = service_from_text(
        "extends: github\nroutes:\n  - {name: zen, method: GET, path: /zen, reply: {text: z}}\n"
    )
    assert extended.routes[0].name == "zen" and len(extended.routes) == len(github.routes) + 1
    assert extended.error == github.error
    seeded = service_from_text("extends: github\ncollections:\n  issues: {key: number, items: [{number: 7}]}\n")
    issues = next(collection for collection in seeded.collections if collection.name == "issues")
    assert issues.items == ({"number": 7},) and issues.serial == ("id",)
    assert issues.refs == (("labels", "labels"), ("assignees", "users"))


def test_a_file_giving_a_preset_collection_items_keeps_its_comment_counts_and_key() -> None:
    seeded = service_from_text("extends: github\ncollections:\n  issues: {items: [{number: 7}]}\n")
    issues = next(collection for collection in seeded.collections if collection.name == "issues")
    assert issues.counts == (("comments", "comments", "issue_number"),) and issues.key == "number"


# a value unlike the default for every setting a collection has: a setting added without one fails here
SETTINGS = {"key": ("k", "name"), "items": ([{"k": 1}], [{"name": "a"}]), "serial": (["id"], ["n"]),
            "refs": ({"tags": "others"}, {"labels": "others"}), "make": ({"x": 1}, {"y": 2}),
            "counts": ({"n": {"others": "ref"}}, {"m": {"others": "owner"}}),
            "numbered_with": (["others"], [])}  # fmt: skip


def test_a_file_overriding_one_setting_of_a_preset_collection_keeps_every_other(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert sorted(SETTINGS) == sorted(part.name for part in fields(Collection) if part.name != "name")
    preset = {"collections": {"things": {key: value[0] for key, value in SETTINGS.items()}, "others": {}}}
    (tmp_path / "mine.yaml").write_text(json.dumps(preset))
    monkeypatch.setattr(loader, "PRESETS", tmp_path)
    base = next(item for item in load_service("mine").collections if item.name == "things")
    for setting, (_, value) in SETTINGS.items():
        text = json.dumps({"extends": "mine", "collections": {"things": {setting: value}}})
        mine = next(item for item in service_from_text(text).collections if item.name == "things")
        own = next(item for item in service_from_text(json.dumps({"collections": {"things": {setting: value},
                                                                                   "others": {}}})).collections
                   if item.name == "things")  # fmt: skip
        for part in SETTINGS:
            expected = getattr(own if part == setting else base, part)
            assert getattr(mine, part) == expected, f"{setting} given: {part} is {getattr(mine, part)!r}"


def test_path_templates_take_one_segment_or_the_rest_and_decode_it() -> None:
    template = PathTemplate.parse("/repos/{owner}/{repo}/contents/{path+}")
    assert template.match("/repos/a/b/contents/docs/read%20me.md") == {"owner": "a", "repo": "b",
                                                                        "path": "docs/read me.md"}  # fmt: skip
    assert template.match("/repos/a/b/contents/") is None
    assert PathTemplate.parse("/x.{y}(z)").match("/x.1(z)") == {"y": "1"}  # the rest of the text is literal
    assert PathTemplate.parse("/a/{b}").match("/a/b/c") is None
    split = PathTemplate.parse("/contents/{dir*}{name}")  # a file's folder (maybe none) and its name
    assert split.match("/contents/docs/a/read.md") == {"dir": "docs/a/", "name": "read.md"}
    assert split.match("/contents/read.md") == {"dir": "", "name": "read.md"}
    rest = PathTemplate.parse("/repos/{owner}/{repo}/contents/{path*}")  # ending the path: any rest or nothing
    assert [rest.match(f"/repos/a/b/{tail}") for tail in ("contents", "contents/", "contents/docs/read%20me.md")] == [
        {"owner": "a", "repo": "b", "path": ""},
        {"owner": "a", "repo": "b", "path": ""},
        {"owner": "a", "repo": "b", "path": "docs/read me.md"},
    ]
    assert rest.match("/repos/a/b/contentsx") is None and rest.match("/repos/a/b") is None
    assert PathTemplate.parse("/files{rest*}").match("/files.txt") == {"rest": ".txt"}  # no "/" before it to drop


def test_pages_in_every_style() -> None:
    items = list(range(10))
    link = Paging("link", 4)
    first = page(link, items, {})
    assert (first.items, first.number, first.next_position, first.last_page) == ([0, 1, 2, 3], 1, 2, 3)
    assert page(link, items, {"page": "3"}).items == [8, 9] and page(link, items, {"page": "3"}).next_position is None
    assert page(link, items, {"page": "9"}).items == []  # past the end: an empty page, as GitHub answers
    header = link_header("http://h/x", "state=open&page=2&per_page=4", link, page(link, items, {"page": "2"}))
    assert header == ('<http://h/x?state=open&page=3&per_page=4>; rel="next", <http://h/x?state=open&page=3&per_page=4>;'
                      ' rel="last", <http://h/x?state=open&page=1&per_page=4>; rel="first", '
                      '<http://h/x?state=open&page=1&per_page=4>; rel="prev"')  # fmt: skip
    cursor = Paging("cursor", 3)
    second = page(cursor, items, {"cursor": encode(3)})
    assert (second.items, second.number, decode(str(second.next_position))) == ([3, 4, 5], 2, 6)
    token = Paging("token", 3, position_param="Marker", size_param="MaxItems")
    assert position_of(token, {"Marker": encode(6), "MaxItems": "2"}) == (6, 2, 4)
    capped = page(Paging("offset", 5, max_size=3), items, {"offset": "6", "limit": "50"})
    assert (capped.size, capped.items, capped.number, capped.next_position) == (3, [6, 7, 8], 3, 9)
    for bad in ({"cursor": "forged"}, {"limit": "-1"}, {"cursor": encode(99)}):
        with pytest.raises(InvalidPage):
            page(cursor, items, bad)


def test_mock_aws_without_moto_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from AgentTestLibrary.errors import MockServerError
    from AgentTestLibrary.mockaws import Moto

    monkeypatch.setitem(sys.modules, "moto.moto_server.werkzeug_app", None)
    with pytest.raises(MockServerError, match=r"pip install 'robotframework-agenttestlibrary\[aws\]'"):
        Moto()


# -- templates: parsed once, a placeholder with no value never becomes text ---------------------------------------

ROUTES = """
collections:
  issues: {key: number, items: [{number: 1, title: First, labels: []}]}
routes:
  - name: create an issue
    method: POST
    path: /repos/{owner}/{repo}/issues
    reply: {create: issues, item: {title: "{{json.title}}", slug: "issue-{{json.title}}", body: "{{json.body | null}}"}}
  - name: add labels
    method: POST
    path: /repos/{owner}/{repo}/issues/{number}/labels
    reply: {update: issues, key: "{{path.number}}", item: {labels: "{{json.labels | json}}"}, json: "{{item.labels}}"}
  - name: echo
    method: PUT
    path: /echo
    reply: {json: {whole: "{{json}}", first: "{{json.0}}", said: "got {{json.0}} of {{method}}"}}
"""


def _send(app: Any, method: str, target: str, body: Any = None) -> Outcome:
    raw = json.dumps(body).encode() if body is not None else b""
    outcome: Outcome = app.handle(Request(method, target, {"host": "127.0.0.1:1", "content-type": "application/json"},
                                          raw))  # fmt: skip
    return outcome


def _call(app: Any, method: str, target: str, body: Any = None) -> tuple[int, Any]:
    outcome = _send(app, method, target, body)
    data = outcome.body_bytes()
    return outcome.status, json.loads(data) if data else None


def test_a_bare_json_array_body_fills_templates_whole_and_by_index() -> None:
    app = MockService(service_from_text(ROUTES, "crm.yaml"))
    assert _call(app, "POST", "/repos/a/b/issues/1/labels", ["bug", "ui"]) == (200, ["bug", "ui"])
    assert _call(app, "POST", "/repos/a/b/issues/1/labels", {"labels": ["docs"]}) == (200, ["docs"])
    assert _call(app, "PUT", "/echo", ["x", 2]) == (200, {"whole": ["x", 2], "first": "x", "said": "got x of PUT"})
    assert _call(app, "POST", "/repos/a/b/issues", {"title": "T"})[1] == {
        "number": 2,
        "title": "T",
        "slug": "issue-T",
        "body": None,
    }


def test_a_placeholder_with_no_value_is_a_422_naming_route_file_and_placeholder_and_fails_the_test() -> None:
    app = MockService(service_from_text(ROUTES, "crm.yaml"))
    status, body = _call(app, "POST", "/repos/a/b/issues", {"body": "no title"})
    assert status == 422
    entry = app.journal.entries()[-1]
    assert entry.rule_error and "{{json.title}}" not in json.dumps(app.collections.items("issues"))
    for part in ("route 'create an issue'", "crm.yaml:5", "placeholder {{json.title}} has no value",
                 "json has no 'title' (it has body)"):  # fmt: skip
        assert part in entry.error and part in body["error"]["detail"]
    assert len(app.collections.items("issues")) == 1  # nothing was created
    status, body = _call(app, "PUT", "/echo", {"a": 1})
    assert status == 422 and "json has no '0'" in body["error"]["detail"]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (
            '{json: "{{jsn.title}}"}',
            r"crm.yaml:5: routes\[0\]\.reply\.json: route 'r': placeholder \{\{jsn.title\}\} "
            r"names 'jsn.title', which its json never has; it may use path, query, headers",
        ),
        ('{json: "{{path.numbr}}"}', r"placeholder \{\{path.numbr\}\} names 'path.numbr'.*path\.number"),
        ('{json: "{{item}}"}', r"names 'item', which its json never has"),
        ('{list: issues, json: "{{next}}"}', r"names 'next'"),
        ('{create: issues, item: "{{item.title}}"}', r"reply\.item: .*names 'item.title', which its item never has"),
        ('{json: "x {{json.a | jsn}}"}', r"names 'jsn'"),
    ],
)
def test_a_placeholder_naming_nothing_the_reply_can_see_is_a_load_error(reply: str, expected: str) -> None:
    text = f"collections: {{issues: {{}}}}\nroutes:\n  - name: r\n    path: /issues/{{number}}\n    reply: {reply}\n"
    with pytest.raises(ScenarioError, match=expected):
        service_from_text(text, "crm.yaml")


def test_an_error_template_names_only_what_an_error_has() -> None:
    with pytest.raises(ScenarioError, match=r"crm.yaml:1: service\.error: placeholder \{\{reason\}\} names 'reason'"):
        service_from_text('service: {error: {msg: "{{reason}}"}}\n', "crm.yaml")


def test_templates_are_parsed_when_the_route_loads_not_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    from AgentTestLibrary.mock import templates

    app = MockService(load_service("github", "github"))
    app.collections.seed("issues", [{"number": n, "title": f"t{n}", "state": "open"} for n in range(1, 31)], "t")

    def refuse(*_: Any) -> Any:
        raise AssertionError("a template was parsed while answering")

    monkeypatch.setattr(templates.Placeholder, "parse", refuse)
    monkeypatch.setattr(templates.Template, "_compile", refuse)
    status, items = _call(app, "GET", "/repos/acme/app/issues?state=open")
    assert status == 200 and len(items) == 30
    assert items[0]["url"] == "http://127.0.0.1:1/repos/acme/app/issues/30"  # newest first


def test_a_list_fills_its_where_once_per_request_not_once_per_item(monkeypatch: pytest.MonkeyPatch) -> None:
    from AgentTestLibrary.mock import templates

    app = MockService(
        service_from_text(
            "collections: {issues: {key: number}}\nroutes:\n"
            "  - {method: GET, path: '/repos/{owner}/{repo}/issues', reply: "
            "{list: issues, where: {state: '{{query.state}}'}, paginate: {style: link, size: 30, max_size: 100}}}\n"
        )
    )
    app.collections.seed("issues", [{"number": n, "title": f"t{n}", "state": "open" if n % 3 else "closed"}
                                    for n in range(1, 46)], "t")  # fmt: skip
    unfilled = []
    original = templates.Placeholder.unfilled
    monkeypatch.setattr(
        templates.Placeholder, "unfilled", lambda self, values: unfilled.append(self) or original(self, values)
    )
    status, items = _call(app, "GET", "/repos/acme/app/issues?per_page=100")  # no state=: the where filters nothing
    assert status == 200 and len(items) == 45 and [placeholder.text for placeholder in unfilled] == ["{{query.state}}"]
    status, items = _call(app, "GET", "/repos/acme/app/issues?state=closed&per_page=100")
    assert [item["number"] for item in items] == [3 * n for n in range(1, 16)] and len(unfilled) == 1


@pytest.mark.parametrize("value", [7, -3, 2**70, True, False, None, 1.5, "x", [1, "a"], {"k": None}])
def test_a_value_inside_text_is_written_as_json_writes_it_a_string_as_itself(value: Any) -> None:
    from AgentTestLibrary.mock.templates import Template

    expected = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    assert Template("n={{v}}/{{w.v}}.").render({"v": value, "w": {"v": value}}) == f"n={expected}/{expected}."


EACH = {
    "url": "{{base}}/r/{{path.repo}}/issues/{{item.number}}",
    "text": "{{item.title}} in {{path.repo}}: {{item.number}}/{{path.n}}",
    "fixed": "{{base}}/{{path.repo}}",
    "whole": ["{{item.user}}", "{{path.n}}", "{{item.x | path.repo}}", '{{nothing | "-"}}', 3, "plain"],
}
FLAT = {  # a mapping of texts (what add_fields is) takes the quicker way
    "url": "{{base}}/r/{{path.repo}}/issues/{{item.number}}{/name}",
    "two": "{{item.title}} #{{item.number}} of {{path.repo}} {x} {{item.number}}",
    "fixed": "{{base}}/{{path.repo}}",
    "user": "{{item.user}}",
    "n": "{{path.n}}",
    "plain": "plain {braces}",
}
ITEMS = [{"number": n, "title": f"T{n}", "user": {"login": f"u{n}"}} for n in range(1, 6)]
VALUES = {"base": "http://h", "path": {"repo": "app", "n": 7}}


def test_the_journal_cap_weighs_replies_too_drops_the_oldest_and_says_so() -> None:
    from AgentTestLibrary.mock.journal import Journal

    app = MockService(load_service("github", "github"), admin_token="admin-token-0123456789")
    cap = 1024 * 1024
    app.pipeline.journal = Journal(secrets=app.journal.secrets, max_bytes=cap)
    app.collections.seed("issues", [{"number": n, "title": "x" * 2000, "state": "open"} for n in range(1, 101)], "t")
    for _ in range(20):  # small requests, pages of 100 issues (about 210 kB each)
        status, body = _call(app, "GET", "/repos/acme/app/issues?per_page=100")
        assert status == 200 and len(body) == 100
    journal = app.journal
    assert journal.size_bytes <= cap and journal.entries()[-1].index == 19
    assert journal.dropped == 20 - len(journal.entries()) >= 15
    admin = Request("GET", "/__agenttest/journal?since=0", {"authorization": "Bearer admin-token-0123456789"})
    listed = json.loads(app.handle(admin).body_bytes())
    assert listed["dropped"] == journal.dropped and len(listed["entries"]) == 20 - journal.dropped


def test_the_journal_keeps_a_json_reply_as_the_bytes_sent_and_reads_it_back_masked() -> None:
    from AgentTestLibrary.mockservice.model import ServiceResult
    from AgentTestLibrary.secrets import SecretRegistry

    deep: list[Any] = []
    for _ in range(300):  # deeper than a request may be: it was the mock's own data
        deep = [deep]
    for body in ([{"a": 1, "b": [True, None, 1.5, "é"]}], {"k": deep}, "text", None):
        result = ServiceResult(200, body)
        assert result.to_dict() == {"status": 200, "body": body}
        assert (result.encoded is not None) == isinstance(body, (dict, list))
    secrets = SecretRegistry()
    secrets.add("ghp_sentinel_0123456789")
    app = MockService(load_service("github", "github"), secrets)
    app.collections.seed("issues", [{"number": 1, "title": "token ghp_sentinel_0123456789", "state": "open"}], "t")
    assert "ghp_sentinel_0123456789" in json.dumps(_call(app, "GET", "/repos/acme/app/issues")[1])
    reply = app.journal.entries()[-1].to_dict()["reply"]
    assert reply["body"][0]["number"] == 1 and "ghp_sentinel_0123456789" not in json.dumps(reply)


def test_routes_are_weighed_for_the_closest_miss_only_when_none_matched(monkeypatch: pytest.MonkeyPatch) -> None:
    from AgentTestLibrary.mockservice.model import RouteMatcher

    weighed: list[str] = []
    distance = RouteMatcher.distance
    monkeypatch.setattr(
        RouteMatcher, "distance", lambda self, request: weighed.append(request.path) or distance(self, request)
    )
    app = MockService(load_service("github", "github"))
    assert _call(app, "GET", "/repos/acme/app/issues")[0] == 200 and weighed == []
    assert _call(app, "GET", "/repos/acme/app/nothing-here")[0] == 404
    assert len(weighed) == len(app.rulebook.rules()) and "closest were 3 rules" in app.journal.entries()[-1].near_miss


@pytest.mark.parametrize("data", [EACH, FLAT])
def test_render_each_answers_what_render_answers_for_every_item_within_one_budget(data: dict[str, Any]) -> None:
    from AgentTestLibrary.mock.templates import Template

    template = Template(data, each="item")
    for budget in (10**6, 200, 100, 41, 12, 0):
        expected, left = [], [budget]
        for item in ITEMS:
            expected.append(template.render({**VALUES, "item": item}, left))
        given = [budget]
        assert template.render_each(dict(VALUES), ITEMS, given) == expected and given == left


def test_render_each_follows_the_request_values_from_one_request_to_the_next() -> None:
    from AgentTestLibrary.mock.templates import Template

    template = Template(FLAT, each="item")
    for n, repo in [(7, "app"), (7, "app"), (True, "app"), (1, "app"), (1.0, "app"), ("1", "lib"), (None, "app")]:
        values = {**VALUES, "path": {"repo": repo, "n": n}}
        expected = [template.render({**values, "item": item}) for item in ITEMS]
        assert template.render_each(values, ITEMS) == expected
        assert [type(rendered["n"]) for rendered in expected] == [type(n)] * len(ITEMS)


def test_render_each_fills_what_reads_no_item_once_per_request_not_once_per_item() -> None:
    from collections.abc import Iterator, Mapping

    from AgentTestLibrary.mock.templates import Template

    class Counted(Mapping[str, Any]):
        def __init__(self, data: dict[str, Any]) -> None:
            self.data, self.reads = data, 0

        def __getitem__(self, key: str) -> Any:
            self.reads += 1
            return self.data[key]

        def __iter__(self) -> Iterator[str]:
            return iter(self.data)

        def __len__(self) -> int:
            return len(self.data)

    path = Counted({"repo": "app", "n": 7})
    rendered = Template(EACH, each="item").render_each({**VALUES, "path": path}, ITEMS)
    assert rendered[4]["url"] == "http://h/r/app/issues/5" and rendered[4]["whole"][2] == "app"
    assert path.reads == 5 + len(ITEMS)  # once per placeholder; {{item.x | path.repo}} reads the item first, each time


@pytest.mark.parametrize(("text", "missing"), [("{{base}}/{{path.missing}}/{{item.number}}", "path.missing"),
                                               ("{{base}}/{{item.missing}}", "item.missing")])  # fmt: skip
@pytest.mark.parametrize("more", [{}, {"more": ["{{item.number}}"]}])  # a mapping of texts, or not
def test_render_each_with_an_unfilled_placeholder_fails_as_render_does_and_only_when_there_is_an_item(
    text: str, missing: str, more: dict[str, Any]
) -> None:
    from AgentTestLibrary.mock.templates import Template, Unfilled

    template = Template({"u": text, **more}, each="item")
    assert template.render_each(dict(VALUES), []) == []
    with pytest.raises(Unfilled, match=rf"placeholder \{{\{{{missing}\}}\}} has no value: \w+ has no 'missing'"):
        template.render_each(dict(VALUES), ITEMS)


def test_template_alternatives_defaults_and_the_reason_a_path_stopped() -> None:
    from AgentTestLibrary.mock.templates import Template, Unfilled

    template = Template({"a": "{{x.y | z | null}}", "b": "n={{n | 0}}", "c": ['{{s | "none"}}']})
    assert template.render({"z": [1]}) == {"a": [1], "b": "n=0", "c": ["none"]}
    assert template.render({"x": {"y": False}, "n": 5, "s": "S"}) == {"a": False, "b": "n=5", "c": ["S"]}
    with pytest.raises(Unfilled, match=r"placeholder \{\{x.y\}\} has no value: x is null, not an object with 'y'"):
        Template("{{x.y}}").render({"x": None})
    assert Template("keep {{x}}").render({}, keep=True) == "keep {{x}}"


# -- methods: 405 with Allow on a known path, HEAD wherever GET, 501 only for methods HTTP does not define ----------


def test_a_known_path_with_another_method_is_405_listing_the_methods_head_included() -> None:
    app = MockService(load_service("github", "github"))
    for method in ("POST", "DELETE", "TRACE"):
        outcome = _send(app, method, "/repos/acme/app")
        assert (outcome.status, dict(outcome.headers)["allow"]) == (405, "GET, HEAD"), method
    outcome = _send(app, "PUT", "/repos/acme/app/issues")
    assert (outcome.status, dict(outcome.headers)["allow"]) == (405, "GET, HEAD, POST")
    assert app.journal.entries()[-1].unmatched  # a strict service still fails the test


def test_head_is_answered_wherever_get_is_with_the_same_headers() -> None:
    app = MockService(load_service("github", "github"))
    got, head = _send(app, "GET", "/repos/acme/app"), _send(app, "HEAD", "/repos/acme/app")
    assert head.status == got.status == 200 and head.body == got.body  # the server leaves the body out
    assert [name for name, _ in head.headers] == [name for name, _ in got.headers]
    assert [(entry.method, entry.rule) for entry in app.journal.entries()] == [("GET", "get a repository"),
                                                                              ("HEAD", "get a repository")]  # fmt: skip


@pytest.mark.parametrize(("method", "path", "status"), [("PROPFIND", "/repos/acme/app", 501), ("BREW", "/nowhere", 501),
                                                        ("GET", "/nowhere", 404)])  # fmt: skip
def test_only_a_method_http_does_not_define_is_501_and_an_unknown_path_is_404(method: str, path: str,
                                                                             status: int) -> None:  # fmt: skip
    outcome = _send(MockService(load_service("github", "github")), method, path)
    assert outcome.status == status and "allow" not in dict(outcome.headers)


# -- fault targets: an unknown route is an error listing the routes, closest first; unfired faults are known --------


def test_a_fault_aimed_at_an_unknown_route_is_an_error_listing_the_routes_closest_first() -> None:
    app = MockService(load_service("github", "github"))
    with pytest.raises(ScenarioError) as caught:
        app.parse_fault({"name": "f", "when": {"route": "create comment"}, "status": 500}, "Inject Service Fault")
    message = str(caught.value)
    assert message.startswith("Inject Service Fault: fault 'f': no route named 'create comment'; the routes, closest "
                              "first: create a comment, ")  # fmt: skip
    shown = message.split("closest first: ", 1)[1]
    assert "get the user" in shown and shown.endswith(f"(and {len(app.rulebook.rules()) - 30} more).")
    assert (
        app.parse_fault({"when": {"route": "create a comment"}, "status": 500}, "k").matcher.route == "create a comment"
    )
    with pytest.raises(ScenarioError, match=r"crm.yaml:3: faults\[0\]\.when\.route: fault 'faults\[0\]': no route "
                                            r"named 'lst'; the routes, closest first: list"):  # fmt: skip
        service_from_text("routes: [{name: list, path: /x, reply: {}}]\nfaults:\n  - when: {route: lst}\n    "
                          "status: 500\n", "crm.yaml")  # fmt: skip


def test_the_faults_a_scope_added_that_never_fired_are_named() -> None:
    app = MockService(load_service("github", "github"))
    fired = app.parse_fault({"name": "fired", "when": {"route": "get the user"}, "status": 500}, "k")
    idle = app.parse_fault({"name": "idle", "when": {"route": "add labels"}, "status": 500}, "k")
    for fault in (fired, idle):
        app.add_fault(fault, "test:T")
    assert _send(app, "GET", "/user").status == 500
    assert [fault.name for fault in app.faults.unfired("test:T")] == ["idle"]
    app.reset_counters()  # the next test: what fired before still counts for a suite's faults
    assert [fault.name for fault in app.faults.unfired("test:T")] == ["idle"]
    app.remove_scope("test:T")
    assert app.faults.unfired("test:T") == []


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("", [1, 2]),
        ("is:open", [1]),
        ("-is:open", [2]),
        ('label:"good first issue"', [2]),
        ('"exact phrase"', [2]),
        ('"unbalanced label:', []),
        ("label: is: :: -", []),
        ("is:locked -is:locked -linked:pr sort:created-asc", [1, 2]),  # values and qualifiers it does not model
        ("repo:acme/app", [1, 2]),  # an item without repository_url (a seed) is in every repo
        ("repo:acme/other", [2]),
        ("x" * 10_000 + " y:" * 5_000, []),
    ],
)
def test_github_search_queries_keep_what_github_finds_and_never_fail(query: str, numbers: list[int]) -> None:
    from AgentTestLibrary.mockservice.search import github_query

    items = [{"number": 1, "state": "open", "title": "Crash", "repository_url": "http://h/repos/acme/app"},
             {"number": 2, "state": "closed", "title": "An exact phrase", "body": None,
              "labels": [{"name": "Good First Issue"}]}]  # fmt: skip
    keep = github_query(query)
    assert [item["number"] for item in items if keep(item)] == numbers


@pytest.mark.parametrize(
    ("versions", "expected"),
    [
        ("{supported: [a]}", r"service\.versions\.header: expected the request header naming the version"),
        ("{header: v, supported: []}", r"service\.versions\.supported: list the versions as strings"),
        ("{header: v, supported: [1, a]}", r"service\.versions\.supported: list the versions as strings"),
        ("{header: v, supported: [a], selected: [b]}", r"service\.versions\.selected: expected an answer header"),
        ("{header: v, supported: [a], removes: {b: [x]}}", r"service\.versions\.removes\.b: 'b' is not one of the"),
        ("{header: v, supported: [a], removes: {a: x}}", r"service\.versions\.removes\.a: expected a list of field"),
    ],
)
def test_versions_mistakes_name_the_place_and_the_fix(versions: str, expected: str) -> None:
    with pytest.raises(ScenarioError, match=expected):
        service_from_text(f"service:\n  versions: {versions}\n", "<r>")


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ({}, [3, 1]),
        ({"state": "all"}, [3, 2, 1]),
        ({"state": "bogus"}, [3, 2, 1]),  # a state it does not model keeps every one
        ({"direction": "asc", "state": "all"}, [1, 2, 3]),
        ({"labels": ",,BUG,"}, [1]),
        ({"sort": "comments"}, [3, 1]),  # a sort it does not model: by creation
        ({"sort": "updated", "state": "all"}, [2, 3, 1]),
        ({"since": "2026-01-02T00:00:00Z", "state": "all"}, [3, 2]),
        ({"assignee": "none", "creator": "nobody"}, []),
    ],
)
def test_github_listings_filter_and_order_what_they_are_asked(query: dict[str, str], numbers: list[int]) -> None:
    from AgentTestLibrary.mockservice.search import SEARCH

    items = [{"number": 1, "state": "open", "labels": [{"name": "bug"}], "updated_at": "2026-01-01T00:00:00Z"},
             {"number": 2, "state": "closed", "updated_at": "2026-01-03T00:00:00Z"},
             {"number": 3, "state": "open", "updated_at": "2026-01-02T00:00:00Z"}]  # fmt: skip
    assert [item["number"] for item in SEARCH["github_list"](query)(items)] == numbers
    assert SEARCH["github_list"]("not a mapping")(items) == [items[2], items[0]]


def _get(app: Any, target: str, **headers: str) -> Outcome:
    outcome: Outcome = app.handle(Request("GET", target, {"host": "127.0.0.1:1", **headers}))
    return outcome


def test_a_page_is_encoded_once_and_its_etag_and_journal_entry_are_the_bytes_sent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from AgentTestLibrary.mock import jsonio

    app = MockService(load_service("github", "github"))
    app.collections.seed("issues", [{"number": n, "title": f"t{n}", "state": "open"} for n in range(1, 4)], "t")
    encoded: list[int] = []
    dumps = jsonio.dumps
    monkeypatch.setattr(jsonio, "dumps", lambda value: encoded.append(1) or dumps(value))
    outcome = _get(app, "/repos/acme/app/issues")
    sent = outcome.body_bytes()
    assert len(encoded) == 1 and [item["number"] for item in json.loads(sent)] == [3, 2, 1]
    assert dict(outcome.headers)["etag"] == f'W/"{hashlib.sha256(sent).hexdigest()[:40]}"'
    assert app.journal.entries()[-1].reply.encoded is sent


def test_a_repeated_read_is_rendered_once_while_nothing_it_shows_changed(monkeypatch: pytest.MonkeyPatch) -> None:
    from AgentTestLibrary.mockservice.app import ServiceEndpoint

    app = MockService(load_service("github", "github"))
    app.collections.seed("issues", [{"number": n, "title": f"t{n}", "state": "open"} for n in range(1, 4)], "t")
    rendered: list[str] = []
    act = ServiceEndpoint._act
    monkeypatch.setattr(ServiceEndpoint, "_act", lambda self, call, subject, reply: rendered.append(
        call.request.target) or act(self, call, subject, reply))  # fmt: skip
    target = "/repos/acme/app/issues"
    first, again = _get(app, target), _get(app, target)
    assert rendered == [target] and again.body_bytes() == first.body_bytes()
    assert [dict(o.headers)["x-ratelimit-remaining"] for o in (first, again)] == ["4999", "4998"]  # counted each time
    tag = dict(first.headers)["etag"]
    assert _get(app, target, **{"if-none-match": tag}).status == 304  # another request (a header): rendered anew
    assert _get(app, target + "?per_page=2").status == 200 and len(rendered) == 3
    journaled = app.journal.entries()
    assert [entry.status for entry in journaled] == [200, 200, 304, 200]
    assert journaled[1].to_dict()["reply"]["body"] == json.loads(first.body_bytes())

    def numbers() -> list[Any]:
        return [(item["number"], item["title"], item["comments"]) for item in json.loads(_get(app, target).body)]

    assert numbers() == [(3, "t3", 0), (2, "t2", 0), (1, "t1", 0)]
    assert _call(app, "POST", "/repos/acme/app/issues", {"title": "new"})[0] == 201
    assert numbers()[0] == (4, "new", 0)
    assert _call(app, "PATCH", "/repos/acme/app/issues/2", {"title": "renamed"})[0] == 200
    assert numbers()[2] == (2, "renamed", 0)
    assert _call(app, "POST", "/repos/acme/app/issues/1/comments", {"body": "hi"})[0] == 201
    assert numbers()[3] == (1, "t1", 1)  # another collection's change counts too
    app.collections.delete("issues", 4)
    assert [number for number, _, _ in numbers()] == [3, 2, 1]
    app.collections.seed("issues", [{"number": 9, "title": "seeded", "state": "open"}], "t")
    assert numbers()[0] == (9, "seeded", 0)
    app.reset_counters()  # the next test: the seeds again
    assert numbers() == [(9, "seeded", 0), (3, "t3", 0), (2, "t2", 0), (1, "t1", 0)]


@pytest.mark.parametrize("value", ["{{now}}", "{{epoch}}", "{{rate.remaining}}"])
def test_a_read_that_shows_the_clock_or_the_rate_limit_is_rendered_for_every_request(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    from AgentTestLibrary.mockservice.app import ServiceEndpoint

    text = ("service: {rate_limit: 10}\ncollections: {issues: {items: [{id: 1}]}}\nroutes:\n  - name: r\n"
            f"    path: /issues\n    reply: {{list: issues, add_fields: {{seen: '{value}'}}}}\n  - name: plain\n"
            "    path: /plain\n    reply: {list: issues}\n")  # fmt: skip
    app = MockService(service_from_text(text, "crm.yaml"))
    assert [route.replies[0].steady for route in app.spec.routes] == [False, True]
    rendered: list[str] = []
    act = ServiceEndpoint._act
    monkeypatch.setattr(ServiceEndpoint, "_act", lambda self, call, subject, reply: rendered.append(
        call.request.target) or act(self, call, subject, reply))  # fmt: skip
    remaining = [json.loads(_get(app, "/issues").body_bytes())[0]["seen"] for _ in range(3)]
    assert rendered == ["/issues"] * 3
    if value == "{{rate.remaining}}":
        assert remaining == [10, 9, 8]  # what the template saw before each request counted


@pytest.mark.parametrize("sent", ["%0D", "%0A", "%00", "%0D%0A"])
def test_a_header_echoing_a_request_value_cannot_split_the_response(sent: str) -> None:
    from AgentTestLibrary.mock.http import response_head

    text = "routes:\n  - name: echo\n    path: /echo\n    reply: {headers: {x-echo: '{{query.q}}'}, json: {}}\n"
    app = MockService(service_from_text(text, "crm.yaml"))
    outcome = _get(app, f"/echo?q=a{sent}set-cookie:%20b")
    head = response_head(outcome, 2, True, "agenttest-mock")
    spaces = " " * (len(sent) // 3)
    assert f"\r\nx-echo: a{spaces}set-cookie: b\r\n".encode() in head and b"\r\nset-cookie" not in head


def test_a_read_answered_again_still_meets_faults_and_added_routes_and_is_journaled() -> None:
    from AgentTestLibrary.mockservice.loader import parse_service_route

    app = MockService(load_service("github", "github"))
    app.collections.seed("issues", [{"number": 1, "title": "t1", "state": "open"}], "t")
    target = "/repos/acme/app/issues"
    page = _get(app, target).body_bytes()
    assert _get(app, target).body_bytes() == page
    fault = app.parse_fault({"name": "down", "when": {"route": "list issues"}, "status": 503}, "k")
    app.add_fault(fault, "test:T")
    assert _get(app, target).status == 503
    app.remove_scope("test:T")
    assert _get(app, target).body_bytes() == page
    route = {"name": "mine", "method": "GET", "path": target, "reply": {"list": "issues", "add_fields": {"x": 1}}}
    app.add_route(parse_service_route(route, "k", app.spec), "test:T")
    assert json.loads(_get(app, target).body_bytes())[0]["x"] == 1  # the added route answers, not the kept page
    app.remove_scope("test:T")
    assert _get(app, target).body_bytes() == page
    journaled = [(entry.status, entry.fault, entry.rule) for entry in app.journal.entries()]
    assert journaled == [(200, "", "list issues"), (200, "", "list issues"), (503, journaled[2][1], "list issues"),
                         (200, "", "list issues"), (200, "", "mine"), (200, "", "list issues")]  # fmt: skip
    assert "down" in journaled[2][1]


NOTES = """\
collections:
  notes: {key: name}
routes:
  - {name: list, method: GET, path: /notes, reply: {list: notes}}
  - {name: add, method: POST, path: /notes, reply: {create: notes, item: "{{json}}"}}
  - {name: read, method: GET, path: "/notes/{name}", reply: {get: notes, key: "{{path.name}}"}}
  - {name: write, method: PUT, path: "/notes/{name}", reply: {create: notes, replace: true, expects: *sha,
     item: {name: "{{path.name}}", text: "{{json.text}}", sha: "{{json.text}}-sha"}}}
  - {name: edit, method: PATCH, path: "/notes/{name}", reply: {update: notes, key: "{{path.name}}",
     item: {text: "{{json.text}}"}}}
  - {name: remove, method: DELETE, path: "/notes/{name}", reply: {delete: notes, key: "{{path.name}}", expects: *sha}}
"""
SHA = "{sha: {sent: '{{json.sha}}', absent: {status: 422, message: no sha}, differs: {status: 409, message: stale}}}"


def _refused(app: Any, method: str, target: str, body: Any) -> tuple[int, str]:
    status, answer = _call(app, method, target, body)
    return status, answer["error"]["detail"]


def test_each_verb_acts_on_its_collection_and_answers_its_status_or_its_error() -> None:
    app = MockService(service_from_text(NOTES.replace("*sha", SHA), "notes.yaml"))
    assert _call(app, "PUT", "/notes/a", {"text": "one"})[0] == 201  # created
    assert _refused(app, "PUT", "/notes/a", {"text": "two"}) == (422, "no sha")  # replacing names the sha
    assert _refused(app, "PUT", "/notes/a", {"text": "two", "sha": "x"}) == (409, "stale")
    assert _call(app, "PUT", "/notes/a", {"text": "two", "sha": "one-sha"})[0] == 200  # replaced
    assert _refused(app, "POST", "/notes", ["x"]) == (422, "Expected a JSON object to create a notes item.")
    assert _call(app, "PATCH", "/notes/a", {"text": "three"})[1]["text"] == "three"
    assert _refused(app, "PATCH", "/notes/zz", {"text": "x"}) == (404, "No notes item with key 'zz'.")
    assert _call(app, "GET", "/notes/a") == (200, {"name": "a", "text": "three", "sha": "two-sha"})
    assert _refused(app, "DELETE", "/notes/a", {}) == (422, "no sha")
    assert _refused(app, "DELETE", "/notes/a", {"sha": "one-sha"}) == (409, "stale")
    assert [note["name"] for note in _call(app, "GET", "/notes")[1]] == ["a"]  # a refused delete deletes nothing
    assert _call(app, "DELETE", "/notes/a", {"sha": "two-sha"}) == (204, None)
    assert _refused(app, "GET", "/notes/a", None) == (404, "No notes item with key 'a'.")
    assert _call(app, "GET", "/notes") == (200, [])
