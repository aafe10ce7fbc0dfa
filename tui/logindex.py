"""The merged log behind the Log view: every entry in UTC order, bounded (filters: :mod:`sumtrace.tui.logquery`).

No Textual here. The view renders only the rows on screen by index, so the index has to be cheap
to append to, to search and to keep in order while several files arrive out of step, and small:
a replay holds a million records.

* an item is ``(key, seq, record)``: ``key`` the UTC timestamp as a float (an entry without a time
  takes its file's previous key, so continuation lines stay with their record), ``seq`` the
  arrival number, which breaks ties in file order and makes items unique, so tuples never compare
  the records themselves;
* new entries come in batches (the app coalesces them); a batch that starts after the last item
  is appended, otherwise only the tail from the batch's first key on is re-sorted;
* at most ``cap`` items are kept; beyond that the oldest are dropped in chunks.

Storage is columnar (:class:`LogIndex`): the order is three arrays (key, seq, record id), and the
records are arrays of numbers (times as microseconds, file, component, severity and time-source
as small ids into tables) plus every message's UTF-8 bytes in one ``bytearray``. That is about
90 bytes per record plus its message, no Python object per record (nothing for the garbage
collector to walk; a list of record tuples with datetimes cost about 3.5 KB per record). A
:data:`Rec` is rebuilt on demand (:meth:`LogIndex.record`, a couple of microseconds); ``items``
still reads as a sequence of ``(key, seq, Rec)`` for code written against the list.

Positions move when items are inserted or dropped, so views remember ``(key, seq)`` anchors and
find them again with :meth:`LogIndex.locate` (a bisection).
"""

from __future__ import annotations

import os
import sys
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from itertools import accumulate
from typing import Any, Final, overload

from sumtrace.parsers.entry import Entry

# A record as the Log view reads it: a plain tuple of atomic values (strings, numbers, datetimes).
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

_NONE: Final = -(1 << 63)  # "None" in an int64 column
_LO: Final = -(1 << 63) + 1
_HI: Final = (1 << 63) - 1
_DT0: Final = datetime(1, 1, 1)
_DTU: Final = datetime(1, 1, 1, tzinfo=timezone.utc)
_UTC = timezone.utc
_US = timedelta(microseconds=1)


def as_record(e: Entry) -> Rec:
    """An :class:`Entry` as a :data:`Rec` (component names interned: a few dozen distinct ones)."""
    return (e.file, e.line, e.local, e.utc, e.bias, e.time_source, e.severity, e.severity_inferred,
            sys.intern(e.component), e.thread, e.message)


class _Table:
    """Distinct strings (files, components, severities, time sources) ↔ small ids."""

    __slots__ = ("ids", "values")

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.values: list[str] = []

    def id(self, value: str) -> int:
        i = self.ids.get(value)
        if i is None:
            i = self.ids[value] = len(self.values)
            self.values.append(value)
        return i


