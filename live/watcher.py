"""The async shell that follows folders and files live and drives a :class:`Pipeline`.

Division of labour: :class:`sumtrace.parsers.tail.Tail` (pure, synchronous) decides what happened to a
file, :class:`sumtrace.live.tailio.LocalFiles` does its stats and reads, and this module wires the two
together, decides *when* to look, and keeps the event loop responsive:

* Change notifications come from a watchdog ``Observer`` (inotify, ReadDirectoryChangesW,
  FSEvents) whose thread hands each event to the loop with ``call_soon_threadsafe``; an event
  only marks the follower(s) of that file dirty, and dirty followers are polled in turn.
* Polls run in a worker thread (``asyncio.to_thread``) because a read from a network share can
  block; bytes are fed to the pipeline in slices with a yield in between, and a follower that is
  still behind after a bounded read goes to the back of the queue, so one busy file cannot
  starve the others and a 100,000-line burst never holds the loop.
* Where notifications do not arrive (SMB shares, some Windows setups) a slow stat sweep notices a
  file that grew without an event; after two such sweeps that file is switched to polling at
  ``fallback_poll``. ``--poll SECONDS`` skips notifications entirely.
* The flow tracker is updated at most every ``tick`` seconds while data flows (the first update
  after a quiet spell is immediate; costly updates stretch the spacing up to ``max_tick``), and
  every ``idle_tick`` seconds otherwise so a stalled step is noticed by the wall clock.

Errors (a path that does not exist yet, permission denied, a file that vanished) are reported
once each as file events; watching goes on for everything else.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat as stat_mod
import time
import warnings
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from watchdog.events import FileSystemEvent, FileSystemEventHandler

from sumtrace.live.discovery import (
    ZIP_REFUSED,
    FolderScan,
    folder_biases,
    followable,
    history_order,
    live_hosts,
    rolled_since,
    scan_folder,
    watched_machine,
)
from sumtrace.live.pipeline import Pipeline
from sumtrace.live.tailio import LocalFiles, file_stat
from sumtrace.parsers.files import base_name, known_base, not_regular
from sumtrace.parsers.tail import READ_LIMIT, Tail

LOG_SUFFIXES = (".log", ".lo_")
MAX_INFLIGHT = 4  # polls running at once (each in a worker thread)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


# watchdog reports its own shutdown races ("queue_events() called when the thread is inactive")
# through logging; without a handler they would reach stderr through logging's last resort. What
# matters to the user is reported as file events instead.
logging.getLogger("watchdog").addHandler(logging.NullHandler())


@dataclass(slots=True)
class WatchOptions:
    """How to watch. Intervals are in seconds."""

    paths: Sequence[str]
    all_logs: bool = False
    from_end: bool = False
    poll: float | None = None  # force polling at this interval (no change notifications)
    fallback_poll: float = 1.0  # interval for files whose notifications stay silent
    sweep: float = 2.0  # stat sweep: silent files, missing paths (notification mode)
    rescan: float = 10.0  # folder walk for creations a notification missed
    tick: float = 0.1  # least time between tracker updates while data flows
    max_tick: float = 0.25  # ... stretched up to this when updates are costly
    idle_tick: float = 1.0  # tracker update period when idle (stall detection)
    min_gap: float = 0.01  # least time between two polls of one file: notifications of a
    #                        writer's many small flushes are coalesced into one read
    read_limit: int = READ_LIMIT
    use_events: bool = True  # False: no change notifications at all (tests, exotic file systems)
    update_tracker: bool = True  # False when the caller (a UI refresh timer) calls pipeline.tick itself
    bias_wait: float = 2.0  # how long a zone-less log (WindowsUpdate.log) waits for its machine's bias


@dataclass(slots=True)
class _Follower:
    path: str
    host: str
    tail: Tail
    bias: int | None = None
    polling: bool = False
    events: int = 0  # notifications since the last sweep
    silent: int = 0  # sweeps in a row that found growth no notification announced
    last_size: int | None = None  # size at the last sweep
    once: bool = False  # a rolled generation read once as history, never followed
    failed: bool = False  # an unexpected error was reported for it already
    last_poll: float = -1e9  # monotonic time the last poll started
    adopted: float = field(default_factory=time.monotonic)
    started: bool = False  # bytes were read (the parser's zone is fixed from then on)


@dataclass(slots=True)
class _Root:
    path: str
    kind: str  # "dir", "file" or "missing"
    reported: bool = False
    machine: str | None = None  # the one machine of everything under it; None: a collection (see discovery)


@dataclass(slots=True)
class _Clock:
    next_poll: float = 0.0
    next_sweep: float = 0.0
    next_rescan: float = 0.0
    last_tick: float = field(default=-1e9)


def _key(path: str) -> str:
    return os.path.normcase(os.path.abspath(path))


async def _wait_event(event: asyncio.Event, timeout: float) -> bool:
    """Wait for ``event`` at most ``timeout`` seconds.

    Not ``asyncio.wait_for``: on Python 3.10/3.11 it can swallow a cancellation that arrives as
    the event fires, which left a cancelled ticker running (and shutdown waiting on it).
    """
    if event.is_set():
        return True
    waiter = asyncio.ensure_future(event.wait())
    try:
        done, _ = await asyncio.wait({waiter}, timeout=timeout)
    finally:
        if not waiter.done():
            waiter.cancel()
    return bool(done)


def _zoneless(path: str) -> bool:
    """Logs whose records carry no zone and take their machine's bias (WindowsUpdate.log)."""
    return known_base(path) == "windowsupdate"


