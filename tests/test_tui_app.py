"""Pilot tests of the TUI over the fixture scenarios, and over a scan written live into a folder."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from rich.text import Text
from textual.app import ComposeResult
from textual.pilot import Pilot
from textual.strip import Strip
from textual.widgets import DataTable, Input
from textual.worker import WorkerFailed

from sumtrace.flows.model import Flow
from sumtrace.flows.tracker import Tracker
from sumtrace.live.control import ViewFreeze
from sumtrace.live.pipeline import Pipeline
from sumtrace.live.preload import preload
from sumtrace.live.watcher import LiveWatcher, WatchOptions
from sumtrace.parsers.files import discover
from sumtrace.parsers.stream import parse_bytes
from sumtrace.tui.app import SumtraceApp
from sumtrace.tui.keydoc import readme_block
from sumtrace.tui.keys import app_bindings, key_table
from sumtrace.tui.logindex import R_COMP, R_FILE, R_LINE, R_MSG, R_SEV, R_THREAD
from sumtrace.tui.render import Block, Line, fmt_duration
from sumtrace.tui.state import AppState
from sumtrace.tui.view_base import View
from sumtrace.tui.views import VIEWS, views_css
from sumtrace.tui.widgets import BlockList, KeyBar, LogView, TopBar
from tests.conftest import FIXTURES, cm


@pytest.fixture(autouse=True)
def no_user_keymap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The developer's own keymap.toml must not change what the keys do here."""
    monkeypatch.delenv("SUMTRACE_KEYMAP", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "config"))


class FixedClock:
    """A settable clock: tests decide what "now" is."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or datetime(2014, 1, 20, 20, 0, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


def loaded(scenario: str, **kwargs: object) -> SumtraceApp:
    """An app over a fixture read synchronously, its clock frozen at the newest record."""
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    clock = FixedClock()
    app = SumtraceApp(pipeline, tracker, None, clock=clock, animations=False, gc_freeze=False, **kwargs)  # type: ignore[arg-type]
    assert preload(pipeline, [str(FIXTURES / scenario)]) == []
    assert tracker.newest is not None
    clock.now = tracker.newest
    return app


def text_of(widget: BlockList) -> str:
    return "\n".join(widget.lines_text)


def flat(widget: BlockList) -> str:
    """The pane's text with wrapping undone (whitespace runs become one space)."""
    return re.sub(r"\s+", " ", text_of(widget))


def strip_text(strip: Strip) -> str:
    return "".join(seg.text for seg in strip)


async def settle(pilot: Pilot[int], app: SumtraceApp) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.refresh_now()
    await pilot.pause()


# ------------------------------------------------------------------------------------ Scan view

async def test_opens_on_the_failed_step_of_the_current_scan() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        flow = app.flow()
        assert flow is not None and flow.kind == "scan" and flow.status == "failed"
        assert app.state.selected_step == "wua_search" and app.state.follow_flow
        timeline = text_of(app.query_one("#timeline", BlockList))
        assert "WUA searches WSUS" in timeline and "failed" in timeline
        assert "0x80244017 WU_E_PT_HTTP_STATUS_DENIED" in timeline
        evidence = flat(app.query_one("#evidence", BlockList))
        assert "Next: WSUS answered 401/403" in evidence
        assert "COMAPI" in evidence  # the raw WindowsUpdate.log records behind the step
        assert "WindowsUpdate " in evidence and "server/u_ex140120" in evidence  # other hosts: host/file
        assert app.focused is app.query_one("#timeline")


async def test_selecting_flows_and_steps_and_following_again() -> None:
    app = loaded("healthy-first-scan")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        kinds = [f.kind for f in app.flows]
        assert kinds == ["scan", "policy", "wsus_sync", "client_agent"]  # newest first (the agent flow starts at start-up)
        scan, policy = app.flows[0], app.flows[1]
        assert app.state.selected_flow == scan.id and scan.status == "ok"
        assert app.state.selected_step == "summarization"  # all ok: the last step seen
        await pilot.press("left", "down")
        await settle(pilot, app)
        assert app.state.selected_flow == policy.id and not app.state.follow_flow
        steps = app.query_one("#timeline", BlockList)
        assert [b.key for b in steps.blocks if b.selectable] == [s.key for s in policy.steps]
        await pilot.press("right", "home")
        await settle(pilot, app)
        assert app.focused is steps and app.state.selected_step == "sync"
        assert "SUP sync sets content version" in flat(app.query_one("#evidence", BlockList))
        await pilot.press("down")
        await settle(pilot, app)
        assert app.state.selected_step == "scan_tool_notification"
        assert "SMSDBMON" in flat(app.query_one("#evidence", BlockList))
        await pilot.press("f")
        await settle(pilot, app)
        assert app.state.selected_flow == scan.id and app.state.follow_flow


