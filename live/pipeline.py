"""The one path from log bytes to subscribers, shared by live watching and replay.

A :class:`Pipeline` owns one :class:`~sumtrace.parsers.stream.RecordParser` per open file stream, keeps
the file → host hint mapping, hands new entries to the flow tracker and, in batches, to every
subscriber, and turns file changes into :class:`FileEvent`. It does no I/O and knows no clock of
its own (``tick(now)``), so the live watcher (:mod:`sumtrace.live.watcher`, bytes from disk) and a
replay source (captured records paced by their timestamps) drive exactly the same code.

It keeps no entries: each batch goes to the subscribers and is forgotten, so memory is the
parsers' partial records plus whatever the subscribers choose to keep. Big inputs are fed in
slices (:meth:`Pipeline.afeed`) with a yield to the event loop between them, so a 100,000-line
burst never blocks the loop for long.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sumtrace.flows.model import FlowEvent, StepEvent
from sumtrace.parsers.entry import Entry
from sumtrace.parsers.stream import RecordParser
from sumtrace.parsers.tail import Action, Data, Event, Flush, Start

TrackerEvent = StepEvent | FlowEvent
SLICE_BYTES = 256 * 1024
FILE_CHANGES = ("opened", "rotated", "truncated", "deleted", "error")


class TrackerLike(Protocol):
    """What the pipeline needs from :class:`sumtrace.flows.tracker.Tracker` (a fake in tests).

    A tracker may also have ``note_file(path, host_hint)``: told when a file is opened, so the
    steps that file would show are not called unobserved before its first entry.
    """

    def add(self, entries: list[Entry], host_hint: str) -> None: ...

    def update(self, now: datetime) -> Sequence[TrackerEvent]: ...


@dataclass(frozen=True, slots=True)
class FileEvent:
    """Something happened to a followed file (``change`` is one of :data:`FILE_CHANGES`)."""

    path: str
    host: str
    change: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"event": "file", "path": self.path, "host": self.host, "change": self.change,
                "detail": self.detail}


@dataclass(slots=True)
class Batch:
    """What one pipeline call produced: entries of one file, tracker events, file events.

    ``path``/``host`` name the file the entries come from (None when there are no entries).
    """

    path: str | None = None
    host: str | None = None
    entries: list[Entry] = field(default_factory=list)
    events: list[TrackerEvent] = field(default_factory=list)
    files: list[FileEvent] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.entries or self.events or self.files)


Subscriber = Callable[[Batch], None]


@dataclass(slots=True)
class _Stream:
    """One file's stream: its parser and how to place its entries in the real file."""

    parser: RecordParser
    host: str
    base_offset: int = 0  # file offset of the stream's first byte minus what the parser counts
    base_line: int = 0  # line breaks skipped before the stream (from_end)
    keep: bool = False  # --since: whether the last timed entry was recent enough


@dataclass(slots=True)
class PipelineStats:
    bytes: int = 0
    entries: int = 0
    unparsed: int = 0
    dropped_since: int = 0
    file_events: int = 0