def _stat_many(paths: list[str]) -> list[os.stat_result | None]:
    out: list[os.stat_result | None] = []
    for p in paths:
        try:
            out.append(os.stat(p))
        except OSError:
            out.append(None)
    return out


class LiveWatcher:
    """Follows ``options.paths`` until :meth:`stop`; everything goes through ``pipeline``."""

    def __init__(self, pipeline: Pipeline, options: WatchOptions, *,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.pipeline = pipeline
        self.options = options
        self._clock = clock
        self._followers: dict[str, _Follower] = {}
        self._by_base: dict[tuple[str, str], list[_Follower]] = {}
        self._roots: list[_Root] = []
        self._biases: dict[str, int | None] = {}  # folder → the bias its logs take (zone-less logs)
        self._host_biases: dict[str, int] = {}  # host → its CMTrace logs' bias, from any of its folders
        self._refused: set[str] = set()  # paths refused at discovery (FIFO, device, .zip), reported once
        self._dirty: dict[str, None] = {}
        self._stopping = False
        self._wake: asyncio.Event | None = None
        self._data: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._observer: Any = None
        self._watched: set[str] = set()
        self._watched_failed: set[str] = set()
        self._observer_error: str | None = None
        self._times = _Clock()
        self._tasks: set[asyncio.Future[None]] = set()
        self._inflight: dict[str, asyncio.Task[None]] = {}
        self._adopting: set[str] = set()
        self._started_wall = time.time()
        self._fs = LocalFiles()
        self.ready = asyncio.Event()
        self.notifications = False

    # ------------------------------------------------------------------ public

    def stop(self) -> None:
        """Ask :meth:`run` to finish (safe from a signal handler in the loop thread)."""
        self._stopping = True
        if self._wake is not None:
            self._wake.set()

    @property
    def followed(self) -> list[str]:
        return [f.path for f in self._followers.values() if not f.once]

    def offset(self, path: str) -> int:
        f = self._followers.get(_key(path))
        return f.tail.offset if f is not None else -1

    def mode(self, path: str) -> str:
        f = self._followers.get(_key(path))
        if f is None:
            return "unknown"
        return "polling" if f.polling else "events"

    async def run(self) -> None:
        """Discover, read the history and existing content, then follow until stopped."""
        self._loop = asyncio.get_running_loop()
        self._started_wall = time.time()
        self._wake = asyncio.Event()
        self._data = asyncio.Event()
        ticker = asyncio.create_task(self._ticker() if self.options.update_tracker else self._no_ticker())
        try:
            await self._start()
            self.ready.set()
            while not self._stopping:
                self._launch_polls()
                await self._wait()
                if self._stopping:
                    break
                await self._housekeeping()
        finally:
            self._stopping = True
            self._data.set()  # the ticker sees _stopping and returns
            await asyncio.wait({ticker}, timeout=1.0)
            if not ticker.done():
                ticker.cancel()
            await self._shutdown()

    # ------------------------------------------------------------------ startup

    async def _start(self) -> None:
        opts = self.options
        forced = opts.poll is not None
        if opts.use_events and not forced:
            self._start_observer()
        for raw in opts.paths:
            path = os.path.abspath(os.path.expanduser(raw))
            if os.path.isdir(path):
                root = _Root(path, "dir")
                self._roots.append(root)
                await self._add_dir_root(root, initial=True)
            elif os.path.exists(path) or path.lower().endswith(LOG_SUFFIXES):
                root = _Root(path, "file")
                self._roots.append(root)
                await self._add_file_root(root)
            else:
                root = _Root(path, "missing")
                self._roots.append(root)
                self._report_missing_root(root)
        now = time.monotonic()
        self._times.next_sweep = now + (opts.poll if forced and opts.poll else opts.sweep)
        self._times.next_rescan = now + (opts.poll if forced and opts.poll else opts.rescan)
        self._times.next_poll = now + self._poll_interval()
        await self._catch_up()

    def _start_observer(self) -> None:
        # watchdog warns when a new subfolder's watch races its recursive re-scan; it is harmless.
        warnings.filterwarnings("ignore", message="Callback with id", category=RuntimeWarning)
        try:
            from watchdog.observers import Observer

            observer = Observer()
            observer.start()
        except Exception as exc:  # noqa: BLE001 - any failure means: poll instead
            self._observer = None
            self._observer_error = str(exc) or type(exc).__name__
            return
        self._observer = observer
        self.notifications = True

    def _schedule(self, folder: str, recursive: bool) -> bool:
        """Ask the observer for notifications in ``folder``; False means poll that folder's files."""
        key = _key(folder)
        if self._observer is None:
            if self._observer_error is not None and key not in self._watched_failed:
                self._watched_failed.add(key)
                self.pipeline.file_event(folder, "error", f"change notifications unavailable "
                                                          f"({self._observer_error}); polling every "
                                                          f"{self.options.fallback_poll:g} s")
            return False
        if key in self._watched:
            return True
        from watchdog.events import (
            DirCreatedEvent,
            DirDeletedEvent,
            DirMovedEvent,
            FileClosedEvent,
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
        )

        kinds: list[Any] = [FileCreatedEvent, FileModifiedEvent, FileMovedEvent, FileDeletedEvent,
                            FileClosedEvent, DirCreatedEvent, DirMovedEvent, DirDeletedEvent]
        try:
            self._observer.schedule(_Bridge(self), folder, recursive=recursive, event_filter=kinds)
        except (OSError, RuntimeError) as exc:
            self.pipeline.file_event(folder, "error", f"no change notifications for this folder ({exc}); "
                                                      f"polling every {self.options.fallback_poll:g} s")
            return False
        self._watched.add(key)
        return True

    async def _add_dir_root(self, root: _Root, *, initial: bool) -> None:
        opts = self.options
        scan = await asyncio.to_thread(scan_folder, root.path, opts.all_logs)
        for err in scan.errors:
            self.pipeline.file_event(root.path, "error", err)
        root.machine = watched_machine(root.path, scan)
        if not initial:  # a watched folder that was missing is there now: it is no longer "missing"
            self.pipeline.file_event(root.path, "opened", "the folder appeared; following the logs in it",
                                     host_hint=root.machine or "")
        self._report_refused(scan)
        notified = self._schedule(root.path, recursive=True)
        hosts = live_hosts(scan.current + scan.rolled, root.path, root.machine)
        await self._learn_biases(hosts)
        if not (initial and opts.from_end):  # a folder that appears later is all new content
            for path in history_order(scan.rolled):
                await self._read_history(path, hosts[path])
        for path in scan.current:
            self._follow(path, hosts[path], from_end=initial and opts.from_end,
                         polling=not notified, known=scan.stats.get(path))

    async def _add_file_root(self, root: _Root) -> None:
        path = root.path
        folder = os.path.dirname(path)
        notified = os.path.isdir(folder) and self._schedule(folder, recursive=False)
        known = await asyncio.to_thread(_stat_many, [path])
        root.machine = watched_machine(path, None)
        host = live_hosts([path], folder, root.machine)[path]
        why = not_regular(known[0]) if known[0] is not None else None
        if why:  # a FIFO or a device named on the command line: said once, never opened
            self._refused.add(_key(path))
            self.pipeline.file_event(path, "error", f"{path}: {why}", host_hint=host)
            return
        if known[0] is not None:
            await self._learn_biases({path: host})
        self._follow(path, host, from_end=self.options.from_end, polling=not notified, known=known[0])

    async def _learn_biases(self, hosts: dict[str, str]) -> None:
        """The bias each folder's logs take, and each host's (a host's logs can sit in several folders)."""
        if not hosts:
            return
        biases = await asyncio.to_thread(folder_biases, hosts)
        for path, bias in biases.items():
            folder = _key(os.path.dirname(path))
            if self._biases.get(folder) is None:  # a folder learned before its CMTrace logs came learns it now
                self._biases[folder] = bias
            if bias is not None:
                self._host_biases.setdefault(hosts[path], bias)

    def _bias_of(self, path: str, host: str) -> int | None:
        bias = self._biases.get(_key(os.path.dirname(path)))
        return bias if bias is not None else self._host_biases.get(host)

    def _report_refused(self, scan: FolderScan) -> None:
        """A FIFO, device or socket named like a log, and a .zip bundle: said once each, never followed."""
        for path, why in [*scan.refused.items(), *((z, ZIP_REFUSED) for z in scan.zips)]:
            key = _key(path)
            if key not in self._refused:
                self._refused.add(key)
                self.pipeline.file_event(path, "error", f"{path}: {why}")  # worded as the tail's errors
        # A FIFO later replaced by the real log is followed from the next rescan (it is in
        # ``scan.current`` then); one that turns into a FIFO while followed is the tail's to report.

    def _report_missing_root(self, root: _Root) -> None:
        if not root.reported:
            root.reported = True
            self.pipeline.file_event(root.path, "error", "no such file or directory; waiting for it to appear")

    async def _read_history(self, path: str, host: str) -> None:
        """A rolled generation present at start: read it once so the current scan is complete."""
        f = _Follower(path, host, Tail(path, self._fs, read_limit=self.options.read_limit),
                      self._bias_of(path, host), once=True)
        while True:
            await self._poll(f)
            if not f.tail.behind or self._stopping:
                break
        self.pipeline.flush_file(path)

    def _follow(self, path: str, host: str, *, from_end: bool, polling: bool,
                known: os.stat_result | None = None) -> _Follower:
        key = _key(path)
        existing = self._followers.get(key)
        if existing is not None:
            return existing
        tail = Tail(path, self._fs, from_end=from_end, read_limit=self.options.read_limit,
                    known=file_stat(known) if known is not None else None)
        f = _Follower(path, host, tail, self._bias_of(path, host),
                      polling=polling or self.options.poll is not None)
        self._followers[key] = f
        base = (os.path.normcase(os.path.dirname(key)), base_name(path))
        self._by_base.setdefault(base, []).append(f)
        self._mark(f)
        return f

    # ------------------------------------------------------------------ loop

    def _poll_interval(self) -> float:
        return self.options.poll if self.options.poll is not None else self.options.fallback_poll

    async def _wait(self) -> None:
        assert self._wake is not None
        if self._launchable():
            await asyncio.sleep(0)
            return
        t = self._times
        due = min(t.next_sweep, t.next_rescan)
        if any(f.polling for f in self._followers.values()):
            due = min(due, t.next_poll)
        if len(self._inflight) < MAX_INFLIGHT:
            waiting = [self._ready_at(k) for k in self._dirty if k not in self._inflight]
            if waiting:
                due = min(due, min(waiting))
        timeout = due - time.monotonic()
        if timeout > 0:
            await _wait_event(self._wake, timeout)
        self._wake.clear()

    async def _housekeeping(self) -> None:
        now = time.monotonic()
        t = self._times
        forced = self.options.poll is not None
        if now >= t.next_poll:
            t.next_poll = now + self._poll_interval()
            for f in self._followers.values():
                if f.polling:
                    self._mark(f)
        if now >= t.next_sweep:
            t.next_sweep = now + (self._poll_interval() if forced else self.options.sweep)
            await self._sweep()
        if now >= t.next_rescan:
            t.next_rescan = now + (self._poll_interval() if forced else self.options.rescan)
            await self._rescan()

    async def _sweep(self) -> None:
        """Stat every notified file: catch up on what no notification announced."""
        for root in self._roots:
            if root.kind == "missing" and os.path.isdir(root.path):
                root.kind = "dir"
                await self._add_dir_root(root, initial=False)
        fs = [f for f in self._followers.values() if not f.polling]
        stats = await asyncio.to_thread(_stat_many, [f.path for f in fs])
        for f, st in zip(fs, stats, strict=True):
            if st is None:
                if f.tail.offset or f.tail.draining:
                    self._mark(f)
            elif f.tail.stale(file_stat(st)):
                grew = f.last_size is not None and st.st_size != f.last_size
                if grew and f.events == 0:
                    f.silent += 1
                    if f.silent >= 2:
                        f.polling = True  # notifications do not reach us for this file
                self._mark(f)
            if f.events:
                f.silent = 0
            f.events = 0
            f.last_size = st.st_size if st is not None else None

    async def _rescan(self) -> None:
        """Walk the watched folders for logs created while no notification told us."""
        for root in self._roots:
            if root.kind != "dir":
                continue
            scan = await asyncio.to_thread(scan_folder, root.path, self.options.all_logs)
            self._report_refused(scan)
            for path in scan.current:
                if _key(path) not in self._followers:
                    await self._adopt(path, root, scan.stats.get(path))

    def _ready_at(self, key: str) -> float:
        """When the follower ``key`` may be polled again (``min_gap`` after its last poll)."""
        f = self._followers.get(key)
        if f is None or f.tail.behind:
            return 0.0  # a file with more to read continues at once
        return f.last_poll + self.options.min_gap

    def _launchable(self) -> bool:
        if len(self._inflight) >= MAX_INFLIGHT:
            return False
        now = time.monotonic()
        return any(k not in self._inflight and self._ready_at(k) <= now for k in self._dirty)

    def _launch_polls(self) -> None:
        """Start a poll for each dirty follower that has none in flight (at most MAX_INFLIGHT).

        One poll in flight per file keeps each file's bytes in order; several files at once
        means a file on a share that hangs does not hold up the others.
        """
        now = time.monotonic()
        for key in list(self._dirty):
            if len(self._inflight) >= MAX_INFLIGHT:
                return
            if key in self._inflight or self._ready_at(key) > now:
                continue  # stays dirty: polled once the current poll is done / the gap has passed
            del self._dirty[key]
            f = self._followers.get(key)
            if f is not None:
                f.last_poll = now
                self._inflight[key] = asyncio.create_task(self._poll_task(key, f))

    async def _poll_task(self, key: str, f: _Follower) -> None:
        try:
            await self._poll(f)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - one file's failure must not stop the others
            if not f.failed:
                f.failed = True
                self.pipeline.file_event(f.path, "error", f"internal error while reading: {exc!r}",
                                         host_hint=f.host)
        finally:
            self._inflight.pop(key, None)
            if f.tail.behind:
                self._dirty[key] = None  # back of the queue: other files get their turn first
            if self._wake is not None:
                self._wake.set()

    async def _catch_up(self) -> None:
        """Poll until nothing is dirty or in flight (the initial read of existing content)."""
        while (self._dirty or self._inflight) and not self._stopping:
            self._launch_polls()
            if self._inflight:
                await asyncio.wait(list(self._inflight.values()), return_when=asyncio.FIRST_COMPLETED)
            else:
                await asyncio.sleep(self.options.min_gap)

    async def _poll(self, f: _Follower) -> None:
        if f.bias is None and not f.started and _zoneless(f.path):
            # WindowsUpdate.log has no zone: its UTC comes from the machine's CMTrace logs. When it is
            # seen first (a folder written as we watch), wait briefly for their bias rather than
            # time its records as if this computer's zone were the client's.
            f.bias = self._bias_of(f.path, f.host)
            if f.bias is None:
                f.bias = self.pipeline.host_biases.get(f.host)
            if f.bias is None and time.monotonic() - f.adopted < self.options.bias_wait and not self._stopping:
                asyncio.get_running_loop().call_later(0.05, self._mark, f)
                return
        actions = await asyncio.to_thread(f.tail.poll)
        if actions:
            f.started = True
            await self.pipeline.apply(f.path, f.host, actions, bias=f.bias)
            if self.pipeline.needs_tick and self._data is not None:
                self._data.set()

    def _mark(self, f: _Follower) -> None:
        self._dirty[_key(f.path)] = None
        if self._wake is not None:
            self._wake.set()

    async def _no_ticker(self) -> None:
        await asyncio.Event().wait()

    async def _ticker(self) -> None:
        """Tracker updates: soon after data, else every ``idle_tick`` (stalls need the clock).

        While data flows, updates are at least ``tick`` apart, stretched up to ``max_tick`` when
        an update is costly (four times its duration), so rebuilding flows never takes more than
        about a fifth of the loop during a burst.
        """
        assert self._data is not None
        opts = self.options
        spacing = opts.tick
        while not self._stopping:
            await _wait_event(self._data, opts.idle_tick)
            if self._stopping:
                return
            self._data.clear()
            gap = time.monotonic() - self._times.last_tick
            if gap < spacing:
                await asyncio.sleep(spacing - gap)
            started = time.monotonic()
            self._times.last_tick = started
            self.pipeline.tick(self._clock())
            cost = time.monotonic() - started
            spacing = min(max(opts.tick, 4 * cost), max(opts.tick, opts.max_tick))

    # ------------------------------------------------------------------ notifications

    def notify(self, kind: str, src: str, dest: str, is_dir: bool) -> None:
        """A change notification (in the loop thread): mark the followers it concerns."""
        if self._stopping:
            return
        for path in (src, dest):
            if not path:
                continue
            if is_dir:
                if kind in ("created", "moved") and path == (dest or src) and os.path.isdir(path):
                    root = self._root_of(path)
                    if root is not None:
                        self._spawn(self._adopt_folder(path, root))
                continue
            name = os.path.basename(path)
            base = (os.path.normcase(os.path.dirname(_key(path))), base_name(name))
            fs = self._by_base.get(base)
            if fs:
                for f in fs:
                    f.events += 1
                    self._mark(f)
            elif kind != "deleted" and followable(name, self.options.all_logs):
                root = self._root_of(path)
                if root is not None:
                    try:
                        st = os.stat(path)  # a local folder with notifications: cheap
                    except OSError:
                        continue
                    if stat_mod.S_ISREG(st.st_mode):
                        self._spawn(self._adopt(path, root, st))

    def _root_of(self, path: str) -> _Root | None:
        key = _key(path)
        for root in self._roots:
            if root.kind == "dir":
                rk = _key(root.path).rstrip("\\/") + os.sep  # right for "C:\\" and "/" roots too
                if key.startswith(rk):
                    return root
        return None

    def _host_for(self, paths: list[str], root: _Root) -> dict[str, str]:
        """Hosts for logs that appeared under ``root`` (the files followed so far keep theirs)."""
        folders = {os.path.normcase(os.path.dirname(_key(p))) for p in paths}
        known = {f.path: f.host for f in self._followers.values()
                 if os.path.normcase(os.path.dirname(_key(f.path))) in folders}
        return live_hosts(paths, root.path, root.machine, known=known)

    async def _adopt_folder(self, folder: str, root: _Root) -> None:
        """A subfolder appeared (a new machine's logs): follow what is already in it."""
        scan = await asyncio.to_thread(scan_folder, folder, self.options.all_logs)
        self._report_refused(scan)
        if scan.current:
            await self._learn_biases(self._host_for(scan.current, root))
        for path in scan.current:
            await self._adopt(path, root, scan.stats.get(path))

    async def _adopt(self, path: str, root: _Root, known: os.stat_result | None) -> None:
        """Follow a log that appeared while watching, after its own rotated generations, if any.

        A new log can be created and rotated before we first look at it (a burst right after a
        component's first start, or between two polls of a share); the generations rotated since
        the watch began are read once first, so none of its lines is skipped.
        """
        key = _key(path)
        if key in self._followers or key in self._adopting:
            return
        self._adopting.add(key)
        try:
            host = self._host_for([path], root)[path]
            rolled = await asyncio.to_thread(rolled_since, path, self._started_wall, known)
            for old in rolled:
                await self._read_history(old, host)
            self._follow(path, host, from_end=False, polling=_key(root.path) not in self._watched, known=known)
        finally:
            self._adopting.discard(key)

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # ------------------------------------------------------------------ shutdown

    async def _shutdown(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self._inflight:  # let reads finish (a read in a thread cannot be cancelled anyway)
            await asyncio.wait(list(self._inflight.values()), timeout=2.0)
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            await asyncio.to_thread(observer.join, 2.0)
        self.pipeline.close()
        if self.options.update_tracker:
            self.pipeline.tick(self._clock())


class _Bridge(FileSystemEventHandler):
    """watchdog handler living in the observer thread: forwards events into the loop."""

    def __init__(self, watcher: LiveWatcher) -> None:
        super().__init__()
        self._watcher = watcher
        loop = watcher._loop
        assert loop is not None
        self._loop = loop

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            self._loop.call_soon_threadsafe(self._watcher.notify, str(event.event_type),
                                            os.fsdecode(event.src_path or ""),
                                            os.fsdecode(getattr(event, "dest_path", "") or ""),
                                            bool(event.is_directory))
        except RuntimeError:  # the loop closed while the observer was stopping
            pass
