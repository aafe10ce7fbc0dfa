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

import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone

from sumtrace.flows import diagnose
from sumtrace.flows.catalog import EVALUATION_STEPS, SCAN_STEPS
from sumtrace.flows.classify import Fact
from sumtrace.flows.errorcodes import describe
from sumtrace.flows.judge import settle
from sumtrace.flows.kinds.base import Change, FlowKindModule, KindBase, Removal, Stitched
from sumtrace.flows.kinds.scan_joins import ScanJoiner, topics
from sumtrace.flows.kinds.scan_segment import EPOCH_GAP_S, ScanSegment, segment
from sumtrace.flows.kinds.statesys import statesys_batches
from sumtrace.flows.model import Flow, Step, UpdateRow
from sumtrace.flows.steps import fill, unseen
from sumtrace.flows.stitch import FactKey, FactLog, Loaded, Runs, SortedFacts, episodes, gap_runs
from sumtrace.flows.vocab import FlowKind

_CLIENT_LOGS = tuple(sorted({log for spec in SCAN_STEPS if spec.role == "client" for log in spec.logs}))


def flow_id(kind: str, host: str, first: datetime, zone_known: bool = True) -> str:
    """``scan:PC01:2014-01-20T17:18:09.123Z``: the kind, the host as given, the first record's UTC
    time (its local time, without ``Z``, when the host's zone is unknown)."""
    return f"{kind}:{host}:{first.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}{'Z' if zone_known else ''}"


# ----------------------------------------------------------------------------- describe and diagnose


def _label(s: ScanSegment) -> str:
    if s.job:
        return f"scan {s.job[:8].lower()}"
    online = any(f.name == "wu_online" and f.values.get("online", "").lower() == "yes" for f in s.facts)
    return "online scan" if online else "scan cycle"


def _scan_ids(s: ScanSegment) -> dict[str, object]:
    ids: dict[str, object] = {"update_source": None, "content_version": None, "scan_job": s.job,
                              "location_request": None, "messages": []}
    messages: dict[str, None] = {}  # in order of first appearance, each once (a list lookup was quadratic)
    for f in s.facts:
        fids = f.ids
        if fids:
            for k in ("update_source", "location_request"):
                if ids.get(k) is None and k in fids:
                    ids[k] = fids[k]
            for k in ("message", "reply"):
                if k in fids:
                    messages.setdefault(fids[k])
        if ids["content_version"] is None and "content_version" in f.values:
            ids["content_version"] = f.values["content_version"]
    ids["messages"] = list(messages)
    return ids


def describe_scan(sid: str, s: ScanSegment, joined: Mapping[str, list[Fact]], how: Mapping[str, str],
                  loaded: Loaded, superseded: bool, host_name: str | None) -> Flow:
    flow = Flow("scan", s.host, sid, ids=_scan_ids(s), label=_label(s), host_name=host_name,
                zone_known=not s.assumed_local)
    for spec in SCAN_STEPS:
        facts = sorted([*s.steps.get(spec.key, []), *joined.get(spec.key, [])], key=lambda f: f.key)
        step = Step(spec.key, spec.title, expected=spec.expected)
        if not fill(step, facts, how.get(spec.key) or None):
            feed = _FED_BY.get(spec.key)
            if spec.key == "state_upload" and s.steps.get("update_states") and not any(
                    f.name in _RAISED for f in s.steps["update_states"]):
                step.status = "unobserved"  # a rescan that changed nothing raises no state message (normal)
                step.detail = "nothing to send: no state message raised (no update changed state)"
            elif feed is not None and not any(s.steps.get(k) for k in feed):
                step.status = "unobserved"  # nothing of this client's to match the other machine's records with
                step.detail = "no client record to join with" if flow.zone_known else "zone unknown: not joined"
            else:
                unseen(step, spec, s.host, s.last, loaded)
        flow.steps.append(step)
    diagnose_scan(flow, s, joined, superseded)
    settle(flow)
    return flow


_RAISED = frozenset({"us_raised", "sm_adding", "sm_recorded", "sm_updated"})
# The client steps whose records another machine's step is joined by: without them the MP or
# site step cannot be matched to this scan, so it is unobserved rather than awaited.
_FED_BY: dict[str, tuple[str, ...]] = {
    "mp_lookup": ("location_request", "mp_send"),
    "mp_relay": ("state_upload",),
    "state_processing": ("state_upload",),
    "summarization": ("state_upload",),
}

