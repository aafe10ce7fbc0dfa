"""The scan flow: one client's software-update scan, from the UpdateSource policy to summarization.

Phases, each re-run only where new facts can have changed something:

* **route**: the client's own scan records go to that client's partition; the MP's lookups and
  relays, StateSys batches, SUM tasks and WSUS IIS errors go to one partition per machine.
* **segment**: a client's records are cut into *epochs* at every silence of more than six hours
  (a scan never spans one), then each changed epoch is cut into scans by ScanJob GUID where one
  is logged, else by scan cycle (a record of an earlier step than the scan has reached starts the
  next scan, per the catalog's ``restart_at``). Epochs are independent, so re-segmenting the
  newest one gives what segmenting everything would.
* **join**: the other machines' episodes are matched to scans through time-indexed lookups
  (UpdateSource + content version + client IP for MP lookups; state topic, serial, NetBIOS or
  time for relays; SMX file name or time for StateSys; time for SUM tasks and IIS errors).
* **describe**/**diagnose**: each scan becomes a :class:`Flow` whose steps are filled from their
  own records; the diagnosis adds what the evidence as a whole shows (a GPO override, an empty
  location reply, bad state message files, a missing policy).

A scan's id is ``scan:<host>:<UTC time of its first record>``, fixed once its first record is
seen; the ScanJob GUID is an id field, not the key.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sumtrace.flows import diagnose
from sumtrace.flows.catalog import SCAN_STEPS, STEP_INDEX
from sumtrace.flows.classify import Fact
from sumtrace.flows.errorcodes import describe
from sumtrace.flows.judge import settle
from sumtrace.flows.kinds.base import Change, FlowKindModule, Removal, Stitched, add_to
from sumtrace.flows.model import Flow, Step, UpdateRow
from sumtrace.flows.steps import fill
from sumtrace.flows.stitch import FactKey, FactLog, Loaded, Runs, SortedFacts, TimeIndex, episodes, gap_runs
from sumtrace.flows.vocab import FlowKind

SCAN_IDX = STEP_INDEX["scan"]
RESTART_AT = {s.key: s.restart_at for s in SCAN_STEPS if s.restart_at is not None}
EPOCH_GAP_S = 6 * 3600
_WU_STARTERS = frozenset({"wu_search_start", "wu_agent_start"})
_STATE_TOPIC_TYPES = frozenset({"500", "501"})
_MIN = timedelta(minutes=1)


def flow_id(kind: str, host: str, first: datetime) -> str:
    """``scan:PC01:2014-01-20T17:18:09.123Z``: the kind, the host as given, the first record's UTC time."""
    return f"{kind}:{host}:{first.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}Z"


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


# ----------------------------------------------------------------------------- segment


def filter_wu(facts: Sequence[Fact]) -> list[Fact]:
    """Keep WindowsUpdate.log search records only for searches ConfigMgr (CcmExec) asked for."""
    windows: list[tuple[datetime, datetime | None]] = []
    open_start: datetime | None = None
    for f in facts:
        if f.step != "wua_search" or f.entry.format not in ("wu-legacy", "wu-etw"):
            continue
        caller = f.values.get("caller") or f.values.get("caller2")
        if f.name == "wu_search_start":
            open_start = f.utc if caller and caller.lower().startswith("ccmexec") else None
        elif f.name == "wu_search_end" and open_start is not None:
            windows.append((open_start, f.utc))
            open_start = None
    if open_start is not None:
        windows.append((open_start, None))
    out = []
    for f in facts:
        if f.step == "wua_search" and f.entry.format in ("wu-legacy", "wu-etw"):
            caller = f.values.get("caller") or f.values.get("caller2")
            if caller:
                if not caller.lower().startswith("ccmexec"):
                    continue
            elif not any(a <= f.utc and (b is None or f.utc <= b) for a, b in windows):
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


# ----------------------------------------------------------------------------- join


@dataclass(slots=True)
class _Joins:
    """Records from other machines attached to each scan (by scan id), and how they were joined."""

    steps: dict[str, dict[str, list[Fact]]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(list)))
    how: dict[str, dict[str, str]] = field(default_factory=lambda: defaultdict(dict))

    def attach(self, sid: str, step: str, facts: Sequence[Fact], how: str) -> None:
        self.steps[sid][step].extend(facts)
        self.how[sid][step] = how

    def sig(self, sid: str) -> tuple[object, ...]:
        steps = self.steps.get(sid)
        if not steps:
            return ()
        return tuple((k, len(v), v[0].key, v[-1].key, self.how[sid].get(k)) for k, v in sorted(steps.items()))


