"""The tracker: entries in (from any file, in any order), flows and change events out.

``add`` is cheap (one dictionary lookup and, for the few records that matter, one regex) so it
sits on a live tail's hot path; each fact goes to the partition of the one flow kind that owns it.
``update(now)`` then does only what the new facts and the clock can have changed:

1. **stitch**: each kind re-segments the partitions that got facts, from the earliest new one,
   re-joins with time-indexed lookups, and hands back the flows whose stitching changed and the
   flows that are gone (merged, superseded, dropped);
2. **judge**: those flows are judged at ``now``; between batches, only flows whose due time has
   come are judged again (a heap of due times), so a clock tick costs what it can change;
3. **diff**: only the flows touched in this update are compared with what subscribers last
   heard, and a flow that vanished is announced as ``removed``.

A flow's id never changes (see :class:`~sumtrace.flows.model.Flow`), so what a consumer folds from
the events equals the final report. Facts older than ``retention`` before the newest one are
dropped, and at most ``max_facts`` are kept, so days of watching stay bounded.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from sumtrace.flows.classify import Fact, classify
from sumtrace.flows.judge import judge
from sumtrace.flows.kinds import FlowKindModule, make_kinds
from sumtrace.flows.kinds.base import Removal, Stitched
from sumtrace.flows.model import Event, Flow, FlowEvent, StepEvent, UpdateRow
from sumtrace.flows.stitch import Loaded
from sumtrace.flows.vocab import FlowKind
from sumtrace.parsers.entry import Entry
from sumtrace.parsers.files import base_name, is_iis_log, known_base

_EPOCH_UTC = datetime(1, 1, 1, tzinfo=timezone.utc)
_ROLLED_NAME = re.compile(r"-\d{8}-\d{6}$")


class Tracker:
    """Stitches entries into flows. Pure and synchronous: "now" is always passed in."""

    def __init__(self, *, retention: timedelta | None = timedelta(days=2), max_facts: int = 500_000,
                 host_clock: bool = False) -> None:
        """``host_clock``: judge each flow at its own host's newest record (capped by ``now``), as
        ``report`` and replay do for logs that were collected; watching live, ``now`` is the clock."""
        self.host_clock = host_clock
        self.retention = retention
        self.max_facts = max_facts
        self.entries_seen = 0
        self.newest: datetime | None = None
        self._kinds: list[FlowKindModule] = make_kinds()
        self._by_kind: dict[FlowKind, FlowKindModule] = {k.kind: k for k in self._kinds}
        self._loaded = Loaded()
        self._base_cache: dict[str, str] = {}
        self._facts = 0
        self._dirty = False
        self._stitched: dict[str, Stitched] = {}
        self._judged: dict[str, Flow] = {}
        self._due: list[tuple[datetime, str]] = []
        self._due_of: dict[str, datetime] = {}
        self._timed: set[str] = set()  # flows whose judgment depended on the clock
        self._now: datetime | None = None
        self._step_sig: dict[str, dict[str, tuple[object, ...]]] = {}
        self._flow_sig: dict[str, tuple[object, ...]] = {}
        self._flows_cache: list[Flow] | None = None
        self._updates_cache: list[UpdateRow] | None = None
        self._host_names: dict[str, str] = {}

    # ------------------------------------------------------------------ input

    def note_file(self, path: str, host_hint: str) -> str:
        """Record that a log is loaded, so the steps it would show are not called unobserved."""
        base = self._base_cache.get(path)
        if base is None:
            base = self._base_cache[path] = "iis" if is_iis_log(path) else (known_base(path) or base_name(path))
        name = path.replace("\\", "/").rsplit("/", 1)[-1]
        name = name[:-4] if name.lower().endswith((".log", ".lo_")) else name
        name = _ROLLED_NAME.sub("", name)
        if name.lower().endswith(base) and base != "iis":
            name = name[len(name) - len(base):]  # "PC01_ScanAgent" → "ScanAgent", as written
        if self._loaded.add(host_hint, base, name):
            self._dirty = True
        return base

    def add(self, entries: Iterable[Entry], host_hint: str) -> None:
        newest = self.newest
        last_file = ""
        base = ""
        first: datetime | None = None
        last: datetime | None = None
        routed: dict[tuple[int, str], list[Fact]] = {}
        kinds = self._kinds
        loaded = self._loaded
        for e in entries:
            self.entries_seen += 1
            if e.file != last_file:
                if first is not None and last is not None:
                    loaded.cover(host_hint, base, first, last)
                base = self.note_file(e.file, host_hint)
                last_file = e.file
                first = last = None
            utc = e.utc
            if utc is not None and e.time_source != "none":
                if newest is None or utc > newest:
                    newest = utc
                if first is None or utc < first:
                    first = utc
                if last is None or utc > last:
                    last = utc
            fact = classify(e, host_hint, (e.file, e.line))
            if fact is None:
                continue
            for i, kind in enumerate(kinds):
                part = kind.route(fact)
                if part is not None:
                    routed.setdefault((i, part), []).append(fact)
                    break
        if first is not None and last is not None:
            loaded.cover(host_hint, base, first, last)
        self.newest = newest
        for (i, part), facts in routed.items():
            kinds[i].add(part, facts)
            self._facts += len(facts)
            self._dirty = True

    # ------------------------------------------------------------------ output

    @property
    def flows(self) -> list[Flow]:
        """Every flow, newest first, as judged at the last :meth:`update`."""
        if self._flows_cache is None:
            links: dict[str, list[str]] = {}
            for flow in self._judged.values():
                if flow.kind == "policy":
                    for linked in flow.links:
                        links.setdefault(linked, []).append(flow.id)
            for fid, back in links.items():
                scan = self._judged.get(fid)
                if scan is not None and scan.links != back:
                    scan.links = back
            self._flows_cache = sorted(self._judged.values(), key=_newest_first, reverse=True)
        return self._flows_cache

    @property
    def updates(self) -> list[UpdateRow]:
        if self._updates_cache is None:
            rows = [row for kind in self._kinds for row in kind.updates()]
            for row in rows:
                row.host_name = self._host_names.get(row.host)
            self._updates_cache = rows
        return self._updates_cache

    @property
    def host_names(self) -> dict[str, str]:
        """Each host's own name once its logs said it (NetBIOS): what to show; the host id never changes."""
        return dict(self._host_names)

    @property
    def fact_count(self) -> int:
        return self._facts

    def update(self, now: datetime) -> list[Event]:
        """Stitch what new facts touched, judge what the clock moved, and say what changed."""
        events: list[Event] = []
        touched: set[str] = set()
        if self._now is not None and now < self._now:
            touched |= self._timed  # the clock went back (a replay restarted): re-judge what time decided
        self._now = now
        if self._dirty:
            self._dirty = False
            self._prune()
            for kind in self._kinds:
                change = kind.stitch(self._loaded, self._by_kind)
                for removal in change.removed:
                    events.append(self._remove(removal))
                    touched.discard(removal.flow.id)
                for fid, st in change.changed.items():
                    self._stitched[fid] = st
                    touched.add(fid)
                if change.updates_changed:
                    self._updates_cache = None
            touched |= self._rename()
        while self._due and self._due[0][0] < now:
            due, fid = heapq.heappop(self._due)
            if self._due_of.get(fid) == due:
                del self._due_of[fid]
                touched.add(fid)
        for fid in sorted(touched, key=lambda i: self._stitched[i].flow.started or _EPOCH_UTC):
            self._judge(fid, now, events)
        if touched or events:
            self._flows_cache = None
        return events

    # ------------------------------------------------------------------ internals

    def _rename(self) -> set[str]:
        """Learn hosts' own names; the flows of a host whose name changed are judged (announced) again.

        The name is the host's, not a scan's: a policy or WSUS sync flow of the host shows it too.
        """
        names: dict[str, str] = {}
        for kind in self._kinds:
            learned = getattr(kind, "host_names", None)
            if learned is not None:
                for host, name in learned().items():
                    names.setdefault(host, name)
        if names == self._host_names:
            return set()
        hosts = {h for h in names.keys() | self._host_names.keys() if names.get(h) != self._host_names.get(h)}
        self._host_names = names
        self._updates_cache = None
        return {fid for fid, st in self._stitched.items() if st.flow.host in hosts}

    def _judge(self, fid: str, now: datetime, events: list[Event]) -> None:
        st = self._stitched.get(fid)
        if st is None:
            return
        # In collected logs "now" for a flow is its own host's newest record (never later than the
        # clock): another machine's busier logs cannot make this host's steps overdue, and a log that
        # ends is not a stall.
        host_now = self._loaded.newest.get(st.flow.host) if self.host_clock else None
        flow, next_change = judge(st.flow, now if host_now is None or host_now > now else host_now, awaiting=st.awaiting)
        flow.host_name = self._host_names.get(flow.host, flow.host_name)
        if not st.awaiting and flow.status in ("running", "stalled"):
            flow.status = "incomplete"  # a newer flow of the same host started: this one will not finish
        self._judged[fid] = flow
        if next_change is not None:
            self._due_of[fid] = next_change
            heapq.heappush(self._due, (next_change, fid))
            self._timed.add(fid)
        else:
            self._due_of.pop(fid, None)
            if any(s.due is not None for s in flow.steps):
                self._timed.add(fid)
            else:
                self._timed.discard(fid)
        self._diff(flow, events)

    def _diff(self, flow: Flow, events: list[Event]) -> None:
        cur = flow.current
        fsig = (flow.status, flow.started, flow.ended, cur.key if cur else None, flow.host_name, flow.zone_known)
        if self._flow_sig.get(flow.id) != fsig:
            self._flow_sig[flow.id] = fsig
            events.append(FlowEvent(flow.kind, flow.host, flow.id, flow.status, flow.started, flow.ended,
                                    cur.key if cur else None, flow.host_name, zone_known=flow.zone_known))
        sigs = self._step_sig.setdefault(flow.id, {})
        for step in flow.steps:
            sig = step.signature()
            old = sigs.get(step.key)
            if old == sig:
                continue
            sigs[step.key] = sig
            if old is None and step.status in ("pending", "unobserved"):
                continue
            events.append(StepEvent(flow.kind, flow.host, flow.id, step.key, step.status, step.at,
                                    step.detail, step.error, step.hint, zone_known=flow.zone_known))

    def _remove(self, removal: Removal) -> FlowEvent:
        flow = removal.flow
        fid = flow.id
        self._stitched.pop(fid, None)
        self._judged.pop(fid, None)
        self._due_of.pop(fid, None)
        self._timed.discard(fid)
        self._step_sig.pop(fid, None)
        self._flow_sig.pop(fid, None)
        return FlowEvent(flow.kind, flow.host, fid, "removed", flow.started, flow.ended, None, flow.host_name,
                         removal.into, removal.why, zone_known=flow.zone_known)

    def _prune(self) -> None:
        """Drop facts outside the retention window, and the oldest beyond ``max_facts``."""
        logs = [log for kind in self._kinds for log in kind.logs.values()]
        cutoff: datetime | None = None
        if self.newest is not None and self.retention is not None:
            cutoff = self.newest - self.retention
            if all(not log.facts or log.facts[0].utc >= cutoff for log in logs):
                cutoff = None
        if self._facts > self.max_facts:
            times = sorted(f.utc for log in logs for f in log.facts)
            keep = self.max_facts * 9 // 10  # prune in steps, not on every batch past the cap
            cap_cut = times[len(times) - keep]
            cutoff = cap_cut if cutoff is None or cap_cut > cutoff else cutoff
        if cutoff is None:
            return
        for log in logs:
            self._facts -= log.drop_before(cutoff)


def _newest_first(flow: Flow) -> tuple[datetime, str]:
    return (flow.started or _EPOCH_UTC, flow.id)