# Which of a segment's records make each step of a re-evaluation.
_EVAL_FROM: dict[str, tuple[str, ...]] = {
    "trigger": ("trigger", "policy", "scan_request"),
    "wua_search": ("wua_search",),
    "results": ("search_complete", "results", "update_states", "state_upload"),
}
_EVAL_LABEL = {"offline": "offline re-evaluation", "deployment": "deployment evaluation", "cache": "evaluation from cache"}


def describe_evaluation(sid: str, s: ScanSegment, loaded: Loaded, host_name: str | None, after: str | None) -> Flow:
    """A re-evaluation: what the client searched without asking the SUP, and what it found."""
    mode = s.mode
    criteria = next((f.values["criteria"] for f in s.facts if f.name in ("wu_criteria", "wua_criteria")), None)
    ids: dict[str, object] = {"mode": mode, "searches": s.agent_searches or s.comapi_searches,
                              "criteria": criteria, "after_scan": after}
    flow = Flow("evaluation", s.host, sid, ids=ids, label=_EVAL_LABEL.get(mode, "re-evaluation"), host_name=host_name,
                zone_known=not s.assumed_local)
    for spec in EVALUATION_STEPS:
        facts = sorted((f for key in _EVAL_FROM[spec.key] for f in s.steps.get(key, [])), key=lambda f: f.key)
        step = Step(spec.key, spec.title, expected=spec.expected)
        if not fill(step, facts, None):
            unseen(step, spec, s.host, s.last, loaded)
        if step.status == "failed":
            step.hint = diagnose.hint_for_code(step.error.code if step.error else None) or diagnose.hint("scan_failed")
        flow.steps.append(step)
    if mode == "cache":
        flow.step("wua_search").status = "unobserved"
        flow.step("wua_search").detail = "no search: evaluated from the cached scan results"
    settle(flow)
    return flow


def zone_known(facts: Sequence[Fact]) -> bool:
    """False when the records' times are local times of an unknown zone (a lone Get-WindowsUpdateLog file)."""
    return not any(f.entry.time_source == "assumed-local" for f in facts)


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


_NULL_GUID = "00000000-0000-0000-0000-000000000000"
_STATE_FACTS = frozenset({"wua_update_state", "us_raised", "us_queried"})
_ROW_FACTS = frozenset({"wua_update_state", "us_raised", "us_queried", "us_new_instance", "us_existing_instance",
                        "us_processing", "us_added_wmi", "wu_added_update", "sm_recorded", "sm_adding", "sm_updated"})