async def test_wide_layout_groups_flows_by_host() -> None:
    app = loaded("healthy-first-scan")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        flows = app.query_one("#flows", BlockList)
        assert app.query_one("#scan").has_class("-wide")
        headings = [b for b in flows.blocks if not b.selectable]
        # grouped by where the logs came from, named by the machine's own name once it is known
        assert [b.key for b in headings] == ["-host-client", "-host-server"]
        assert [b.lines[0].text.plain for b in headings] == ["PS1WIN7X64", "server"]
        assert "14:12:55" not in text_of(app.query_one("#timeline", BlockList))  # another scenario's times
        assert "12:18:52" in text_of(app.query_one("#timeline", BlockList))  # local time column when wide


class PublishedFlows:
    """A tracker stand-in that publishes a chosen list (the real one may merge or drop flows)."""

    def __init__(self, flows: list[Flow]) -> None:
        self.flows = flows
        self.updates: list[object] = []

    def update(self, now: datetime) -> None:
        pass


async def test_a_selected_flow_that_disappears_is_replaced_by_its_hosts_newest() -> None:
    app = loaded("healthy-first-scan", theme="ansi-dark")
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        scan, policy, sync = app.flows[:3]  # then the client agent flow (oldest: it starts at start-up)
        await pilot.press("left", "down")
        assert app.state.selected_flow == policy.id and not app.state.follow_flow
        app.tracker = PublishedFlows([scan, sync])  # type: ignore[assignment]
        app.refresh_now()
        await pilot.pause()
        expected = next((f for f in (scan, sync) if f.host == policy.host), scan)
        assert app.state.selected_flow == expected.id and app.flow() is expected
        assert app.step() is not None and expected.label in str(app.query_one("#timeline", BlockList).border_title)
        app.tracker = PublishedFlows([])  # type: ignore[assignment]
        app.refresh_now()
        await pilot.pause()
        assert app.flow() is None and "No scan" in text_of(app.query_one("#flows", BlockList))
        await pilot.press("e", "i", "3", "5", "1")  # keys that read the selection: nothing to act on, no crash
        app.tracker = PublishedFlows([scan, policy, sync])  # type: ignore[assignment]
        app.refresh_now()
        await pilot.pause()
        assert app.state.selected_flow == scan.id and app.state.follow_flow


async def test_e_walks_problem_steps_on_the_scan_view() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert app.state.selected_step == "wua_search"
        await pilot.press("e")
        assert app.state.selected_step == "search_complete"
        await pilot.press("e")
        assert app.state.selected_step == "results"
        await pilot.press("E")
        assert app.state.selected_step == "search_complete"


async def test_stalled_scan_shows_the_awaited_step_and_hint() -> None:
    app = loaded("location-reply-missing")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        flow = app.flow()
        assert flow is not None and flow.status == "stalled" and app.state.selected_step == "mp_lookup"
        timeline = text_of(app.query_one("#timeline", BlockList))
        # No log wrote 0x87D00602 here: a stall carries a code only when a log wrote one (issue 10).
        step = app.step()
        assert step is not None and step.due is not None
        late = fmt_duration(app.state.now - step.due)  # from the step's due time and the injected now
        assert late and f"overdue by {late}" in timeline and "0x87D00602" not in timeline
        evidence = flat(app.query_one("#evidence", BlockList))
        assert f"Overdue by {late} (due {step.due:%H:%M:%S} UTC)" in evidence
        assert "never received the WSUS server location" in evidence


