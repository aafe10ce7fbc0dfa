"""The incremental machinery under every flow kind: sorted fact logs and restartable runs.

Stitching (facts → flows) must cost what the new facts can touch, not the whole history, and it
must give the same result whatever order and batch sizes the facts arrived in, so that a live
stream and a one-shot report agree. Two pieces make that possible:

* :class:`FactLog` keeps one partition's facts (one client's scan facts, one MP's lookups, one
  site server's sync records...) sorted, and remembers the earliest key touched since the last
  refresh. Appending in time order, the common case live and in replay, is an ``extend``.
* :class:`Runs` splits a fact log into runs with a *restartable* splitter: one whose state is
  reset at the start of every run (a 6-hour silence on a client, a ``relay_start`` on the MP, a
  sync start...). Because of that, re-splitting from the first run that starts at or before the
  earliest new fact gives exactly what splitting everything again would, and only the runs from
  there on are handed back as changed.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Generic, TypeVar

from sumtrace.flows.classify import Fact

T = TypeVar("T")
FactKey = tuple[datetime, str, int]
RESPLIT: FactKey = (datetime.min.replace(tzinfo=timezone.utc), "", -1)  # earlier than any fact
Splitter = Callable[[Sequence[Fact]], list[list[Fact]]]


def _key(f: Fact) -> FactKey:
    return f.key


@dataclass(slots=True)
class Loaded:
    """Which logs are loaded, per host hint, so an absent log makes a step unobserved, not failed.

    Versions let cached flows know when to re-stitch, without re-stitching every host whenever
    any host gains a log: ``version`` grows when a log name is loaded for the first time on any
    host (what :meth:`any` answers), ``host_version(h)`` when host ``h`` gains a log.
    """

    by_host: dict[str, set[str]] = field(default_factory=dict)
    version: int = 0
    _host_versions: dict[str, int] = field(default_factory=dict)
    _anywhere: set[str] = field(default_factory=set)
    _changes: list[str] = field(default_factory=list)  # hosts in the order they gained a log
    # The time each loaded log covers on each host (first and last record), and its name as written.
    spans: dict[tuple[str, str], tuple[datetime, datetime]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    newest: dict[str, datetime] = field(default_factory=dict)  # per host: its newest record ("now" of that host)

    def add(self, host: str, base: str, name: str = "") -> bool:
        logs = self.by_host.setdefault(host, set())
        if base in logs:
            return False
        logs.add(base)
        if name:
            self.names.setdefault(base, name)
        self._changes.append(host)
        self._host_versions[host] = self._host_versions.get(host, 0) + 1
        if base not in self._anywhere:
            self._anywhere.add(base)
            self.version += 1
        return True

    def cover(self, host: str, base: str, first: datetime, last: datetime) -> None:
        """Widen the time ``base`` covers on ``host`` to include ``first``..``last``."""
        key = (host, base)
        span = self.spans.get(key)
        self.spans[key] = (first, last) if span is None else (min(span[0], first), max(span[1], last))
        cur = self.newest.get(host)
        if cur is None or last > cur:
            self.newest[host] = last

    def begins(self, host: str, names: tuple[str, ...]) -> tuple[datetime, str] | None:
        """When the first of ``names`` loaded on ``host`` begins, and that log's name (e.g. ``WUAHandler.log``)."""
        best: tuple[datetime, str] | None = None
        for n in names:
            span = self.spans.get((host, n))
            if span is not None and (best is None or span[0] < best[0]):
                best = (span[0], self.names.get(n, n) + ".log")
        return best

    def hosts_changed_since(self, mark: int) -> tuple[int, set[str]]:
        """The hosts that gained a log since ``mark`` (a value this method returned before, or 0)."""
        return len(self._changes), set(self._changes[mark:])

    def host_version(self, host: str) -> int:
        return self._host_versions.get(host, 0)

    def any(self, names: tuple[str, ...]) -> bool:
        return any(n in self._anywhere for n in names)

    def host(self, host: str, names: tuple[str, ...]) -> bool:
        logs = self.by_host.get(host, set())
        return any(n in logs for n in names)


class FactLog:
    """One partition's facts in key order, and the earliest key changed since :meth:`take_dirty`."""

    __slots__ = ("facts", "_dirty")

    def __init__(self) -> None:
        self.facts: list[Fact] = []
        self._dirty: FactKey | None = None

    def add(self, batch: Iterable[Fact]) -> None:
        new = sorted(batch, key=_key)
        if not new:
            return
        facts = self.facts
        if not facts or new[0].key >= facts[-1].key:
            facts.extend(new)
        else:  # out of order (a second file of the same host read later): merge the overlapping tail
            i = bisect_right(facts, new[0].key, key=_key)
            facts[i:] = list(heapq.merge(facts[i:], new, key=_key))
        if self._dirty is None or new[0].key < self._dirty:
            self._dirty = new[0].key

    def drop_before(self, cutoff: datetime) -> int:
        """Forget facts older than ``cutoff`` (retention); returns how many went."""
        facts = self.facts
        if not facts or facts[0].utc >= cutoff:
            return 0
        i = bisect_left(facts, cutoff, key=lambda f: f.utc)
        del facts[:i]
        self._dirty = RESPLIT  # the first runs lost records: split again from the start
        return i

    @property
    def dirty(self) -> bool:
        return self._dirty is not None

    def take_dirty(self) -> FactKey | None:
        key, self._dirty = self._dirty, None
        return key


