"""Pilot tests of the Log view's CMTrace and lnav table stakes (issue 12, part 3).

Find with a match count and regex, the text highlight, the whole-row thread highlight, filters by
regex, time range and friendly component names, go to a time, marks and the elapsed time between
them, and the row's date, zone, severity letter and host. Expected values are read from the
records themselves (or written below by hand), never from what the view shows.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest
from rich.style import Style
from textual import events
from textual.keys import KEY_NAME_REPLACEMENTS
from textual.pilot import Pilot
from textual.widgets import Input

from sumtrace.flows.tracker import Tracker
from sumtrace.live.pipeline import Pipeline
from sumtrace.parsers.entry import Entry
from sumtrace.tui import view_log
from sumtrace.tui.app import SumtraceApp
from sumtrace.tui.logindex import R_COMP, R_LOCAL, R_MSG, R_THREAD, Rec
from sumtrace.tui.widgets import BlockList, LogView
from sumtrace.tui.widgets.logview import HIGHLIGHT_ROW, THREAD_ROW
from tests.conftest import cm
from tests.test_tui_app import FixedClock, flat, loaded, no_user_keymap, settle, strip_text

__all__ = ["no_user_keymap"]  # autouse: the developer's keymap.toml stays out


def sms(msg: str, when: str, comp: str = "SMS_STATE_SYSTEM", bias: str = "-60", thread: int = 1400) -> str:
    """One SMS-trace line as a site server writes it."""
    return f"{msg}  $$<{comp}><{when}{bias}><thread={thread} (0x{thread:X})>\r\n"


def multiday_app(**kwargs: object) -> SumtraceApp:
    """Three machines over two days: a client at -05:00, a site server at +01:00 and a Windows 10
    WindowsUpdate.log alone on its machine (zone unknown)."""
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    clock = FixedClock(datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc))
    app = SumtraceApp(pipeline, tracker, None, clock=clock, animations=False, gc_freeze=False, **kwargs)  # type: ignore[arg-type]
    client = "".join(cm(m, time=t, date=d, thread=th, typ=ty) + "\r\n" for m, t, d, th, ty in [
        ("Scan started", "23:50:01.100+300", "11-27-2026", "3024", "1"),
        ("Search failed with 0x80244017", "23:58:13.500+300", "11-27-2026", "3024", "3"),
        ("Update source changed", "23:59:40.000+300", "11-27-2026", "4100", "2"),
        ("Retry scheduled", "00:02:11.000+300", "11-28-2026", "4100", "1"),
    ])
    pipeline.feed("/logs/client/ScanAgent.log", "client", client.encode())
    server = (sms("Processed 1 records with 0 invalid records.", "11-28-2026 05:55:00.000")
              + sms("Started task 'SUM Update Status Summarizer'", "11-28-2026 06:10:00.250"))
    pipeline.feed("/logs/server/statesys.log", "server", server.encode())
    wu = "2026/11/28 01:00:00.0000000 1204  1388  Agent           * START * Finding updates\r\n"
    pipeline.feed("/logs/pc02/WindowsUpdate.log", "pc02", wu.encode())
    return app


def rows(lv: LogView) -> list[str]:
    """Every row of the log as drawn (the widget renders a row by its position on screen)."""
    out = []
    top = int(lv.scroll_offset.y)
    for row in range(len(lv.index)):
        lv.scroll_to(y=row, animate=False, immediate=True)
        out.append(strip_text(lv.render_line(row - int(lv.scroll_offset.y))))
    lv.scroll_to(y=top, animate=False, immediate=True)
    return out


def row_bg(lv: LogView, row: int) -> set[str]:
    """The background colours of every cell of a row that is on screen (the padding included)."""
    strip = lv.render_line(row - int(lv.scroll_offset.y))
    return {seg.style.bgcolor.name for seg in strip if seg.style is not None and seg.style.bgcolor is not None}


def color_name(style: Style) -> str:
    assert style.bgcolor is not None
    return style.bgcolor.name


async def open_log(pilot: Pilot[int], app: SumtraceApp) -> LogView:
    await settle(pilot, app)
    await pilot.press("2")
    await settle(pilot, app)
    return app.query_one("#logview", LogView)


async def bar_enter(pilot: Pilot[int], app: SumtraceApp, opener: str, text: str) -> None:
    """Open the bar with ``opener`` and type ``text`` through the keyboard, then Enter."""
    await pilot.press(opener)
    bar = app.query_one("#logbar", Input)
    assert app.focused is bar
    bar.value = ""
    await pilot.press(*[_key(c) for c in text])
    assert bar.value == text
    await pilot.press("enter")
    await settle(pilot, app)


def _key(ch: str) -> str:
    """Textual's name for a typed character (``/`` → ``slash``), as its driver names it."""
    if ch.isalnum():
        return ch
    name = unicodedata.name(ch).lower().replace("-", "_").replace(" ", "_")
    return KEY_NAME_REPLACEMENTS.get(name, name)