async def test_running_step_shows_next_step_with_due_time() -> None:
    """Cut a healthy scan in the middle: the awaited step is visible with its due time."""
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    ref = Tracker(retention=None)
    preload(Pipeline(ref), [str(FIXTURES / "healthy-first-scan")])
    assert ref.newest is not None
    ref.update(ref.newest)
    search = ref.flows[0].step("wua_search")
    assert search.at is not None
    cut = search.at + timedelta(seconds=1)
    clock = FixedClock(cut)
    app = SumtraceApp(pipeline, tracker, None, clock=clock, animations=False, gc_freeze=False)
    for src in discover([str(FIXTURES / "healthy-first-scan")]).sources:
        data = b"".join(src.chunks())
        for e in parse_bytes(src.path, data, host_bias=src.bias):
            if e.utc is not None and e.utc <= cut:
                pipeline.feed_entries(src.path, src.host_hint, [e])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        flow = app.flow()
        assert flow is not None and flow.status == "running"
        timeline = text_of(app.query_one("#timeline", BlockList))
        assert "running" in timeline and "due " in timeline


# ------------------------------------------------------------------------------------ Log view

async def test_find_next_and_previous() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        bar = app.query_one("#logbar", Input)
        assert app.view == "log" and app.focused is bar
        bar.value = "comapi"
        await pilot.press("enter")
        await settle(pilot, app)
        lv = app.query_one("#logview", LogView)
        first = lv.cursor
        assert lv.entry is not None and "comapi" in lv.entry[R_MSG].lower()
        assert not lv.follow and app.focused is lv
        await pilot.press("n")
        await settle(pilot, app)
        assert lv.cursor != first and lv.entry is not None and "comapi" in lv.entry[R_MSG].lower()
        await pilot.press("N")
        await settle(pilot, app)
        assert lv.cursor == first
        row = strip_text(lv.render_line(lv.cursor - int(lv.scroll_offset.y)))
        assert "COMAPI" in row


async def test_filter_by_the_selected_flows_ids_then_clear() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        flow = app.flow()
        assert flow is not None
        await pilot.press("i")
        await settle(pilot, app)
        lv = app.query_one("#logview", LogView)
        total = len(app.state.log_index)
        shown = [it[2] for it in lv.index.items]
        assert app.view == "log" and 0 < len(shown) < total
        ids = [v.lower() for v in flow.ids.values() if isinstance(v, str) and len(v) > 8]
        evidence = {(e.file, e.line) for s in flow.steps for e in s.evidence}
        for r in shown:
            assert (r[R_FILE], r[R_LINE]) in evidence or any(i in r[R_MSG].lower() for i in ids), r[R_MSG]
        assert evidence <= {(r[R_FILE], r[R_LINE]) for r in shown}
        assert "IDs of scan ac400051" in str(lv.border_title)
        await pilot.press("escape")
        await settle(pilot, app)
        assert lv.index is app.state.log_index


async def test_filter_by_severity_component_and_errors_navigation() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        errors = [it[2] for it in app.state.log_index.items if it[2][R_SEV] == "error"]
        assert errors
        await pilot.press("2", "home", "e")
        await settle(pilot, app)
        lv = app.query_one("#logview", LogView)
        assert lv.entry == errors[0]
        await pilot.press("e")
        assert lv.entry == errors[1]
        await pilot.press("E")
        assert lv.entry == errors[0]
        await pilot.press("ampersand")
        app.query_one("#logbar", Input).value = "sev:error comp:wua"
        await pilot.press("enter")
        await settle(pilot, app)
        assert len(lv.index) == len([r for r in errors if "wua" in r[R_COMP].lower()]) > 0
        await pilot.press("ampersand")
        app.query_one("#logbar", Input).value = "thread:nonsense"
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.query_one("#logbar", Input).has_focus  # a bad term keeps the bar open


async def test_thread_highlight_and_jump_from_record_to_step() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("slash")
        app.query_one("#logbar", Input).value = "SUBMITTED -- COMAPI: Search"
        await pilot.press("enter")
        await settle(pilot, app)
        lv = app.query_one("#logview", LogView)
        rec = lv.entry
        assert rec is not None
        await pilot.press("t")
        assert lv.thread == rec[R_THREAD]
        detail = flat(app.query_one("#detail", BlockList))
        assert "evidence of scan ac400051" in detail and "WUA searches WSUS" in detail
        await pilot.press("enter")
        await settle(pilot, app)
        assert app.view == "scan" and app.state.selected_step == "wua_search"
        step = app.step()
        assert step is not None and (rec[R_FILE], rec[R_LINE]) in {(e.file, e.line) for e in step.evidence}


