"""Replaying captured logs, and the demo that writes a scenario as live files.

Both walk the records of many files in UTC order (a streaming merge of per-file byte spans) and
hand each record's *bytes* to a sink, paced by the records' own timestamps:

- ``sumtrace replay``: the sink is :meth:`Pipeline.feed`, so captured logs take exactly the road a
  live tail's bytes take;
- ``sumtrace demo``: the sink appends to real files in a temporary folder (with rotation), and a
  :class:`~sumtrace.live.watcher.LiveWatcher` tails them, so the demo exercises the real tail path.

The :class:`ReplayClock` is the tracker's "now" in both: it follows the data and, while paced,
advances with wall time × speed, so stall detection behaves as it did when the logs were written.
"""

from __future__ import annotations

import asyncio
import heapq
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sumtrace.flows.tracker import Tracker
from sumtrace.live.pipeline import Pipeline
from sumtrace.parsers.entry import Entry
from sumtrace.parsers.files import LogSource, discover
from sumtrace.parsers.stream import RecordParser

UTC = timezone.utc
Sink = Callable[["Track", bytes], None]
ErrorHook = Callable[["Track", str], None]
# A track is read in chunks this size: the merge keeps one parsed chunk per track ahead of the
# clock, so this bounds what a bundle of thousands of files holds before its first record plays.
TRACK_CHUNK = 64 * 1024


@dataclass(slots=True)
class Track:
    """One file to play: where its bytes come from and where they belong."""

    path: str
    host: str
    bias: int | None
    chunks: Callable[[], Iterator[bytes]]

    @classmethod
    def of(cls, src: LogSource) -> Track:
        return cls(src.path, src.host_hint, src.bias, lambda: src.chunks(TRACK_CHUNK))

    @classmethod
    def of_bytes(cls, path: str, host: str, data: bytes) -> Track:
        return cls(path, host, None, lambda: iter([data]))


_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
Played = tuple[datetime, int, int, int, int, Entry]


def _records(track: Track, index: int = 0) -> Iterator[Played]:
    """A track's records from a parse of its own, in file order: (sort time, track index, record
    number, start, end, entry). The first three make the merge key unique, so entries are never
    compared, and heapq needs no key function.

    The byte ranges tile the file (as :func:`sumtrace.parsers.merge.record_entries` makes them:
    the first starts at 0, each ends where the next begins, the last is open, -1), and a record
    without a time sorts with the one before it. One generator per track, not a chain of them: a
    flat-out replay pays this per record.

    A read error ends the track: the record it cut comes out (unparsed, as at the end of a tail),
    then the error is raised to the caller, which ends this track only.
    """
    parser = RecordParser(track.path, host_bias=track.bias)
    last = held_time = _EPOCH
    n = start = 0
    held: Entry | None = None  # the previous record: its end is where the next one starts
    error: OSError | None = None
    chunks = track.chunks()
    while True:
        try:
            chunk = next(chunks, None)
        except OSError as exc:
            error, chunk = exc, None
        entries = parser.feed(chunk) if chunk is not None else parser.flush()
        for e in entries:
            if held is not None:
                yield held_time, index, n, start, e.offset, held
                n += 1
                start = e.offset
            if e.utc is not None:
                last = e.utc
            held, held_time = e, last
        if chunk is None:
            break
    if held is not None:
        yield held_time, index, n, start, -1, held
    if error is not None:
        raise error


def read_error(track: Track, exc: OSError) -> str:
    """The one-line reason a track could not be read on (no traceback: the others go on)."""
    return f"{track.path}: {exc.strerror or exc}"


