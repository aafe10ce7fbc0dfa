"""Streaming k-way merge of per-file entry streams into one UTC-ordered stream.

Each file is already in time order, so a heap over the streams' heads is enough: memory is one
entry per file, never the whole folder. Entries with no time of their own (unparsed lines) keep
the time of the entry before them in their file, so they stay beside their neighbours.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Iterator
from datetime import datetime, timezone

from parsers.entry import Entry

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