# ------------------------------------------------------------------------------------ other views

async def test_error_lookup_any_spelling() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("5")
        inp = app.query_one("#lookup-input", Input)
        result = app.query_one("#lookup-result", BlockList)
        assert app.focused is inp and inp.value == "0x80244017"  # prefilled from the failed step
        assert "WU_E_PT_HTTP_STATUS_DENIED" in text_of(result) and "Next:" in text_of(result)
        for spelling, name in (("-2145107945", "WU_E_PT_HTTP_STATUS_DENIED"), ("[80244019]", "0x80244019"),
                               ("hr=8007000E", "E_OUTOFMEMORY"), ("12002", "0x80072EE2"),
                               ("87d00692", "0x87D00692")):
            inp.value = spelling
            await pilot.pause()
            assert name in text_of(result), (spelling, text_of(result))
        inp.value = "PT_HTTP"
        await pilot.pause()
        assert text_of(result).count("WU_E_PT_HTTP") >= 3
        inp.value = "no such thing"
        await pilot.pause()
        assert "not a code" in text_of(result)


async def test_updates_and_files_views() -> None:
    app = loaded("healthy-first-scan")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("3")
        await settle(pilot, app)
        table = app.query_one("#updates-table", DataTable)
        assert table.row_count == 4  # the four updates; the UpdateSource GUID (topic 501) is no update row
        cells = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]  # KB first
        assert "KB2862152" in cells
        await pilot.press("4")
        await settle(pilot, app)
        files = app.query_one("#files-table", DataTable)
        assert files.row_count == len(app.state.files) == 20


async def test_help_and_palette_commands() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("f1")
        await pilot.pause()
        assert "Help" in str(app.screen.query_one("Vertical").border_title)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#timeline")
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert {"Pause / resume", "Find in log", "Filter log by flow IDs", "Show Lookup"} <= set(titles)
        ids = {b.id for b in app.BINDINGS if hasattr(b, "id")}
        assert {"help", "pause", "follow", "find", "next_error", "prev_error", "quit"} <= ids


async def test_palette_commands_and_bar_clicks_do_what_the_keys_do() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        commands = {c.title: c.callback for c in app.get_system_commands(app.screen)}
        assert app.state.selected_step == "wua_search"
        await commands["Next error"]()  # on the Scan view: the next problem step, as e does
        assert app.view == "scan" and app.state.selected_step == "search_complete"
        await commands["Find in log"]()  # elsewhere, a Log key opens the Log view first
        await pilot.pause()
        bar = app.query_one("#logbar", Input)
        assert app.view == "log" and app.focused is bar
        await pilot.press("escape")
        await commands["Show Files"]()
        assert app.view == "files"
        topbar = app.query_one("#topbar", TopBar)
        x = topbar.render().plain.index("2 Log")
        await pilot.click("#topbar", offset=(x, 0))
        assert app.view == "log"
        keybar = app.query_one(KeyBar)
        x = keybar.render().plain.index("p Pause")
        await pilot.click(KeyBar, offset=(x + 1, 0))
        assert app.control.paused


class HelloView(View):
    """A view as a contributor would add one: a module with this class, and a registry entry."""

    NAME = "hello"
    KEY = "6"
    TITLE = "Hello"
    SUMMARY = "how many flows there are"
    CSS = "#hello-text { height: 3; }"

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.w_text = BlockList(id="hello-text", cursor=False)

    def compose(self) -> ComposeResult:
        yield self.w_text

    def focus_default(self) -> None:
        self.w_text.focus()

    def refresh_view(self, force: bool = False) -> None:
        if self.changed("text", len(self.state.flows), force):
            self.w_text.set_blocks([Block("n", [Line(Text(f"{len(self.state.flows)} flows"))])])


