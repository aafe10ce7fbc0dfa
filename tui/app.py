"""The sumtrace TUI: where is this client's scan right now, what broke, what to check next.

Data flows one way. A *driver* (``LiveWatcher.run`` live, a replay ``Player.run`` in a replay; see
:mod:`sumtrace.live.control`) feeds the :class:`~sumtrace.live.pipeline.Pipeline` in its own thread and event loop
(``threaded=True``, the default), so parsing 20,000 lines a second never queues in front of a key.
The app's pipeline subscriber only appends what arrives to an inbox under a lock. A timer
(``refresh_hz``, 8 Hz by default) does everything else at once, in the UI thread: takes the inbox,
merges the records into the merged-log index, asks the driver's loop to update the tracker at
``clock()`` when something changed (or a second passed, so waits turn into stalls), reads the
flows the tracker published, and redraws the panes of the visible view whose content changed.
Nothing repaints per line. Pause, step and stop go to the driver's loop too (:meth:`call_driver`).

Views (``1``-``5``): Scan (flows, step timeline, evidence), Log (all records merged in UTC order,
find, filter, errors, thread highlight, jump to the step), Updates, Files, Error lookup.
Entry points: :func:`run_watch` (``sumtrace watch``), :func:`run_replay`, :func:`run_demo`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.widgets import ContentSwitcher, DataTable, Input
from textual.worker import Worker, WorkerState

from sumtrace.flows.model import Flow, Step, UpdateRow
from sumtrace.flows.tracker import Tracker
from sumtrace.live.control import Clock, Driver, DriverControl, ViewFreeze, wall_clock
from sumtrace.live.pipeline import Batch, FileEvent, Pipeline
from sumtrace.parsers.entry import Entry
from sumtrace.tui.logindex import (
    R_FILE,
    R_LINE,
    R_MSG,
    R_THREAD,
    LogIndex,
    Query,
    Rec,
    as_record,
    base_of,
    both,
    id_filter,
    parse_query,
)
from sumtrace.tui.render import (
    DIM,
    MAX_FLOWS_SHOWN,
    STATUS_STYLE,
    default_step,
    detail_blocks,
    evidence_blocks,
    flow_blocks,
    flow_ids,
    flow_title,
    hms,
    id_regex,
    lookup_blocks,
    safe,
    timeline_blocks,
    update_cells,
)
from sumtrace.tui.widgets import VIEWS, BlockList, HelpScreen, KeyBar, LogView, TopBar

Mode = Literal["live", "replay", "demo"]
DEFAULT_MAX_ENTRIES = 1_000_000
ROTATED_SHOWN = 30.0  # seconds a rotation/truncation shows in the top bar once records flow again
CHUNK = 20_000  # records per slice of a find or filter pass before yielding to the loop
WIDE = 110  # columns from which the Scan view puts the flows list beside the timeline


@dataclass(slots=True)
class FileState:
    """What the Files view and the top bar say about one followed file."""

    path: str
    host: str = ""
    state: str = "live"
    detail: str = ""
    entries: int = 0
    changed: float = 0.0  # monotonic time of the last file event


_CHANGE_STATE = {"opened": "live", "rotated": "rotated", "truncated": "truncated", "deleted": "missing"}
_STATE_STYLE = {"live": STATUS_STYLE["ok"], "replay": STATUS_STYLE["ok"], "rotated": STATUS_STYLE["warning"],
                "truncated": STATUS_STYLE["warning"], "missing": STATUS_STYLE["stalled"],
                "error": STATUS_STYLE["failed"]}


def _step_sig(st: Step | None) -> tuple[object, ...]:
    """What the timeline row and the evidence pane of a step show (cheap to compare)."""
    if st is None:
        return ()
    last = st.evidence[-1] if st.evidence else None
    return (st.key, st.signature(), st.ended, st.due, st.joined_by, len(st.evidence),
            (last.file, last.line) if last is not None else None)


def _flow_sig(f: Flow | None) -> tuple[object, ...]:
    if f is None:
        return ()
    return (f.id, f.status, f.label, f.host, f.started, f.ended, tuple(_step_sig(s) for s in f.steps))


def _max_entries_from_env() -> int:
    raw = os.environ.get("SUMTRACE_MAX_LINES", "")
    try:
        return max(1000, int(raw)) if raw else DEFAULT_MAX_ENTRIES
    except ValueError:
        return DEFAULT_MAX_ENTRIES


def _compact(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}M"
    if n >= 10_000:
        return f"{n // 1000}k"
    return f"{n:,}"


class SumtraceApp(App[int]):
    """The live monitor. See the module docstring and :mod:`sumtrace.live.control` for how to drive it."""

    CSS_PATH = "app.tcss"
    TITLE = "sumtrace"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1,question_mark", "help", "Help", id="help", key_display="F1",
                tooltip="Keys, panes, glyphs and colours"),
        Binding("p", "pause", "Pause", id="pause", tooltip="Pause or resume the live view"),
        Binding("s", "step", "Step", id="step", show=False, tooltip="While paused: apply what arrived once"),
        Binding("f", "follow", "Follow", id="follow", tooltip="Follow the current scan / the end of the log"),
        Binding("slash", "find", "Find", id="find", tooltip="Find text in the merged log"),
        Binding("n", "find_next(1)", "Next match", id="find_next", show=False),
        Binding("N", "find_next(-1)", "Previous match", id="find_prev", show=False),
        Binding("e", "error(1)", "Next error", id="next_error", tooltip="Next error record / failed step"),
        Binding("E", "error(-1)", "Prev error", id="prev_error", show=False),
        Binding("ampersand", "filter", "Filter", id="filter", tooltip="Filter the merged log"),
        Binding("i", "filter_ids", "Flow IDs", id="filter_ids", show=False,
                tooltip="Filter the merged log by the selected flow's IDs"),
        Binding("t", "thread", "Thread", id="thread", show=False, tooltip="Highlight the record's thread"),
        Binding("escape", "escape", "Close", id="escape", show=False),
        Binding("1", "view('scan')", "Scan", id="view_scan", show=False),
        Binding("2", "view('log')", "Log", id="view_log", show=False),
        Binding("3", "view('updates')", "Updates", id="view_updates", show=False),
        Binding("4", "view('files')", "Files", id="view_files", show=False),
        Binding("5", "view('lookup')", "Lookup", id="view_lookup", show=False),
        Binding("left", "pane(-1)", "Flows", id="pane_left", show=False),
        Binding("right", "pane(1)", "Steps", id="pane_right", show=False),
        Binding("q", "quit", "Quit", id="quit"),
    ]

    w_topbar: TopBar
    w_views: ContentSwitcher
    w_scan: Container
    w_flows: BlockList
    w_timeline: BlockList
    w_evidence: BlockList
    w_log: LogView
    w_detail: BlockList
    w_bar: Input
    w_updates: DataTable[Any]
    w_files: DataTable[Any]
    w_lookup_in: Input
    w_lookup_out: BlockList

    def __init__(self, pipeline: Pipeline, tracker: Tracker, driver: Driver | None = None, *,
                 mode: Mode = "live", clock: Clock = wall_clock, control: DriverControl | None = None,
                 stop: Callable[[], None] | None = None, max_entries: int | None = None,
                 refresh_hz: float = 8.0, animations: bool = True, install_signals: bool = False,
                 theme: str | None = None, gc_freeze: bool = True, threaded: bool = True) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.tracker = tracker
        self.mode: Mode = mode
        self.clock = clock
        self.control: DriverControl = control if control is not None else ViewFreeze()
        self.animations = animations
        self.refresh_hz = refresh_hz
        self._feed = driver
        self._stop = stop
        self._install_signals = install_signals
        self._driver_worker: Worker[None] | None = None
        self.driver_done = False
        cap = max_entries if max_entries is not None else _max_entries_from_env()
        self.max_entries = cap
        # merged log
        self.log_index = LogIndex(cap)
        self.error_index = LogIndex(cap)
        self._filtered: LogIndex | None = None
        self._text_filter: Query | None = None
        self._ids_filter: Query | None = None
        self._query: Query | None = None
        self._pending: list[Entry] = []
        # What the pipeline delivered since the last refresh. The subscriber may run in the driver's
        # thread: it only appends here under the lock; the refresh takes it all in the UI thread.
        self._inbox_lock = threading.Lock()
        self._in_entries: list[Entry] = []
        self._in_counts: list[tuple[str, str, int]] = []
        self._in_files: list[FileEvent] = []
        self.threaded = threaded
        self._driver_loop: asyncio.AbstractEventLoop | None = None
        self._driver_task: asyncio.Task[None] | None = None
        self._early_lock = threading.Lock()
        self._early_calls: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []
        self.pending_lost = 0
        self._seq = 0
        self._last_key: dict[str, float] = {}
        self._holding = False
        self.find_text = ""
        self._bar_mode = ""
        # files and hosts
        self.hosts: dict[str, str] = {}
        self.files: dict[str, FileState] = {}
        self._files_version = 0
        # tracker snapshot (what the screen shows; frozen while a live view is paused)
        self.flows: list[Flow] = []
        self.updates: list[UpdateRow] = []
        self._flows_src: object = None
        self._flows_version = 0
        self._last_build = 0.0
        self.now = clock()
        self._ev_map: dict[tuple[str, int], tuple[str, str]] | None = None
        # selection
        self.selected_flow: str | None = None
        self.follow_flow = True
        self.selected_step: str | None = None
        self.follow_step = True
        self.view = "scan"
        self._sigs: dict[str, object] = {}
        self._evidence_drawn = 0.0
        self._mounted = False
        self.gc_freeze = gc_freeze
        self._frame = 0
        self.refreshes = 0
        self.refresh_seconds = 0.0
        self._unsubscribe = pipeline.subscribe(self._on_batch)
        if theme is None:
            # The terminal's own 16 colours by default (no truecolor assumption; right over SSH).
            # Under NO_COLOR, Textual (which decided its filter above, for its default theme)
            # renders a truecolor theme in grey levels; an ANSI theme would come out black on black.
            theme = os.environ.get("SUMTRACE_THEME") or ("textual-dark" if self.no_color else "ansi-dark")
        self._theme_name = theme

    # ================================================================== layout

    def compose(self) -> ComposeResult:
        yield TopBar(id="topbar")
        with ContentSwitcher(initial="scan", id="views"):
            with Container(id="scan"):
                yield BlockList(id="flows")
                with Vertical(id="scan-right"):
                    yield BlockList(id="timeline")
                    yield BlockList(id="evidence", cursor=False)
            with Vertical(id="log"):
                yield LogView(self.log_index, id="logview")
                yield BlockList(id="detail", cursor=False)
                yield Input(id="logbar", classes="-hidden")
            with Vertical(id="updates"):
                yield DataTable(id="updates-table", cursor_type="row")
            with Vertical(id="files"):
                yield DataTable(id="files-table", cursor_type="row")
            with Vertical(id="lookup"):
                yield Input(placeholder="error code in any spelling, or part of a name", id="lookup-input")
                yield BlockList(id="lookup-result", cursor=False)
        yield KeyBar(id="keybar")

    def on_mount(self) -> None:
        # The widgets the refresh touches, looked up once (no queries on the hot path).
        self.w_topbar = self.query_one("#topbar", TopBar)
        self.w_views = self.query_one("#views", ContentSwitcher)
        self.w_scan = self.query_one("#scan", Container)
        self.w_flows = self.query_one("#flows", BlockList)
        self.w_timeline = self.query_one("#timeline", BlockList)
        self.w_evidence = self.query_one("#evidence", BlockList)
        self.w_log = self.query_one("#logview", LogView)
        self.w_detail = self.query_one("#detail", BlockList)
        self.w_bar = self.query_one("#logbar", Input)
        self.w_updates = self.query_one("#updates-table", DataTable)
        self.w_files = self.query_one("#files-table", DataTable)
        self.w_lookup_in = self.query_one("#lookup-input", Input)
        self.w_lookup_out = self.query_one("#lookup-result", BlockList)
        if not self.animations:
            self.w_bar.cursor_blink = False
            self.w_lookup_in.cursor_blink = False
        try:
            self.theme = self._theme_name
        except Exception:  # noqa: BLE001 - an unknown theme name from the environment
            self.theme = "ansi-dark"
        self.w_flows.border_title = "Flows"
        self.w_timeline.border_title = "Steps"
        self.w_evidence.border_title = "Evidence"
        self.w_detail.border_title = "Record"
        self.w_lookup_out.border_title = "Error lookup"
        ut = self.w_updates
        # The title last: at 80 columns it is what gets cut, not the state message's journey.
        for key, label in (("kb", "KB"), ("state", "State"), ("recorded", "Recorded"), ("forwarded", "Forwarded"),
                           ("processed", "Processed"), ("title", "Title")):
            ut.add_column(label, key=key)
        ft = self.w_files
        for key, label in (("state", "State"), ("host", "Host"), ("file", "File"), ("entries", "Records"),
                           ("detail", "Detail")):
            ft.add_column(label, key=key)
        self._mounted = True
        self._apply_layout()
        self.w_timeline.focus()
        self._tick(force=True)
        self.set_interval(1 / self.refresh_hz, self._tick, name="refresh")
        self.call_after_refresh(self._freeze_startup)
        if self._feed is not None:
            if self.threaded:
                self._driver_worker = self.run_worker(self._run_driver, name="driver", group="driver", thread=True,
                                                      description="feeding the pipeline", exit_on_error=True)
            else:
                self._driver_worker = self.run_worker(self._run_driver(), name="driver", group="driver",
                                                      description="feeding the pipeline", exit_on_error=True)
        if self._install_signals:
            self._signals()

    def on_unmount(self) -> None:
        self._unsubscribe()

    def on_resize(self) -> None:
        if not self._mounted:
            return
        self._apply_layout()
        self._sigs.clear()
        self._tick(force=True)

    def _apply_layout(self) -> None:
        narrow = self.size.width < WIDE
        self.w_scan.set_class(narrow, "-narrow")
        self.w_scan.set_class(not narrow, "-wide")

    # ================================================================== driver, signals, shutdown

    async def _run_driver(self) -> None:
        """The driver's life. Threaded (the default), this runs in its own thread and event loop, so
        parsing 20,000 lines a second never queues in front of a key press; everything it touches
        (pipeline, tracker) is then only driven from that loop, and the app talks to it through
        :meth:`call_driver`."""
        assert self._feed is not None
        with self._early_lock:
            self._driver_loop = asyncio.get_running_loop()
            self._driver_task = asyncio.current_task()
            early, self._early_calls = self._early_calls, []
        for fn, args in early:
            fn(*args)
        try:
            await self._feed()
        finally:
            self.driver_done = True

    @property
    def driver_running(self) -> bool:
        w = self._driver_worker
        return w is not None and w.state in (WorkerState.PENDING, WorkerState.RUNNING) and not self.driver_done

    def call_driver(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` where the driver runs: in its loop when threaded and alive, else here."""
        if self.threaded and self.driver_running:
            with self._early_lock:
                loop = self._driver_loop
                if loop is None:  # the thread is starting: it runs these first
                    self._early_calls.append((fn, args))
                    return
            if not loop.is_closed():
                try:
                    loop.call_soon_threadsafe(fn, *args)
                    return
                except RuntimeError:  # the loop closed meanwhile
                    pass
        fn(*args)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group == "driver" and event.state == WorkerState.SUCCESS:
            self.driver_done = True
        elif event.state == WorkerState.ERROR and worker.group != "driver":
            # find/filter passes: report, keep running
            self.notify(f"{worker.name} failed: {worker.error}", severity="error", markup=False)
            self._holding = False

    def _signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (getattr(signal, "SIGHUP", None), getattr(signal, "SIGTERM", None)):
            if sig is None:
                continue
            try:
                loop.add_signal_handler(sig, self._hangup)
            except (NotImplementedError, RuntimeError, ValueError):
                pass
        self.set_interval(5.0, self._check_tty, name="tty-check")

    def _hangup(self) -> None:
        """SIGHUP (the terminal went away) or SIGTERM: stop the driver and exit, quietly."""
        if self._stop is not None:
            self.call_driver(self._stop)
        self.exit(0)

    def _check_tty(self) -> None:
        try:
            alive = sys.__stdin__ is not None and os.isatty(sys.__stdin__.fileno())
        except (OSError, ValueError):
            alive = False
        if not alive:
            self._hangup()

    async def _stop_feed(self) -> None:
        """Ask the driver to stop and give it a moment to finish cleanly (flush, join threads)."""
        worker = self._driver_worker
        running = self.driver_running
        if self._stop is not None:
            self.call_driver(self._stop)
        elif worker is not None and running:
            task = self._driver_task
            if self.threaded and task is not None:
                self.call_driver(task.cancel)  # no stop function: cancelling is how it ends
            else:
                worker.cancel()
        if worker is not None and running:
            deadline = time.monotonic() + 3.0
            while worker.state in (WorkerState.PENDING, WorkerState.RUNNING) and time.monotonic() < deadline:
                await asyncio.sleep(0.02)

    async def action_quit(self) -> None:
        await self._stop_feed()
        self.exit(0)

    # ================================================================== data in

    def _on_batch(self, batch: Batch) -> None:
        """Pipeline subscriber (in the driver's thread or task): append under the lock, nothing else."""
        with self._inbox_lock:
            if batch.entries:
                path = batch.path or batch.entries[0].file
                self._in_entries.extend(batch.entries)
                self._in_counts.append((path, batch.host or "", len(batch.entries)))
                over = len(self._in_entries) - self.max_entries
                if over > self.max_entries // 10:
                    del self._in_entries[:over]
                    self.pending_lost += over
            if batch.files:
                self._in_files.extend(batch.files)

    def _drain(self) -> None:
        """Take what arrived (UI thread): file states and counts now, records into ``_pending``."""
        with self._inbox_lock:
            entries, self._in_entries = self._in_entries, []
            counts, self._in_counts = self._in_counts, []
            files, self._in_files = self._in_files, []
        for path, host, n in counts:
            self.hosts[path] = host
            fs = self.files.get(path)
            if fs is None:
                fs = self.files[path] = FileState(path, host, "replay" if self.mode == "replay" else "live")
                self._files_version += 1
            fs.entries += n
            if fs.state in ("rotated", "truncated") and time.monotonic() - fs.changed > ROTATED_SHOWN:
                fs.state = "live"  # followed on across the rotation; the detail keeps what happened
                self._files_version += 1
        for fe in files:
            self._file_event(fe)
        if entries:
            self._pending.extend(entries)
            over = len(self._pending) - self.max_entries
            if over > self.max_entries // 10:  # paused for a long time: keep the newest
                del self._pending[:over]
                self.pending_lost += over

    def _file_event(self, fe: FileEvent) -> None:
        path = fe.path or "(watcher)"
        fs = self.files.get(path)
        if fs is None:
            fs = self.files[path] = FileState(path, fe.host)
        if fe.change == "error":
            fs.state = "missing" if "no such file" in fe.detail.lower() else "error"
        else:
            fs.state = _CHANGE_STATE.get(fe.change, fs.state)
        fs.detail = fe.detail
        fs.changed = time.monotonic()
        self._files_version += 1

    def refresh_now(self) -> None:
        """Run the refresh at once (tests; a driver that wants its step shown without waiting)."""
        self._tick(force=True)

    def _frozen(self) -> bool:
        c = self.control
        if not getattr(c, "freezes_view", False) or not c.paused:
            return False
        take = getattr(c, "take_step", None)
        return not (take is not None and take())

    def _tick(self, force: bool = False) -> None:
        """The refresh timer: merge, update the tracker, redraw what changed."""
        t0 = time.perf_counter()
        self._drain()
        if not self._frozen():
            if not self._holding:
                self._merge_pending()
            self._pull_tracker()
        if self.animations:
            self._frame += 1
        self._render(force=force)
        self.refreshes += 1
        self.refresh_seconds += time.perf_counter() - t0

    def _merge_pending(self) -> None:
        pending = self._pending
        if not pending:
            return
        self._pending = []
        items = []
        errors = []
        seq = self._seq
        last = self._last_key
        for e in pending:
            u = e.utc
            if u is not None:
                k = u.timestamp()
                last[e.file] = k
            else:
                k = last.get(e.file, 0.0)
            seq += 1
            it = (k, seq, as_record(e))
            items.append(it)
            if e.severity == "error":
                errors.append(it)
        self._seq = seq
        view = self.w_log
        query = self._active_query()
        sub = [it for it in items if query(it[2])] if query is not None and self._filtered is not None else None
        self.log_index.add(items)
        self.error_index.add(errors)
        if sub is not None and self._filtered is not None:
            self._filtered.add(sub)
            view.data_changed(len(sub))
        else:
            view.data_changed(len(items))
        multi = len(set(self.hosts.values())) > 1
        if multi != view.multi_host:
            view.multi_host = multi
            view.restyle()

    def _freeze_startup(self) -> None:
        """Once, after the first paint: the app's long-lived objects (the DOM, styles, bindings)
        move out of the cyclic GC's sight, so a full collection walks only what is new.

        Rendering makes cyclic garbage (Textual strips cache themselves), so full collections run
        about once a second at 20,000 lines/s; without this each walked Textual's whole object
        graph (20-60 ms, on a key press's path). Records never were in that walk: they are
        untracked tuples (:data:`sumtrace.tui.logindex.Rec`). Nothing is frozen later: whatever is frozen and
        then becomes garbage is never reclaimed.
        """
        if self.gc_freeze:
            gc.collect()
            gc.freeze()

    def _pull_tracker(self) -> None:
        now = self.clock()
        src = self.tracker.flows
        mono = time.monotonic()
        if src is not self._flows_src:
            self._last_build = mono  # someone (the driver) updated it: no need to do it again now
        if self.pipeline.needs_tick or mono - self._last_build >= 1.0 or self._flows_src is None:
            # The tracker is only ever updated where the driver runs (its thread, if threaded);
            # here we read the flows it published (a new list per update, never mutated after).
            if self.pipeline.tracker is self.tracker:
                self.call_driver(self.pipeline.tick, now)
            else:
                self.call_driver(self.tracker.update, now)
            self._last_build = mono
        self.now = now
        src = self.tracker.flows
        if src is not self._flows_src:
            self._flows_src = src
            self.flows = list(src)
            self.updates = list(self.tracker.updates)
            self._flows_version += 1
            self._ev_map = None
            self._reselect()

    # ================================================================== selection

    def current_scan(self) -> Flow | None:
        """The flow followed by default: the newest scan (else the newest flow)."""
        return next((f for f in self.flows if f.kind == "scan"), self.flows[0] if self.flows else None)

    def flow(self) -> Flow | None:
        return next((f for f in self.flows if f.id == self.selected_flow), None)

    def step(self) -> Step | None:
        f = self.flow()
        if f is None:
            return None
        return next((s for s in f.steps if s.key == self.selected_step), None)

    def _reselect(self) -> None:
        ids = {f.id for f in self.flows}
        if self.follow_flow or self.selected_flow not in ids:
            cur = self.current_scan()
            new = cur.id if cur is not None else None
            if new != self.selected_flow:
                self.selected_flow = new
                self.follow_step = True
            self.follow_flow = True
        f = self.flow()
        if f is None:
            self.selected_step = None
            return
        keys = [s.key for s in f.steps]
        if self.follow_step or self.selected_step not in keys:
            self.selected_step = default_step(f)
            self.follow_step = True

    def select(self, flow_id: str | None, step_key: str | None = None) -> None:
        """Select a flow (and a step) as the user would; following stops unless it is the current scan."""
        cur = self.current_scan()
        self.selected_flow = flow_id
        self.follow_flow = cur is not None and flow_id == cur.id
        f = self.flow()
        if step_key is not None and f is not None and any(s.key == step_key for s in f.steps):
            self.selected_step = step_key
            self.follow_step = step_key == default_step(f)
        else:
            self.follow_step = True
            self.selected_step = default_step(f) if f is not None else None
        self._render(force=True)

    @on(BlockList.Highlighted, "#flows")
    def _flow_picked(self, event: BlockList.Highlighted) -> None:
        self.select(event.key)

    @on(BlockList.Chosen, "#flows")
    def _flow_chosen(self, event: BlockList.Chosen) -> None:
        self.w_timeline.focus()

    @on(BlockList.Highlighted, "#timeline")
    def _step_picked(self, event: BlockList.Highlighted) -> None:
        f = self.flow()
        self.selected_step = event.key
        self.follow_step = f is not None and event.key == default_step(f)
        self._render_evidence(force=True)

    @on(BlockList.Chosen, "#timeline")
    def _step_chosen(self, event: BlockList.Chosen) -> None:
        self.w_evidence.focus()

    # ================================================================== rendering

    def _render(self, force: bool = False) -> None:
        self._render_topbar()
        if self.view == "scan":
            self._render_scan(force)
        elif self.view == "log":
            self._render_log(force)
        elif self.view == "updates":
            self._render_updates(force)
        elif self.view == "files":
            self._render_files(force)

    def _changed(self, pane: str, sig: object, force: bool) -> bool:
        if not force and self._sigs.get(pane) == sig:
            return False
        self._sigs[pane] = sig
        return True

    def _render_topbar(self) -> None:
        """The state line: (priority, text) parts; the bar drops the least important when narrow."""
        parts: list[tuple[int, Text]] = []
        paused = self.control.paused
        if self.mode == "live":
            parts.append((9, Text("● LIVE", Style(color="green", bold=True))))
        else:
            parts.append((9, Text("▶ REPLAY" if self.mode == "replay" else "● DEMO", Style(color="cyan", bold=True))))
            if self.driver_done:
                parts.append((7, Text("ended", DIM)))
        if paused:
            parts.append((9, Text(" ‖ PAUSED ", Style(color="black", bgcolor="yellow", bold=True))))
        describe = getattr(self.control, "describe", None)
        extra = describe() if callable(describe) else ""
        if extra:
            parts.append((3, Text(safe(str(extra)))))
        states: dict[str, int] = {}
        for fs in self.files.values():
            states[fs.state] = states.get(fs.state, 0) + 1
        nfiles = sum(v for k, v in states.items() if k in ("live", "replay", "rotated", "truncated"))
        parts.append((4, Text(f"{nfiles} file{'s' if nfiles != 1 else ''}")))
        for state in ("rotated", "truncated", "missing", "error"):
            if states.get(state):
                parts.append((8, Text(f"{states[state]} {state}", _STATE_STYLE[state])))
        parts.append((2, Text(f"{_compact(len(self.log_index))} lines")))
        new = len(self._pending) if (paused and getattr(self.control, "freezes_view", False)) else 0
        lv = self.w_log
        if not lv.follow:
            new += lv.new_below
        if new:
            parts.append((8, Text(f" +{_compact(new)} new ", Style(reverse=True, bold=True))))
        if self.pending_lost:
            parts.append((8, Text(f"{_compact(self.pending_lost)} dropped", STATUS_STYLE["failed"])))
        parts.append((5, Text(f"{hms(self.now)}Z")))
        self.w_topbar.set_state(self.view, parts)

    def _render_scan(self, force: bool) -> None:
        flows_w = self.w_flows
        timeline = self.w_timeline
        second = int(self.now.timestamp()) if self.now else 0
        wide = self.size.width >= WIDE
        # Elapsed times tick only for flows still going: redraw each second only then.
        ticking = any(f.status in ("running", "stalled") for f in self.flows)
        # Signatures from what is shown, not from "the tracker rebuilt": it rebuilds on every tick.
        fsig: object = (tuple((f.id, f.status, f.label, f.started, f.ended) for f in self.flows[:MAX_FLOWS_SHOWN]),
                        len(self.flows), second if ticking else 0, self.selected_flow, self.follow_flow, wide,
                        flows_w.size.width)
        if self._changed("flows", fsig, force):
            blocks = flow_blocks(self.flows, self.now, flows_w.size.width - 2, grouped=wide, keep=self.selected_flow)
            flows_w.set_blocks(blocks, self.selected_flow)
            # 80 columns: the list on top takes only the rows it needs (up to 4). Set only on change:
            # a style change re-lays out (and repaints) the whole screen.
            height = str(min(4, max(1, len(blocks))) + 1) if not wide else "1fr"
            if self._sigs.get("flows-height") != height:
                self._sigs["flows-height"] = height
                flows_w.styles.height = height if wide else int(height)
            n = len(self.flows)
            title = Text(f"Flows ({n})")
            if self.follow_flow and n:
                title.append(" · following", DIM)
            flows_w.border_title = title
        f = self.flow()
        live = f is not None and f.status in ("running", "stalled")
        running = live and f is not None and any(s.status == "running" for s in f.steps)
        frame = self._frame // 2 if (self.animations and running) else -1
        sig = (_flow_sig(f), second if live else 0, self.selected_flow, self.selected_step, timeline.size.width, frame)
        if self._changed("timeline", sig, force):
            if f is None:
                timeline.set_blocks([])
                timeline.border_title = "Steps"
            else:
                blocks = timeline_blocks(f, self.now, timeline.size.width - 2, frame=frame)
                timeline.set_blocks(blocks, self.selected_step)
                timeline.border_title = flow_title(f, self.now)
        self._render_evidence(force)

    def _render_evidence(self, force: bool = False) -> None:
        ev = self.w_evidence
        f, st = self.flow(), self.step()
        # A due time counts down ("in 1m20s"): only then does the pane change with the clock.
        counting = st is not None and st.due is not None and st.status in ("running", "pending", "stalled")
        second = int(self.now.timestamp()) if (self.now and counting) else 0
        sig = (_step_sig(st), f.id if f is not None else None, self.selected_step, ev.size.width, second)
        if not force and self._sigs.get("evidence") == sig:
            return
        # Records still pouring into the same step: redraw at most twice a second.
        old = self._sigs.get("evidence")
        same_place = isinstance(old, tuple) and old[1:4] == sig[1:4]
        mono = time.monotonic()
        if same_place and not force and mono - self._evidence_drawn < 0.5:
            return
        self._sigs["evidence"] = sig
        self._evidence_drawn = mono
        ev.set_blocks(evidence_blocks(f, st, self.now, ev.size.width - 1, self.hosts), reveal=False)
        if st is not None:
            title = Text(f"Evidence: {st.title}")
            if st.evidence:
                title.append(f" ({len(st.evidence)})", DIM)
            ev.border_title = title
        else:
            ev.border_title = "Evidence"
        where = (sig[1], sig[2])
        if where != self._sigs.get("evidence-step"):
            ev.scroll_to(y=0, animate=False)
        self._sigs["evidence-step"] = where

    def _render_log(self, force: bool) -> None:
        lv = self.w_log
        q = self._active_query()
        title = Text("Merged log")
        total = len(self.log_index)
        if q is not None and self._filtered is not None:
            title.append(f" · {len(self._filtered):,} of {total:,} · filter: {safe(q.label)}")
        else:
            title.append(f" · {total:,} records")
        if self.find_text:
            title.append(f" · find: {safe(self.find_text)}")
        if lv.thread is not None:
            title.append(f" · thread {lv.thread}")
        title.append(" · following" if lv.follow else " · not following (f)", DIM)
        sig = (title.plain, force)
        if self._changed("log-title", sig, force):
            lv.border_title = title
        self._render_detail(force)

    def _render_detail(self, force: bool = False) -> None:
        lv = self.w_log
        detail = self.w_detail
        e = lv.entry
        sig = (id(e), detail.size.width, self._flows_version)
        if not self._changed("detail", sig, force):
            return
        ref = None
        rx = None
        if e is not None:
            hit = self.evidence_of(e)
            if hit is not None:
                fl, st = hit
                ref = f"{safe(fl.label or fl.id)} ({safe(fl.host)}) › {st.title}"
                rx = id_regex(flow_ids(fl))
        detail.set_blocks(detail_blocks(e, self.hosts.get(e[R_FILE], "") if e else "", detail.size.width - 1, ref, rx))

    def _render_updates(self, force: bool) -> None:
        table = self.w_updates
        f = self.flow()
        host = f.host if f is not None else (self.updates[0].host if self.updates else "")
        sig = (self._flows_version, host)
        if not self._changed("updates", sig, force):
            return
        rows = [u for u in self.updates if u.host == host]
        cursor = table.cursor_row
        table.clear()
        for u in rows:
            table.add_row(*update_cells(u), key=f"{u.host}|{u.update_id}")
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        table.border_title = Text(f"Updates on {safe(host) or '(no host yet)'} ({len(rows)})")

    def _render_files(self, force: bool) -> None:
        table = self.w_files
        sig = (self._files_version, sum(fs.entries for fs in self.files.values()))
        if not self._changed("files", sig, force):
            return
        cursor = table.cursor_row
        table.clear()
        for fs in sorted(self.files.values(), key=lambda x: (x.host, x.path)):
            table.add_row(Text(fs.state, style=_STATE_STYLE.get(fs.state, Style())), Text(safe(fs.host)),
                          Text(safe(base_of(fs.path) if fs.path != "(watcher)" else fs.path)),
                          Text(f"{fs.entries:,}"), Text(safe(fs.detail), style=DIM), key=fs.path)
        if self.files:
            table.move_cursor(row=min(cursor, len(self.files) - 1))
        table.border_title = Text(f"Files ({len(self.files)})")

    # ================================================================== evidence ↔ records

    def evidence_of(self, e: Rec) -> tuple[Flow, Step] | None:
        """The (newest) flow step this record is evidence of."""
        if self._ev_map is None:
            m: dict[tuple[str, int], tuple[str, str]] = {}
            for fl in self.flows:
                for st in fl.steps:
                    for ev in st.evidence:
                        m.setdefault((ev.file, ev.line), (fl.id, st.key))
            self._ev_map = m
        hit = self._ev_map.get((e[R_FILE], e[R_LINE]))
        if hit is None:
            return None
        flow = next((f for f in self.flows if f.id == hit[0]), None)
        if flow is None:
            return None
        step = next((s for s in flow.steps if s.key == hit[1]), None)
        return (flow, step) if step is not None else None

    @on(LogView.Jump)
    def _jump(self, event: LogView.Jump) -> None:
        hit = self.evidence_of(event.entry)
        if hit is None:
            self.notify("This record is not evidence of any step.", markup=False, timeout=3)
            return
        fl, st = hit
        self.action_view("scan")
        self.select(fl.id, st.key)
        self.w_timeline.focus()

    @on(LogView.CursorMoved)
    def _cursor_moved(self) -> None:
        if self.view == "log":
            self._render_detail()

    # ================================================================== views and panes

    def action_view(self, name: str) -> None:
        if name not in {v for v, _, _ in VIEWS}:
            return
        self.view = name
        self.w_views.current = name
        focus = {"scan": "#timeline", "log": "#logview", "updates": "#updates-table", "files": "#files-table",
                 "lookup": "#lookup-input"}[name]
        if name == "log" and not self.w_bar.has_class("-hidden"):
            focus = "#logbar"
        self.query_one(focus).focus()
        if name == "lookup":
            self._prefill_lookup()
        # Not forced: a pane whose content and size are unchanged keeps its laid-out rows, so
        # switching views costs one repaint, not a rebuild of every pane.
        self._render()

    @on(TopBar.ViewClicked)
    def _view_clicked(self, event: TopBar.ViewClicked) -> None:
        self.action_view(event.view)

    def action_pane(self, delta: int) -> None:
        if self.view != "scan":
            return
        self.query_one("#flows" if delta < 0 else "#timeline", BlockList).focus()

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    # ================================================================== pause, follow

    def _control(self, fn: Callable[[], None]) -> None:
        """A view freeze is the app's own; a source's pause/step run where the source runs."""
        if getattr(self.control, "freezes_view", False):
            fn()
        else:
            self.call_driver(fn)

    def action_pause(self) -> None:
        c = self.control
        self._control(c.resume if c.paused else c.pause)
        self._tick(force=True)

    def action_step(self) -> None:
        if self.control.paused:
            self._control(self.control.step)
            self._tick(force=True)

    def action_follow(self) -> None:
        if self.view == "log":
            lv = self.w_log
            lv.set_follow(not lv.follow)
        else:
            self.follow_flow = True
            self.follow_step = True
            self._reselect()
            self.notify("Following the current scan.", markup=False, timeout=2)
        self._render(force=True)

    # ================================================================== find, filter, errors

    def _active_query(self) -> Query | None:
        return self._query

    def _show_bar(self, mode: str, value: str, placeholder: str) -> None:
        if self.view != "log":
            self.action_view("log")
        bar = self.w_bar
        self._bar_mode = mode
        bar.placeholder = placeholder
        bar.value = value
        bar.remove_class("-hidden")
        bar.border_title = "Find" if mode == "find" else "Filter"
        bar.focus()

    def _hide_bar(self) -> None:
        bar = self.w_bar
        bar.add_class("-hidden")
        self._bar_mode = ""
        if self.view == "log":
            self.w_log.focus()

    def action_find(self) -> None:
        self._show_bar("find", self.find_text, "find text (Enter: next match; n / N afterwards)")

    def action_filter(self) -> None:
        text = self._text_filter.text if self._text_filter is not None else ""
        self._show_bar("filter", text, "words  -exclude  comp:NAME  thread:N  sev:error  file:NAME  host:NAME")

    def action_escape(self) -> None:
        bar = self.w_bar
        if not bar.has_class("-hidden"):
            self._hide_bar()
            return
        if self.view == "log" and (self._text_filter is not None or self._ids_filter is not None):
            self._text_filter = None
            self._ids_filter = None
            self._apply_filter()
            self.notify("Filter cleared.", markup=False, timeout=2)

    @on(Input.Submitted, "#logbar")
    def _bar_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self._bar_mode == "find":
            self.find_text = value
            lv = self.w_log
            lv.find = value.lower()
            lv.restyle()
            self._hide_bar()
            if value:
                self.action_find_next(1)
        elif self._bar_mode == "filter":
            try:
                q = parse_query(value, self.hosts) if value else None
            except ValueError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self._text_filter = q if q is not None and not q.empty else None
            self._hide_bar()
            self._apply_filter()
        self._render(force=True)

    def action_filter_ids(self) -> None:
        if self._ids_filter is not None:
            self._ids_filter = None
        else:
            f = self.flow()
            if f is None:
                self.notify("No flow selected.", markup=False, timeout=2)
                return
            evidence = [(e.file, e.line) for s in f.steps for e in s.evidence]
            self._ids_filter = id_filter(flow_ids(f), evidence, f"{f.label or f.id} ({f.host})")
            lv = self.w_log
            lv.ids = id_regex(flow_ids(f))
            lv.restyle()
        if self.view != "log":
            self.action_view("log")
        self._apply_filter()

    def _apply_filter(self) -> None:
        self._query = q = both(self._text_filter, self._ids_filter)
        lv = self.w_log
        if q is None:
            self._filtered = None
            if self._ids_filter is None and lv.ids is not None:
                lv.ids = None
                lv.restyle()
            lv.set_index(self.log_index)
            self._render(force=True)
            return
        self._build_filter(q)

    @work(exclusive=True, group="filter", exit_on_error=False, description="filtering the merged log")
    async def _build_filter(self, q: Query) -> None:
        self._holding = True
        try:
            src = self.log_index.items
            new = LogIndex(self.max_entries)
            out = new.items
            for i in range(0, len(src), CHUNK):
                out.extend(it for it in src[i:i + CHUNK] if q(it[2]))
                await asyncio.sleep(0)
            if self._query is not q:  # superseded by another filter meanwhile
                return
            self._filtered = new
            self.w_log.set_index(new)
        finally:
            self._holding = False
        self._render(force=True)

    def action_find_next(self, direction: int) -> None:
        if not self.find_text:
            self.action_find()
            return
        if self.view != "log":
            self.action_view("log")
        self._search(direction, self.find_text.lower())

    @work(exclusive=True, group="search", exit_on_error=False, description="finding in the merged log")
    async def _search(self, direction: int, needle: str) -> None:
        lv = self.w_log
        index = lv.index
        items = index.items
        n = len(items)
        if n == 0:
            return
        self._holding = True
        try:
            start = lv.cursor if lv.cursor >= 0 else (n - 1 if direction > 0 else 0)
            order: Iterable[int]
            if direction > 0:
                order = list(range(start + 1, n)) + list(range(0, start + 1))
            else:
                order = list(range(start - 1, -1, -1)) + list(range(n - 1, start - 1, -1))
            for count, i in enumerate(order):
                if needle in items[i][2][R_MSG].lower():
                    if lv.index is index:
                        lv.go(i, follow=False)
                        if (direction > 0 and i <= start) or (direction < 0 and i >= start):
                            self.notify("Search wrapped around.", markup=False, timeout=2)
                    return
                if count % CHUNK == CHUNK - 1:
                    await asyncio.sleep(0)
                    if lv.index is not index:
                        return
            self.notify(f"Not found: {needle}", markup=False, timeout=3)
        finally:
            self._holding = False

    def action_error(self, direction: int) -> None:
        if self.view == "scan":
            self._next_problem_step(direction)
            return
        if self.view != "log":
            self.action_view("log")
        lv = self.w_log
        index = lv.index
        errors = self.error_index.items
        if not errors or not len(index):
            self.notify("No error records.", markup=False, timeout=2)
            return
        anchor = index.anchor(lv.cursor) or (float("-inf"), 0)
        pos = self.error_index.locate(anchor)
        if direction > 0:
            if pos < len(errors) and errors[pos][:2] == anchor:
                pos += 1
            candidates: Iterable[int] = range(pos, len(errors))
        else:
            candidates = range(pos - 1, -1, -1)
        q = self._active_query() if self._filtered is not None else None
        for j in candidates:
            k, s, e = errors[j]
            if q is not None and not q(e):
                continue
            i = index.locate((k, s))
            if i < len(index) and index.items[i][1] == s:
                lv.go(i, follow=False)
                return
        self.notify("No more error records " + ("below." if direction > 0 else "above."), markup=False,
                    timeout=2)

    def _next_problem_step(self, direction: int) -> None:
        f = self.flow()
        if f is None:
            return
        bad = [s.key for s in f.steps if s.status in ("failed", "stalled", "warning")]
        if not bad:
            self.notify("No failed, stalled or warning step in this flow.", markup=False, timeout=2)
            return
        keys = [s.key for s in f.steps]
        cur = keys.index(self.selected_step) if self.selected_step in keys else -1
        ordered = [k for k in bad if (keys.index(k) > cur if direction > 0 else keys.index(k) < cur)]
        target = (ordered[0] if direction > 0 else ordered[-1]) if ordered else (bad[0] if direction > 0 else bad[-1])
        self.selected_step = target
        self.follow_step = target == default_step(f)
        self._render(force=True)

    def action_thread(self) -> None:
        lv = self.w_log
        if lv.thread is not None:
            lv.thread = None
        else:
            e = lv.entry
            if e is None or e[R_THREAD] is None:
                self.notify("This record has no thread.", markup=False, timeout=2)
                return
            lv.thread = e[R_THREAD]
        lv.restyle()
        self._render(force=True)

    # ================================================================== lookup

    def _prefill_lookup(self) -> None:
        inp = self.w_lookup_in
        if not inp.value:
            st = self.step()
            if st is not None and st.error is not None:
                inp.value = st.error.hex
        self._render_lookup(inp.value)

    @on(Input.Changed, "#lookup-input")
    def _lookup_changed(self, event: Input.Changed) -> None:
        self._render_lookup(event.value)

    def _render_lookup(self, value: str) -> None:
        self.w_lookup_out.set_blocks(lookup_blocks(value))

    # ================================================================== command palette

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Pause / resume", "Freeze the live view, or resume it", self.action_pause)
        yield SystemCommand("Follow", "Follow the current scan / the end of the merged log", self.action_follow)
        yield SystemCommand("Find in log", "Find text in the merged log", self.action_find)
        yield SystemCommand("Filter log", "Filter the merged log by text, component, thread, severity, file, host",
                            self.action_filter)
        yield SystemCommand("Filter log by flow IDs", "Only records carrying the selected flow's IDs",
                            self.action_filter_ids)
        yield SystemCommand("Next error", "Next error record (Log) or failed step (Scan)",
                            lambda: self.action_error(1))
        yield SystemCommand("Previous error", "Previous error record or failed step", lambda: self.action_error(-1))
        yield SystemCommand("Highlight thread", "Highlight the thread of the record under the cursor",
                            self.action_thread)
        for view, key, name in VIEWS:
            yield SystemCommand(f"Show {name}", f"Switch to the {name} view (key {key})",
                                (lambda v: lambda: self.action_view(v))(view))
        yield SystemCommand("Help", "Keys, panes, glyphs and colours", self.action_help)