def title(lv: LogView) -> str:
    return str(lv.border_title)


# ------------------------------------------------------------------------------------ find

async def test_find_counts_matches_and_n_walks_them() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(120, 30)) as pilot:
        lv = await open_log(pilot, app)
        want = [i for i, it in enumerate(lv.index.items) if "comapi" in it[2][R_MSG].lower()]
        assert len(want) >= 3 and want[0] > 0
        await pilot.press("home")
        await bar_enter(pilot, app, "slash", "comapi")
        assert lv.cursor == want[0]  # the first match after the cursor (the first record is none)
        assert f"find 1/{len(want)}: comapi" in title(lv)
        await pilot.press("n")
        await settle(pilot, app)
        assert lv.cursor == want[1] and f"2/{len(want)}" in title(lv)
        await pilot.press("N", "N")  # back to the first, then wraps to the last
        await settle(pilot, app)
        assert lv.cursor == want[-1] and f"{len(want)}/{len(want)}" in title(lv)
        await pilot.press("end")
        await settle(pilot, app)
        if lv.cursor not in want:
            assert f"find {len(want)} matches: comapi" in title(lv)


async def test_find_by_regex_and_a_bad_regex_keeps_the_bar() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(120, 30)) as pilot:
        lv = await open_log(pilot, app)
        rx = re.compile(r"0x8024[0-9a-f]{4}", re.IGNORECASE)
        want = [i for i, it in enumerate(lv.index.items) if rx.search(it[2][R_MSG])]
        assert want and want[0] > 0
        await pilot.press("home")
        await bar_enter(pilot, app, "slash", "re:0x8024[0-9a-f]{4}")
        assert lv.cursor == want[0] and f"1/{len(want)}" in title(lv)
        row = strip_text(lv.render_line(lv.cursor - int(lv.scroll_offset.y)))
        assert rx.search(row)
        await pilot.press("slash")
        bar = app.query_one("#logbar", Input)
        bar.value = "re:(0x8024"
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.focused is bar  # said what is wrong, kept what was typed
        await pilot.press("escape")
        assert "re:0x8024" in title(lv)  # the previous find stands


# ------------------------------------------------------------------------------------ highlights

async def test_highlight_colours_whole_rows_containing_the_text_and_esc_clears() -> None:
    app = multiday_app(theme="ansi-dark")
    async with app.run_test(size=(120, 30)) as pilot:
        lv = await open_log(pilot, app)
        await bar_enter(pilot, app, "h", "task")
        hit = [i for i, it in enumerate(lv.index.items) if "task" in it[2][R_MSG].lower()]
        assert len(hit) == 1 and "highlight: task" in title(lv)
        await pilot.press("up")  # off the last row: the cursor's own colour would hide it
        for i in range(len(lv.index)):
            if i == lv.cursor:
                continue
            lit = color_name(HIGHLIGHT_ROW) in row_bg(lv, i)
            assert lit == (i in hit), i
        await pilot.press("escape")
        await settle(pilot, app)
        assert lv.highlight is None and "highlight" not in title(lv)
        await bar_enter(pilot, app, "h", "re:^(scan|retry)")
        assert lv.highlight is not None and lv.highlight.is_regex
        await pilot.press("h")
        app.query_one("#logbar", Input).value = ""
        await pilot.press("enter")  # empty: off
        await settle(pilot, app)
        assert lv.highlight is None