class Pipeline:
    """Bytes or entries in, batches out. See the module docstring.

    ``since`` (aware UTC) drops entries older than it, by entry UTC; an entry without a time
    follows the last timed entry of its file. ``tracker`` may be None (file/entry events only).
    """

    def __init__(self, tracker: TrackerLike | None = None, *, since: datetime | None = None,
                 slice_bytes: int = SLICE_BYTES) -> None:
        self.tracker = tracker
        self.since = since
        self.slice_bytes = slice_bytes
        self.stats = PipelineStats()
        self._streams: dict[str, _Stream] = {}
        self._hosts: dict[str, str] = {}
        self._subscribers: list[Subscriber] = []
        self.host_biases: dict[str, int] = {}  # host hint → Windows bias its CMTrace logs were written in
        self._tracker_dirty = False

    # ------------------------------------------------------------------ subscribers

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(batch)`` for every non-empty batch; returns an unsubscribe function."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def publish(self, batch: Batch) -> None:
        if not batch:
            return
        for callback in list(self._subscribers):
            callback(batch)

    # ------------------------------------------------------------------ files

    @property
    def open_files(self) -> list[str]:
        return list(self._streams)

    @property
    def needs_tick(self) -> bool:
        """Entries reached the tracker since the last :meth:`tick`: update it soon."""
        return self._tracker_dirty

    def host_of(self, path: str) -> str:
        return self._hosts.get(path, "")

    def start_file(self, path: str, host_hint: str, *, offset: int = 0, lines: int | None = 0,
                   prefix: bytes = b"", bias: int | None = None) -> None:
        """Begin a new stream for ``path`` (flushing one still open).

        ``offset``/``lines`` place a stream that does not start at byte 0 (``--from-end``) so
        entry offsets and line numbers still point into the real file; ``prefix`` is the file's
        byte-order mark, fed first so the encoding is known.
        """
        if path in self._streams:
            self.flush_file(path)
        self._hosts[path] = host_hint
        stream = _Stream(RecordParser(path, host_bias=bias), host_hint)
        if prefix:
            stream.parser.feed(prefix)
        stream.base_offset = offset - len(prefix) if offset else 0
        stream.base_line = lines or 0
        self._streams[path] = stream
        note_file = getattr(self.tracker, "note_file", None)
        if note_file is not None:
            note_file(path, host_hint)
            self._tracker_dirty = True

    def feed(self, path: str, host_hint: str, data: bytes, *, bias: int | None = None) -> int:
        """Parse the next bytes of ``path``; publishes the entries completed. Returns their count."""
        stream = self._streams.get(path)
        if stream is None:
            self.start_file(path, host_hint, bias=bias)
            stream = self._streams[path]
        self.stats.bytes += len(data)
        return self._deliver(path, stream, stream.parser.feed(data))

    async def afeed(self, path: str, host_hint: str, data: bytes, *, bias: int | None = None) -> int:
        """:meth:`feed` in slices of ``slice_bytes``, yielding to the event loop between them."""
        total = 0
        step = self.slice_bytes
        for pos in range(0, len(data), step):
            if pos:
                await asyncio.sleep(0)
            total += self.feed(path, host_hint, data[pos:pos + step], bias=bias)
        return total

    def flush_file(self, path: str) -> int:
        """End of ``path``'s stream: a partial record is emitted as an unparsed entry, never lost."""
        stream = self._streams.pop(path, None)
        if stream is None:
            return 0
        return self._deliver(path, stream, stream.parser.flush())

    def file_event(self, path: str, change: str, detail: str, *, host_hint: str | None = None) -> FileEvent:
        """Report a file event to the subscribers (and return it)."""
        if change not in FILE_CHANGES:
            raise ValueError(f"unknown file change {change!r}")
        host = host_hint if host_hint is not None else self._hosts.get(path, "")
        event = FileEvent(path, host, change, detail)
        self.stats.file_events += 1
        self.publish(Batch(files=[event]))
        return event

    def feed_entries(self, path: str, host_hint: str, entries: list[Entry]) -> int:
        """Already-parsed entries (a replay of captured records) take the same road as bytes."""
        stream = self._streams.get(path)
        if stream is None:
            self.start_file(path, host_hint)
            stream = self._streams[path]
        return self._deliver(path, stream, entries, placed=True)

    async def apply(self, path: str, host_hint: str, actions: Iterable[Action], *,
                    bias: int | None = None) -> int:
        """Carry out a :class:`sumtrace.parsers.tail.Tail` poll's actions, in order. Returns entries seen."""
        total = 0
        for action in actions:
            if isinstance(action, Data):
                total += await self.afeed(path, host_hint, action.data, bias=bias)
            elif isinstance(action, Start):
                self.start_file(path, host_hint, offset=action.offset, lines=action.lines,
                                prefix=action.prefix, bias=bias)
            elif isinstance(action, Flush):
                total += self.flush_file(path)
            elif isinstance(action, Event):
                self.file_event(path, action.change, action.detail, host_hint=host_hint)
        return total

    def close(self) -> int:
        """Flush every open stream (shutdown: partial records come out as unparsed entries)."""
        return sum(self.flush_file(path) for path in list(self._streams))

    # ------------------------------------------------------------------ tracker

    def tick(self, now: datetime) -> list[TrackerEvent]:
        """Let the tracker update at ``now`` (aware UTC); publish and return its events."""
        self._tracker_dirty = False
        if self.tracker is None:
            return []
        events = list(self.tracker.update(now))
        if events:
            self.publish(Batch(events=events))
        return events

    # ------------------------------------------------------------------ internals

    def _deliver(self, path: str, stream: _Stream, entries: list[Entry], *, placed: bool = False) -> int:
        if not entries:
            return 0
        if not placed and (stream.base_offset or stream.base_line):
            for e in entries:
                e.offset += stream.base_offset
                e.line += stream.base_line
        if self.since is not None:
            entries = self._recent(stream, entries)
            if not entries:
                return 0
        self.stats.entries += len(entries)
        self.stats.unparsed += sum(1 for e in entries if e.format == "plain")
        last = entries[-1]
        if last.format in ("cmtrace", "smstrace") and last.time_source == "bias" and last.bias is not None:
            self.host_biases[stream.host] = last.bias  # for the host's zone-less logs (WindowsUpdate.log)
        if self.tracker is not None:
            self.tracker.add(entries, stream.host)
            self._tracker_dirty = True
        self.publish(Batch(path, stream.host, entries))
        return len(entries)

    def _recent(self, stream: _Stream, entries: list[Entry]) -> list[Entry]:
        since = self.since
        assert since is not None
        kept: list[Entry] = []
        for e in entries:
            if e.utc is not None:
                stream.keep = e.utc >= since
            if stream.keep:
                kept.append(e)
        self.stats.dropped_since += len(entries) - len(kept)
        return kept
