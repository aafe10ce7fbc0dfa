"""The merged log behind the Log view: every entry in UTC order, bounded (filters: :mod:`sumtrace.tui.logquery`).

No Textual here. The view renders only the rows on screen by index, so the index has to be cheap
to append to, to search and to keep in order while several files arrive out of step:

* an item is ``(key, seq, entry)``: ``key`` the UTC timestamp as a float (an entry without a time
  takes its file's previous key, so continuation lines stay with their record), ``seq`` the
  arrival number, which breaks ties in file order and makes items unique, so tuples never compare
  the entries themselves;
* new entries come in batches (the app coalesces them); a batch that starts after the last item
  is appended, otherwise only the tail from the batch's first key on is re-sorted (two sorted
  runs, which Timsort merges in linear time);
* at most ``cap`` items are kept; beyond that the oldest are dropped in chunks.

Positions move when items are inserted or dropped, so views remember ``(key, seq)`` anchors and
find them again with :meth:`LogIndex.locate` (a bisection).
"""

from __future__ import annotations

import os
import sys
from bisect import bisect_left
from datetime import datetime
from functools import lru_cache
from typing import Final

from sumtrace.parsers.entry import Entry

# A record as the merged log keeps it: a plain tuple of atomic values (strings, numbers,
# datetimes). CPython stops tracking such tuples in the cyclic GC after they survive a young
# collection, so a million of them cost the collector nothing; a million Entry objects made every
# full collection walk them all (pauses of 100 ms and more, landing on key presses).
Rec = tuple[str, int, datetime | None, datetime | None, int | None, str, str, bool, str, int | None, str]
R_FILE: Final = 0
R_LINE: Final = 1
R_LOCAL: Final = 2
R_UTC: Final = 3
R_BIAS: Final = 4
R_TSRC: Final = 5
R_SEV: Final = 6
R_SEVINF: Final = 7
R_COMP: Final = 8
R_THREAD: Final = 9
R_MSG: Final = 10
Item = tuple[float, int, Rec]
Anchor = tuple[float, int]


def as_record(e: Entry) -> Rec:
    """An :class:`Entry` as a :data:`Rec` (component names interned: a few dozen distinct ones)."""
    return (e.file, e.line, e.local, e.utc, e.bias, e.time_source, e.severity, e.severity_inferred,
            sys.intern(e.component), e.thread, e.message)


class LogIndex:
    """Items sorted by ``(key, seq)``, at most ``cap`` of them (the oldest are dropped)."""

    __slots__ = ("items", "cap", "slack", "dropped")

    def __init__(self, cap: int) -> None:
        self.items: list[Item] = []
        self.cap = max(1, cap)
        self.slack = max(1, self.cap // 50)  # drop in chunks, not one item per batch
        self.dropped = 0

    def __len__(self) -> int:
        return len(self.items)

    def add(self, new: list[Item]) -> tuple[int, int]:
        """Merge ``new`` (any order) in; returns (first index that changed, items dropped from the front)."""
        items = self.items
        if not new:
            return len(items), 0
        new.sort()
        if not items or new[0] > items[-1]:
            pos = len(items)
            items.extend(new)
        else:
            pos = bisect_left(items, new[0][:2])
            tail = items[pos:]
            tail.extend(new)
            tail.sort()
            items[pos:] = tail
        dropped = 0
        if len(items) > self.cap + self.slack:
            dropped = len(items) - self.cap
            del items[:dropped]
            self.dropped += dropped
            pos = max(0, pos - dropped)
        return pos, dropped

    def clear(self) -> None:
        self.items.clear()

    def locate(self, anchor: Anchor) -> int:
        """Index of the item with this anchor, or of the first item after it if it is gone."""
        return bisect_left(self.items, anchor)

    def anchor(self, index: int) -> Anchor | None:
        if 0 <= index < len(self.items):
            k, s, _ = self.items[index]
            return (k, s)
        return None


@lru_cache(maxsize=4096)
def base_of(path: str) -> str:
    """``C:\\...\\WUAHandler.log`` → ``WUAHandler`` (the name an admin calls a log by)."""
    name = os.path.basename(path.replace("\\", "/"))
    stem, ext = os.path.splitext(name)
    return stem if ext.lower() in (".log", ".lo_") else name
