"""The tracker: entries in (from any file, in any order), flows and change events out.

``add`` is cheap (one dictionary lookup and, for the few records that matter, one regex) so it
can sit on a live tail's hot path; ``update(now)`` rebuilds flows from the time-sorted facts and
reports what changed since the previous call. Memory is bounded by the facts kept (records that
evidence a step), not by the number of lines read, and facts older than ``retention`` before the
newest one are dropped so days of watching stay bounded.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sumtrace.flows.build import Loaded, build
from sumtrace.flows.classify import Fact, classify
from sumtrace.flows.model import Event, Flow, FlowEvent, StepEvent, UpdateRow
from sumtrace.parsers.entry import Entry
from sumtrace.parsers.files import base_name, is_iis_log, known_base


class Tracker:
    """Stitches entries into flows. Pure and synchronous: "now" is always passed in."""

    def __init__(self, *, retention: timedelta | None = timedelta(days=2), max_facts: int = 500_000) -> None:
        self.retention = retention
        self.max_facts = max_facts
        self.entries_seen = 0
        self.newest: datetime | None = None
        self._facts: list[Fact] = []
        self._sorted = True
        self._dirty = False
        self._loaded = Loaded()
        self._base_cache: dict[str, str] = {}
        self._flows: list[Flow] = []
        self._updates: list[UpdateRow] = []
        self._step_sig: dict[tuple[str, str], tuple[object, ...]] = {}
        self._flow_sig: dict[str, tuple[object, ...]] = {}
        self._built_for: datetime | None = None

    # ------------------------------------------------------------------ input

    def note_file(self, path: str, host_hint: str) -> None:
        """Record that a log is loaded, so the steps it would show are not called unobserved."""
        base = self._base_cache.get(path)
        if base is None:
            base = self._base_cache[path] = "iis" if is_iis_log(path) else (known_base(path) or base_name(path))
        logs = self._loaded.by_host.setdefault(host_hint, set())
        if base not in logs:
            logs.add(base)
            self._dirty = True

    def add(self, entries: Iterable[Entry], host_hint: str) -> None:
        newest = self.newest
        last_file = ""
        for e in entries:
            self.entries_seen += 1
            if e.file != last_file:
                self.note_file(e.file, host_hint)
                last_file = e.file
            if e.utc is not None and (newest is None or e.utc > newest) and e.time_source != "none":
                newest = e.utc
            fact = classify(e, host_hint, (e.file, e.line))
            if fact is not None:
                if self._facts and self._sorted and fact.key < self._facts[-1].key:
                    self._sorted = False
                self._facts.append(fact)
                self._dirty = True
        self.newest = newest

    # ------------------------------------------------------------------ output

    @property
    def flows(self) -> list[Flow]:
        return self._flows

    @property
    def updates(self) -> list[UpdateRow]:
        return self._updates

    @property
    def fact_count(self) -> int:
        return len(self._facts)

    def update(self, now: datetime) -> list[Event]:
        """Rebuild if anything changed (new facts, or time passing that can turn a wait into a stall)."""
        if not self._dirty and self._built_for is not None and now == self._built_for:
            return []
        if not self._sorted:
            self._facts.sort(key=lambda f: f.key)
            self._sorted = True
        self._prune()
        self._flows, self._updates = build(self._facts, now, self._loaded)
        self._dirty = False
        self._built_for = now
        return self._diff()

    def _prune(self) -> None:
        if not self._facts or self.newest is None or self.retention is None:
            return
        cutoff = self.newest - self.retention
        if self._facts[0].utc >= cutoff and len(self._facts) <= self.max_facts:
            return
        keep = [f for f in self._facts if f.utc >= cutoff]
        if len(keep) > self.max_facts:
            keep = keep[-self.max_facts:]
        self._facts = keep

    def _diff(self) -> list[Event]:
        events: list[Event] = []
        seen_steps: dict[tuple[str, str], tuple[object, ...]] = {}
        seen_flows: dict[str, tuple[object, ...]] = {}
        for flow in reversed(self._flows):  # oldest first, so events read in time order
            cur = flow.current
            fsig = (flow.status, flow.started, flow.ended, cur.key if cur else None)
            seen_flows[flow.id] = fsig
            if self._flow_sig.get(flow.id) != fsig:
                events.append(FlowEvent(flow.kind, flow.host, flow.id, flow.status, flow.started, flow.ended,
                                        cur.key if cur else None))
            for step in flow.steps:
                key = (flow.id, step.key)
                sig = step.signature()
                seen_steps[key] = sig
                old = self._step_sig.get(key)
                if old == sig or (old is None and step.status in ("pending", "unobserved")):
                    continue
                events.append(StepEvent(flow.kind, flow.host, flow.id, step.key, step.status, step.at,
                                        step.detail, step.error, step.hint))
        self._step_sig = seen_steps
        self._flow_sig = seen_flows
        return events