async def test_thread_highlight_colours_the_whole_row() -> None:
    app = multiday_app(theme="ansi-dark")
    async with app.run_test(size=(120, 30)) as pilot:
        lv = await open_log(pilot, app)
        recs: list[Rec] = [it[2] for it in lv.index.items]
        retry = next(i for i, r in enumerate(recs) if r[R_MSG] == "Retry scheduled")
        lv.go(retry)
        await pilot.press("t")
        assert lv.thread == 4100
        lv.go(0)  # away from the thread's rows: what is left is the highlight
        await settle(pilot, app)
        for i, r in enumerate(recs):
            if i == lv.cursor:
                continue
            bg = row_bg(lv, i)
            if r[R_THREAD] == 4100 and r[R_MSG] == "Retry scheduled":
                assert bg == {color_name(THREAD_ROW)}, bg  # every cell, the padding to the edge too
            elif r[R_THREAD] == 4100:  # a warning keeps its colours, the thread underlines it
                strip = lv.render_line(i - int(lv.scroll_offset.y))
                assert any(seg.style is not None and seg.style.underline for seg in strip)
                assert color_name(THREAD_ROW) not in bg
            else:
                assert color_name(THREAD_ROW) not in bg


# ------------------------------------------------------------------------------------ filters

async def test_filter_by_regex_and_time_range() -> None:
    app = multiday_app()
    async with app.run_test(size=(120, 30)) as pilot:
        lv = await open_log(pilot, app)
        total = len(app.state.log_index)
        await bar_enter(pilot, app, "ampersand", r"re:^(scan|search)\b")
        assert sorted(r[R_MSG] for r in (it[2] for it in lv.index.items)) == [
            "Scan started", "Search failed with 0x80244017"]
        # 23:55 to 00:05 as each row shows it: the client's last three records (its own zone)
        await bar_enter(pilot, app, "ampersand", "time:23:55..00:05")
        assert [r[R_MSG] for r in (it[2] for it in lv.index.items)] == [
            "Search failed with 0x80244017", "Update source changed", "Retry scheduled"]
        assert f"3 of {total}" in title(lv)
        # instants: 05:00Z to 05:30Z is 00:00-00:30 on the client and 06:00-06:30 on the server
        await bar_enter(pilot, app, "ampersand", "after:2026-11-28T05:00Z before:2026-11-28T05:30Z")
        assert [r[R_MSG] for r in (it[2] for it in lv.index.items)] == [
            "Retry scheduled", "Started task 'SUM Update Status Summarizer'"]
        await bar_enter(pilot, app, "ampersand", "after:soon")
        assert app.focused is app.query_one("#logbar", Input)  # a bad time keeps the bar open
        await pilot.press("escape", "escape")
        await settle(pilot, app)
        assert lv.index is app.state.log_index


async def test_comp_statesys_finds_sms_state_system() -> None:
    app = loaded("healthy-first-scan")
    async with app.run_test(size=(120, 30)) as pilot:
        lv = await open_log(pilot, app)
        want = [it[2] for it in app.state.log_index.items if it[2][R_COMP] == "SMS_STATE_SYSTEM"]
        assert want
        await bar_enter(pilot, app, "ampersand", "comp:StateSys")
        assert [it[2] for it in lv.index.items] == want
        await bar_enter(pilot, app, "ampersand", "comp:WSyncMgr")
        assert {it[2][R_COMP] for it in lv.index.items} == {"SMS_WSUS_SYNC_MANAGER"}


async def test_comp_alias_needs_no_file_name() -> None:
    """A merged or renamed copy of statesys.log: only the component says it is the state system."""
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    app = SumtraceApp(pipeline, tracker, None, clock=FixedClock(), animations=False, gc_freeze=False)
    text = sms("Processed 1 records", "01-20-2014 11:35:36.145", bias="+300") + sms(
        "Sync done", "01-20-2014 11:36:00.000", comp="SMS_WSUS_SYNC_MANAGER", bias="+300")
    pipeline.feed("/collected/site-server-merged.log", "server", text.encode())
    async with app.run_test(size=(120, 30)) as pilot:
        lv = await open_log(pilot, app)
        await bar_enter(pilot, app, "ampersand", "comp:StateSys")
        assert [it[2][R_MSG] for it in lv.index.items] == ["Processed 1 records"]