# ====================================================================== sumtrace watch

def run_watch(args: argparse.Namespace) -> int:
    """``sumtrace watch PATH...`` without ``--jsonl``: follow live in the TUI. Returns the exit code."""
    from sumtrace.live.watcher import LiveWatcher, WatchOptions

    tracker = Tracker()
    pipeline = Pipeline(tracker, since=getattr(args, "since", None))
    # The app's refresh timer updates the tracker; the watcher's own ticker would rebuild it twice.
    options = WatchOptions(paths=list(args.paths), all_logs=getattr(args, "all_logs", False),
                           from_end=getattr(args, "from_end", False), poll=getattr(args, "poll", None),
                           update_tracker=False)
    watcher = LiveWatcher(pipeline, options)
    app = SumtraceApp(pipeline, tracker, watcher.run, mode="live", stop=watcher.stop, install_signals=True)
    app.run()
    return app.return_code or 0


# ====================================================================== replay and demo

class PlayerControl:
    """Adapter: a :class:`sumtrace.live.replay.Player` as the app's :class:`DriverControl` (pausing it
    pauses the source and its clock; the screen goes on responding)."""

    def __init__(self, player: Any, label: str = "") -> None:
        self.player = player
        self.label = label

    @property
    def paused(self) -> bool:
        return bool(self.player.paused)

    def pause(self) -> None:
        self.player.pause()

    def resume(self) -> None:
        self.player.resume()

    def step(self) -> None:
        self.player.step(1)

    def describe(self) -> str:
        speed = self.player.speed
        pace = "flat out" if not speed else f"x{speed:g}"
        parts = [p for p in (self.label, pace, f"{self.player.played:,} rec") if p]
        return " · ".join(parts)