def _topics(f: Fact | None) -> list[str]:
    if f is None or not f.values.get("topics"):
        return []
    return [t.split(":")[0] for t in f.values["topics"].split(",")]


def _scan_topics(s: ScanSegment) -> set[str]:
    out = {f.ids["topic"] for f in s.steps.get("update_states", []) if "topic" in f.ids}
    for f in s.steps.get("state_upload", []):
        out.update(_topics(f))
    return out


def _upload_anchor(s: ScanSegment) -> Fact | None:
    up = s.steps.get("state_upload", [])
    for name in ("msg_post", "sm_forwarded", "sm_body"):
        for f in up:
            if f.name == name:
                return f
    return None


def _done_at(facts: Sequence[Fact]) -> datetime | None:
    done = [f.utc for f in facts if f.outcome == "done"]
    return max(done) if done else None


def join_mp_lookup(scans: Sequence[tuple[str, ScanSegment]], eps: Sequence[list[Fact]], joins: _Joins) -> None:
    """An MP lookup belongs to the scan whose location request went out just before it."""
    anchors: list[tuple[datetime, tuple[str, ScanSegment, Fact | None]]] = []
    for sid, s in scans:
        loc = s.steps.get("location_request", [])
        sent = next((f for f in loc if f.name == "ls_request_body"), None)
        anchor = sent or (loc[0] if loc else None)
        if anchor is not None:
            anchors.append((anchor.utc, (sid, s, sent)))
    index = TimeIndex(anchors)
    for ep in eps:
        req = next((f for f in ep if f.name == "mp_request_body"), None)
        if req is None:
            continue
        source = req.ids.get("update_source")
        version = req.values.get("content_version")
        ips = set(req.values.get("client_ips", "").split())
        best: tuple[float, str] | None = None
        for sid, s, sent in index.between(req.utc - timedelta(seconds=900), req.utc + timedelta(seconds=120)):
            s_source = s.first_id("update_source")
            if source and s_source and source != s_source:
                continue
            if version and sent and sent.values.get("content_version") not in (None, version):
                continue
            if ips and sent and sent.values.get("client_ips") and not ips & set(sent.values["client_ips"].split()):
                continue
            anchor_t = (sent or s.steps["location_request"][0]).utc
            delta = abs((req.utc - anchor_t).total_seconds())
            if best is None or delta < best[0]:
                best = (delta, sid)
        if best is not None:
            joins.attach(best[1], "mp_lookup", ep, "update_source+content_version" + ("+client_ip" if ips else ""))


def join_relay(scans: Sequence[tuple[str, ScanSegment]], eps: Sequence[list[Fact]], posts: SortedFacts,
               joins: _Joins) -> None:
    """A relay belongs to the scan whose state messages were posted just before it (one relay per scan)."""
    anchors = [(a.utc, (sid, s)) for sid, s in scans if (a := _upload_anchor(s)) is not None]
    index = TimeIndex(anchors)
    used: set[str] = set()
    for ep in sorted(eps, key=lambda e: e[0].key):
        start = ep[0]
        body = next((f for f in ep if f.name == "relay_body"), None)
        netbios = body.values.get("netbios") if body else None
        topics = set(_topics(body)) if body else set()
        best: tuple[float, str, str] | None = None
        for sid, s in index.between(start.utc - timedelta(seconds=600), start.utc + timedelta(seconds=120)):
            if sid in used:
                continue
            upload = _upload_anchor(s)
            assert upload is not None
            delta = (start.utc - upload.utc).total_seconds()
            how = "time"
            s_topics = _scan_topics(s)
            if topics and s_topics:
                if not topics & s_topics:
                    continue
                how = "state_topic+serial"
            elif netbios and s.steps.get("state_upload"):
                names = {f.values.get("netbios") for f in s.steps["state_upload"]}
                if netbios not in names:
                    continue
                how = "netbios"
            if best is None or abs(delta) < best[0]:
                best = (abs(delta), sid, how)
        if best is None:
            continue
        used.add(best[1])
        near = posts.between(start.utc - timedelta(seconds=30), start.utc + timedelta(seconds=30))
        joins.attach(best[1], "mp_relay", sorted([*ep, *near], key=lambda x: x.key), best[2])


