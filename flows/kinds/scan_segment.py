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
from typing import Literal

from sumtrace.flows.catalog import SCAN_STEPS, STEP_INDEX
from sumtrace.flows.classify import Fact

SCAN_IDX = STEP_INDEX["scan"]
SegmentMode = Literal["scan", "offline", "deployment", "cache"]
# Where an evaluation's own records sit in the scan's order of steps, for segmentation.
_EVAL_IDX = {"trigger": SCAN_IDX["scan_request"], "results": SCAN_IDX["results"]}
EVAL_BURST_S = 10 * 60
# Records only a scan that asks the SUP's location writes.
_ASKED_SUP = frozenset({"requesting_locations", "location_request_id", "locations_requested", "ls_sent",
                        "on_location_update", "adding_update_source"})  # offline searches closer than this are one re-evaluation


def step_index(f: Fact) -> int:
    if f.flow == "evaluation":
        return _EVAL_IDX.get(f.step, SCAN_IDX["scan_request"])
    return SCAN_IDX[f.step]

RESTART_AT = {s.key: s.restart_at for s in SCAN_STEPS if s.restart_at is not None}
EPOCH_GAP_S = 6 * 3600
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
    agent_searches: int = 0  # WUA "Finding updates" searches by CcmExec
    comapi_searches: int = 0  # legacy COMAPI "Search [ClientId = CcmExec]" calls
    scan_evidence: bool = False  # records only a scan against the SUP writes (ScanJob, location request, update source)
    # What _by_updates asks of the facts, kept as they are added: ``mode`` is asked for every scan of a
    # host each time a policy delivery is described, and scanning the facts each time was quadratic.
    by_updates: bool = False  # a ``scan_by_updates`` record
    asked_sup: bool = False  # a record of asking for a WSUS location (_ASKED_SUP)
    # Whether any record's time is a local time of an unknown zone, kept as records are added for
    # the same reason: each update asked it of every segment of a changed host.
    assumed_local: bool = False

    def add(self, f: Fact) -> None:
        self.facts.append(f)
        self.steps[f.step].append(f)
        if f.entry.time_source == "assumed-local":
            self.assumed_local = True
        if f.name == "scan_by_updates":
            self.by_updates = True
        elif f.name in _ASKED_SUP:
            self.asked_sup = True
        if f.outcome == "note":
            return  # a note is shown on its step; it neither moves the scan on nor starts one
        idx = step_index(f)
        self.max_idx = max(self.max_idx, idx)
        if self.first is None:
            self.first = f.utc
        self.last = f.utc
        job = f.ids.get("scan_job")
        if job and self.job is None:
            self.job = job
        if f.name == "wu_agent_start":
            self.agent_searches += 1
        elif f.name == "wu_search_start":
            self.comapi_searches += 1
        if f.flow == "scan" and (idx < SCAN_IDX["update_source"] or job
                                 or (f.step == "update_source" and f.entry.format not in ("wu-legacy", "wu-etw"))):
            self.scan_evidence = True

    def _by_updates(self) -> bool:
        """A ScanAgent scan by update IDs that never asked for a WSUS location: a deployment evaluation."""
        return self.by_updates and not self.asked_sup

    @property
    def mode(self) -> SegmentMode:
        """What the client did: a scan against the SUP, or a re-evaluation without it (and how).

        A scan is what asks the SUP: a ScanJob, a location request, an update source added, or a
        WUA search with ``Online = Yes``. Searches that are all ``Online = No`` (by UpdateID or
        category, right after a scan or for a deployment) are an offline re-evaluation; a
        deployment evaluation with no search at all evaluates from the cached scan results.
        """
        if self.scan_evidence and not self._by_updates():
            return "scan"
        online = [f.values.get("online", "").lower() for f in self.steps.get("wua_search", []) if f.name == "wu_online"]
        if "yes" in online:
            return "scan"
        criteria = " ".join(f.values.get("criteria", "") for f in self.facts if f.name in ("wu_criteria", "wua_criteria"))
        by_id = "updateid" in criteria.lower().replace(" ", "") or "categoryids" in criteria.lower()
        if online or by_id:
            return "deployment" if any(f.flow == "evaluation" for f in self.facts) else "offline"
        if any(f.flow == "evaluation" for f in self.facts):
            return "deployment" if self.agent_searches or self.steps.get("search_complete") else "cache"
        return "scan"

    def first_id(self, name: str) -> str | None:
        for f in self.facts:
            if name in f.ids:
                return f.ids[name]
        return None


def _caller(f: Fact) -> str | None:
    """The caller a search record names ("" for legacy's blank automatic-update caller), or None."""
    for k in ("caller", "caller2"):
        if k in f.values:
            return f.values[k]
    return None


def _is_ccmexec(caller: str) -> bool:
    return caller.lower().startswith("ccmexec")


