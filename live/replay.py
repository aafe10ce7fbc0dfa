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
from sumtrace.parsers.merge import record_entries
from sumtrace.parsers.stream import RecordParser

UTC = timezone.utc
Sink = Callable[["Track", bytes], None]


@dataclass(slots=True)
class Track:
    """One file to play: where its bytes come from and where they belong."""

    path: str
    host: str
    bias: int | None
    chunks: Callable[[], Iterator[bytes]]

    @classmethod
    def of(cls, src: LogSource) -> Track:
        return cls(src.path, src.host_hint, src.bias, src.chunks)

    @classmethod
    def of_bytes(cls, path: str, host: str, data: bytes) -> Track:
        return cls(path, host, None, lambda: iter([data]))


def _records(track: Track) -> Iterator[tuple[datetime, int, int, Entry]]:
    """A track's records from a parse of its own: (sort time, start, end, entry), in file order."""
    parser = RecordParser(track.path, host_bias=track.bias)

    def entries() -> Iterator[Entry]:
        for chunk in track.chunks():
            yield from parser.feed(chunk)
        yield from parser.flush()

    return record_entries(entries())


def _numbered(index: int, records: Iterator[tuple[datetime, int, int, Entry]]
              ) -> Iterator[tuple[datetime, int, int, int, int, Entry]]:
    """(time, track index, record number, start, end, entry): the merge key is unique before the entry."""
    for n, (t, a, b, e) in enumerate(records):
        yield t, index, n, a, b, e


class _Reader:
    """Sequential byte ranges of a track, pulling chunks only as far as needed."""

    def __init__(self, track: Track) -> None:
        self._chunks = track.chunks()
        self._buf = b""
        self._pos = 0

    def read(self, start: int, end: int) -> bytes:
        while end == -1 or self._pos + len(self._buf) < end:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buf += chunk
        cut = len(self._buf) if end == -1 else end - self._pos
        data, self._buf = self._buf[start - self._pos:cut], self._buf[cut:]
        self._pos += cut
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
        """A record of time ``when`` was just played: the clock is at least there now."""
        current = self.now() if self._at is not None else when
        self._at = max(current, when)
        self._last = max(self._last or when, when)
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

    ``speed`` None plays flat out (yielding to the event loop every ``batch`` records); a number
    paces by the records' timestamps (1 = real time, 60 = a minute per second). ``max_gap`` (wall
    seconds) caps a silence so a 15-minute state message cycle does not stall a demo.
    Pause, resume and step are the keys' commands; :meth:`stop` ends the run for good (the reader
    of a ``--jsonl`` stream went away); ``on_record`` lets a caller tick the tracker.
    """

    def __init__(self, tracks: list[Track], sink: Sink, *, speed: float | None = None,
                 max_gap: float | None = None, batch: int = 2000,
                 on_record: Callable[[datetime], None] | None = None) -> None:
        self.tracks = tracks
        self.sink = sink
        self.speed = speed
        self.max_gap = max_gap
        self.batch = batch
        self.on_record = on_record
        self.clock = ReplayClock(speed)
        self.played = 0
        self.done = False
        self._steps = 0
        self._stopped = False
        self._halt = asyncio.Event()  # set by stop(): cuts a paced wait short
        self._wake = asyncio.Event()
        self._wake.set()

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

    # ------------------------------------------------------------------ playing

    def records(self) -> Iterator[tuple[datetime, int, int, int, Entry]]:
        """Every track's records merged by time, stable: (time, track index, start, end, entry)."""
        keyed = [_numbered(i, _records(track)) for i, track in enumerate(self.tracks)]
        for t, i, _, a, b, e in heapq.merge(*keyed, key=lambda r: (r[0], r[1], r[2])):
            yield t, i, a, b, e

    async def run(self) -> None:
        readers = [_Reader(t) for t in self.tracks]
        record = getattr(self.sink, "record", None)
        try:
            for when, index, start, end, entry in self.records():
                await self._gate(when)
                if self._stopped:
                    break
                data = readers[index].read(start, end)
                if record is not None:
                    record(self.tracks[index], data, entry)
                else:
                    self.sink(self.tracks[index], data)
                self.clock.reach(when)
                self.played += 1
                if self.on_record is not None:
                    self.on_record(when)
                if self.speed is None and self.played % self.batch == 0:
                    await asyncio.sleep(0)
        finally:
            self.clock.settle()
            self.done = True

    async def _gate(self, when: datetime) -> None:
        while not self._stopped:
            if self._steps > 0:
                self._steps -= 1
                return
            if self.paused:
                self._wake.clear()
                await self._wake.wait()
                continue
            if not self.speed:
                return
            ahead = (when - self.clock.now()).total_seconds() / self.speed
            if ahead <= 0:
                return
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
    order, same entries), so a replay parses each record once.
    """

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self._started: set[str] = set()

    def _start(self, track: Track) -> None:
        if track.path not in self._started:
            self._started.add(track.path)
            self.pipeline.start_file(track.path, track.host, bias=track.bias)

    def __call__(self, track: Track, data: bytes) -> None:
        self._start(track)
        self.pipeline.feed(track.path, track.host, data, bias=track.bias)

    def record(self, track: Track, data: bytes, entry: Entry) -> None:
        self._start(track)
        self.pipeline.stats.bytes += len(data)
        self.pipeline.feed_entries(track.path, track.host, [entry])


def feed_sink(pipeline: Pipeline) -> FeedSink:
    """A sink feeding the pipeline (replay)."""
    return FeedSink(pipeline)


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
                 all_logs: bool = False) -> tuple[Pipeline, Tracker, Player, list[str]]:
    """Everything ``replay`` drives: the discovered logs as tracks, paced into a pipeline and tracker.

    Returns the errors of paths that could not be read (the rest are replayed).
    """
    found = discover(paths, all_logs=all_logs)
    tracker = Tracker(retention=None, host_clock=True)
    pipeline = Pipeline(tracker)
    player = Player(tracks_of(found.sources), feed_sink(pipeline), speed=speed, max_gap=max_gap)
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
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.pipeline = pipeline
        self.clock = clock
        self.log_every = log_every
        self.wall_every = wall_every
        self._monotonic = monotonic
        self._last_log: datetime | None = None
        self._last_wall = monotonic()

    def __call__(self, _: object = None) -> None:
        if not self.pipeline.needs_tick:
            return
        now = self.clock()
        wall = self._monotonic()
        if (self._last_log is None or now - self._last_log >= self.log_every
                or wall - self._last_wall >= self.wall_every):
            self._last_log, self._last_wall = now, wall
            self.pipeline.tick(now)