def join_statesys(scans: Sequence[tuple[str, ScanSegment]], batches: Sequence[list[Fact]],
                  tasks: SortedFacts, joins: _Joins) -> None:
    """StateSys loads the scan's SMX file (by name when logged, else the first batch after the relay)."""
    by_smx: dict[str, list[Fact]] = {}
    timed: list[tuple[datetime, list[Fact]]] = []
    for batch in sorted(batches, key=lambda b: b[0].key):
        files = {f.values.get("smx", "").upper() for f in batch if f.name == "ss_processing_file"}
        for name in files:
            by_smx.setdefault(name, batch)
        timed.append((batch[0].utc, batch))
    all_index = TimeIndex(timed)
    fileless = TimeIndex((t, b) for t, b in timed if not any(f.name == "ss_processing_file" for f in b))
    for sid, s in scans:
        relay = joins.steps.get(sid, {}).get("mp_relay", [])
        smx = {f.values.get("smx", "").upper() for f in relay if f.values.get("smx")}
        anchor = _done_at(relay) or _done_at(s.steps.get("state_upload", []))
        if anchor is None:
            continue
        lo, hi = anchor - _MIN, anchor + timedelta(minutes=20)
        chosen: list[Fact] | None = None
        how = "time"
        if smx:
            named = [by_smx[n] for n in smx if n in by_smx]
            in_time = fileless.between(lo, hi)
            candidates = [(b[0].key, b, "smx_file") for b in named] + [(b[0].key, b, "time") for b in in_time[:1]]
            if candidates:
                _, chosen, how = min(candidates, key=lambda c: c[0])
        else:
            in_time = all_index.between(lo, hi)
            chosen = in_time[0] if in_time else None
        if chosen is None:
            continue
        joins.attach(sid, "state_processing", chosen, how)
        task_facts = _sum_task(tasks, max(f.utc for f in chosen))
        if task_facts:
            joins.attach(sid, "summarization", task_facts, "time")


def _sum_task(tasks: SortedFacts, after: datetime) -> list[Fact]:
    """The first SUM summarization task that starts (and its end) after the state messages were processed."""
    started: dict[str, Fact] = {}
    for f in tasks.from_time(after):
        task = f.values.get("task", "")
        if not (task.upper().startswith("SUM ") or task.startswith("<")):
            continue
        if f.name == "ss_task_started":
            started.setdefault(task, f)
        elif f.name in ("ss_task_done", "ss_task_failed"):
            return [x for x in (started.get(task), f) if x is not None]
        if len(started) > 50:
            break
    return list(started.values())[:1]


def join_wsus_iis(scans: Sequence[tuple[str, ScanSegment]], hits: SortedFacts, joins: _Joins) -> None:
    """WSUS IIS errors (4xx/5xx) logged while the scan's WUA search ran are evidence of that search."""
    for sid, s in scans:
        search = s.steps.get("wua_search", [])
        if search:
            found = [f for f in hits.between(search[0].utc - _MIN, search[-1].utc + _MIN) if f.outcome == "fail"]
            if found:
                joins.attach(sid, "wua_search", found[:10], "")


# ----------------------------------------------------------------------------- describe and diagnose


def _label(s: ScanSegment) -> str:
    return f"scan {s.job[:8].lower()}" if s.job else "scan cycle"


def _scan_ids(s: ScanSegment) -> dict[str, object]:
    ids: dict[str, object] = {"update_source": None, "content_version": None, "scan_job": s.job,
                              "location_request": None, "messages": []}
    messages: list[str] = []
    for f in s.facts:
        for k in ("update_source", "location_request"):
            if ids.get(k) is None and k in f.ids:
                ids[k] = f.ids[k]
        if ids["content_version"] is None and "content_version" in f.values:
            ids["content_version"] = f.values["content_version"]
        for k in ("message", "reply"):
            if k in f.ids and f.ids[k] not in messages:
                messages.append(f.ids[k])
    ids["messages"] = messages
    return ids