def updates_of(host: str, scans: Sequence[tuple[str, ScanSegment]], joins: ScanJoiner,
               loaded: Loaded) -> list[UpdateRow]:
    """One row per update on the host: its state, KB and title, and how far its state message went.

    State comes from WUAHandler's ``Update (Missing): …`` (2012) and UpdatesStore's raised state
    message or queried status (current branch); a rescan that finds an update unchanged raises no
    state message and keeps the state it had. ``recorded``, ``forwarded`` and ``processed`` are
    None (unknown) when the log that would show them is not loaded. Neither the all-zero GUID nor
    an UpdateSource (whose scan state message uses TopicType 501) is an update.
    """
    rows: dict[str, UpdateRow] = {}
    recorded_known = loaded.host(host, ("statemessage",))
    forwarded_known = loaded.host(host, ("statemessage", "ccmmessaging"))
    processed_known = loaded.any(("statesys",))
    sources = {f.ids["update_source"].lower() for _, s in scans for f in s.facts if "update_source" in f.ids}
    # WUA's "Added update X.200 to search result" comes before ConfigMgr's rows exist: revisions first.
    revision_of = {f.ids["update"].lower(): int(f.values["revision"]) for _, s in scans for f in s.facts
                   if f.name == "wu_added_update" and "update" in f.ids and f.values.get("revision", "").isdigit()}
    # How far each recorded row's state message went depends on the scans from the one that recorded
    # it on. Revisiting every row after every scan was quadratic in history (a client's rows grow with
    # its scans), so each scan's forwarding and processing is noted once, indexed by scan, and every
    # row is settled at the end with a few bisections: the same values, in linear time.
    recorded_at: dict[str, int] = {}  # row → the scan whose records first marked it recorded
    forwarded_in: dict[str, list[int]] = {}  # topic → scans whose upload names it
    named: list[int] = []  # scans whose upload names topics
    forwarded_anon: list[int] = []  # scans that forwarded state messages without naming topics
    processed_in: list[int] = []  # scans whose state messages the site processed cleanly
    for j, (sid, s) in enumerate(scans):
        processing = joins.evidence(sid)[0].get("state_processing", []) if s.mode == "scan" else []
        if processing and all(f.values.get("bad", "0") == "0" for f in processing if f.name == "ss_batch"):
            processed_in.append(j)
        upload = s.steps.get("state_upload", [])
        forwarded_topics: set[str] = set()
        for f in upload:
            forwarded_topics.update(topics(f))
        if forwarded_topics:
            named.append(j)
            for topic in forwarded_topics:
                forwarded_in.setdefault(topic, []).append(j)
        elif any(f.name == "sm_forwarded" for f in upload):
            forwarded_anon.append(j)
        touched: list[tuple[str, UpdateRow]] = []
        for f in s.facts:
            name = f.name
            if name not in _ROW_FACTS:
                continue
            uid = f.ids.get("update")
            if uid is None and name in ("sm_recorded", "sm_adding", "sm_updated") and f.values.get("topic_type") == "500":
                uid = f.ids.get("topic")
            if not uid:
                continue
            key = uid.lower()
            if key == _NULL_GUID or key in sources:
                continue
            row = rows.get(key)
            if row is None:
                if name == "wu_added_update":
                    continue  # WUA found it but ConfigMgr pruned it (superseded): not a row of its own
                row = rows[key] = UpdateRow(host, key, recorded=False if recorded_known else None,
                                            forwarded=False if forwarded_known else None,
                                            processed=False if processed_known else None,
                                            zone_known=f.entry.time_source != "assumed-local")
            touched.append((key, row))
            row.seen = f.utc
            if name in _STATE_FACTS and f.values.get("state"):
                row.state = f.values["state"].lower()
            title = f.values.get("title", "")
            if title and name in ("wua_update_state", "us_queried"):
                row.title = title
                row.kb = _kb(title) or row.kb
            if name == "wua_update_state" and f.values.get("revision", "").isdigit():
                row.revision = int(f.values["revision"])
            elif name == "wu_added_update" and row.revision is None and f.values.get("revision", "").isdigit():
                row.revision = int(f.values["revision"])
            elif name in ("sm_recorded", "sm_updated"):
                row.recorded = True
                recorded_at.setdefault(key, j)
        # A row's revision can only be filled in by a scan that touched it (revision_of is fixed).
        for key, row in touched:
            if row.revision is None and key in revision_of:
                row.revision = revision_of[key]
    for key, j in recorded_at.items():
        row = rows[key]
        # The first scan from ``j`` on that forwarded this row's state message: one naming its topic,
        # or (when the forwarding log is loaded) one that forwarded without naming topics.
        first = _first_from(forwarded_in.get(key.upper(), ()), j)
        if forwarded_known:
            anon = _first_from(forwarded_anon, j)
            if anon is not None and (first is None or anon < first):
                first = anon
        if first is not None:
            row.forwarded = True
        elif forwarded_known or _first_from(named, j) is not None:
            row.forwarded = False
        if processed_known:
            row.processed = first is not None and _first_from(processed_in, first) is not None
    return sorted(rows.values(), key=lambda r: (r.state != "missing", r.kb, r.update_id))


def _first_from(scans: Sequence[int], j: int) -> int | None:
    """The first scan index at or after ``j`` in the sorted ``scans``, or None."""
    i = bisect_left(scans, j)
    return scans[i] if i < len(scans) else None


def _kb(title: str) -> str:
    m = _KB.search(title)
    return m.group(1).upper() if m else ""


_KB = re.compile(r"\b(KB\d{5,8})\b", re.IGNORECASE)


# ----------------------------------------------------------------------------- the kind