class Runs:
    """A fact log split into runs, re-split incrementally from the earliest changed key.

    ``split`` must be restartable: its state is reset at the start of each run it returns, so
    splitting ``facts[i:]`` where ``facts[i]`` starts a run yields the same runs from there on as
    splitting all of ``facts``. :meth:`refresh` returns the number of leading runs that did not
    change; every run after that index is new or re-made.
    """

    __slots__ = ("split", "runs")

    def __init__(self, split: Splitter) -> None:
        self.split = split
        self.runs: list[list[Fact]] = []

    def refresh(self, log: FactLog, dirty: FactKey | None) -> int:
        """Re-split ``log`` from the run holding ``dirty`` on; returns the index of the first re-made run."""
        if dirty is None:
            return len(self.runs)
        facts = log.facts
        runs = self.runs
        # The last run starting at or before the earliest change; restart where it starts.
        k = bisect_right(runs, dirty, key=lambda r: r[0].key) - 1
        if k < 0 or not facts:
            k = 0
            start = 0
        else:
            start = bisect_left(facts, runs[k][0].key, key=_key)
            if start >= len(facts) or facts[start] is not runs[k][0]:
                # The run's first fact is gone (retention): split everything again.
                k, start = 0, 0
        self.runs = runs[:k] + self.split(facts[start:])
        return k


def episodes(facts: Sequence[Fact], starts: frozenset[str], ends: frozenset[str], gap_s: float) -> list[list[Fact]]:
    """Group server-side facts into episodes (one lookup, one relay, one StateSys batch).

    Restartable: a fact starts a new episode when it is a start record, when no episode is open,
    or after ``gap_s`` seconds of silence; an end record closes the episode.
    """
    out: list[list[Fact]] = []
    cur: list[Fact] | None = None
    for f in facts:
        if f.name in starts or cur is None or (f.utc - cur[-1].utc).total_seconds() > gap_s:
            cur = [f]
            out.append(cur)
        else:
            cur.append(f)
        if f.name in ends:
            cur = None
    return out


def gap_runs(facts: Sequence[Fact], gap_s: float) -> list[list[Fact]]:
    """Split at every silence longer than ``gap_s`` seconds (restartable by construction)."""
    out: list[list[Fact]] = []
    cur: list[Fact] | None = None
    for f in facts:
        if cur is None or (f.utc - cur[-1].utc).total_seconds() > gap_s:
            cur = [f]
            out.append(cur)
        else:
            cur.append(f)
    return out


class TimeIndex(Generic[T]):
    """Items sorted by a time, for "which items fall in [a, b]" without looking at every pair.

    Cross-host joins use it: an MP lookup looks only at the scans whose location request was sent
    in the minutes around it, so joining costs a binary search per episode, not a product.
    """

    __slots__ = ("times", "items")

    def __init__(self, pairs: Iterable[tuple[datetime, T]]) -> None:
        ordered = sorted(pairs, key=lambda p: p[0])
        self.times: list[datetime] = [t for t, _ in ordered]
        self.items: list[T] = [x for _, x in ordered]

    def between(self, a: datetime, b: datetime) -> list[T]:
        return self.items[bisect_left(self.times, a):bisect_right(self.times, b)]

    def last_at_or_before(self, t: datetime) -> T | None:
        i = bisect_right(self.times, t)
        return self.items[i - 1] if i else None



class SortedFacts:
    """Facts already in key order (a partition's log), searched by time without copying or sorting."""

    __slots__ = ("facts",)

    def __init__(self, facts: Sequence[Fact]) -> None:
        self.facts = facts

    @classmethod
    def merged(cls, logs: Iterable[FactLog]) -> SortedFacts:
        lists = [log.facts for log in logs if log.facts]
        if len(lists) <= 1:
            return cls(lists[0] if lists else [])
        return cls(list(heapq.merge(*lists, key=_key)))

    def between(self, a: datetime, b: datetime) -> Sequence[Fact]:
        facts = self.facts
        return facts[bisect_left(facts, a, key=_utc):bisect_right(facts, b, key=_utc)]

    def from_time(self, t: datetime) -> Sequence[Fact]:
        return self.facts[bisect_left(self.facts, t, key=_utc):]


def _utc(f: Fact) -> datetime:
    return f.utc