def describe_scan(sid: str, s: ScanSegment, joined: Mapping[str, list[Fact]], how: Mapping[str, str],
                  loaded: Loaded, superseded: bool, host_name: str | None) -> Flow:
    flow = Flow("scan", s.host, sid, ids=_scan_ids(s), label=_label(s), host_name=host_name)
    for spec in SCAN_STEPS:
        facts = sorted([*s.steps.get(spec.key, []), *joined.get(spec.key, [])], key=lambda f: f.key)
        step = Step(spec.key, spec.title, expected=spec.expected)
        fill(step, facts, how.get(spec.key) or None)
        if not facts:
            observed = loaded.any(spec.logs) if spec.role != "client" else loaded.host(s.host, spec.logs)
            step.status = "pending" if observed else "unobserved"
        flow.steps.append(step)
    diagnose_scan(flow, s, joined, superseded)
    settle(flow)
    return flow


def diagnose_scan(flow: Flow, s: ScanSegment, joined: Mapping[str, list[Fact]], superseded: bool) -> None:
    """What the scan's evidence as a whole says about a failed step, beyond its own records."""
    names = {f.name for f in s.facts}
    for step in flow.steps:
        if step.status == "failed":
            code = step.error.code if step.error else None
            if step.key == "update_source" and "wua_gpo_override" in names:
                step.hint = diagnose.hint("gpo_override")
                if step.error is None:
                    step.error = describe(0x87D00692)
            elif step.key == "wua_search" and "wu_metadata_oom" in names:
                step.hint = diagnose.hint("memory")
            elif step.key == "update_source":
                step.hint = diagnose.hint_for_code(code) or diagnose.hint("add_source_failed")
            elif step.key == "state_processing":
                step.hint = diagnose.hint("bad_files")
            else:
                step.hint = diagnose.hint_for_code(code) or diagnose.hint("scan_failed")
    policy = flow.step("policy")
    if policy.status == "warning" and not superseded and flow.step("location_request").status in ("pending", "unobserved"):
        policy.status = "failed"
        policy.detail = "no UpdateSource policy: 'Software Updates client configuration policy has not been received'"
        policy.error = describe(0x87D00600)
        policy.hint = diagnose.hint("no_policy")
    loc = flow.step("locations")
    if any(f.name == "ls_reply_body" and f.values.get("records") == "0" for f in s.steps.get("locations", [])):
        loc.status = "failed"
        loc.detail = "location reply has no LocationRecord"
        loc.hint = diagnose.hint("empty_reply")
    lookup = flow.step("mp_lookup")
    if lookup.status == "ok" and any(f.values.get("records") == "0" for f in joined.get("mp_lookup", [])):
        lookup.status = "failed"
        lookup.detail = "MP_GetWSUSServerLocations returned no LocationRecord"
        lookup.hint = diagnose.hint("empty_reply")
    ss = flow.step("state_processing")
    if any(f.name == "ss_batch" and f.values.get("bad", "0") != "0" for f in joined.get("state_processing", [])):
        ss.status = "failed"
        ss.hint = diagnose.hint("bad_files")


# ----------------------------------------------------------------------------- updates table


def updates_of(host: str, scans: Sequence[tuple[str, ScanSegment]], joins: _Joins, loaded: Loaded) -> list[UpdateRow]:
    rows: dict[str, UpdateRow] = {}
    processed_known = loaded.any(("statesys",))
    for sid, s in scans:
        processing = joins.steps.get(sid, {}).get("state_processing", [])
        processed = bool(processing) and all(f.values.get("bad", "0") == "0" for f in processing if f.name == "ss_batch")
        upload = s.steps.get("state_upload", [])
        forwarded_topics: set[str] = set()
        forwarded_any = any(f.name == "sm_forwarded" for f in upload)
        for f in upload:
            forwarded_topics.update(_topics(f))
        for f in s.facts:
            uid = f.ids.get("update") or (f.ids.get("topic") if f.name in ("sm_recorded", "sm_adding") else None)
            if not uid or f.name == "wua_pruning":
                continue
            row = rows.get(uid)
            if row is None:
                if f.name == "wu_added_update":
                    continue  # WUA found it but ConfigMgr pruned it (superseded): not a row of its own
                row = rows[uid] = UpdateRow(host, uid.lower())
            row.seen = f.utc
            if f.name == "wua_update_state":
                row.state = f.values.get("state", "unknown").lower()
                title = f.values.get("title", "")
                row.title = title
                row.kb = _kb(title) or row.kb
                if f.values.get("revision", "").isdigit():
                    row.revision = int(f.values["revision"])
            elif f.name == "wu_added_update" and row.revision is None and f.values.get("revision", "").isdigit():
                row.revision = int(f.values["revision"])
            elif f.name == "sm_recorded":
                row.recorded = True
        for uid, row in rows.items():
            if row.recorded:
                if forwarded_topics:
                    row.forwarded = row.forwarded or uid in forwarded_topics
                else:
                    row.forwarded = row.forwarded or forwarded_any
                row.processed = (row.processed or (row.forwarded and processed)) if processed_known else None
    return sorted(rows.values(), key=lambda r: (r.state != "missing", r.kb, r.update_id))