class ScanKind(KindBase):
    """Scans of every client, stitched incrementally (see the module docstring)."""

    kind: FlowKind = "scan"

    def __init__(self) -> None:
        super().__init__()
        self._epochs: dict[str, Runs] = {}
        self._segs: dict[str, list[list[ScanSegment]]] = {}
        self._remote: dict[str, Runs] = {}
        self._names: dict[str, tuple[FactKey, str]] = {}
        self._pairs: dict[str, list[tuple[str, ScanSegment]]] = {}
        self._joins = ScanJoiner()
        self._updates: dict[str, list[UpdateRow]] = {}
        self._update_sig: dict[str, tuple[object, ...]] = {}
        self._loaded_version = -1
        self._loaded_mark = 0
        self._host_of: dict[str, str] = {}  # scan id → host
        self.changed_hosts: set[str] = set()  # hosts whose scans changed in the last stitch (policy links)

    def route(self, f: Fact) -> str | None:
        if f.role == "client":
            return f"client:{f.host}" if f.flow in ("scan", "evaluation") else None
        if f.flow != "scan":
            return None
        if f.name == "iis_wsus_client":
            return f"iis_wsus:{f.host}"
        if f.step == "mp_lookup":
            return f"mp_lookup:{f.host}"
        if f.step == "mp_relay":
            if f.name == "fdm_moved":
                return f"mpfdm:{f.host}"
            return f"iis_post:{f.host}" if f.name == "iis_ccm_post" else f"mp_relay:{f.host}"
        if f.step == "state_processing":
            return f"statesys:{f.host}"
        if f.step == "summarization":
            return f"sumtask:{f.host}"
        return None

    def scans_of(self, host: str) -> list[Flow]:
        """The host's scans, oldest first (stitched, not judged)."""
        return [self._stitched[sid].flow for sid, s in self._pairs.get(host, [])
                if sid in self._stitched and s.mode == "scan"]

    def updates(self) -> list[UpdateRow]:
        return [row for host in sorted(self._updates) for row in self._updates[host]]

    def host_names(self) -> dict[str, str]:
        """Each client host's own name, from the earliest of its state messages that says it.

        A display name for the host (``host_name``); the host id stays what the logs' place gave.
        """
        return {host: name for host, (_, name) in self._names.items()}

    # ------------------------------------------------------------------ stitch

    def _runs(self, prefix: str) -> list[list[list[Fact]]]:
        return [runs.runs for part, runs in sorted(self._remote.items()) if part.startswith(prefix)]

    def _facts(self, prefix: str) -> SortedFacts:
        return SortedFacts.merged(log for part, log in sorted(self.logs.items()) if part.startswith(prefix))

    def stitch(self, loaded: Loaded, kinds: Mapping[FlowKind, FlowKindModule]) -> Change:
        change = Change()
        self.changed_hosts = set()
        earliest: datetime | None = None
        task_from: datetime | None = None
        dirty_parts: dict[str, datetime] = {}  # partition kind → earliest change
        dirty_hosts: set[str] = set()
        for part, log in self.logs.items():
            dirty = log.take_dirty()
            if dirty is None:
                continue
            earliest = dirty[0] if earliest is None or dirty[0] < earliest else earliest
            kind, _, host = part.partition(":")
            if kind not in dirty_parts or dirty[0] < dirty_parts[kind]:
                dirty_parts[kind] = dirty[0]
            if kind == "client":
                self._resegment(host, log, dirty)
                dirty_hosts.add(host)
                continue
            if kind == "sumtask":
                task_from = dirty[0] if task_from is None or dirty[0] < task_from else task_from
            split = _REMOTE_SPLIT.get(kind)
            if split is None:  # records searched by time (IIS, MPFDM, SUM tasks): no episodes to make
                continue
            runs = self._remote.get(part)
            if runs is None:
                runs = self._remote[part] = Runs(split)
            k = runs.refresh(log, dirty)
            if k < len(runs.runs) and runs.runs[k][0].utc < earliest:
                earliest = runs.runs[k][0].utc  # that episode was made again: its joins are redone
        # Which scans each re-segmented host has now, with their ids; the scans that vanished.
        gone: dict[str, tuple[str, ScanSegment]] = {}
        for host in dirty_hosts:
            scans = [s for ep in self._segs.get(host, []) for s in ep]
            pairs = _with_ids(host, scans)
            alive = {sid for sid, _ in pairs}
            gone.update({sid: (host, s) for sid, s in self._pairs.get(host, []) if sid not in alive})
            self._pairs[host] = pairs
            self._host_of.update((sid, host) for sid in alive)
        for sid in gone:
            self._host_of.pop(sid, None)
        # Joins: from the earliest change on (a new record, a remade episode), and wherever a join
        # pointed to a scan that vanished.
        joined: set[str] = set()
        if earliest is not None:
            lost = self._joins.earliest_join_of(set(gone))
            if lost is not None and lost < earliest:
                earliest = lost
            self._joins.forget(gone)
            if gone:
                dirty_parts["client"] = min(dirty_parts.get("client", earliest), earliest)
            joined = self._joins.refresh(
                None if earliest <= _FIRST else earliest, dirty_parts, dirty_hosts | {h for h, _ in gone.values()},
                self._pairs, self._segment_of,
                self._runs("mp_lookup:"), self._runs("mp_relay:"), self._facts("iis_post:"), self._facts("mpfdm:"),
                self._runs("statesys:"), self._facts("sumtask:"), task_from, self._facts("iis_wsus:"))
        # Re-describe the scans whose records, joins, place or loaded logs changed.
        self._loaded_mark, relogged = loaded.hosts_changed_since(self._loaded_mark)
        relogged &= set(self._pairs)
        if loaded.version != self._loaded_version:
            self._loaded_version = loaded.version
            relogged = set(self._pairs)
        hosts = dirty_hosts | relogged | {self._host_of[sid] for sid in joined if sid in self._host_of}
        for host in hosts:
            self._describe_host(host, loaded, change)
        for sid, (host, _) in gone.items():
            old = self._stitched.pop(sid, None)
            if old is not None:
                change.removed.append(self._removal(old.flow, self._pairs.get(host, [])))
                self.changed_hosts.add(host)
        return change

    def _segment_of(self, sid: str) -> ScanSegment | None:
        host = self._host_of.get(sid)
        if host is None:
            return None
        return next((seg for i, seg in reversed(self._pairs.get(host, [])) if i == sid), None)

    def _describe_host(self, host: str, loaded: Loaded, change: Change) -> None:
        pairs = self._pairs.get(host, [])
        name = self._names.get(host, (None, None))[1]
        modes = [s.mode == "scan" for _, s in pairs]
        cover_sig = tuple(loaded.begins(host, (n,)) for n in _CLIENT_LOGS)
        last_scan: str | None = None
        for i, (sid, s) in enumerate(pairs):
            superseded = any(m == modes[i] for m in modes[i + 1:])  # a newer scan (or evaluation) of this host
            known = not s.assumed_local
            sig = (len(s.facts), s.facts[0].key, s.facts[-1].key, superseded, loaded.version,
                   loaded.host_version(host), name, self._joins.sig(sid) if known else None, last_scan,
                   cover_sig)
            after = last_scan
            if modes[i]:
                last_scan = sid
            old = self._stitched.get(sid)
            if old is not None and old.sig == sig:
                continue
            if not modes[i]:
                flow = describe_evaluation(sid, s, loaded, name, after)
            else:
                # Times of an unknown zone cannot be matched with another machine's: no joins.
                steps, how = self._joins.evidence(sid) if known else ({}, {})
                flow = describe_scan(sid, s, steps, how, loaded, superseded, name)
            st = Stitched(flow, awaiting=not superseded, sig=sig)
            self._stitched[sid] = st
            change.changed[sid] = st
            self.changed_hosts.add(host)
        usig = tuple(self._stitched[sid].sig for sid, _ in pairs if sid in self._stitched)
        if self._update_sig.get(host) != usig:
            self._update_sig[host] = usig
            self._updates[host] = updates_of(host, pairs, self._joins, loaded)
            change.updates_changed = True

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
        start = 0 if dirty is None else bisect_left(log.facts, dirty, key=lambda f: f.key)
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
        first = s.first or s.facts[0].utc
        sid = flow_id("scan" if s.mode == "scan" else "evaluation", host, first, not s.assumed_local)
        n = seen[sid] = seen.get(sid, 0) + 1
        out.append((sid if n == 1 else f"{sid}#{n}", s))
    return out


_FIRST = datetime(1971, 1, 1, tzinfo=timezone.utc)  # a window starting before any log means "everything"
_REMOTE_SPLIT: dict[str, Callable[[Sequence[Fact]], list[list[Fact]]]] = {
    "mp_lookup": lambda fs: episodes(fs, frozenset({"mp_request_body"}), frozenset({"mp_reply_body"}), 120),
    "mp_relay": lambda fs: episodes(fs, frozenset({"relay_start"}), frozenset(), 300),
    "statesys": lambda fs: statesys_batches(fs),
}