def run_replay(args: argparse.Namespace) -> int:
    """``sumtrace replay PATH...`` without ``--jsonl``: the captured logs through the live view."""
    from sumtrace.live.replay import build_replay

    pipeline, tracker, player, errors = build_replay(list(args.paths), speed=args.speed,
                                                     max_gap=getattr(args, "max_gap", None),
                                                     all_logs=getattr(args, "all_logs", False))
    for err in errors:
        print(f"sumtrace: {err}", file=sys.stderr)
    if not player.tracks:
        print("sumtrace: nothing to replay", file=sys.stderr)
        return 2

    async def drive() -> None:
        await player.run()
        pipeline.close()  # partial last records come out as they would at the end of a live tail

    app = SumtraceApp(pipeline, tracker, drive, mode="replay", clock=player.clock.now,
                      control=PlayerControl(player), install_signals=True)
    app.run()
    return app.return_code or 0


def run_demo(demo: Any) -> int:
    """``sumtrace demo``: a writer plays scenarios into live files, a real watcher tails them."""
    app = demo_app(demo)
    app.run()
    return app.return_code or 0


def demo_app(demo: Any, **kwargs: Any) -> SumtraceApp:
    """The demo's app: its driver writes the scenario and tails it until the user quits."""
    stopping = asyncio.Event()

    demo.watcher.options.update_tracker = False  # the app's refresh timer updates the tracker

    async def drive() -> None:
        watching = asyncio.ensure_future(demo.watcher.run())
        writing = asyncio.ensure_future(demo.writer.run())
        quitting = asyncio.ensure_future(stopping.wait())
        try:
            done, _ = await asyncio.wait({writing, quitting}, return_when=asyncio.FIRST_COMPLETED)
            if writing in done:
                writing.result()  # a failing writer ends the app with its traceback
                await quitting  # the files stay followed until the user quits
        finally:
            # Quitting mid-scenario: stop writing at once rather than finish the scenario first.
            writing.cancel()
            quitting.cancel()
            demo.watcher.stop()
            await asyncio.gather(watching, writing, quitting, return_exceptions=True)

    kwargs.setdefault("install_signals", True)
    return SumtraceApp(demo.pipeline, demo.tracker, drive, mode="demo", clock=demo.now,
                       control=PlayerControl(demo.writer, "demo"), stop=stopping.set, **kwargs)
