"""The sumtrace TUI: where is this client's scan right now, what broke, what to check next.

The app holds the driver and the data; the views draw it. Data flows one way. A *driver*
(``LiveWatcher.run`` live, a replay ``Player.run`` in a replay; see :mod:`sumtrace.live.control`)
feeds the :class:`~sumtrace.live.pipeline.Pipeline` in its own thread and event loop
(``threaded=True``, the default), so parsing 20,000 lines a second never queues in front of a key.
The app's pipeline subscriber only appends what arrives to an inbox under a lock. A timer
(``refresh_hz``, 8 Hz by default) does everything else at once, in the UI thread: takes the inbox,
merges the records into the merged log, asks the driver's loop to update the tracker at
``clock()`` when something changed (or a second passed, so waits turn into stalls), reads the
flows the tracker published into :class:`~sumtrace.tui.state.AppState`, and asks the view on
screen to redraw what changed. Nothing repaints per line. Pause, step and stop go to the
driver's loop too (:meth:`SumtraceApp.call_driver`).

Where things are: the views (Scan, Log, Updates, Files, Lookup) are one module each, listed in
:mod:`sumtrace.tui.views` and arranged by :class:`~sumtrace.tui.screen.MainScreen`; every key is
in :mod:`sumtrace.tui.keys` (the user's ``keymap.toml`` is read by :mod:`sumtrace.tui.keymap`), and
keys typed faster than the screen follows are routed by :meth:`SumtraceApp.on_event` with
:mod:`sumtrace.tui.keygate`, so none lands on a widget that was about to lose the focus.
Entry points: :func:`run_watch` (``sumtrace watch``), :func:`run_demo`; ``sumtrace replay`` builds
its app in :func:`sumtrace.tui.cmd_replay.replay_app`.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.actions import SkipAction
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from sumtrace.flows.escape import one_line
from sumtrace.flows.model import Flow, Step
from sumtrace.flows.tracker import Tracker
from sumtrace.live.control import Clock, Driver, DriverControl, ViewFreeze, wall_clock
from sumtrace.live.pipeline import Batch, FileEvent, Pipeline
from sumtrace.live.signals import install_stop_signals
from sumtrace.parsers.entry import Entry
from sumtrace.tui.export import timeline_text, write_export
from sumtrace.tui.keygate import FORWARD_LIMIT, HOLD_LIMIT, KeyGate, app_may_take
from sumtrace.tui.keymap import Keymap, read_keymap
from sumtrace.tui.keys import (
    app_bindings,
    conflicts,
    help_sections,
    key_label,
    key_table,
    keys_label,
    keys_of,
)
from sumtrace.tui.render import (
    ANNOUNCE_STYLE,
    DIM,
    file_state_style,
    glyph,
    hms,
    host_label,
    safe,
    style_status,
)
from sumtrace.tui.screen import MainScreen
from sumtrace.tui.state import AppState, Mode
from sumtrace.tui.view_base import View
from sumtrace.tui.views import VIEWS, views_css
from sumtrace.tui.widgets import HelpScreen

__all__ = ["PlayerControl", "SumtraceApp", "demo_app", "run_demo", "run_watch"]

DEFAULT_MAX_ENTRIES = 1_000_000
MERGE_BUDGET = 0.03  # seconds of merging per turn of the UI loop (see SumtraceApp._merge_pending)
MERGE_SLICE = 1000  # records per merge step
MERGE_PAUSE = 0.01  # seconds between budgeted merge turns, for keys and timers to run


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

    # Everything view-specific comes from the registry: the views, their stylesheets, their keys.
    VIEW_CLASSES: ClassVar[tuple[type[View], ...]] = VIEWS
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: Textual reads it relative to a subclass's module
    CSS = views_css(VIEW_CLASSES)
    TITLE = "sumtrace"
    KEY_TABLE = key_table(VIEW_CLASSES)
    BINDINGS: ClassVar[list[BindingType]] = app_bindings(KEY_TABLE)

    main: MainScreen
    """The screen the views live on (made by :meth:`get_default_screen`)."""

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
        self.state = AppState(mode=mode, now=clock(), max_entries=cap, animations=animations)
        self._pending: list[Entry] = []
        self._merge_queued = False
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
        self._flows_src: object = None
        self._last_build = 0.0
        self._mounted = False
        self.gc_freeze = gc_freeze
        self.refreshes = 0
        self.refresh_seconds = 0.0
        # The user's keys, read once at start (applied, and any complaint shown, once mounted).
        self._key_specs = {spec.id: spec for spec in self.KEY_TABLE}
        self._gate = KeyGate()
        self._interrupted = -10.0  # when Ctrl+C was last pressed (monotonic): twice quits
        self.keymap: Keymap = read_keymap({s.id for s in self.KEY_TABLE if s.rebindable})
        self.keymap.problems.extend(conflicts(self.KEY_TABLE, self.keymap.keys))
        self.state.key_names = {s.id: keys_label(s, self.keymap.keys, " / ") for s in self.KEY_TABLE}
        self._unsubscribe = pipeline.subscribe(self._on_batch)
        if theme is None:
            # The terminal's own 16 colours by default (no truecolor assumption; right over SSH).
            # Under NO_COLOR, Textual (which decided its filter above, for its default theme)
            # renders a truecolor theme in grey levels; an ANSI theme would come out black on black.
            theme = os.environ.get("SUMTRACE_THEME") or ("textual-dark" if self.no_color else "ansi-dark")
        self._theme_name = theme

    # ================================================================== the state, for callers outside tui/

    @property
    def flows(self) -> list[Flow]:
        return self.state.flows

    def current_scan(self) -> Flow | None:
        return self.state.current_scan()

    def flow(self) -> Flow | None:
        return self.state.flow()

    def step(self) -> Step | None:
        return self.state.step()

    @property
    def view(self) -> str:
        """The name of the view on screen (``scan``, ``log``, ...)."""
        return self.main.current.NAME

    # ================================================================== layout

    def get_default_screen(self) -> Screen[Any]:
        """The main screen, with the view keys as the user has them (the keymap was read in ``__init__``)."""
        views = self.VIEW_CLASSES
        view_keys = [key_label(keys_of(self._key_specs[f"view_{v.NAME}"], self.keymap.keys)[0]) for v in views]
        self.main = MainScreen(self.state, views, view_keys, self._start)
        return self.main

    def on_mount(self) -> None:
        try:
            self.theme = self._theme_name
        except Exception:  # noqa: BLE001 - an unknown theme name from the environment
            self.theme = "ansi-dark"
        self._apply_keymap()

    def _start(self) -> None:
        """Once the main screen and its views are mounted: first refresh, the timer, the driver."""
        self._mounted = True
        self.main.current.focus_default()
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
        # Whatever ended the app (quit, an exception, a test failing inside run_test), the driver
        # must stop too: its thread would otherwise keep the process alive.
        # A worker Textual cancelled first is no longer "running", but its thread's loop may be:
        # stop it all the same (the demo hung at exit that way).
        if self._stop is not None and (self.driver_running or self.driver_thread_alive):
            self.call_driver(self._stop)

    def on_resize(self) -> None:
        if not self._mounted:
            return
        for view in self.main.views.values():
            view.invalidate()
        self._tick(force=True)

    # ================================================================== keys

    def _apply_keymap(self) -> None:
        """Hand the user's keys to Textual and the key bar; say once what was wrong with the file."""
        km = self.keymap
        if km.keys:
            self.set_keymap(km.keys)
        if km.message:
            self.notify(km.message, title="Keymap", severity="warning", markup=False, timeout=12)
        self._render_keybar()

    def _render_keybar(self) -> None:
        """The footer's keys, each toggle labelled with its state now (``p Resume`` while paused,
        ``f Follow: off``); redrawn only when a label changes."""
        labels: dict[str, str] = {}
        if self.control.paused:
            labels["pause"] = "Resume"
        if self._mounted:
            labels["follow"] = "Follow: on" if self.main.current.following() else "Follow: off"
        shown = [s for s in self.KEY_TABLE if s.show]
        items = [(self._key_display(s.id), labels.get(s.id, s.description), self._binding_action(s.id))
                 for s in shown]
        palette = self._key_specs["palette"]
        self.main.keybar.set_keys(items, (self._key_display("palette"), "palette", palette.action))

    def _key_display(self, binding_id: str) -> str:
        """The footer's spelling of a binding's first key (Textual's: ``^p``), the user's key if rebound."""
        spec = self._key_specs[binding_id]
        key = keys_of(spec, self.keymap.keys)[0]
        display = spec.display if binding_id not in self.keymap.keys else ""
        return display or self.get_key_display(Binding(key, spec.action))

    def _binding_action(self, binding_id: str) -> str:
        spec = self._key_specs[binding_id]
        return f"key('{spec.id}')" if spec.where == "view" else spec.action

    async def action_key(self, binding_id: str) -> None:
        """A view key: run it on the view on screen if it applies there, else where it leads (``reach``).

        A key that applies nowhere here (``←`` outside the Scan view, Esc with nothing to leave)
        is skipped, so it goes on to the focused widget (a table's own ``←``).
        """
        spec = self._key_specs.get(binding_id)
        if spec is None:
            raise SkipAction()
        view: View | None = self.main.current
        if spec.views and view is not None and view.NAME not in spec.views:
            view = self._show(spec.reach) if spec.reach else None
        if view is None or not await self.run_action(spec.action, view):
            raise SkipAction()
        self._render_topbar()

    # ------------------------------------------------------------------ routing keys (see tui/keygate.py)

    async def on_event(self, event: events.Event) -> None:
        """Keys and pastes from the terminal: held while an action's effects are pending, else routed."""
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded and self._mounted:
            if self._gate.holding:
                self._gate.held.append(event)
                return
            await self._route(event)
            return
        await super().on_event(event)

    async def _route(self, event: events.Key | events.Paste) -> None:
        """Textual's routing (priority bindings, then the focused widget), then hold what follows
        if an app key acted (its focus change is one callback away) or Enter submitted an input."""
        gate = self._gate
        focused = self.focused
        gate.arriving = event if isinstance(event, events.Key) else None
        gate.acted = False
        try:
            await super().on_event(event)
        finally:
            gate.arriving = None
        if gate.acted:
            self.call_later(self._release_keys, gate.hold())
        elif isinstance(event, events.Key) and event.key == "enter" and isinstance(focused, Input):
            hold = gate.hold(until_submitted=True)
            self.set_timer(HOLD_LIMIT, partial(self._release_keys, hold))
        elif isinstance(event, events.Key) and not isinstance(focused, Input):
            # Sent on to the focused widget (or the screen): an app key behind it must not act
            # first ('k k m' marked the row before the list moved). Held until the widget has
            # handled it, or, if it bubbles, until the app's own handler has seen it (on_key).
            target = focused or self.screen
            hold = gate.hold()
            gate.in_flight = event
            target.call_later(self._forwarded_handled, event, hold)
            self.set_timer(FORWARD_LIMIT, partial(self._release_keys, hold))

    async def _release_keys(self, hold: int | None = None) -> None:
        """Route the held keys, in order, to wherever the focus is now (until one holds again).
        ``hold`` names the hold this release ends (None: whichever is on)."""
        gate = self._gate
        if not gate.holding or (hold is not None and hold != gate.generation):
            return
        gate.release()
        while gate.held and not gate.holding:
            await self._route(gate.held.popleft())

    async def _forwarded_handled(self, event: events.Key, hold: int) -> None:
        """The widget a key was sent to has handled it: release the keys behind it, unless the key
        goes on bubbling (then :meth:`on_key` releases them once the app has seen it)."""
        if self._gate.in_flight is event and event._stop_propagation:
            await self._release_keys(hold)

    async def on_key(self, event: events.Key) -> None:
        """A key that bubbled up to the app has been handled by the bindings of the focus chain
        (Textual runs them in the app's ``_on_key``, just before this): the keys behind it go on."""
        if self._gate.in_flight is event:
            self.call_later(self._release_keys, self._gate.generation)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """An input's submission was handled (it bubbled up here): the keys typed after Enter go on."""
        if self._gate.awaiting_submit:
            self.call_later(self._release_keys, self._gate.generation)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """An arriving key's app binding acts unless an input or a dialog keeps the key (keygate)."""
        key = self._gate.arriving
        if key is None:
            return True
        dialog = self.screen is not self.main
        if not app_may_take(key, self.focused, dialog=dialog):
            return False
        self._gate.acted = True
        return True

    async def action_interrupt(self) -> None:
        """Ctrl+C: quit when pressed twice within 3 s; the first press says so (a stray Ctrl+C
        must not end a watch)."""
        now = time.monotonic()
        if now - self._interrupted <= 3.0:
            await self.action_quit()
            return
        self._interrupted = now
        quit_keys = keys_label(self._key_specs["quit"], self.keymap.keys, " or ")
        self.notify(f"Press Ctrl+C again to quit ({quit_keys} quits at once).", title="Quit?", markup=False,
                    timeout=3)

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

    @property
    def driver_thread_alive(self) -> bool:
        """The driver's own loop still runs, whatever Textual thinks of its worker: a thread worker
        that Textual cancelled (at exit, on an error) keeps running its loop until told to stop."""
        loop = self._driver_loop
        return self.threaded and not self.driver_done and loop is not None and not loop.is_closed()

    def call_driver(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn(*args)`` where the driver runs: in its loop when threaded and alive, else here."""
        if self.threaded and (self.driver_running or self.driver_thread_alive):
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
        if event.worker.group == "driver" and event.state == WorkerState.SUCCESS:
            self.driver_done = True

    def _signals(self) -> None:
        # The same stop signals as the headless commands (SIGINT sent from outside too: Ctrl+C
        # itself arrives as a key in the terminal's raw mode).
        install_stop_signals(self._hangup)
        self.set_interval(5.0, self._check_tty, name="tty-check")

    def _hangup(self) -> None:
        """SIGHUP (the terminal went away), SIGTERM or SIGINT: stop the driver and exit, quietly."""
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
        state = self.state
        for path, host, n in counts:
            state.count_records(path, host, n)
        for fe in files:
            state.file_event(fe)
        if entries:
            self._pending.extend(entries)
            over = len(self._pending) - self.max_entries
            if over > self.max_entries // 10:  # paused for a long time: keep the newest
                del self._pending[:over]
                self.pending_lost += over

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
            if not self.state.holding:
                self._merge_pending()
            self._pull_tracker()
        if self.animations:
            self.state.frame += 1
        self._render(force=force)
        self.refreshes += 1
        self.refresh_seconds += time.perf_counter() - t0

    def _merge_pending(self) -> None:
        """Merge what arrived into the merged log, in slices, for at most ``MERGE_BUDGET`` seconds:
        a replay delivers thousands of records per refresh, and merging them all at once held a key
        press for 150 ms and more. What is left is merged by :meth:`_merge_more` once the keys
        queued meanwhile have run (``MERGE_PAUSE`` later, or by the next refresh)."""
        pending = self._pending
        if not pending:
            return
        deadline = time.perf_counter() + MERGE_BUDGET
        done = 0
        while done < len(pending):
            chunk = pending[done:done + MERGE_SLICE]
            done += len(chunk)
            items = self.state.merge(chunk)
            for view in self.main.views.values():
                view.records_added(items)
            if time.perf_counter() > deadline:
                break
        del pending[:done]
        if pending and not self._merge_queued:
            # A timer, not call_later: a callback re-posted to the app's own queue keeps the queue
            # never empty, and Textual then never yields to the event loop (keys from the
            # terminal, timers and workers waited seconds behind a replay's merge).
            self._merge_queued = True
            self.set_timer(MERGE_PAUSE, self._merge_more, name="merge")

    def _merge_more(self) -> None:
        """The rest of a budgeted merge, after the messages (keys) that queued while it ran."""
        self._merge_queued = False
        if self._pending and not self.state.holding and not (
                getattr(self.control, "freezes_view", False) and self.control.paused):
            self._merge_pending()  # drawn by the next refresh: a repaint per merge turn cost more than the merge

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
        state = self.state
        state.now = now
        src = self.tracker.flows
        if src is not self._flows_src:
            self._flows_src = src
            state.set_flows(src, self.tracker.updates)
            if state.replaced is not None:
                gone, stand_in = state.replaced
                state.replaced = None
                self.notify(f"The selected flow {gone} was merged or removed; showing "
                            f"{stand_in or 'nothing'} instead.", markup=False, timeout=4)

    # ================================================================== drawing

    def _render(self, force: bool = False) -> None:
        state = self.state
        if self.main.current.NAME == "scan":
            state.mark_seen(state.selected_flow)  # on screen: seen
        self._render_topbar()
        self._render_keybar()
        self.main.current.refresh_view(force)
        news = state.take_news()
        if news:
            self._announce(news)

    def _announce(self, news: list[Flow]) -> None:
        """A failure or stall appeared that nobody is looking at: one notification per refresh."""
        failed = any(f.status == "failed" for f in news)
        lines = []
        for f in news[:3]:
            st = f.current
            what = f"{glyph(f.status)} {safe(f.label or f.id)} on {safe(host_label(f))}: {f.status}"
            if st is not None:
                what += f" at {st.title}"
                if st.error is not None:
                    what += f" ({st.error.hex})"
            lines.append(what)
        if len(news) > 3:
            lines.append(f"… and {len(news) - 3} more")
        if self.main.current.NAME != "scan":
            lines.append(f"{self.state.key('view_scan')}: the Scan view shows {'it' if len(news) == 1 else 'them'}")
        kind = "failure" if failed and all(f.status == "failed" for f in news) else (
            "stall" if not failed else "failure or stall")
        title = f"New {kind}" if len(news) == 1 else f"{len(news)} new failures and stalls"
        self.notify("\n".join(lines), title=title, severity="error" if failed else "warning", markup=False,
                    timeout=10)

    def _render_topbar(self) -> None:
        """The state line: (priority, text) parts; the bar drops the least important when narrow."""
        state = self.state
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
        for fs in state.files.values():
            states[fs.state] = states.get(fs.state, 0) + 1
        nfiles = sum(v for k, v in states.items() if k in ("live", "replay", "rotated", "truncated"))
        parts.append((4, Text(f"{nfiles} file{'s' if nfiles != 1 else ''}")))
        for fstate in ("rotated", "truncated", "missing", "error"):
            if states.get(fstate):
                parts.append((8, Text(f"{states[fstate]} {fstate}", file_state_style(fstate))))
        parts.append((2, Text(f"{_compact(len(state.log_index))} lines")))
        new = len(self._pending) if (paused and getattr(self.control, "freezes_view", False)) else 0
        new += sum(view.unseen() for view in self.main.views.values())
        if new:
            parts.append((8, Text(f" +{_compact(new)} new ", Style(reverse=True, bold=True))))
        if self.pending_lost:
            parts.append((8, Text(f"{_compact(self.pending_lost)} dropped", style_status("failed"))))
        if state.unseen:
            counts: dict[str, int] = {}
            for status in state.unseen.values():
                counts[status] = counts.get(status, 0) + 1
            news = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
            parts.append((9, Text(f" ! new: {news} ", ANNOUNCE_STYLE)))
        replayed = state.mode != "live"
        if replayed and state.zone_unknown_seen and not state.zone_known_seen:
            parts.append((5, Text(f"{hms(state.now)} zone?")))  # the records' local time, zone unknown
        else:
            parts.append((5, Text(f"{hms(state.now)}Z")))
        self.main.topbar.set_state(self.main.current.NAME, parts)

    # ================================================================== views

    def _show(self, name: str) -> View | None:
        view = self.main.show(name)
        if view is not None:
            # Not forced: a pane whose content and size are unchanged keeps its laid-out rows, so
            # switching views costs one repaint, not a rebuild of every pane.
            self._render()
        return view

    def action_view(self, name: str) -> None:
        """``1``-``5``: show a view."""
        self._show(name)

    def on_view_show(self, event: View.Show) -> None:
        self._show(event.view)

    def action_help(self) -> None:
        """F1: the keys as the user has them (keymap applied), with their ids for ``keymap.toml``."""
        if not isinstance(self.screen, HelpScreen):
            closing = self._key_specs["close_help"]
            titles = {v.NAME: v.TITLE for v in self.VIEW_CLASSES}
            self.push_screen(HelpScreen(help_sections(self.KEY_TABLE, self.keymap.keys, titles),
                                        keys_label(closing, self.keymap.keys, ", ")))

    # ================================================================== copy, export

    def action_copy(self) -> None:
        """``c``: the view's selection to the clipboard (OSC 52: the terminal's, over SSH too)."""
        got = self.main.current.copy_text()
        if got is None:
            self.notify("Nothing selected to copy here.", markup=False, timeout=3)
            return
        self._to_clipboard(*got)

    def action_copy_flow(self) -> None:
        """``C``: the selected flow's whole timeline to the clipboard."""
        f = self.state.flow()
        if f is None:
            self.notify("No flow selected.", markup=False, timeout=3)
            return
        self._to_clipboard(f"the timeline of {f.label or f.id}", timeline_text(f, self.state.now))

    def _to_clipboard(self, what: str, text: str) -> None:
        self.copy_to_clipboard(text)
        lines = text.count("\n") + 1
        self.notify(f"Copied {safe(what)} ({lines} line{'s' if lines != 1 else ''}) to the clipboard. Over SSH "
                    "the terminal must allow OSC 52 clipboard writes.", markup=False, timeout=4)

    def action_export(self) -> None:
        """``w``: the selected flow as Markdown (``report --markdown``'s text) to a file; says where."""
        f = self.state.flow()
        if f is None:
            self.notify("No flow selected.", markup=False, timeout=3)
            return
        directory = Path(os.environ.get("SUMTRACE_EXPORT_DIR") or os.getcwd())
        try:
            path = write_export(f, directory)
        except OSError as exc:
            self.notify(f"Could not write the Markdown to {one_line(str(directory))}: {one_line(str(exc))}",
                        title="Export", severity="error", markup=False, timeout=8)
            return
        self.notify(f"Wrote {safe(f.label or f.id)} as Markdown to {one_line(str(path.resolve()))}",
                    title="Export", markup=False, timeout=8)

    # ================================================================== pause, step

    def _control(self, fn: Callable[[], None]) -> None:
        """A view freeze is the app's own; a source's pause/step run where the source runs."""
        if getattr(self.control, "freezes_view", False):
            fn()
        else:
            self.call_driver(fn)

    def action_pause(self) -> None:
        """``p``: live, freeze the screen (the tail goes on); replay or demo, pause the source itself."""
        c = self.control
        self._control(c.resume if c.paused else c.pause)
        self._tick(force=True)

    def action_step(self) -> None:
        """``s`` while paused: live, show what has arrived once; replay, play one record."""
        if self.control.paused:
            self._control(self.control.step)
            self._tick(force=True)

    # ================================================================== command palette

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands, then every key of the table that has a palette title (same action as the key)."""
        yield from super().get_system_commands(screen)
        for spec in self.KEY_TABLE:
            if spec.palette:
                action = self._binding_action(spec.id)
                yield SystemCommand(spec.palette, spec.help[:1].upper() + spec.help[1:],
                                    (lambda a: lambda: self.run_action(a))(action))


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
