"""Typing over SSH (issue 12, part 2): a burst of keys lands where the user meant it.

A terminal hands the app what it read in one go: over a slow link, ``&file:WUAHandler`` arrives as
one burst. :func:`burst` posts every key of a query before the app has handled the first, as the
driver does with such a read. (``pilot.press`` waits for the app to go idle between keys, so it
cannot show the bug; the same queries are also typed through one ``press`` call.)
"""

from __future__ import annotations

import unicodedata

import pytest
from textual import events
from textual.keys import KEY_NAME_REPLACEMENTS
from textual.widgets import DataTable, Input

from sumtrace.tui.app import SumtraceApp
from sumtrace.tui.logindex import R_MSG
from sumtrace.tui.widgets import BlockList, HelpScreen, LogView
from tests.test_tui_app import loaded, no_user_keymap, settle

__all__ = ["no_user_keymap"]  # the fixture that keeps the developer's keymap.toml out (autouse)


def _key(ch: str) -> str:
    """Textual's name for a typed character (``/`` → ``slash``), as its driver names it."""
    if len(ch) != 1 or ch.isalnum():
        return ch
    name = unicodedata.name(ch).lower().replace("-", "_").replace(" ", "_")
    return KEY_NAME_REPLACEMENTS.get(name, name)


def burst(app: SumtraceApp, *keys: str) -> None:
    """Post every key at once, as the driver does with one read of a fast typist's (or a paste's) keys."""
    for k in keys:
        name = _key(k)
        event = events.Key(name, k if len(k) == 1 else None)
        event.set_sender(app)
        app.post_message(event)


def typed(text: str) -> list[str]:
    """The keys that type ``text``."""
    return [_key(c) for c in text]


async def _idle(pilot: object, app: SumtraceApp) -> None:
    await settle(pilot, app)  # type: ignore[arg-type]
    await settle(pilot, app)  # type: ignore[arg-type]


async def test_a_filter_typed_in_one_burst_is_exactly_that_filter() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await _idle(pilot, app)
        follow = app.state.follow_flow
        burst(app, "&", *"file:WUAHandler")
        await _idle(pilot, app)
        bar = app.query_one("#logbar", Input)
        assert app.view == "log" and app.focused is bar
        assert bar.value == "file:WUAHandler"
        assert not app.control.paused and app.state.follow_flow == follow  # no key leaked to the app
        burst(app, "enter")
        await _idle(pilot, app)
        lv = app.query_one("#logview", LogView)
        assert app.focused is lv and 0 < len(lv.index) < len(app.state.log_index)
        assert "filter: file:WUAHandler" in str(lv.border_title)


async def test_a_find_typed_in_one_burst_searches_that_text_then_n_goes_on() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(100, 30)) as pilot:
        await _idle(pilot, app)
        burst(app, "/", *"policy")
        await _idle(pilot, app)
        bar = app.query_one("#logbar", Input)
        assert app.focused is bar and bar.value == "policy"
        assert not app.control.paused and app.view == "log"
        lv = app.query_one("#logview", LogView)
        # Enter and the key after it in the same burst: n goes to the log (the next match), not the input.
        burst(app, "enter", "n")
        await _idle(pilot, app)
        view = app.main.views["log"]
        assert view.find_text == "policy" and app.focused is lv
        hits = [i for i, it in enumerate(lv.index.items) if "policy" in it[2][R_MSG].lower()]
        assert len(hits) >= 2 and lv.cursor == hits[1]
        assert bar.value == "policy"  # the n did not land in the (closed) input


@pytest.mark.parametrize(("opener", "query"), [("h", "re:WUA.*Handler"), ("@", "19:12:55Z"),
                                               ("&", "time:19:12..19:13 -sev:info")])
async def test_every_log_bar_takes_its_burst_whole(opener: str, query: str) -> None:
    """Highlight and go-to-time open the same bar: the mechanism is the app's, not the bar's."""
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await _idle(pilot, app)
        burst(app, opener, *query)
        await _idle(pilot, app)
        bar = app.query_one("#logbar", Input)
        assert app.focused is bar and bar.value == query
        assert not app.control.paused and app.view == "log"


@pytest.mark.parametrize(("opener", "query"), [("&", "file:WUAHandler"), ("/", "policy")])
async def test_the_same_queries_typed_through_one_press_call(opener: str, query: str) -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await _idle(pilot, app)
        await pilot.press(_key(opener), *typed(query))
        bar = app.query_one("#logbar", Input)
        assert app.focused is bar and bar.value == query


