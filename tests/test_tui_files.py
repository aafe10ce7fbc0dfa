"""The Files and Updates views, and the Flows pane before any flow (issue 12).

Over a real watcher: a watched folder that was missing stops being "missing" once it appears,
sizes follow a growing log (the size a log had when following began is not shown as if it were
current), and the hosts are shown by their own name. The Flows pane does not say it waits for
records once records are loaded. The Updates view never lists the UpdateSource as an update.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from sumtrace.flows.tracker import Tracker
from sumtrace.live.pipeline import Pipeline
from sumtrace.live.preload import preload
from sumtrace.live.watcher import LiveWatcher, WatchOptions
from sumtrace.tui.app import SumtraceApp
from sumtrace.tui.view_files import human_size
from sumtrace.tui.widgets import BlockList
from tests.conftest import FIXTURES, cm
from tests.test_tui_app import FixedClock, settle, text_of

CLIENT = FIXTURES / "healthy-first-scan" / "client"


@pytest.fixture(autouse=True)
def no_user_keymap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SUMTRACE_KEYMAP", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "config"))


def _rows(app: SumtraceApp) -> dict[str, dict[str, str]]:
    """The Files table as {file: {column: text}}."""
    table = app.query_one("#files-table", DataTable)
    keys = [str(c.key.value) for c in table.columns.values()]
    out: dict[str, dict[str, str]] = {}
    for i in range(table.row_count):
        cells = dict(zip(keys, (str(c) for c in table.get_row_at(i)), strict=True))
        out[cells["file"]] = cells
    return out


async def _wait(pilot: Pilot[int], app: SumtraceApp, cond: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        app.refresh_now()
        await pilot.pause(0.05)
        if cond():
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}: {_rows(app)}")


async def test_files_view_a_folder_that_appears_and_a_growing_log(tmp_path: Path) -> None:
    watched = tmp_path / "PC01"
    watched.mkdir()
    log = watched / "ScanAgent.log"
    shutil.copy(CLIENT / "ScanAgent.log", log)
    later = tmp_path / "later"
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    watcher = LiveWatcher(pipeline, WatchOptions([str(watched), str(later)], sweep=0.1, rescan=0.3,
                                                 fallback_poll=0.05, tick=0.05, idle_tick=0.2))
    app = SumtraceApp(pipeline, tracker, watcher.run, clock=FixedClock(), stop=watcher.stop, animations=False,
                      gc_freeze=False, refresh_hz=20)
    async with app.run_test(size=(160, 30)) as pilot:
        await _wait(pilot, app, lambda: watcher.ready.is_set(), "the watcher")
        await pilot.press("4")
        await _wait(pilot, app, lambda: _rows(app).get("later", {}).get("state") == "missing"
                    and _rows(app).get("ScanAgent", {}).get("size") == human_size(log.stat().st_size),
                    "the missing folder and the log's size")
        first = _rows(app)["ScanAgent"]
        assert "bytes" not in first["detail"] and "since" in first["detail"]

        later.mkdir()
        shutil.copy(CLIENT / "WUAHandler.log", later / "WUAHandler.log")
        with open(log, "ab") as fh:  # the log grows: its size on screen must follow
            fh.write(b"".join((cm(f"more {i}") + "\r\n").encode() for i in range(400)))
        grown = human_size(log.stat().st_size)
        assert grown != first["size"]
        await _wait(pilot, app, lambda: _rows(app)["later"]["state"] == "live"
                    and _rows(app).get("WUAHandler", {}).get("state") == "live"
                    and _rows(app)["ScanAgent"]["size"] == grown,
                    "the folder live, its log followed, the new size")
        rows = _rows(app)
        assert "appeared" in rows["later"]["detail"]
        assert int(rows["ScanAgent"]["entries"].replace(",", "")) == int(first["entries"].replace(",", "")) + 400
        assert "missing" not in {r["state"] for r in rows.values()}
        await pilot.press("q")
    assert app.return_code == 0


async def test_files_and_updates_views_show_the_hosts_own_name() -> None:
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    clock = FixedClock()
    app = SumtraceApp(pipeline, tracker, None, clock=clock, animations=False, gc_freeze=False)
    assert preload(pipeline, [str(FIXTURES / "healthy-first-scan")]) == []
    assert tracker.newest is not None
    clock.now = tracker.newest
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("4")
        await settle(pilot, app)
        hosts = {r["host"] for r in _rows(app).values()}
        assert hosts == {"PS1WIN7X64", "mp", "server"}  # the client folder's machine, by the name it says
        await pilot.press("3")
        await settle(pilot, app)
        table = app.query_one("#updates-table", DataTable)
        assert "PS1WIN7X64" in str(table.border_title)
        scan = next(f for f in app.state.flows if f.kind == "scan")
        source = str(scan.ids["update_source"]).lower()
        keys = [str(k.value) for k in table.rows]
        kbs = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert keys and not any(source in k.lower() for k in keys)  # the UpdateSource is no update
        assert all(re.fullmatch(r"KB\d+", kb) for kb in kbs), kbs
        assert sorted(kbs) == sorted(u.kb for u in app.state.updates)


async def test_the_flows_pane_does_not_wait_for_records_it_has() -> None:
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    app = SumtraceApp(pipeline, tracker, None, clock=FixedClock(), animations=False, gc_freeze=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        flows = app.query_one("#flows", BlockList)
        assert "Waiting for log records" in text_of(flows)
        data = "".join(cm(f"nothing about updates {i}", comp="CcmExec") + "\r\n" for i in range(179))
        pipeline.feed("/logs/PC01/CcmExec.log", "PC01", data.encode())
        await settle(pilot, app)
        assert app.state.flows == []
        shown = re.sub(r"\s+", " ", text_of(flows))
        assert "Waiting" not in shown and "in the 179 log records read" in shown