# ------------------------------------------------------------------------------------ go to a time

async def test_go_to_time_lands_on_the_first_record_at_or_after_it() -> None:
    app = multiday_app()
    async with app.run_test(size=(120, 30)) as pilot:
        lv = await open_log(pilot, app)
        msgs = [it[2][R_MSG] for it in lv.index.items]
        lv.go(msgs.index("Scan started"))  # a client record: its day (11-27) and zone (-05:00)
        await bar_enter(pilot, app, "at", "23:59")
        assert lv.entry is not None and lv.entry[R_MSG] == "Update source changed"
        await bar_enter(pilot, app, "at", "11-28 06:00+01:00")  # an instant: 05:00Z
        assert lv.entry is not None and lv.entry[R_MSG] == "Retry scheduled"
        await bar_enter(pilot, app, "at", "2026-11-28T06:00")  # in the cursor record's zone (-05:00): 11:00Z
        assert lv.cursor == len(lv.index) - 1  # nothing after: the last record, and it says so
        await bar_enter(pilot, app, "at", "half past ten")
        assert app.focused is app.query_one("#logbar", Input)


# ------------------------------------------------------------------------------------ marks

async def test_marks_jump_and_show_the_elapsed_time_between_them() -> None:
    app = multiday_app()
    async with app.run_test(size=(120, 40)) as pilot:
        lv = await open_log(pilot, app)
        msgs = [it[2][R_MSG] for it in lv.index.items]
        first, second = msgs.index("Scan started"), msgs.index("Retry scheduled")
        lv.go(first)
        await pilot.press("m")
        lv.go(second)
        await pilot.press("m")
        await settle(pilot, app)
        assert "2 marks" in title(lv)
        assert rows(lv)[first].startswith("●") and rows(lv)[second].startswith("●")
        # 23:50:01.100 -05:00 on 11-27 to 00:02:11.000 -05:00 on 11-28: 12m09.9s
        detail = flat(app.query_one("#detail", BlockList))
        assert "Δ 12m09.9s from mark at 11-27 23:50:01" in detail
        lv.go(len(lv.index) - 1)
        await pilot.press("U")
        assert lv.cursor == second
        await pilot.press("U")
        assert lv.cursor == first
        await pilot.press("U")  # none above: stays
        assert lv.cursor == first
        await pilot.press("u")
        assert lv.cursor == second
        # a mark survives a filter that hides it, and comes back with the whole log
        await bar_enter(pilot, app, "ampersand", "comp:StateSys")
        await pilot.press("home", "u")
        assert lv.cursor == 0 and len(lv.index) == 2  # no mark among the records shown: stays
        await pilot.press("escape")
        await settle(pilot, app)
        lv.go(second)
        await pilot.press("m")  # unmark
        await settle(pilot, app)
        assert re.search(r"· 1 mark\b(?!s)", title(lv)) and not rows(lv)[second].startswith("●")


# ------------------------------------------------------------------------------------ the row

async def test_rows_show_date_zone_severity_and_host_across_days() -> None:
    app = multiday_app()
    async with app.run_test(size=(120, 30)) as pilot:
        lv = await open_log(pilot, app)
        shown = rows(lv)
        by_msg = {it[2][R_MSG]: shown[i] for i, it in enumerate(lv.index.items)}
        assert re.match(r" 11-27 23:50:01\.100 -05:00 I client\s+ScanAgent\s+3024 Scan started", by_msg["Scan started"])
        assert re.match(r" 11-27 23:58:13\.500 -05:00 E client", by_msg["Search failed with 0x80244017"])
        assert re.match(r" 11-27 23:59:40\.000 -05:00 W client", by_msg["Update source changed"])
        # SMS-trace lines carry no type: the letter is inferred, and says so in lower case
        assert re.match(r" 11-28 05:55:00\.000 \+01:00 i server\s+statesys",
                        by_msg["Processed 1 records with 0 invalid records."])
        assert re.match(r" 11-28 01:00:00\.000 zone\?  I pc02\s+WindowsUpdate", by_msg["* START * Finding updates"])
        # UTC order: the server's 05:55 +01:00 (04:55Z) comes before the client's 23:58 -05:00 (04:58Z)
        order = [it[2][R_MSG] for it in lv.index.items]
        assert order.index("Processed 1 records with 0 invalid records.") < order.index(
            "Search failed with 0x80244017")
        detail = flat(app.query_one("#detail", BlockList))
        assert "local 2026-11-28 06:10:00.250 +01:00" in detail
    narrow = multiday_app()
    async with narrow.run_test(size=(80, 24)) as pilot:
        lv = await open_log(pilot, narrow)
        line = rows(lv)[-1]
        assert re.match(r" 11-28 06:10:00 \+01:00 i server   statesys", line), line