async def test_a_new_view_is_one_module_and_one_registry_entry() -> None:
    views = (*VIEWS, HelloView)  # the registry entry

    class WithHello(SumtraceApp):  # what the app derives from the registry, spelled out
        VIEW_CLASSES = views
        CSS = views_css(views)
        KEY_TABLE = key_table(views)
        BINDINGS = app_bindings(KEY_TABLE)

    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    assert preload(pipeline, [str(FIXTURES / "healthy-first-scan")]) == []
    app = WithHello(pipeline, tracker, None, clock=FixedClock(tracker.newest), animations=False, gc_freeze=False)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        await pilot.press("6")
        assert app.view == "hello" and app.focused is app.query_one("#hello-text")
        assert text_of(app.query_one("#hello-text", BlockList)) == "4 flows"  # scan, policy, sync, client agent
        assert app.query_one("#hello-text").size.height == 2  # its own CSS (3 rows, one the title rule)
        assert "6 Hello" in app.query_one("#topbar", TopBar).render().plain
        assert "Show Hello" in {c.title for c in app.get_system_commands(app.screen)}
        await pilot.press("f1")
        await pilot.pause()
        rows = [b.lines[0].text.plain for b in app.screen.query_one("#help-text", BlockList).blocks]
        assert any(r.startswith("6 ") and "how many flows there are" in r and "[view_hello]" in r for r in rows)
    assert "`view_hello`" in readme_block(key_table(views))


# ------------------------------------------------------------------------------------ pause, data

async def test_pause_freezes_the_view_without_losing_records() -> None:
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    app = SumtraceApp(pipeline, tracker, None, clock=FixedClock(), animations=False, gc_freeze=False, refresh_hz=50)
    path = "/logs/PC01/ScanAgent.log"

    def write(n: int, start: int) -> None:
        data = "".join(cm(f"record {i}", time=f"12:18:{i % 60:02d}.000+300") + "\r\n" for i in range(start, start + n))
        pipeline.feed(path, "PC01", data.encode())

    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.control, ViewFreeze)
        write(5, 0)
        await settle(pilot, app)
        assert len(app.state.log_index) == 5
        await pilot.press("p")
        assert app.control.paused
        write(3, 5)
        await pilot.pause(0.1)
        app.refresh_now()
        assert len(app.state.log_index) == 5
        status = app.query_one("#topbar", TopBar).status.plain
        assert "PAUSED" in status and "+3 new" in status
        await pilot.press("s")  # one step: what arrived is applied, still paused
        assert len(app.state.log_index) == 8 and app.control.paused
        write(2, 8)
        await pilot.pause(0.1)
        assert len(app.state.log_index) == 8
        await pilot.press("p")
        await settle(pilot, app)
        assert not app.control.paused and len(app.state.log_index) == 10
        assert "PAUSED" not in app.query_one("#topbar", TopBar).status.plain


async def test_log_text_is_shown_literally_never_as_markup_or_escapes() -> None:
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    app = SumtraceApp(pipeline, tracker, None, clock=FixedClock(), animations=False, gc_freeze=False)
    evil = "[bold]not bold[/bold] \x1b[31mnot red\x1b[0m [link=http://x]y[/link] \x07"
    record = cm(evil, comp="[red]Comp[/red]") + "\r\n"
    path = "/logs/[blink]PC01[/blink]/ScanAgent.log"
    pipeline.feed(path, "[blink]PC01[/blink]", record.encode())
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("2")
        await settle(pilot, app)
        lv = app.query_one("#logview", LogView)
        assert lv.entry is not None and lv.entry[R_MSG].startswith("[bold]")
        row = strip_text(lv.render_line(lv.cursor - int(lv.scroll_offset.y)))
        assert "[bold]not bold[/bold]" in row and "\\x1b[31mnot red\\x1b[0m" in row and "\\x07" in row
        assert "\x1b" not in row and "\x07" not in row
        detail = app.query_one("#detail", BlockList)
        shown = "\n".join(strip_text(detail.render_line(y)) for y in range(detail.size.height))
        assert "[bold]not bold[/bold]" in shown and "\\x1b[31m" in shown and "[blink]PC01[/blink]" in shown
        svg = app.export_screenshot()
        assert "\x1b" not in svg and "not&#160;bold" in svg and "[bold]" in svg
        await pilot.press("4")
        await settle(pilot, app)
        files = app.query_one("#files-table", DataTable)
        assert "[blink]PC01[/blink]" in str(files.get_row_at(0)[1])


