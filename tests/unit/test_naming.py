"""File names from suite and test names: never escaping, never colliding, always the same for the same name."""

from __future__ import annotations

from pathlib import Path

import pytest

from AgentTestLibrary.naming import NameClashError, NameRegistry, UnsafePathError, confined, remove_tree, slug

HOSTILE = ["..", ".", "", "/", "../../etc", "a/b", "a\\b", "a:b", "a b", "a_b", "a  b", " a", ".hidden", "x" * 300]


@pytest.mark.parametrize("name", HOSTILE)
def test_slugs_are_plain_file_names(name: str) -> None:
    made = slug(name)
    assert made not in ("", ".", "..") and "/" not in made and "\\" not in made and not made.startswith(".")
    assert len(made) <= 120


def test_distinct_names_get_distinct_slugs() -> None:
    names = [*HOSTILE, "Prüfung läuft", "Prüfung_läuft", "测试 用例", "日本語", "テスト", "🚀 launch", "🛸 launch"]
    slugs = [slug(name) for name in names]
    assert len(set(slugs)) == len(names)


def test_unicode_words_are_kept_and_plain_names_read_as_before() -> None:
    assert slug("Prüfung läuft") == "Prüfung_läuft"
    assert slug("测试 用例") == "测试_用例"
    assert slug("Agent Lists Files") == "Agent_Lists_Files"  # committed cassettes keep their names


def test_the_same_name_always_maps_to_the_same_slug() -> None:
    assert slug("a/b") == slug("a/b") == "a_b-c14cddc0"


def test_registry_fails_loudly_on_a_clash(tmp_path: Path) -> None:
    registry = NameRegistry()
    registry.claim(tmp_path / "Agent_A.json", "Suite.Agent A")
    registry.claim(tmp_path / "Agent_A.json", "Suite.Agent A")  # the same owner again is fine
    with pytest.raises(NameClashError, match=r"'Suite\.agent a' and 'Suite\.Agent A' would both be written"):
        registry.claim(tmp_path / "agent_a.json", "Suite.agent a")


def test_remove_tree_only_below_its_root(tmp_path: Path) -> None:
    root = tmp_path / "agenttest-x"
    (root / "inner").mkdir(parents=True)
    (tmp_path / "keep.txt").write_text("keep")
    for victim in (root / "..", root, tmp_path, root / "inner" / ".." / ".."):
        with pytest.raises(UnsafePathError):
            remove_tree(victim, root)
    link = root / "link"
    link.symlink_to(tmp_path)
    with pytest.raises(UnsafePathError):
        remove_tree(link, root)
    remove_tree(root / "inner", root)
    assert not (root / "inner").exists() and (tmp_path / "keep.txt").exists()


@pytest.mark.parametrize("relative", ["../x", "/etc/passwd", "a/../../x", "", "  "])
def test_confined_refuses_escapes(tmp_path: Path, relative: str) -> None:
    with pytest.raises(UnsafePathError, match="must be a relative path inside"):
        confined(tmp_path, relative, "files entry")


def test_confined_refuses_symlink_escape(tmp_path: Path) -> None:
    (tmp_path / "home").mkdir()
    (tmp_path / "home" / "out").symlink_to(tmp_path)
    with pytest.raises(UnsafePathError, match="resolves outside"):
        confined(tmp_path / "home", "out/x", "files entry")
    assert confined(tmp_path / "home", "a/b.txt", "files entry") == tmp_path / "home" / "a" / "b.txt"
