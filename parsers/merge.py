"""Streaming k-way merge of per-file entry streams into one UTC-ordered stream.

Each file is already in time order, so a heap over the streams' heads is enough: memory is one
entry per file, never the whole folder. Entries with no time of their own (unparsed lines) keep
the time of the entry before them in their file, so they stay beside their neighbours.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from sumtrace.parsers.entry import Entry

_EPOCH = datetime(1, 1, 1, tzinfo=timezone.utc)


def _keyed(index: int, stream: Iterable[Entry]) -> Iterator[tuple[datetime, int, int, Entry]]:
    last = _EPOCH
    for seq, entry in enumerate(stream):
        if entry.utc is not None:
            last = entry.utc
        yield last, index, seq, entry


def merge_entries(streams: Iterable[Iterable[Entry]]) -> Iterator[Entry]:
    """Merge by UTC time; ties keep the order of the streams given, then file order (stable)."""
    keyed = [_keyed(i, s) for i, s in enumerate(streams)]
    for _, _, _, entry in heapq.merge(*keyed):
        yield entry


def record_entries(entries: Iterable[Entry], size: int | None = None) -> Iterator[tuple[datetime, int, int, Entry]]:
    """(sort time, start, end, entry) for a file's records, in file order.

    The byte ranges tile the file: the first starts at byte 0 (so a BOM travels with the first
    record) and each ends where the next begins, the last at ``size`` (or open-ended, -1). Replay
    plays these slices, so a file written from them (demo) or fed through the live pipeline holds
    exactly the bytes a tail would have read; the entry comes along so the pipeline need not parse
    the record again. A record without a time sorts with the one before it.
    """
    last_time = _EPOCH
    pending: tuple[datetime, int, Entry] | None = None
    for entry in entries:
        if pending is not None:
            yield pending[0], pending[1], entry.offset, pending[2]
            start = entry.offset
        else:
            start = 0
        if entry.utc is not None:
            last_time = entry.utc
        pending = (last_time, start, entry)
    if pending is not None:
        yield pending[0], pending[1], size if size is not None else -1, pending[2]