async def test_one_day_shows_no_date() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(120, 30)) as pilot:
        lv = await open_log(pilot, app)
        days = {it[2][R_LOCAL].date() for it in lv.index.items if it[2][R_LOCAL] is not None}
        assert len(days) == 1 and lv.date_width == 0
        assert re.match(r" \d\d:\d\d:\d\d\.\d{3} [+-]\d\d:\d\d [EWIVewiv] ", rows(lv)[0])


# ------------------------------------------------------------------------------------ long passes

async def test_a_find_over_many_records_runs_in_slices_and_keys_stay_live(monkeypatch: pytest.MonkeyPatch) -> None:
    """The count gives the loop a turn between slices: a key pressed during the pass acts before the
    pass ends, and the count still comes out right."""
    monkeypatch.setattr(view_log, "SLICE_SECONDS", 0.0)  # a turn after every CHUNK records
    tracker = Tracker(retention=None)
    app = SumtraceApp(Pipeline(tracker), tracker, None, clock=FixedClock(), animations=False, gc_freeze=False)
    t0 = datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)
    n = 30 * view_log.CHUNK
    entries = [Entry("C:\\L\\ScanAgent.log", i + 1, 0, "cmtrace", (t0 + timedelta(milliseconds=i)).replace(tzinfo=None),
                     t0 + timedelta(milliseconds=i), 0, "bias", "info", False, "ScanAgent", 1,
                     "needle here" if i % 7 == 0 else f"record {i}") for i in range(n)]
    cursors: list[int] = []  # where the cursor was at each turn the pass gave the loop
    turn = view_log.Slicer.turn

    async def watched(self: view_log.Slicer) -> bool:
        yielded = await turn(self)
        if yielded:
            cursors.append(lv.cursor)
            if len(cursors) == 1:  # a key arrives while the pass runs
                key = events.Key("down", None)
                key.set_sender(app)
                app.post_message(key)
        return yielded

    monkeypatch.setattr(view_log.Slicer, "turn", watched)
    async with app.run_test(size=(120, 30)) as pilot:
        app._pending.extend(entries)
        lv = await open_log(pilot, app)
        assert len(lv.index) == n
        await pilot.press("home", "slash")
        app.query_one("#logbar", Input).value = "needle"
        await pilot.press("enter")
        await settle(pilot, app)
        assert len(cursors) >= 25  # it gave the loop a turn about every CHUNK records
        assert cursors[0] == 0 and cursors[-1] == 1  # the key moved the cursor before the pass ended
        view = app.main.views["log"]
        matches = view._matches
        assert matches is not None and len(matches) == len(range(0, n, 7))
        assert f"/{len(matches):,}: needle" in title(lv) or f"/{len(matches)}: needle" in title(lv)


async def test_a_single_host_is_named_in_the_title_not_in_every_row() -> None:
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    app = SumtraceApp(pipeline, tracker, None, clock=FixedClock(), animations=False, gc_freeze=False)
    pipeline.feed("/logs/PC01/ScanAgent.log", "PC01", (cm("Scan started") + "\r\n").encode())
    async with app.run_test(size=(120, 30)) as pilot:
        lv = await open_log(pilot, app)
        assert "· PC01" in title(lv) and not lv.multi_host
        assert re.match(r" 12:18:09\.123 -05:00 I ScanAgent\s+3024 Scan started", rows(lv)[0])
