"""Segmenting one client's scan records into scans.

A client's records are first cut into *epochs* at every silence of more than six hours (a scan
never spans one; see :data:`EPOCH_GAP_S`), then each epoch into scans: by ScanJob GUID where one
is logged, else by scan cycle (a record of an earlier step than the scan has reached starts the
next scan, per the catalog's ``restart_at``). Epochs are independent of each other, so the
incremental tracker re-segments only the epochs new records fall in.

WindowsUpdate.log searches are kept only when ConfigMgr (CcmExec) asked for them, and CcmMessaging
records get their step from the queue their message went to (location request or state upload).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sumtrace.flows.catalog import SCAN_STEPS, STEP_INDEX
from sumtrace.flows.classify import Fact

SCAN_IDX = STEP_INDEX["scan"]
RESTART_AT = {s.key: s.restart_at for s in SCAN_STEPS if s.restart_at is not None}
EPOCH_GAP_S = 6 * 3600
_WU_STARTERS = frozenset({"wu_search_start", "wu_agent_start"})
_STATE_TOPIC_TYPES = frozenset({"500", "501"})


@dataclass(slots=True)
class ScanSegment:
    """One scan's own client records, by step, plus what segmentation needs to know of it."""

    host: str
    facts: list[Fact] = field(default_factory=list)
    job: str | None = None
    max_idx: int = -1
    first: datetime | None = None
    last: datetime | None = None
    steps: dict[str, list[Fact]] = field(default_factory=lambda: defaultdict(list))

    def add(self, f: Fact) -> None:
        self.facts.append(f)
        self.steps[f.step].append(f)
        self.max_idx = max(self.max_idx, SCAN_IDX[f.step])
        if self.first is None:
            self.first = f.utc
        self.last = f.utc
        job = f.ids.get("scan_job")
        if job and self.job is None:
            self.job = job

    def first_id(self, name: str) -> str | None:
        for f in self.facts:
            if name in f.ids:
                return f.ids[name]
        return None


def filter_wu(facts: Sequence[Fact]) -> list[Fact]:
    """Keep WindowsUpdate.log search records only for searches ConfigMgr (CcmExec) asked for.

    A record that names its caller is kept when the caller is CcmExec; one that does not is kept
    when it falls inside a CcmExec search, from its start to its end (or to the next search's
    start, when a failed search never logs an end).
    """
    windows: list[tuple[datetime, datetime | None]] = []
    open_start: datetime | None = None
    for f in facts:
        if f.step != "wua_search" or f.entry.format not in ("wu-legacy", "wu-etw"):
            continue
        caller = f.values.get("caller") or f.values.get("caller2")
        if f.name == "wu_search_start":
            if open_start is not None:
                windows.append((open_start, f.utc))
            open_start = f.utc if caller and caller.lower().startswith("ccmexec") else None
        elif f.name == "wu_search_end" and open_start is not None:
            windows.append((open_start, f.utc))
            open_start = None
    if open_start is not None:
        windows.append((open_start, None))
    starts = [a for a, _ in windows]
    out = []
    for f in facts:
        if f.step == "wua_search" and f.entry.format in ("wu-legacy", "wu-etw"):
            caller = f.values.get("caller") or f.values.get("caller2")
            if caller:
                if not caller.lower().startswith("ccmexec"):
                    continue
            else:
                i = bisect_right(starts, f.utc) - 1
                end = windows[i][1] if i >= 0 else None
                if i < 0 or (end is not None and f.utc > end):
                    continue
        out.append(f)
    return out


def resolve_messaging(facts: Sequence[Fact]) -> list[Fact]:
    """Give CcmMessaging records their step from the queue their message was sent to."""
    queue_of: dict[str, str] = {}
    for f in facts:
        if f.name == "msg_queued":
            queue_of[f.ids["message"]] = f.values.get("queue", "").lower()
    out = []
    last_kind: str | None = None
    for f in facts:
        f.step = f.rule_step  # resolution must be idempotent: every re-stitch starts from the rule's step
        if f.step == "?" or f.name in ("msg_post", "msg_no_reply"):
            queue = f.values.get("queue", "").lower() or queue_of.get(f.ids.get("message", ""), "")
            if f.name == "msg_post":
                queue = last_kind or ""
            kind = "location" if "locationmanager" in queue else "relay" if "relayendpoint" in queue else None
            if kind is None:
                continue
            if f.name in ("msg_queued", "msg_sending"):
                last_kind = queue
                f.step = "mp_send" if kind == "location" else "state_upload"
            elif f.name == "msg_delivered":
                f.step = "mp_reply" if kind == "location" else "state_upload"
            elif f.name == "msg_error":
                f.step = "mp_send" if kind == "location" else "state_upload"
            else:
                f.step = "state_upload"
        if f.name in ("sm_adding", "sm_recorded"):
            topic_type = f.values.get("topic_type")
            if topic_type not in _STATE_TOPIC_TYPES:
                continue
            if topic_type == "501":  # the UpdateSource scan state ScanAgent raises when it requests the scan
                f.step = "scan_request"
        if f.name in ("msg_got_reply", "msg_delivered_local"):
            where = (f.values.get("queue") or f.values.get("endpoint") or "").lower()
            if "ls_replylocations" not in where:
                continue
        out.append(f)
    return out


def segment(facts: Sequence[Fact]) -> list[ScanSegment]:
    """Split one epoch of a client's facts into scans: by ScanJob GUID where logged, else by scan cycle."""
    scans: list[ScanSegment] = []
    by_job: dict[str, ScanSegment] = {}
    cur: ScanSegment | None = None
    for f in resolve_messaging(filter_wu(facts)):
        job = f.ids.get("scan_job")
        if job and job in by_job:
            target = by_job[job]
            target.add(f)
            if target is cur or (cur is not None and target.first and cur.first and target.first > cur.first):
                cur = target
            continue
        new = cur is None
        if cur is not None and f.name in ("policy_available", "policy_added") and any(
                x.name == "no_policy" for x in cur.facts):
            new = True
        elif cur is not None:
            limit = RESTART_AT.get(f.step)
            if job and cur.job and job != cur.job:
                new = True
            elif limit is not None and cur.max_idx >= limit:
                new = f.step != "wua_search" or f.name in _WU_STARTERS
        if new:
            cur = ScanSegment(f.host)
            scans.append(cur)
        assert cur is not None
        cur.add(f)
        if job and job not in by_job:
            by_job[job] = cur
    return scans