class _Records:
    """Records in arrival order, as columns; record ``rid`` sits at ``rid - base``.

    The oldest records (by arrival) are cut off in a block once no item refers to them, so a
    capped index that keeps dropping its oldest items stays bounded without a per-record pass.
    Values a column cannot hold exactly (a 4,300-digit thread number, a time with an unusual
    zone) are kept as they are in ``odd``, keyed by (record id, field).
    """

    __slots__ = ("base", "mbase", "file", "line", "local", "utc", "bias", "thread", "kind", "comp", "mend",
                 "msg", "odd", "files", "comps", "words")

    def __init__(self) -> None:
        self.base = 0  # record id of the first row
        self.mbase = 0  # message offset of ``msg[0]``
        self.file = array("I")
        self.line = array("q")
        self.local = array("q")  # microseconds since 0001-01-01 (naive, as written)
        self.utc = array("q")  # microseconds since 0001-01-01 UTC
        self.bias = array("q")
        self.thread = array("q")
        self.kind = array("I")  # time source id | severity id << 8 | inferred << 16
        self.comp = array("I")
        self.mend = array("q")  # where each message ends in ``msg`` (+ mbase)
        self.msg = bytearray()
        self.odd: dict[tuple[int, int], object] = {}
        self.files = _Table()
        self.comps = _Table()
        self.words = _Table()  # time sources and severities

    def __len__(self) -> int:
        return len(self.line)

    def _int(self, rid: int, field: int, v: int | None) -> int:
        if v is None:
            return _NONE
        if type(v) is int and _LO <= v <= _HI:
            return v
        self.odd[(rid, field)] = v
        return _NONE

    def _time(self, rid: int, field: int, v: datetime | None, aware: bool) -> int:
        if v is None:
            return _NONE
        if (v.tzinfo is _UTC) if aware else (v.tzinfo is None):
            return (v.replace(tzinfo=None) - _DT0) // _US
        self.odd[(rid, field)] = v
        return _NONE

    def append(self, recs: list[Rec]) -> int:
        """Store ``recs``; returns the record id of the first.

        Column by column (one comprehension each: this runs in the UI thread for every record
        that arrives); a batch holding a value some column cannot take goes record by record.
        """
        first = self.base + len(self.line)
        for table, f in ((self.files, R_FILE), (self.comps, R_COMP), (self.words, R_TSRC), (self.words, R_SEV)):
            known = table.ids
            for v in {r[f] for r in recs}:
                if v not in known:
                    table.id(v)  # type: ignore[arg-type]
        try:
            cols = self._columns(recs)
        except (TypeError, OverflowError, ValueError):
            cols = None
        if cols is None:
            self._append_slow(recs, first)
            return first
        for col, values in zip((self.file, self.line, self.local, self.utc, self.bias, self.thread, self.kind,
                                self.comp), cols):
            col.extend(values)
        parts = [r[10].encode("utf-8", "surrogatepass") for r in recs]
        ends = accumulate(map(len, parts), initial=self.mbase + len(self.msg))
        next(ends)  # the initial value: where the previous message ended
        self.mend.extend(ends)
        self.msg += b"".join(parts)
        return first

    def _columns(self, recs: list[Rec]) -> list[array[int]] | None:
        """The numeric columns of ``recs``, or None if one value needs the slow path."""
        fid, cid, wid = self.files.ids, self.comps.ids, self.words.ids
        none, dt0, dtu, us = _NONE, _DT0, _DTU, _US
        utcs = [r[3] for r in recs]
        if any(u is not None and u.tzinfo is not _UTC for u in utcs):
            return None
        cols = [
            array("I", [fid[r[0]] for r in recs]),
            array("q", [r[1] for r in recs]),
            array("q", [none if v is None else (v - dt0) // us for v in (r[2] for r in recs)]),
            array("q", [none if u is None else (u - dtu) // us for u in utcs]),
            array("q", [none if r[4] is None else r[4] for r in recs]),
            array("q", [none if r[9] is None else r[9] for r in recs]),
            array("I", [wid[r[5]] | wid[r[6]] << 8 | (1 << 16 if r[7] else 0) for r in recs]),
            array("I", [cid[r[8]] for r in recs]),
        ]
        if (none in cols[1] or none in cols[4] or none in cols[5]) and any(
                r[1] == none or r[4] == none or r[9] == none for r in recs):
            return None  # a real value equal to the "None" sentinel
        return cols

    def _append_slow(self, recs: list[Rec], first: int) -> None:
        rid = first
        file_id, comp_id, word_id = self.files.id, self.comps.id, self.words.id
        end = self.mbase + len(self.msg)
        parts: list[bytes] = []
        for r in recs:
            self.file.append(file_id(r[0]))
            self.line.append(self._int(rid, R_LINE, r[1]))
            self.local.append(self._time(rid, R_LOCAL, r[2], False))
            self.utc.append(self._time(rid, R_UTC, r[3], True))
            self.bias.append(self._int(rid, R_BIAS, r[4]))
            self.kind.append(word_id(r[5]) | word_id(r[6]) << 8 | (1 << 16 if r[7] else 0))
            self.comp.append(comp_id(r[8]))
            self.thread.append(self._int(rid, R_THREAD, r[9]))
            m = r[10].encode("utf-8", "surrogatepass")
            parts.append(m)
            end += len(m)
            self.mend.append(end)
            rid += 1
        self.msg += b"".join(parts)

    def _odd(self, rid: int, field: int) -> Any:
        """A value no column could hold (else None: the column's sentinel meant None)."""
        return self.odd.get((rid, field)) if self.odd else None

    def get(self, rid: int) -> Rec:
        p = rid - self.base
        mend, mbase = self.mend, self.mbase
        k = self.kind[p]
        words = self.words.values
        line, lt, ut, bias, thread = self.line[p], self.local[p], self.utc[p], self.bias[p], self.thread[p]
        return (self.files.values[self.file[p]],
                line if line != _NONE else self._odd(rid, R_LINE),
                _DT0 + timedelta(microseconds=lt) if lt != _NONE else self._odd(rid, R_LOCAL),
                _DTU + timedelta(microseconds=ut) if ut != _NONE else self._odd(rid, R_UTC),
                bias if bias != _NONE else self._odd(rid, R_BIAS),
                words[k & 0xFF], words[(k >> 8) & 0xFF], k >= 0x10000,
                self.comps.values[self.comp[p]],
                thread if thread != _NONE else self._odd(rid, R_THREAD),
                self.msg[(mend[p - 1] - mbase if p else 0):mend[p] - mbase].decode("utf-8", "surrogatepass"))

    def cut(self, below: int) -> None:
        """Forget every record whose id is below ``below`` (no item refers to them any more)."""
        n = below - self.base
        if n <= 0:
            return
        mcut = self.mend[n - 1] - self.mbase
        for col in (self.file, self.line, self.local, self.utc, self.bias, self.thread, self.kind, self.comp,
                    self.mend):
            del col[:n]
        del self.msg[:mcut]
        self.mbase += mcut
        self.base = below
        if self.odd:
            self.odd = {k: v for k, v in self.odd.items() if k[0] >= below}

    def nbytes(self) -> int:
        cols = (self.file, self.line, self.local, self.utc, self.bias, self.thread, self.kind, self.comp, self.mend)
        return sum(c.buffer_info()[1] * c.itemsize for c in cols) + len(self.msg)


class _Items:
    """The index read as a sequence of ``(key, seq, Rec)`` items (built on access).

    ``extend`` appends items that the caller knows come after the last one (a filter pass
    copying matches in order), as ``list.extend`` did.
    """

    __slots__ = ("_ix",)

    def __init__(self, index: LogIndex) -> None:
        self._ix = index

    def __len__(self) -> int:
        return len(self._ix.keys)

    @overload
    def __getitem__(self, i: int) -> Item: ...

    @overload
    def __getitem__(self, i: slice) -> list[Item]: ...

    def __getitem__(self, i: int | slice) -> Item | list[Item]:
        ix = self._ix
        if isinstance(i, slice):
            get = ix.store.get
            return list(zip(ix.keys[i], ix.seqs[i], map(get, ix.rids[i])))
        return (ix.keys[i], ix.seqs[i], ix.store.get(ix.rids[i]))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _Items):
            return other is self or list(self) == list(other)
        return isinstance(other, list) and len(other) == len(self) and list(self) == other

    __hash__ = None  # type: ignore[assignment]

    def __iter__(self) -> Iterator[Item]:
        n = len(self)
        for a in range(0, n, 4096):
            yield from self[a:min(n, a + 4096)]

    def extend(self, items: Iterable[Item]) -> None:
        self._ix.append_sorted(list(items))

    def clear(self) -> None:
        self._ix.clear()


class LogIndex:
    """Items sorted by ``(key, seq)``, at most ``cap`` of them (the oldest are dropped).

    Read it with :meth:`record`, :meth:`key`, :meth:`anchor` and :meth:`locate` (or ``items``,
    a sequence of ``(key, seq, Rec)``); see the module docstring for how it is stored.
    """

    __slots__ = ("keys", "seqs", "rids", "store", "items", "cap", "slack", "dropped")

    def __init__(self, cap: int) -> None:
        self.keys = array("d")
        self.seqs = array("q")
        self.rids = array("q")
        self.store = _Records()
        self.items = _Items(self)
        self.cap = max(1, cap)
        self.slack = max(1, self.cap // 50)  # drop in chunks, not one item per batch
        self.dropped = 0

    def __len__(self) -> int:
        return len(self.keys)

    # ------------------------------------------------------------------ reading

    def record(self, index: int) -> Rec:
        """The record at position ``index`` (negative counts from the end)."""
        return self.store.get(self.rids[index])

    def key(self, index: int) -> float:
        return self.keys[index]

    def anchor(self, index: int) -> Anchor | None:
        if 0 <= index < len(self.keys):
            return (self.keys[index], self.seqs[index])
        return None

    def locate(self, anchor: Anchor) -> int:
        """Index of the item with this anchor, or of the first item after it if it is gone."""
        k, s = anchor[0], anchor[1]
        keys = self.keys
        lo = bisect_left(keys, k)
        hi = bisect_right(keys, k, lo)
        return bisect_left(self.seqs, s, lo, hi) if hi > lo else lo

    def nbytes(self) -> int:
        """Bytes the index holds in its arrays and message buffer (what a record costs, measured)."""
        own = sum(c.buffer_info()[1] * c.itemsize for c in (self.keys, self.seqs, self.rids))
        return own + self.store.nbytes()

    # ------------------------------------------------------------------ writing

    def add(self, new: list[Item]) -> tuple[int, int]:
        """Merge ``new`` (any order) in; returns (first index that changed, items dropped from the front)."""
        keys = self.keys
        if not new:
            return len(keys), 0
        new.sort()  # seqs are unique: records are never compared
        first = new[0]
        n = len(keys)
        if not n or (first[0], first[1]) > (keys[-1], self.seqs[-1]):
            pos = n
            self.append_sorted(new)
        else:
            pos = self.locate((first[0], first[1]))
            rid0 = self.store.append([it[2] for it in new])
            tail = list(zip(keys[pos:], self.seqs[pos:], self.rids[pos:]))
            tail.extend((it[0], it[1], rid0 + j) for j, it in enumerate(new))
            tail.sort()
            del keys[pos:], self.seqs[pos:], self.rids[pos:]
            keys.extend([t[0] for t in tail])
            self.seqs.extend([t[1] for t in tail])
            self.rids.extend([t[2] for t in tail])
        dropped = 0
        if len(keys) > self.cap + self.slack:
            dropped = len(keys) - self.cap
            del keys[:dropped], self.seqs[:dropped], self.rids[:dropped]
            self.dropped += dropped
            pos = max(0, pos - dropped)
            self._compact()
        return pos, dropped

    def append_sorted(self, new: list[Item]) -> None:
        """Append items already in order, all after the last one (no check: the caller knows)."""
        if not new:
            return
        rid0 = self.store.append([it[2] for it in new])
        self.keys.extend([it[0] for it in new])
        self.seqs.extend([it[1] for it in new])
        self.rids.extend(range(rid0, rid0 + len(new)))

    def _compact(self) -> None:
        """Cut the stored records no item refers to any more: the oldest arrivals, in one block.
        Records that arrived long ago but sort late (a clock ahead) can pin the block; past twice
        the cap of dead records the store is rebuilt from the live ones (rare, linear)."""
        store = self.store
        if not len(self.rids):
            store.cut(store.base + len(store))
            return
        store.cut(min(self.rids))
        if len(store) > 2 * self.cap + self.slack:
            recs = [store.get(r) for r in self.rids]
            fresh = _Records()
            rid0 = fresh.append(recs)
            self.store = fresh
            self.rids = array("q", range(rid0, rid0 + len(recs)))

    def clear(self) -> None:
        del self.keys[:], self.seqs[:], self.rids[:]
        self.store = _Records()


@lru_cache(maxsize=4096)
def base_of(path: str) -> str:
    """``C:\\...\\WUAHandler.log`` → ``WUAHandler`` (the name an admin calls a log by)."""
    name = os.path.basename(path.replace("\\", "/"))
    stem, ext = os.path.splitext(name)
    return stem if ext.lower() in (".log", ".lo_") else name
