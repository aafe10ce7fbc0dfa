"""The merged log behind the Log view: every entry in UTC order, bounded, plus filters over it.

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
import re
import shlex
import sys
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Final

from sumtrace.parsers.entry import SEVERITY_RANK, Entry

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


# ---------------------------------------------------------------------------------------- filters

Predicate = Callable[[Rec], bool]

_SEVERITY_WORDS = {"e": "error", "err": "error", "error": "error", "errors": "error",
                   "w": "warning", "warn": "warning", "warning": "warning", "warnings": "warning",
                   "i": "info", "info": "info", "v": "verbose", "verbose": "verbose"}

FILTER_HELP = ("words match the message (all of them; -word excludes; \"quoted phrase\"); "
               "comp:NAME  thread:N  sev:error|warning  file:NAME  host:NAME")


def _thread_value(text: str) -> int:
    t = text.strip().lower()
    return int(t, 16) if t.startswith("0x") else int(t)


@lru_cache(maxsize=4096)
def base_of(path: str) -> str:
    """``C:\\...\\WUAHandler.log`` → ``WUAHandler`` (the name an admin calls a log by)."""
    name = os.path.basename(path.replace("\\", "/"))
    stem, ext = os.path.splitext(name)
    return stem if ext.lower() in (".log", ".lo_") else name


@dataclass(slots=True)
class Query:
    """A parsed filter: every term must hold. ``text`` is what the user typed."""

    text: str
    preds: list[Predicate] = field(default_factory=list)
    label: str = ""

    def __call__(self, e: Rec) -> bool:
        for p in self.preds:
            if not p(e):
                return False
        return True

    @property
    def empty(self) -> bool:
        return not self.preds


def _in_component(v: str) -> Predicate:
    return lambda e: v in e[R_COMP].lower()


def _thread_is(tid: int) -> Predicate:
    return lambda e: e[R_THREAD] == tid


def _at_least(rank: int) -> Predicate:
    return lambda e: SEVERITY_RANK.get(e[R_SEV], 1) >= rank


def _in_file(v: str) -> Predicate:
    return lambda e: v in base_of(e[R_FILE]).lower()


def _on_host(v: str, host_of: dict[str, str]) -> Predicate:
    return lambda e: v in host_of.get(e[R_FILE], "").lower()


def _in_message(v: str) -> Predicate:
    return lambda e: v in e[R_MSG].lower()


def _negate(p: Predicate) -> Predicate:
    return lambda e: not p(e)


def parse_query(text: str, hosts: dict[str, str] | None = None) -> Query:
    """Parse the filter bar. Raises ValueError with a readable message on a bad term."""
    try:
        terms = shlex.split(text)
    except ValueError:  # an unbalanced quote: take the words as they are
        terms = text.split()
    preds: list[Predicate] = []
    host_of = hosts if hosts is not None else {}
    for raw in terms:
        neg = raw.startswith("-") and len(raw) > 1
        term = raw[1:] if neg else raw
        field_name, sep, value = term.partition(":")
        field_name = field_name.lower()
        pred: Predicate
        if sep and value and field_name in ("comp", "component", "c"):
            pred = _in_component(value.lower())
        elif sep and value and field_name in ("thread", "t", "tid"):
            try:
                pred = _thread_is(_thread_value(value))
            except ValueError:
                raise ValueError(f"thread:{value} is not a thread number (decimal or 0x hex)") from None
        elif sep and value and field_name in ("sev", "severity", "level"):
            sev = _SEVERITY_WORDS.get(value.lower())
            if sev is None:
                raise ValueError(f"sev:{value}: use error, warning, info or verbose")
            pred = _at_least(SEVERITY_RANK[sev])
        elif sep and value and field_name in ("file", "log", "f"):
            pred = _in_file(value.lower())
        elif sep and value and field_name in ("host", "h"):
            pred = _on_host(value.lower(), host_of)
        else:
            pred = _in_message(term.lower())
        preds.append(_negate(pred) if neg else pred)
    return Query(text, preds, text.strip())


def id_filter(ids: Iterable[str], evidence: Iterable[tuple[str, int]], label: str) -> Query:
    """Records that carry one of ``ids`` (case-insensitive) or are evidence of the flow's steps."""
    wanted = sorted({i for i in ids if i}, key=len, reverse=True)
    keys = set(evidence)
    rx = re.compile("|".join(re.escape(i) for i in wanted), re.IGNORECASE) if wanted else None

    def pred(e: Rec) -> bool:
        if (e[R_FILE], e[R_LINE]) in keys:
            return True
        return rx is not None and rx.search(e[R_MSG]) is not None

    return Query(f"ids of {label}", [pred], f"IDs of {label}")


def both(a: Query | None, b: Query | None) -> Query | None:
    """The conjunction of two optional filters."""
    if a is None or a.empty:
        return b if b is not None and not b.empty else None
    if b is None or b.empty:
        return a
    return Query(f"{a.text} & {b.text}", a.preds + b.preds, f"{a.label} & {b.label}")