def _kb(title: str) -> str:
    i = title.upper().rfind("(KB")
    if i == -1:
        return ""
    j = title.find(")", i)
    return title[i + 1: j] if j != -1 else ""


# ----------------------------------------------------------------------------- the kind


class ScanKind:
    """Scans of every client, stitched incrementally (see the module docstring)."""

    kind: FlowKind = "scan"

    def __init__(self) -> None:
        self.logs: dict[str, FactLog] = {}
        self._epochs: dict[str, Runs] = {}
        self._segs: dict[str, list[list[ScanSegment]]] = {}
        self._remote: dict[str, Runs] = {}
        self._names: dict[str, tuple[FactKey, str]] = {}
        self._stitched: dict[str, Stitched] = {}
        self._by_host: dict[str, list[str]] = {}
        self._updates: dict[str, list[UpdateRow]] = {}
        self._update_sig: dict[str, tuple[object, ...]] = {}
        self._loaded_version = -1
        self.changed_hosts: set[str] = set()  # hosts whose scans changed in the last stitch (policy links)

    def route(self, f: Fact) -> str | None:
        if f.role == "client":
            return f"client:{f.host}" if f.flow == "scan" else None
        if f.flow != "scan":
            return None
        if f.name == "iis_wsus_client":
            return f"iis_wsus:{f.host}"
        if f.step == "mp_lookup":
            return f"mp_lookup:{f.host}"
        if f.step == "mp_relay":
            return f"iis_post:{f.host}" if f.name == "iis_ccm_post" else f"mp_relay:{f.host}"
        if f.step == "state_processing":
            return f"statesys:{f.host}"
        if f.step == "summarization":
            return f"sumtask:{f.host}"
        return None

    def add(self, part: str, facts: list[Fact]) -> None:
        add_to(self.logs, part, facts)

    def current(self) -> Mapping[str, Stitched]:
        return self._stitched

    def scans_of(self, host: str) -> list[Flow]:
        """The host's scans, oldest first (stitched, not judged)."""
        return [self._stitched[i].flow for i in self._by_host.get(host, [])]

    def updates(self) -> list[UpdateRow]:
        return [row for host in sorted(self._updates) for row in self._updates[host]]

    # ------------------------------------------------------------------ stitch

    def _remote_runs(self, prefix: str) -> list[list[Fact]]:
        return [run for part, runs in sorted(self._remote.items()) if part.startswith(prefix) for run in runs.runs]

    def _remote_facts(self, prefix: str) -> SortedFacts:
        return SortedFacts.merged(log for part, log in sorted(self.logs.items()) if part.startswith(prefix))

    def stitch(self, loaded: Loaded, kinds: Mapping[FlowKind, FlowKindModule]) -> Change:
        change = Change()
        self.changed_hosts = set()
        dirty_hosts: set[str] = set()
        remote_dirty = False
        for part, log in self.logs.items():
            if not log.dirty:
                continue
            dirty = log.take_dirty()
            kind, _, host = part.partition(":")
            if kind == "client":
                self._resegment(host, log, dirty)
                dirty_hosts.add(host)
            else:
                remote_dirty = True
                runs = self._remote.get(part)
                if runs is None:
                    runs = self._remote[part] = Runs(_REMOTE_SPLIT.get(kind, lambda fs: [list(fs)]))
                runs.refresh(log, dirty)
        loaded_changed = loaded.version != self._loaded_version
        self._loaded_version = loaded.version
        if not dirty_hosts and not remote_dirty and not loaded_changed:
            return change
        # Which scans exist now, per host, in order; ids from each scan's first record.
        hosts: dict[str, list[tuple[str, ScanSegment]]] = {}
        for host, epochs in self._segs.items():
            scans = [s for ep in epochs for s in ep]
            # A "policy not received yet" that a later scan cycle answered is history, not a finding.
            scans = [sc for i, sc in enumerate(scans)
                     if i == len(scans) - 1 or any(x.name != "no_policy" for x in sc.facts)]
            hosts[host] = _with_ids(host, scans)
        every = [pair for pairs in hosts.values() for pair in pairs]
        joins = _Joins()
        join_mp_lookup(every, self._remote_runs("mp_lookup:"), joins)
        join_relay(every, self._remote_runs("mp_relay:"), self._remote_facts("iis_post:"), joins)
        join_statesys(every, self._remote_runs("statesys:"), self._remote_facts("sumtask:"), joins)
        join_wsus_iis(every, self._remote_facts("iis_wsus:"), joins)
        alive: set[str] = set()
        for host, pairs in hosts.items():
            name = self._names.get(host, (None, None))[1]
            for i, (sid, s) in enumerate(pairs):
                alive.add(sid)
                superseded = i < len(pairs) - 1
                sig = (len(s.facts), s.facts[0].key, s.facts[-1].key, superseded, loaded.version, name,
                       joins.sig(sid))
                old = self._stitched.get(sid)
                if old is not None and old.sig == sig:
                    continue
                flow = describe_scan(sid, s, joins.steps.get(sid, {}), joins.how.get(sid, {}), loaded, superseded, name)
                st = Stitched(flow, awaiting=not superseded, sig=sig)
                self._stitched[sid] = st
                change.changed[sid] = st
                self.changed_hosts.add(host)
            ids = [sid for sid, _ in pairs]
            self._by_host[host] = ids
            usig = tuple(self._stitched[sid].sig for sid in ids)
            if self._update_sig.get(host) != usig:
                self._update_sig[host] = usig
                self._updates[host] = updates_of(host, pairs, joins, loaded)
                change.updates_changed = True
        for sid in [sid for sid in self._stitched if sid not in alive]:
            gone = self._stitched.pop(sid).flow
            change.removed.append(self._removal(gone, hosts.get(gone.host, [])))
            self.changed_hosts.add(gone.host)
        return change

    def _resegment(self, host: str, log: FactLog, dirty: FactKey | None) -> None:
        runs = self._epochs.get(host)
        if runs is None:
            runs = self._epochs[host] = Runs(lambda fs: gap_runs(fs, EPOCH_GAP_S))
        k = runs.refresh(log, dirty)
        segs = self._segs.setdefault(host, [])
        del segs[k:]
        for epoch in runs.runs[k:]:
            segs.append(segment(epoch))
        # The machine's own name, from the earliest state message that says it.
        best = self._names.get(host)
        start = 0 if dirty is None else next((i for i, f in enumerate(log.facts) if f.key >= dirty), len(log.facts))
        for f in log.facts[start:]:
            nb = f.values.get("netbios")
            if nb and (best is None or f.key < best[0]):
                best = (f.key, nb)
                break
        if best is not None:
            self._names[host] = best

    def _removal(self, gone: Flow, pairs: Sequence[tuple[str, ScanSegment]]) -> Removal:
        """Where a vanished scan went: the scan now holding its first record, else the next one."""
        anchor = gone.started
        if anchor is not None:
            for sid, s in pairs:
                if s.first is not None and s.last is not None and s.first <= anchor <= s.last:
                    return Removal(gone, "merged", sid)
            for sid, s in pairs:
                if s.first is not None and s.first > anchor:
                    return Removal(gone, "superseded", sid)
        return Removal(gone, "dropped", None)


def _with_ids(host: str, scans: Sequence[ScanSegment]) -> list[tuple[str, ScanSegment]]:
    """Each scan's id from its first record; two scans starting in the same millisecond get ``#2``, ``#3``."""
    out: list[tuple[str, ScanSegment]] = []
    seen: dict[str, int] = {}
    for s in scans:
        sid = flow_id("scan", host, s.facts[0].utc)
        n = seen[sid] = seen.get(sid, 0) + 1
        out.append((sid if n == 1 else f"{sid}#{n}", s))
    return out


_REMOTE_SPLIT = {
    "mp_lookup": lambda fs: episodes(fs, frozenset({"mp_request_body"}), frozenset({"mp_reply_body"}), 120),
    "mp_relay": lambda fs: episodes(fs, frozenset({"relay_start"}), frozenset(), 300),
    "statesys": lambda fs: episodes(fs, frozenset({"ss_found", "ss_inbox_trigger"}), frozenset({"ss_thread_done"}), 120),
}