async def test_lookup_opened_and_typed_in_one_burst_replaces_the_prefilled_code() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await _idle(pilot, app)
        burst(app, "5", *"12002")
        await _idle(pilot, app)
        inp = app.query_one("#lookup-input", Input)
        assert app.view == "lookup" and app.focused is inp
        assert inp.value == "12002"  # the prefilled 0x80244017 was selected: typing replaced it
        assert "0x80072EE2" in "\n".join(app.query_one("#lookup-result", BlockList).lines_text)
        await pilot.press("1", "2", "3", "q")  # typed, not view switches or quit
        assert app.view == "lookup" and app.is_running and inp.value == "12002123q"


async def test_esc_leaves_every_input_and_dialog() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await _idle(pilot, app)
        bar = app.query_one("#logbar", Input)
        for opener in ("slash", "ampersand"):
            await pilot.press(opener)
            assert app.focused is bar
            await pilot.press("escape")
            await pilot.pause()
            assert app.focused is app.query_one("#logview") and bar.has_class("-hidden")
        await pilot.press("5")
        inp = app.query_one("#lookup-input", Input)
        assert app.focused is inp
        await pilot.press("escape")
        await pilot.pause()
        assert app.focused is app.query_one("#lookup-result")
        await pilot.press("1")  # out of the input, the app's keys work again
        assert app.view == "scan"
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("p", "escape")  # a dialog keeps its keys: p does not pause behind it
        await pilot.pause()
        assert app.screen is app.main and not app.control.paused
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen is not app.main
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.main


@pytest.mark.parametrize("where", ["list", "input"])
async def test_ctrl_c_twice_quits(where: str) -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await _idle(pilot, app)
        if where == "input":
            await pilot.press("5")
            assert isinstance(app.focused, Input)
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert app.is_running  # the first one asks
        await pilot.press("ctrl+c")
        await pilot.pause()
    assert app.return_code == 0 and not app.is_running


async def test_g_and_shift_g_go_to_the_start_and_end() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(100, 30)) as pilot:
        await _idle(pilot, app)
        await pilot.press("2", "g")
        lv = app.query_one("#logview", LogView)
        assert lv.cursor == 0 and not lv.follow
        await pilot.press("G")
        assert lv.cursor == len(lv.index) - 1 and lv.follow
        await pilot.press("1", "g")
        timeline = app.query_one("#timeline", BlockList)
        flow = app.flow()
        assert flow is not None and app.state.selected_step == flow.steps[0].key
        await pilot.press("G")
        assert app.state.selected_step == flow.steps[-1].key and timeline.cursor_key == flow.steps[-1].key


async def test_paste_lands_in_each_input() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await _idle(pilot, app)
        for opener, text in (("slash", "WSUS server"), ("ampersand", "comp:WUAHandler")):
            await pilot.press(opener)
            app.post_message(events.Paste(text))
            await pilot.pause()
            assert app.query_one("#logbar", Input).value == text
            await pilot.press("escape")
        await pilot.press("5")
        # A paste right behind the key that opens the input, in the same read, lands in it too.
        burst(app, "escape", "1", "5")
        app.post_message(events.Paste("0x80072EE2"))
        await _idle(pilot, app)
        assert app.query_one("#lookup-input", Input).value == "0x80072EE2"


async def test_a_table_keeps_its_own_arrow_keys() -> None:
    """← and → switch panes on the Scan view only; elsewhere a table still scrolls with them."""
    app = loaded("healthy-first-scan")
    async with app.run_test(size=(60, 20)) as pilot:
        await _idle(pilot, app)
        await pilot.press("3")
        await _idle(pilot, app)
        table = app.query_one("#updates-table", DataTable)
        assert app.focused is table
        await pilot.press("right")
        assert app.view == "updates" and app.focused is table


async def test_view_keys_act_after_the_list_keys_typed_before_them() -> None:
    # 'k k m' in one burst: the mark must land two rows up. Before, the view key 'm' (an app key,
    # acting on arrival) marked the record before the list had handled the two 'k's it was sent.
    app = loaded("wsus-401")
    async with app.run_test(size=(100, 30)) as pilot:
        await _idle(pilot, app)
        await pilot.press("2")
        await _idle(pilot, app)
        lv = app.query_one("#logview", LogView)
        lv.focus()
        lv.go(10)
        await _idle(pilot, app)
        burst(app, "k", "k", "m", "j", "m")
        marked: list[int] = []
        for _ in range(20):  # a loaded machine may take a few turns to route the burst
            await _idle(pilot, app)
            marked = [i for i in range(len(lv.index)) if lv.index.anchor(i) in lv.marks]
            if len(marked) == 2:
                break
        assert marked == [8, 9] and lv.cursor == 9