async def test_no_color_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = loaded("wsus-401")
    assert app.no_color
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        assert app.query_one("#timeline", BlockList).blocks
        # Textual's NO_COLOR filter greys a truecolor theme; the ANSI theme would go black on black
        assert app.theme == "textual-dark"


# ------------------------------------------------------------------------------------ driver

async def test_a_failing_driver_is_reported_and_exits_non_zero() -> None:
    async def broken() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("the disk went away")

    tracker = Tracker()
    app = SumtraceApp(Pipeline(tracker), tracker, broken, clock=FixedClock(), animations=False, gc_freeze=False)
    with pytest.raises(WorkerFailed, match="the disk went away"):
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.3)
    assert app.return_code == 1


async def test_quit_stops_the_driver_and_exits_zero() -> None:
    stopped = asyncio.Event()

    async def forever() -> None:
        await stopped.wait()

    tracker = Tracker()
    app = SumtraceApp(Pipeline(tracker), tracker, forever, clock=FixedClock(), animations=False, gc_freeze=False, stop=stopped.set)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.05)
        await pilot.press("q")
        await pilot.pause(0.1)
    assert stopped.is_set() and app.return_code == 0 and app.driver_done


# ------------------------------------------------------------------------------------ live

def _records(scenario: str) -> tuple[list[tuple[datetime, str, bytes]], dict[str, str]]:
    """Every record of a fixture as (UTC, relative path, raw bytes), and each file's host."""
    out: list[tuple[datetime, str, bytes]] = []
    hosts: dict[str, str] = {}
    root = FIXTURES / scenario
    for src in discover([str(root)]).sources:
        rel = os.path.relpath(src.path, root)
        hosts[rel] = src.host_hint
        data = b"".join(src.chunks())
        entries = parse_bytes(src.path, data, host_bias=src.bias)
        cuts = [0] + [e.offset for e in entries[1:]] + [len(data)]
        last = datetime.min.replace(tzinfo=timezone.utc)
        for e, a, b in zip(entries, cuts, cuts[1:]):
            last = e.utc or last
            out.append((last, rel, data[a:b]))
    return out, hosts


async def _wait(pilot: Pilot[int], cond: Callable[[], bool], what: str, timeout: float = 5.0,
                detail: Callable[[], str] = lambda: "") -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not cond():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what} {detail()}")
        await pilot.pause(0.02)


def _scan(app: SumtraceApp) -> Flow | None:
    f = app.flow()
    return f if f is not None and f.kind == "scan" else None


