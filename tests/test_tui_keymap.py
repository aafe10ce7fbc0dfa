"""The user's keymap.toml: where it is looked for, what is accepted, and that it really rebinds keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.widgets import Input

from sumtrace.tui.keymap import keymap_path, load_keymap
from sumtrace.tui.widgets import BlockList, KeyBar
from tests.test_tui_app import loaded, settle

KNOWN = {"pause", "find", "quit", "view_log", "help"}


# ------------------------------------------------------------------------------------ where

def test_env_var_names_the_file_on_every_system(tmp_path: Path) -> None:
    env = {"SUMTRACE_KEYMAP": str(tmp_path / "mine.toml"), "APPDATA": "C:\\Users\\a\\AppData\\Roaming",
           "XDG_CONFIG_HOME": "/xdg"}
    for platform in ("linux", "win32", "darwin"):
        assert keymap_path(env, platform) == (tmp_path / "mine.toml", True)


def test_windows_uses_appdata() -> None:
    home = Path("/home/a")
    path, explicit = keymap_path({"APPDATA": "/appdata"}, "win32", home)
    assert path == Path("/appdata/sumtrace/keymap.toml") and not explicit
    assert keymap_path({}, "win32", home)[0] == home / "AppData" / "Roaming" / "sumtrace" / "keymap.toml"


def test_linux_and_macos_use_xdg_config_home() -> None:
    home = Path("/home/a")
    assert keymap_path({"XDG_CONFIG_HOME": "/xdg"}, "linux", home)[0] == Path("/xdg/sumtrace/keymap.toml")
    assert keymap_path({}, "darwin", home)[0] == home / ".config" / "sumtrace" / "keymap.toml"
    # the XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored
    assert keymap_path({"XDG_CONFIG_HOME": "rel"}, "linux", home)[0] == home / ".config" / "sumtrace" / "keymap.toml"


# ------------------------------------------------------------------------------------ what

def _load(tmp_path: Path, text: str | bytes, *, must_exist: bool = False):  # type: ignore[no-untyped-def]
    path = tmp_path / "keymap.toml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return load_keymap(path, KNOWN, must_exist=must_exist)


def test_valid_keys_are_normalised(tmp_path: Path) -> None:
    km = _load(tmp_path, '[keys]\npause = "space"\nfind = "Ctrl+F, /"\nview_log = "F5"\nhelp = "N,Shift+N"\n')
    assert km.keys == {"pause": "space", "find": "ctrl+f,/", "view_log": "f5", "help": "N,shift+N"}
    assert not km.problems and km.message == ""


def test_missing_file_is_silent_unless_named_explicitly(tmp_path: Path) -> None:
    assert load_keymap(tmp_path / "none.toml", KNOWN).message == ""
    km = load_keymap(tmp_path / "none.toml", KNOWN, must_exist=True)
    assert km.ignored and "SUMTRACE_KEYMAP" in km.message


@pytest.mark.parametrize(("text", "why"), [
    ('[keys\npause = "x"\n', "not valid TOML"),
    ('pause = "x"\n', "no [keys] table"),
    ('keys = "pause=x"\n', "no [keys] table"),
    (b'[keys]\npause = "\xff"\n', "cannot be read"),
])
def test_a_bad_file_is_ignored_whole_with_one_message(tmp_path: Path, text: str | bytes, why: str) -> None:
    km = _load(tmp_path, text)
    assert km.ignored and km.keys == {} and why in km.message and "default keys" in km.message


def test_unknown_ids_and_bad_keys_are_reported_and_the_rest_applies(tmp_path: Path) -> None:
    km = _load(tmp_path, '[keys]\npause = "x"\nnope = "y"\nfind = 3\nquit = "ctrlq"\nhelp = ","\n[other]\na = 1\n')
    assert km.keys == {"pause": "x"} and not km.ignored
    message = km.message
    assert "unknown binding id nope" in message
    assert "find = 3" in message and "quit = 'ctrlq'" in message and "help = ','" in message
    assert "ignored: other" in message and "The other keys apply" in message


# ------------------------------------------------------------------------------------ in the app

def _use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> None:
    path = tmp_path / "keymap.toml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SUMTRACE_KEYMAP", str(path))


def _notes(messages: list[Message]) -> list[str]:
    return [m.notification.message for m in messages if isinstance(m, Notify)]


async def test_a_keymap_file_rebinds_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _use(monkeypatch, tmp_path, '[keys]\npause = "x"\nfind = "ctrl+f"\nview_log = "l"\n')
    app = loaded("wsus-401")
    messages: list[Message] = []
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await settle(pilot, app)
        assert not _notes(messages)
        await pilot.press("p")
        assert not app.control.paused  # p is no longer bound
        await pilot.press("x")
        assert app.control.paused
        await pilot.press("x", "l")
        assert not app.control.paused and app.view == "log"
        await pilot.press("1", "slash")
        assert app.view == "scan"  # / no longer finds
        await pilot.press("ctrl+f")
        assert app.view == "log" and isinstance(app.focused, Input) and app.focused.id == "logbar"
        await pilot.press("escape")
        footer = app.query_one(KeyBar).render().plain
        assert " x Pause " in footer and " ^f Find " in footer
        top = app.screen.query_one("#topbar").render().plain  # type: ignore[attr-defined]
        assert "l Log" in top
        await pilot.press("f1")
        await pilot.pause()
        rows = [b.lines[0].text.plain for b in app.screen.query_one("#help-text", BlockList).blocks]
        assert any(r.startswith("x ") and r.endswith("[pause]") for r in rows)
        assert any(r.startswith("Ctrl+F ") and r.endswith("[find]") for r in rows)


async def test_a_bad_keymap_warns_once_and_keeps_the_defaults(monkeypatch: pytest.MonkeyPatch,
                                                              tmp_path: Path) -> None:
    _use(monkeypatch, tmp_path, '[keys]\npause = "x\n')
    app = loaded("wsus-401")
    messages: list[Message] = []
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await settle(pilot, app)
        notes = _notes(messages)
        assert len(notes) == 1 and "not valid TOML" in notes[0] and "default keys" in notes[0]
        await pilot.press("p")
        assert app.control.paused


async def test_unknown_ids_are_reported_and_known_ones_apply(monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    _use(monkeypatch, tmp_path, '[keys]\npuase = "x"\nfollow = "g"\n')
    app = loaded("healthy-first-scan")
    messages: list[Message] = []
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await settle(pilot, app)
        notes = _notes(messages)
        assert len(notes) == 1 and "unknown binding id puase" in notes[0]
        await pilot.press("left", "down")
        assert not app.state.follow_flow
        await pilot.press("f")
        assert not app.state.follow_flow
        await pilot.press("g")
        assert app.state.follow_flow


async def test_taking_another_bindings_key_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _use(monkeypatch, tmp_path, '[keys]\npause = "q"\n')
    app = loaded("wsus-401")
    messages: list[Message] = []
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await settle(pilot, app)
        await pilot.press("q")
        await pilot.pause()
        assert app.control.paused and app.is_running  # q pauses now; it no longer quits
        notes = _notes(messages)
        assert len(notes) == 1 and "q is now pause; quit loses it" in notes[0]


async def test_an_app_key_taken_from_the_lists_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """App keys act as they arrive (no key lost to a slow focus change), so they come before a list's."""
    _use(monkeypatch, tmp_path, '[keys]\npause = "j,x"\n')
    app = loaded("wsus-401")
    messages: list[Message] = []
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await settle(pilot, app)
        notes = _notes(messages)
        assert len(notes) == 1 and "j for pause takes it from cursor_down in lists" in notes[0]
        step = app.state.selected_step
        await pilot.press("j")  # the step list has the focus, and j pauses (as the note said)
        assert app.control.paused and app.state.selected_step == step
