"""The one scoped-collection type: a base, additions by scope key, removed with their scope, a view per change."""

from __future__ import annotations

from AgentTestLibrary.mock.scoped import ScopedCatalogue, ScopedList


class Counting(ScopedList[str]):
    def __init__(self) -> None:
        self.restarts = 0
        super().__init__(("file",))

    def reset_counters(self) -> None:
        self.restarts += 1


def test_additions_follow_the_base_and_leave_with_their_scope_only() -> None:
    items = Counting()
    items.add("suite rule", "suite:S")
    items.add("test rule", "test:S.T")
    assert items.view() == ("file", "suite rule", "test rule") and len(items) == 3
    items.remove_scope("test:S.T")
    assert items.view() == ("file", "suite rule")
    items.remove_scope("test:S.Other")  # nothing of it: nothing changes
    assert items.view() == ("file", "suite rule")


def test_loading_a_new_base_keeps_additions_and_restarts_counters() -> None:
    items = Counting()
    items.add("keyword rule", "test:S.T")
    before = items.restarts
    items.load(("new file", "second"))
    assert items.view() == ("new file", "second", "keyword rule") and items.restarts == before + 1


def test_the_view_is_rebuilt_only_after_a_change() -> None:
    items = Counting()
    first = items.view()
    assert items.view() is first
    items.add("x", "admin")
    assert items.view() is not first


def test_a_catalogue_addition_replaces_the_base_item_of_its_key_while_its_scope_lasts() -> None:
    tools: ScopedCatalogue[str] = ScopedCatalogue((("search", "from the file"), ("fetch", "from the file")))
    tools.add(("search", "from the test"), "test:S.T")
    assert tools.view() == {"search": "from the test", "fetch": "from the file"}
    tools.remove_scope("test:S.T")
    assert tools.view()["search"] == "from the file"
