"""The key table: it is the only place keys are defined, so the README, the help and the bindings agree."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.binding import Binding
from textual.widgets import Input

from sumtrace.tui.app import SumtraceApp
from sumtrace.tui.keydoc import BEGIN, END, current_block, main, readme_block, replace_block
from sumtrace.tui.keygate import INPUT_KEYS, app_may_take
from sumtrace.tui.keys import KEYS, help_rows, help_sections, key_label, key_table, keys_label
from sumtrace.tui.views import VIEWS
from sumtrace.tui.widgets import BlockList, HelpScreen, LogView
from tests.conftest import ROOT

TABLE = key_table(VIEWS)


def test_readme_key_table_is_the_generated_one() -> None:
    """Change a key in tui/keys.py, then run `python -m sumtrace.tui.keydoc README.md`."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert current_block(readme) == readme_block()


def test_keydoc_rewrites_only_the_block_and_checks(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# title\n\nbefore\n\n{BEGIN}\n| stale |\n{END}\n\nafter\n", encoding="utf-8")
    assert main(["--check", str(readme)]) == 1
    assert main([str(readme)]) == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# title\n\nbefore\n\n") and text.endswith("\n\nafter\n")
    assert current_block(text) == readme_block()
    assert main(["--check", str(readme)]) == 0
    with pytest.raises(ValueError):
        replace_block("no markers here", readme_block())


def test_every_view_has_its_key_in_the_table_and_readme() -> None:
    block = readme_block()
    for view in VIEWS:
        spec = next(s for s in TABLE if s.id == f"view_{view.NAME}")
        assert spec.keys == view.KEY and f"`view_{view.NAME}`" in block and view.SUMMARY in block


def test_ids_are_unique_and_every_binding_carries_one() -> None:
    ids = [s.id for s in TABLE]
    assert len(ids) == len(set(ids))
    bindings = [b for b in SumtraceApp.BINDINGS if isinstance(b, Binding)]
    assert len(bindings) == len(SumtraceApp.BINDINGS)
    assert {b.id for b in bindings} == {s.id for s in TABLE if s.where in ("app", "view")}
    for cls in (BlockList, LogView):
        assert {b.id for b in cls.BINDINGS if isinstance(b, Binding)} == {s.id for s in KEYS if s.where == "list"}
    assert {b.id for b in HelpScreen.BINDINGS if isinstance(b, Binding)} == {"close_help"}


def test_every_key_reaches_an_action_that_exists() -> None:
    """A view key must name an action its views implement; an app key one the App has."""
    names = {v.NAME: v for v in VIEWS}
    for spec in TABLE:
        method = f"action_{spec.action_name}"
        if spec.where == "app":
            assert hasattr(SumtraceApp, method), spec.id
        elif spec.where == "view":
            targets = [names[v] for v in spec.views] if spec.views else list(VIEWS)
            for view in targets:
                assert hasattr(view, method), (spec.id, view.NAME)
            assert not spec.reach or spec.reach in spec.views, spec.id
        elif spec.where == "list":
            assert hasattr(BlockList, method) and hasattr(LogView, method), spec.id
        elif spec.where == "help":
            assert hasattr(HelpScreen, method), spec.id


def test_help_rows_show_the_users_keys() -> None:
    rows = {binding_id: keys for keys, _, binding_id in help_rows(TABLE, {"pause": "space,ctrl+shift+p"})}
    assert rows["pause"] == "Space / Ctrl+Shift+P"
    assert rows["help"] == "F1 / ?" and rows["find"] == "/" and rows["cursor_up"] == "↑ / k"
    assert "" in rows  # Textual's own keys are listed without an id (they cannot be rebound here)
    spec = next(s for s in TABLE if s.id == "focus_next")
    assert keys_label(spec, {"focus_next": "x"}) == "Tab"


@pytest.mark.parametrize(("key", "label"), [("question_mark", "?"), ("slash", "/"), ("ctrl+p", "Ctrl+P"),
                                            ("shift+tab", "Shift+Tab"), ("f12", "F12"), ("N", "N"),
                                            ("pagedown", "PgDn"), ("ampersand", "&"), ("escape", "Esc")])
def test_key_labels(key: str, label: str) -> None:
    assert key_label(key) == label


def test_help_groups_every_key_once_by_where_it_works() -> None:
    titles = {v.NAME: v.TITLE for v in VIEWS}
    sections = help_sections(TABLE, None, titles)
    names = [name for name, _ in sections]
    assert names[:2] == ["Views", "Everywhere"] and len(names) == len(set(names))
    assert {"Every view", "Log view", "Scan view", "Scan and Log views", "This help"} <= set(names)
    assert sum(len(rows) for _, rows in sections) == len(TABLE)
    log = dict(sections)["Log view"]
    assert any(keys == "/" and binding_id == "find" for keys, _, binding_id in log)


def _key(name: str, char: str | None = None) -> events.Key:
    return events.Key(name, char)


def test_an_input_keeps_the_keys_it_types_and_edits_with() -> None:
    field = Input()
    for key in (_key("q", "q"), _key("slash", "/"), _key("1", "1"), _key("space", " "), _key("left"),
                _key("backspace"), _key("enter"), _key("ctrl+w")):
        assert not app_may_take(key, field, dialog=False), key.key
    for key in (_key("escape"), _key("f1"), _key("ctrl+p"), _key("ctrl+c"), _key("ctrl+q")):
        assert app_may_take(key, field, dialog=False), key.key
    assert app_may_take(_key("q", "q"), BlockList(), dialog=False)  # a list: the app's keys act
    assert not app_may_take(_key("p", "p"), BlockList(), dialog=True)  # a dialog keeps its keys
    assert app_may_take(_key("ctrl+c"), None, dialog=True)
    assert {"left", "home", "ctrl+a", "enter", "backspace", "ctrl+v"} <= INPUT_KEYS