def filter_wu(facts: Sequence[Fact]) -> list[Fact]:
    """Keep WindowsUpdate.log search records only for searches ConfigMgr (CcmExec) asked for.

    Windows Update runs searches for many callers at once (the Store, Defender, its own
    scheduled scan, third-party agents), each on its own thread. A record that names its caller
    (a search's start, end or resumption) is kept when the caller is CcmExec and opens or closes
    that caller's search on its thread; a record that names none (Online = Yes, Criteria, updates
    found, exit code) belongs to the search open on its own thread. Failures of other components
    (notes) are kept when they fall inside a CcmExec search's time window, whatever their thread.
    """
    open_on: dict[int | None, bool] = {}  # thread → the search open on it is CcmExec's
    windows: list[tuple[datetime, datetime | None]] = []
    win_open: dict[int | None, datetime] = {}
    keep: list[bool] = []
    wu = ("wu-legacy", "wu-etw")
    for f in facts:
        if f.step != "wua_search" or f.entry.format not in wu:
            keep.append(True)
            continue
        thread = f.entry.thread
        caller = _caller(f)
        if f.outcome == "note":
            keep.append(False)  # decided below, once the windows are known
            continue
        if caller is not None:
            mine = _is_ccmexec(caller)
            if f.name in ("wu_agent_start", "wu_search_start", "wu_resumed", "wu_search_submitted"):
                open_on[thread] = mine
                if mine and f.name == "wu_agent_start":
                    win_open[thread] = f.utc
            elif f.name in ("wu_agent_end", "wu_search_end"):
                open_on.pop(thread, None)
                start = win_open.pop(thread, None) if f.name == "wu_agent_end" else None
                if start is not None:
                    windows.append((start, f.utc))
            keep.append(mine)
        else:
            keep.append(open_on.get(thread, False))
    windows.extend((start, None) for start in win_open.values())
    windows.sort(key=lambda w: w[0])
    starts = [a for a, _ in windows]
    out = []
    for f, k in zip(facts, keep):
        if not k and f.outcome == "note" and f.step == "wua_search" and f.entry.format in wu:
            i = bisect_right(starts, f.utc) - 1
            end = windows[i][1] if i >= 0 else None
            k = i >= 0 and (end is None or f.utc <= end)
        if k:
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
        if f.name in ("sm_adding", "sm_recorded", "sm_updated"):
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
    """Split one epoch of a client's facts into scans and re-evaluations.

    By ScanJob GUID where one is logged, else by scan cycle: a record of an earlier step than
    the current segment has reached starts the next one (the catalog's ``restart_at``), and so
    does every new CcmExec search once the segment has one (each search is one scan or one
    evaluation). Consecutive offline searches of one burst are then merged into one re-evaluation.
    """
    scans: list[ScanSegment] = []
    by_job: dict[str, ScanSegment] = {}
    cur: ScanSegment | None = None
    uploading: ScanSegment | None = None  # the segment whose state messages are being sent
    for f in resolve_messaging(filter_wu(facts)):
        if f.outcome == "note":
            if cur is not None:
                cur.add(f)
            continue
        if f.step == "state_upload" and cur is not None:
            # The 15-minute state message cycle sends what earlier segments recorded, often after a
            # re-evaluation began: it belongs to the segment whose states it carries.
            uploading = _upload_target(scans, f, uploading)
            uploading.add(f)
            continue
        job = f.ids.get("scan_job")
        if job and job in by_job:
            target = by_job[job]
            target.add(f)
            if target is cur or (cur is not None and target.first and cur.first and target.first > cur.first):
                cur = target
            continue
        new = cur is None
        if cur is not None:
            limit = RESTART_AT.get(f.step) if f.flow == "scan" else RESTART_AT.get("scan_request")
            if job and cur.job and job != cur.job:
                new = True
            elif f.name == "wu_agent_start":
                new = cur.agent_searches > 0 or (cur.max_idx > SCAN_IDX["wua_search"] and cur.comapi_searches == 0)
            elif f.name == "wu_search_start":  # COMAPI's call (federated, then per service) precedes the agent's search
                new = cur.agent_searches > 0 or cur.max_idx > SCAN_IDX["wua_search"]
            elif limit is not None and cur.max_idx >= limit:
                new = f.step != "wua_search"
        if new:
            cur = ScanSegment(f.host)
            scans.append(cur)
        assert cur is not None
        cur.add(f)
        if job and job not in by_job:
            by_job[job] = cur
    return _merge_bursts([s for s in scans if s.first is not None])


def _upload_target(scans: Sequence[ScanSegment], f: Fact, last: ScanSegment | None) -> ScanSegment:
    """The segment a state upload record belongs to: the one whose recorded topics it carries,
    else the one already uploading (within the cycle), else the newest with recorded states."""
    carried = set(f.values.get("topics", "").split(",")) if f.values.get("topics") else set()
    if carried:
        wanted = {t.split(":")[0] for t in carried}
        for seg in reversed(scans):
            if wanted & {g.ids["topic"] for g in seg.steps.get("update_states", []) if "topic" in g.ids}:
                return seg
    if last is not None and last.last is not None and (f.utc - last.last).total_seconds() <= _UPLOAD_S:
        return last
    for seg in reversed(scans):
        if seg.steps.get("update_states") and not any(g.outcome == "done" for g in seg.steps.get("state_upload", [])):
            return seg
    return scans[-1]


_UPLOAD_S = 5 * 60


def _merge_bursts(segs: list[ScanSegment]) -> list[ScanSegment]:
    """Consecutive re-evaluations with less than :data:`EVAL_BURST_S` between them are one."""
    out: list[ScanSegment] = []
    for s in segs:
        prev = out[-1] if out else None
        if (prev is not None and s.mode != "scan" and prev.mode != "scan" and prev.last is not None
                and s.first is not None and (s.first - prev.last).total_seconds() <= EVAL_BURST_S):
            for f in s.facts:
                prev.add(f)
            continue
        out.append(s)
    return out