class _Reader:
    """Sequential byte ranges of a track, pulling chunks only as far as needed.

    ``_buf[_at:]`` holds the bytes from file offset ``_pos`` on. A read returns a slice and moves
    ``_at``; the consumed prefix is dropped only when a chunk is appended, so each byte is copied a
    bounded number of times (cutting the rest off per record copied the whole chunk per record).
    A read error ends the track's bytes (what was read is still returned).
    """

    def __init__(self, track: Track) -> None:
        self._chunks = track.chunks()
        self._buf = b""
        self._at = 0
        self._pos = 0

    def _more(self) -> bool:
        try:
            chunk = next(self._chunks, None)
        except OSError:
            chunk = None
        if chunk is None:
            self._chunks = iter(())
            return False
        self._buf = self._buf[self._at:] + chunk
        self._pos += self._at
        self._at = 0
        return True

    def read(self, start: int, end: int) -> bytes:
        while (end == -1 or self._pos + len(self._buf) < end) and self._more():
            pass
        lo = max(self._at, start - self._pos)
        hi = len(self._buf) if end == -1 else min(len(self._buf), end - self._pos)
        data = self._buf[lo:hi] if hi > lo else b""
        self._at = max(self._at, hi)
        return data


class ReplayClock:
    """Log time: jumps to each record's time as it is played and, when paced, runs at ``speed``."""

    def __init__(self, speed: float | None = None, *, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.speed = speed
        self._monotonic = monotonic
        self._at: datetime | None = None
        self._last: datetime | None = None
        self._wall = monotonic()
        self.paused = False

    def now(self) -> datetime:
        if self._at is None:
            return datetime.now(UTC)
        if self.paused or not self.speed:
            return self._at
        return self._at + timedelta(seconds=(self._monotonic() - self._wall) * self.speed)

    def reach(self, when: datetime) -> None:
        """A record of time ``when`` was just played: the clock is at least there now.

        Called per record: unpaced, the clock is just the newest time played (no wall clock read).
        """
        at = self._at
        if at is None:
            at = when
        elif self.speed and not self.paused:
            at = self.now()
        self._at = when if when > at else at
        last = self._last
        if last is None or when > last:
            self._last = when
        if self.speed:
            self._wall = self._monotonic()

    def settle(self) -> None:
        """The data has ended: time stops at the newest record, as "now" does for a report."""
        if self._last is not None:
            self._at = self._last
        self.speed = None

    def freeze(self, paused: bool) -> None:
        if self._at is not None:
            self._at = self.now()
            self._wall = self._monotonic()
        self.paused = paused


class Player:
    """Plays tracks' records in UTC order into a sink: as fast as possible, or paced.

    ``speed`` None plays flat out (yielding to the event loop every ``batch`` records, and
    sleeping ``breathe`` times the batch's time if set); a number
    paces by the records' timestamps (1 = real time, 60 = a minute per second). ``max_gap`` (wall
    seconds) caps a silence so a 15-minute state message cycle does not stall a demo.
    Pause, resume and step are the keys' commands; :meth:`stop` ends the run for good (the reader
    of a ``--jsonl`` stream went away); ``on_record`` lets a caller tick the tracker.

    A track that cannot be read on (vanished, unreadable, a damaged zip member) ends there: what it
    had played stays, ``on_error(track, message)`` is told (the sink's ``failed`` too, if it has
    one), the message is kept in :attr:`errors`, and the other tracks play on.

    A sink may have ``record(track, size, entry)`` (it takes the entry the player's own parse made,
    so the bytes are never read twice) and ``flush()`` (it may hold records until then: the player
    flushes before every wait, every ``batch`` records, and at the end).
    """

    def __init__(self, tracks: list[Track], sink: Sink, *, speed: float | None = None,
                 max_gap: float | None = None, batch: int = 2000,
                 on_record: Callable[[datetime], None] | None = None,
                 on_error: ErrorHook | None = None) -> None:
        self.tracks = tracks
        self.sink = sink
        self.speed = speed
        self.max_gap = max_gap
        self.batch = batch
        self.on_record = on_record
        self.on_error = on_error
        self.errors: list[str] = []
        self.breathe = 0.0  # share of a flat-out batch's time left to other threads (see _breathe)
        self._batch_start = 0.0
        self.clock = ReplayClock(speed)
        self.played = 0
        self.done = False
        self._steps = 0
        self._stopped = False
        self._halt = asyncio.Event()  # set by stop(): cuts a paced wait short
        self._wake = asyncio.Event()
        self._wake.set()
        self._flush: Callable[[], None] | None = getattr(sink, "flush", None)

    # ------------------------------------------------------------------ commands

    @property
    def paused(self) -> bool:
        return self.clock.paused

    def pause(self) -> None:
        self.clock.freeze(True)
        self._wake.clear()

    def resume(self) -> None:
        self.clock.freeze(False)
        self._wake.set()

    def stop(self) -> None:
        """End :meth:`run` before the next record, paused or not; nothing more reaches the sink."""
        self._stopped = True
        self._halt.set()
        self._wake.set()

    @property
    def stopped(self) -> bool:
        return self._stopped

    def toggle(self) -> None:
        self.resume() if self.paused else self.pause()

    def step(self, records: int = 1) -> None:
        """While paused, play the next ``records`` records."""
        self._steps += records
        self._wake.set()

    def flush(self) -> None:
        """Hand the sink's held records on (before the tracker is ticked, before any wait)."""
        if self._flush is not None:
            self._flush()

    # ------------------------------------------------------------------ playing

    def _failed(self, track: Track, exc: OSError) -> None:
        message = read_error(track, exc)
        self.errors.append(message)
        failed = getattr(self.sink, "failed", None)
        if failed is not None:
            failed(track, message)
        if self.on_error is not None:
            self.on_error(track, message)

    def _track(self, index: int, track: Track) -> Iterator[Played]:
        """One track's records; a read error ends this track only (see the class docstring)."""
        try:
            yield from _records(track, index)
        except OSError as exc:
            self._failed(track, exc)

    def _merged(self) -> Iterator[Played]:
        return heapq.merge(*(self._track(i, track) for i, track in enumerate(self.tracks)))

    def records(self) -> Iterator[tuple[datetime, int, int, int, Entry]]:
        """Every track's records merged by time, stable: (time, track index, start, end, entry)."""
        for t, i, _, a, b, e in self._merged():
            yield t, i, a, b, e

    async def run(self) -> None:
        record = getattr(self.sink, "record", None)
        readers = [_Reader(t) for t in self.tracks] if record is None else []
        tracks = self.tracks
        flat = self.speed is None
        try:
            for when, index, _, start, end, entry in self._merged():
                if not flat or self._steps or self.paused or self._stopped:
                    await self._gate(when)
                if self._stopped:
                    break
                if record is not None:
                    record(tracks[index], end - start if end >= 0 else 0, entry)
                else:
                    self.sink(tracks[index], readers[index].read(start, end))
                self.clock.reach(when)
                self.played += 1
                if self.on_record is not None:
                    self.on_record(when)
                if flat and self.played % self.batch == 0:
                    self.flush()
                    await self._breathe()
        finally:
            self.flush()
            self.clock.settle()
            self.done = True

    async def _breathe(self) -> None:
        """Between flat-out batches: yield to this loop and, with ``breathe``, leave the
        interpreter to other threads for that share of the batch's time. A TUI replay runs the
        player in a thread of its own; flat out, it held the GIL so steadily that the UI thread
        got a quarter of the time it asked for, and a key waited seconds behind a repaint."""
        now = time.perf_counter()
        if self.breathe and self._batch_start:
            await asyncio.sleep(min(0.05, (now - self._batch_start) * self.breathe))
        else:
            await asyncio.sleep(0)
        self._batch_start = time.perf_counter()

    async def _gate(self, when: datetime) -> None:
        while not self._stopped:
            if self._steps > 0:
                self._steps -= 1
                return
            if self.paused:
                self.flush()
                self._wake.clear()
                await self._wake.wait()
                continue
            if not self.speed:
                return
            ahead = (when - self.clock.now()).total_seconds() / self.speed
            if ahead <= 0:
                return
            self.flush()
            if self.max_gap is not None and ahead > self.max_gap:
                await self._sleep(self.max_gap)
                return  # the clock jumps to ``when`` as the record is played
            await self._sleep(min(ahead, 0.05))

    async def _sleep(self, seconds: float) -> None:
        """Wait ``seconds``, or less if :meth:`stop` is called meanwhile."""
        try:
            await asyncio.wait_for(self._halt.wait(), seconds)
        except asyncio.TimeoutError:
            pass


class FeedSink:
    """A sink feeding :class:`sumtrace.live.pipeline.Pipeline` (replay).

    Called with bytes it parses them as a tail would; the player prefers :meth:`record`, which
    hands over the entry the player's own parse of the file already made (same parser, same
    order, same entries), so a replay reads and parses each record once.

    With ``coalesce`` (the TUI's replay), records are held per file until :meth:`flush` and then
    fed as one batch per file: one pipeline call, one tracker ``add`` and one subscriber batch per
    file and flush instead of per record (per record, a flat-out replay spent most of its time on
    that overhead). Each file's records keep their order; the merged log orders files by time, and
    the tracker takes entries in any order. Without it (``replay --jsonl --entries``) every record
    is fed on its own, so the entries come out in the merge's exact order.
    """

    def __init__(self, pipeline: Pipeline, *, coalesce: bool = False) -> None:
        self.pipeline = pipeline
        self.coalesce = coalesce
        self._started: set[str] = set()
        self._held: dict[str, tuple[Track, list[Entry]]] = {}

    def _start(self, track: Track) -> None:
        if track.path not in self._started:
            self._started.add(track.path)
            self.pipeline.start_file(track.path, track.host, bias=track.bias)

    def __call__(self, track: Track, data: bytes) -> None:
        self._start(track)
        self.pipeline.feed(track.path, track.host, data, bias=track.bias)

    def record(self, track: Track, size: int, entry: Entry) -> None:
        self.pipeline.stats.bytes += size
        if not self.coalesce:
            self._start(track)
            self.pipeline.feed_entries(track.path, track.host, [entry])
            return
        held = self._held.get(track.path)
        if held is None:
            self._held[track.path] = (track, [entry])
        else:
            held[1].append(entry)

    def flush(self) -> None:
        held, self._held = self._held, {}
        for track, entries in held.values():
            self._start(track)
            self.pipeline.feed_entries(track.path, track.host, entries)

    def failed(self, track: Track, message: str) -> None:
        """The track could not be read on: what it played is delivered, then an ``error`` file event."""
        self.flush()
        self.pipeline.file_event(track.path, "error", message, host_hint=track.host)


def feed_sink(pipeline: Pipeline, *, coalesce: bool = False) -> FeedSink:
    """A sink feeding the pipeline (replay)."""
    return FeedSink(pipeline, coalesce=coalesce)


class FileSink:
    """A sink that writes records into files under ``root``, as ConfigMgr would (demo).

    Each write opens, appends and closes. ``X.lo_`` tracks are written as ``X.log`` and rolled to
    ``X.lo_`` when the current ``X.log`` track starts; any ``.log`` that grows past ``max_size``
    also rolls over, as a 250 KB ConfigMgr log does.
    """

    def __init__(self, root: str, *, max_size: int = 250_000) -> None:
        self.root = root
        self.max_size = max_size
        self.rotations = 0
        self.bytes_written = 0
        self._written: dict[str, str] = {}  # live file → track path currently writing it

    def _live_name(self, rel: str) -> str:
        if rel.lower().endswith(".lo_"):
            return rel[:-4] + ".log"
        return rel

    def __call__(self, track: Track, data: bytes) -> None:
        live = os.path.join(self.root, self._live_name(track.path))
        os.makedirs(os.path.dirname(live), exist_ok=True)
        owner = self._written.get(live)
        exists = os.path.exists(live)
        if exists and ((owner is not None and owner != track.path)
                       or (os.path.getsize(live) + len(data) > self.max_size and self._rolls(live))):
            self.roll(live)
            exists = False
        if exists and os.path.getsize(live) > 0:
            for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
                if data.startswith(bom):  # a later scenario appended to the same log
                    data = data[len(bom):]
                    break
        self._written[live] = track.path
        with open(live, "ab") as fh:
            fh.write(data)
        self.bytes_written += len(data)

    @staticmethod
    def _rolls(live: str) -> bool:
        """ConfigMgr's logs roll over at their size limit; WindowsUpdate.log does not (Windows 10
        writes it on demand, older Windows keeps appending), so the demo never rolls it."""
        return not os.path.basename(live).lower().startswith("windowsupdate")

    def roll(self, live: str) -> None:
        """``X.log`` becomes ``X.lo_`` (replacing the previous one) and a fresh ``X.log`` starts."""
        os.replace(live, live[:-4] + ".lo_")
        self.rotations += 1


def scenario_tracks(files: dict[str, bytes], prefix: str = "") -> list[Track]:
    """Tracks for a generated scenario (relative path → bytes); host = the file's folder."""
    tracks = []
    for rel, data in sorted(files.items()):
        rel = rel.replace("\\", "/")
        host = rel.split("/")[0]
        tracks.append(Track.of_bytes(os.path.join(prefix, rel) if prefix else rel, host, data))
    return tracks


def tracks_of(sources: Iterable[LogSource]) -> list[Track]:
    return [Track.of(s) for s in sources]


def build_replay(paths: list[str], *, speed: float | None, max_gap: float | None = None,
                 all_logs: bool = False, coalesce: bool = True,
                 on_error: ErrorHook | None = None) -> tuple[Pipeline, Tracker, Player, list[str]]:
    """Everything ``replay`` drives: the discovered logs as tracks, paced into a pipeline and tracker.

    Returns the errors of paths that could not be read (the rest are replayed); a track that
    fails while playing is reported through ``on_error`` (see :class:`Player`). ``coalesce``: see
    :class:`FeedSink`.
    """
    found = discover(paths, all_logs=all_logs)
    tracker = Tracker(retention=None, host_clock=True)
    pipeline = Pipeline(tracker)
    player = Player(tracks_of(found.sources), feed_sink(pipeline, coalesce=coalesce), speed=speed,
                    max_gap=max_gap, on_error=on_error)
    return pipeline, tracker, player, found.errors


class ReplayTicker:
    """Updates the tracker as a replay's clock moves, often enough to keep events in log-time order
    and timely, rarely enough that a flat-out replay costs about what a report does.

    It ticks when the tracker has new entries and either ``log_every`` of log time or ``wall_every``
    seconds of wall time passed since the last tick (live, the watcher ticks every 0.1 s the same
    way). Ticking on every record made a replay cost one stitch per record.
    """

    def __init__(self, pipeline: Pipeline, clock: Callable[[], datetime], *,
                 log_every: timedelta = timedelta(minutes=5), wall_every: float = 0.5,
                 monotonic: Callable[[], float] = time.monotonic,
                 flush: Callable[[], None] | None = None) -> None:
        self.pipeline = pipeline
        self.clock = clock
        self.flush = flush  # the player's: records a coalescing sink holds reach the tracker first
        self.log_every = log_every
        self.wall_every = wall_every
        self._monotonic = monotonic
        self._last_log: datetime | None = None
        self._last_wall = monotonic()

    def __call__(self, _: object = None) -> None:
        now = self.clock()
        wall = self._monotonic()
        if (self._last_log is None or now - self._last_log >= self.log_every
                or wall - self._last_wall >= self.wall_every):
            if self.flush is not None:
                self.flush()
            if not self.pipeline.needs_tick:
                return
            self._last_log, self._last_wall = now, wall
            self.pipeline.tick(now)