async def test_follows_a_scan_written_live_into_a_folder(tmp_path: Path) -> None:
    scenario = "healthy-first-scan"
    ref = Tracker(retention=None)
    preload(Pipeline(ref), [str(FIXTURES / scenario)])
    assert ref.newest is not None
    ref.update(ref.newest)
    expected = next(f for f in ref.flows if f.kind == "scan")
    search_at = expected.step("wua_search").at
    assert search_at is not None

    records, _ = _records(scenario)
    first: dict[str, bytes] = {}
    rest: list[tuple[datetime, str, bytes]] = []
    for when, rel, raw in records:  # each file starts with its first record (so its zone is known)
        if rel not in first:
            first[rel] = raw
        else:
            rest.append((when, rel, raw))
    rest.sort(key=lambda r: r[0])
    for rel, raw in first.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(raw)

    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    options = WatchOptions([str(tmp_path)], sweep=0.2, rescan=0.5, fallback_poll=0.05, tick=0.05, idle_tick=0.2)
    # Waits are judged by the time of what has been written, as a replay clock would (the watcher
    # updates the tracker too, so it gets the same clock).
    clock = FixedClock(rest[0][0])
    watcher = LiveWatcher(pipeline, options, clock=clock)
    app = SumtraceApp(pipeline, tracker, watcher.run, clock=clock, stop=watcher.stop, animations=False, gc_freeze=False,
                      refresh_hz=20)
    seen: set[str] = set()
    async with app.run_test(size=(100, 30)) as pilot:
        await _wait(pilot, lambda: watcher.ready.is_set(), "the watcher")
        half = [r for r in rest if r[0] <= search_at + timedelta(seconds=1)]
        for when, rel, raw in half:
            with open(tmp_path / rel, "ab") as fh:
                fh.write(raw)
            clock.now = when
            await asyncio.sleep(0.001)
        await _wait(pilot, lambda: (s := _scan(app)) is not None and s.step("wua_search").status == "running",
                    "the WUA search to show as running", timeout=15.0,
                    detail=lambda: repr([(s.key, s.status) for s in (_scan(app) or expected).steps]))
        scan = _scan(app)
        assert scan is not None and scan.status == "running"
        seen.add(scan.status)
        assert "next" in text_of(app.query_one("#timeline", BlockList)) or "due " in text_of(
            app.query_one("#timeline", BlockList))
        for when, rel, raw in rest[len(half):]:
            with open(tmp_path / rel, "ab") as fh:
                fh.write(raw)
            clock.now = when
            await asyncio.sleep(0.001)
        clock.now = ref.newest
        # Summarization is a site-wide step that is never awaited, so the scan is ok before it shows:
        # wait for every step to be what the report says.
        await _wait(pilot, lambda: (s := _scan(app)) is not None and s.status == "ok"
                    and [(x.key, x.status) for x in s.steps] == [(x.key, x.status) for x in expected.steps],
                    "the scan to finish ok", timeout=15.0)
        scan = _scan(app)
        assert scan is not None
        assert [(s.key, s.status) for s in scan.steps] == [(s.key, s.status) for s in expected.steps]
        assert app.state.follow_flow and app.state.selected_step == "summarization"
        assert all(fs.state == "live" for fs in app.state.files.values())
        # the last record of each file waits for what follows it (a multi-line record may go on)
        assert len(records) - len(first) <= len(app.state.log_index) <= len(records)
        await pilot.press("q")
    assert app.return_code == 0


# ------------------------------------------------------------------------------------ replay

async def test_replay_player_drives_the_app_and_pauses_the_source() -> None:
    from sumtrace.live.replay import build_replay
    from sumtrace.tui.app import PlayerControl

    pipeline, tracker, player, errors = build_replay([str(FIXTURES / "wsus-401")], speed=None)
    assert not errors
    player.pause()  # start paused: nothing plays until asked
    control = PlayerControl(player)

    async def drive() -> None:
        await player.run()
        pipeline.close()

    app = SumtraceApp(pipeline, tracker, drive, mode="replay", clock=player.clock.now, control=control,
                      animations=False, gc_freeze=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)
        assert control.paused and player.played == 0
        assert "PAUSED" in app.query_one("#topbar", TopBar).status.plain
        await pilot.press("s")
        await _wait(pilot, lambda: player.played == 1, "one record played")
        await pilot.press("p")
        await _wait(pilot, lambda: app.driver_done, "the replay to end")
        await settle(pilot, app)
        status = app.query_one("#topbar", TopBar).status.plain
        assert "REPLAY" in status and "ended" in status and "321 rec" in status
        flow = app.flow()
        assert flow is not None and flow.status == "failed" and app.state.selected_step == "wua_search"
        assert all(fs.state == "replay" for fs in app.state.files.values())


async def test_file_states_show_in_the_top_bar_and_files_view() -> None:
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    app = SumtraceApp(pipeline, tracker, None, clock=FixedClock(), animations=False, gc_freeze=False)
    pipeline.feed("/logs/PC01/ScanAgent.log", "PC01", (cm("one") + "\r\n").encode())
    pipeline.file_event("/logs/PC01/ScanAgent.log", "rotated", "ScanAgent.log was renamed to ScanAgent.lo_")
    pipeline.file_event("/logs/PC02", "error", "no such file or directory; waiting for it to appear",
                        host_hint="PC02")
    pipeline.file_event("/logs/PC01/WUAHandler.log", "error", "permission denied", host_hint="PC01")
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        status = app.query_one("#topbar", TopBar).status.plain
        assert "1 rotated" in status and "1 missing" in status and "1 error" in status
        await pilot.press("4")
        await settle(pilot, app)
        table = app.query_one("#files-table", DataTable)
        states = sorted(str(table.get_row_at(i)[0]) for i in range(table.row_count))
        assert states == ["error", "missing", "rotated"]
