"""Facts → flows: segment each client's scans, join the hops on other machines, judge every step.

The builder is a pure function of the time-sorted facts, the set of loaded logs and "now", so
the same input always gives the same flows whatever order entries arrived in. Joins use the IDs
the logs share (ScanJob, location request, message/reply GUIDs, UpdateSource + content version,
update IDs, SMX file names) and fall back to host, component order and a time window where a hop
carries no ID; each step says which (``joined_by``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sumtrace.flows import diagnose
from sumtrace.flows.catalog import STEP_INDEX, STEPS_BY_KIND
from sumtrace.flows.classify import Fact
from sumtrace.flows.errorcodes import ErrorInfo, describe
from sumtrace.flows.model import Flow, Step, UpdateRow

SCAN_IDX = STEP_INDEX["scan"]
MAX_EVIDENCE = 80
_SEC = timedelta(seconds=1)
_MIN = timedelta(minutes=1)

# A fact of this step starts a new scan when the current one has already reached the given step index.
_RESTART_AT = {"policy": 1, "location_request": 5, "update_source": 8, "scan_request": 9, "wua_search": 10}
_WU_STARTERS = {"wu_search_start", "wu_agent_start"}
_STATE_TOPIC_TYPES = {"500", "501"}


@dataclass(slots=True)
class Loaded:
    """Which logs are loaded, per host hint, so an absent log makes a step unobserved, not failed."""

    by_host: dict[str, set[str]] = field(default_factory=dict)

    def any(self, names: tuple[str, ...]) -> bool:
        return any(n in logs for logs in self.by_host.values() for n in names)

    def host(self, host: str, names: tuple[str, ...]) -> bool:
        logs = self.by_host.get(host, set())
        return any(n in logs for n in names)


@dataclass(slots=True)
class _Scan:
    host: str
    facts: list[Fact] = field(default_factory=list)
    job: str | None = None
    max_idx: int = -1
    first: datetime | None = None
    last: datetime | None = None
    steps: dict[str, list[Fact]] = field(default_factory=lambda: defaultdict(list))
    joined: dict[str, str] = field(default_factory=dict)

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


def build(facts: list[Fact], now: datetime, loaded: Loaded) -> tuple[list[Flow], list[UpdateRow]]:
    """All flows (newest first) and the per-host update table."""
    aliases = _host_aliases(facts)
    client: dict[str, list[Fact]] = defaultdict(list)
    policy_client: dict[str, list[Fact]] = defaultdict(list)
    remote: list[Fact] = []
    for f in facts:
        if f.role == "client":
            (client if f.flow == "scan" else policy_client)[f.host].append(f)
        else:
            remote.append(f)
    flows: list[Flow] = []
    updates: list[UpdateRow] = []
    scans_by_host: dict[str, list[_Scan]] = {}
    for host, hfacts in sorted(client.items()):
        scans = _segment(_resolve_messaging(_filter_wu(hfacts)))
        # A "policy not received yet" that a later scan cycle answered is history, not a finding.
        scans = [sc for i, sc in enumerate(scans)
                 if i == len(scans) - 1 or any(x.name != "no_policy" for x in sc.facts)]
        scans_by_host[host] = scans
    all_scans = [s for scans in scans_by_host.values() for s in scans]
    _join_mp_lookup(all_scans, [f for f in remote if f.step == "mp_lookup"])
    _join_relay(all_scans, [f for f in remote if f.step == "mp_relay"])
    _join_statesys(all_scans, [f for f in remote if f.step in ("state_processing", "summarization")])
    _join_wsus_iis(all_scans, [f for f in remote if f.name == "iis_wsus_client"])
    for host, scans in scans_by_host.items():
        name = aliases.get(host, host)
        built = [_scan_flow(s, name, now, loaded, superseded=i < len(scans) - 1) for i, s in enumerate(scans)]
        for older, newer in zip(built, built[1:]):
            if older.status in ("running", "stalled") and newer.started is not None:
                older.status = "incomplete"
        flows.extend(built)
        updates.extend(_updates(name, scans, loaded))
    flows.extend(_policy_flows(policy_client, remote, aliases, scans_by_host, flows, now, loaded))
    flows.extend(_wsus_sync_flows(remote, now, loaded))
    flows.sort(key=lambda fl: (fl.started or datetime.min.replace(tzinfo=now.tzinfo), fl.id), reverse=True)
    return flows, updates


# ----------------------------------------------------------------------------- client side


def _host_aliases(facts: list[Fact]) -> dict[str, str]:
    """Folder name → NetBIOS name, learnt from state message bodies the client sent."""
    out: dict[str, str] = {}
    for f in facts:
        nb = f.values.get("netbios")
        if nb and f.role == "client" and f.host not in out:
            out[f.host] = nb
    return out


def _filter_wu(facts: list[Fact]) -> list[Fact]:
    """Keep WindowsUpdate.log search records only for searches ConfigMgr (CcmExec) asked for."""
    windows: list[tuple[datetime, datetime | None]] = []
    open_start: datetime | None = None
    for f in facts:
        if f.step != "wua_search" or f.entry.format not in ("wu-legacy", "wu-etw"):
            continue
        caller = f.values.get("caller") or f.values.get("caller2")
        if f.name == "wu_search_start":
            if caller and caller.lower().startswith("ccmexec"):
                open_start = f.utc
            else:
                open_start = None
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


def _resolve_messaging(facts: list[Fact]) -> list[Fact]:
    """Give CcmMessaging records their step from the queue their message was sent to."""
    queue_of: dict[str, str] = {}
    for f in facts:
        if f.name == "msg_queued":
            queue_of[f.ids["message"]] = f.values.get("queue", "").lower()
    out = []
    last_kind: str | None = None
    for f in facts:
        f.step = f.rule_step  # resolution must be idempotent: every rebuild starts from the rule's step
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


def _segment(facts: list[Fact]) -> list[_Scan]:
    """Split one client's facts into scans: by ScanJob GUID where logged, else by scan cycle."""
    scans: list[_Scan] = []
    by_job: dict[str, _Scan] = {}
    cur: _Scan | None = None
    for f in facts:
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
            limit = _RESTART_AT.get(f.step)
            if cur.last is not None and f.utc - cur.last > timedelta(hours=6):
                new = True
            elif job and cur.job and job != cur.job:
                new = True
            elif limit is not None and cur.max_idx >= limit:
                new = f.step != "wua_search" or f.name in _WU_STARTERS
        if new:
            cur = _Scan(f.host)
            scans.append(cur)
        assert cur is not None
        cur.add(f)
        if job and job not in by_job:
            by_job[job] = cur
    return scans


# ----------------------------------------------------------------------------- cross-host joins


def _episodes(facts: list[Fact], starts: set[str], ends: set[str], gap: timedelta) -> list[list[Fact]]:
    """Group server-side facts into episodes (one lookup, one relay, one StateSys batch)."""
    out: list[list[Fact]] = []
    cur: list[Fact] | None = None
    for f in facts:
        if f.name in starts or cur is None or (cur and f.utc - cur[-1].utc > gap):
            cur = [f]
            out.append(cur)
        else:
            cur.append(f)
        if f.name in ends:
            cur = None
    return out


def _join_mp_lookup(scans: list[_Scan], facts: list[Fact]) -> None:
    for ep in _episodes(facts, {"mp_request_body"}, {"mp_reply_body"}, 2 * _MIN):
        req = next((f for f in ep if f.name == "mp_request_body"), None)
        if req is None:
            continue
        source = req.ids.get("update_source")
        version = req.values.get("content_version")
        ips = set(req.values.get("client_ips", "").split())
        best: tuple[float, _Scan] | None = None
        for s in scans:
            sent = next((f for f in s.steps.get("location_request", []) if f.name == "ls_request_body"), None)
            anchor = sent or next(iter(s.steps.get("location_request", [])), None)
            if anchor is None:
                continue
            s_source = _first_id(s, "update_source")
            if source and s_source and source != s_source:
                continue
            if version and sent and sent.values.get("content_version") not in (None, version):
                continue
            if ips and sent and sent.values.get("client_ips") and not ips & set(sent.values["client_ips"].split()):
                continue
            delta = (req.utc - anchor.utc).total_seconds()
            if -120 <= delta <= 900 and (best is None or abs(delta) < best[0]):
                best = (abs(delta), s)
        if best is not None:
            s = best[1]
            for f in ep:
                s.steps["mp_lookup"].append(f)
            s.joined["mp_lookup"] = "update_source+content_version" + ("+client_ip" if ips else "")


def _join_relay(scans: list[_Scan], facts: list[Fact]) -> None:
    posts = [f for f in facts if f.name == "iis_ccm_post"]
    relays = [f for f in facts if f.name != "iis_ccm_post"]
    used: set[int] = set()
    for ep in _episodes(relays, {"relay_start"}, set(), 5 * _MIN):
        start = ep[0]
        body = next((f for f in ep if f.name == "relay_body"), None)
        netbios = body.values.get("netbios") if body else None
        topics = set(_topics(body)) if body else set()
        best: tuple[float, _Scan, str] | None = None
        for s in scans:
            upload = _upload_anchor(s)
            if upload is None or id(s) in used:
                continue
            delta = (start.utc - upload.utc).total_seconds()
            if not -120 <= delta <= 600:
                continue
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
                best = (abs(delta), s, how)
        if best is None:
            continue
        s = best[1]
        used.add(id(s))
        s.steps["mp_relay"].extend(ep)
        s.joined["mp_relay"] = best[2]
        for p in posts:
            if -30 <= (start.utc - p.utc).total_seconds() <= 30:
                s.steps["mp_relay"].append(p)
        s.steps["mp_relay"].sort(key=lambda x: x.key)


def _join_statesys(scans: list[_Scan], facts: list[Fact]) -> None:
    batches = _episodes([f for f in facts if f.step == "state_processing"], {"ss_found", "ss_inbox_trigger"},
                        {"ss_thread_done"}, 2 * _MIN)
    tasks = [f for f in facts if f.step == "summarization"]
    for s in scans:
        relay_done = _done_at(s, "mp_relay")
        smx = {f.values.get("smx", "").upper() for f in s.steps.get("mp_relay", []) if f.values.get("smx")}
        anchor = relay_done or _done_at(s, "state_upload")
        if anchor is None:
            continue
        chosen: list[Fact] | None = None
        how = "time"
        for batch in batches:
            files = {f.values.get("smx", "").upper() for f in batch if f.name == "ss_processing_file"}
            if smx and files:
                if smx & files:
                    chosen, how = batch, "smx_file"
                    break
                continue
            delta = (batch[0].utc - anchor).total_seconds()
            if -60 <= delta <= 20 * 60:
                chosen = batch
                break
        if chosen is None:
            continue
        s.steps["state_processing"].extend(chosen)
        s.joined["state_processing"] = how
        processed = max(f.utc for f in chosen)
        task_facts = _sum_task(tasks, processed)
        if task_facts:
            s.steps["summarization"].extend(task_facts)
            s.joined["summarization"] = "time"


def _sum_task(tasks: list[Fact], after: datetime) -> list[Fact]:
    started: dict[str, Fact] = {}
    for f in tasks:
        if f.utc < after:
            continue
        task = f.values.get("task", "")
        if not (task.upper().startswith("SUM ") or task.startswith("<")):
            continue
        if f.name == "ss_task_started":
            started.setdefault(task, f)
        elif f.name in ("ss_task_done", "ss_task_failed"):
            return [x for x in (started.get(task), f) if x is not None]
    return list(started.values())[:1]


def _join_wsus_iis(scans: list[_Scan], facts: list[Fact]) -> None:
    for s in scans:
        search = s.steps.get("wua_search", [])
        if not search:
            continue
        a, b = search[0].utc - _MIN, search[-1].utc + _MIN
        hits = [f for f in facts if a <= f.utc <= b and f.outcome == "fail"]
        if hits:
            s.steps["wua_search"].extend(hits[:10])
            s.steps["wua_search"].sort(key=lambda x: x.key)


def _topics(f: Fact | None) -> list[str]:
    if f is None or not f.values.get("topics"):
        return []
    return [t.split(":")[0] for t in f.values["topics"].split(",")]


def _scan_topics(s: _Scan) -> set[str]:
    out = {f.ids["topic"] for f in s.steps.get("update_states", []) if "topic" in f.ids}
    for f in s.steps.get("state_upload", []):
        out.update(_topics(f))
    return out


def _upload_anchor(s: _Scan) -> Fact | None:
    up = s.steps.get("state_upload", [])
    for name in ("msg_post", "sm_forwarded", "sm_body"):
        for f in up:
            if f.name == name:
                return f
    return None


def _done_at(s: _Scan, step: str) -> datetime | None:
    done = [f.utc for f in s.steps.get(step, []) if f.outcome == "done"]
    return max(done) if done else None


def _first_id(s: _Scan, name: str) -> str | None:
    for f in s.facts:
        if name in f.ids:
            return f.ids[name]
    return None


# ----------------------------------------------------------------------------- judging steps


def _scan_flow(s: _Scan, host: str, now: datetime, loaded: Loaded, superseded: bool = False) -> Flow:
    ids = _scan_ids(s)
    fid = "scan:" + (s.job or f"{host}@{s.first.strftime('%Y%m%dT%H%M%S') if s.first else 'unknown'}")
    flow = Flow("scan", host, fid, ids=ids, label=_label(s))
    for spec in STEPS_BY_KIND["scan"]:
        facts = sorted(s.steps.get(spec.key, []), key=lambda f: f.key)
        step = Step(spec.key, spec.title, expected=spec.expected)
        _fill(step, facts, s.joined.get(spec.key))
        if not facts:
            observed = loaded.any(spec.logs) if spec.role != "client" else loaded.host(s.host, spec.logs)
            step.status = "pending" if observed else "unobserved"
        flow.steps.append(step)
    _diagnose_scan(flow, s, superseded)
    _judge(flow, now, loaded, s.host)
    return flow


def _fill(step: Step, facts: list[Fact], joined: str | None) -> None:
    if not facts:
        return
    step.at = facts[0].utc
    step.ended = facts[-1].utc
    step.evidence = [f.entry for f in facts[:MAX_EVIDENCE]]
    step.joined_by = joined or _own_join(facts)
    for f in facts:
        for k, v in f.ids.items():
            if k in ("scan_job", "location_request", "update_source", "message", "reply", "policy"):
                step.ids.setdefault(k, v)
    fails = [f for f in facts if f.outcome == "fail"]
    dones = [f for f in facts if f.outcome == "done"]
    warns = [f for f in facts if f.outcome == "warn"]
    if fails:
        step.status = "failed"
        codes = [c for f in fails for c in f.codes]
        if codes:
            step.error = _error(codes)
        step.ended = fails[-1].utc
    elif dones:
        step.status = "ok"
        step.ended = dones[-1].utc
    elif warns:
        step.status = "warning"
    else:
        step.status = "running"
    step.detail = _detail(step.key, facts)


def _own_join(facts: list[Fact]) -> str:
    keys = {k for f in facts for k in f.ids}
    for k in ("scan_job", "location_request", "message", "update_source"):
        if k in keys:
            return k
    return "time"


def _error(codes: list[int]) -> ErrorInfo:
    """The most telling code: ConfigMgr-specific and known ones before generic E_FAIL."""
    ranked = sorted(dict.fromkeys(codes), key=lambda c: (c == 0x80004005, describe(c).name == "UNKNOWN"))
    return describe(ranked[0])


def _detail(key: str, facts: list[Fact]) -> str:
    vals: dict[str, str] = {}
    for f in facts:
        for k, v in f.values.items():
            vals.setdefault(k, v)
    if key == "policy" and "content_version" in vals:
        source = next((f.ids["update_source"] for f in facts if "update_source" in f.ids), "?")
        return f"UpdateSource {source} content version {vals['content_version']}"
    if key == "locations":
        if vals.get("records") == "0":
            return "reply has no LocationRecord"
        if "wsus_url" in vals:
            return f"WSUS {vals['wsus_url']}"
    if key == "update_source":
        if "gpo_server" in vals:
            return f"Group Policy forces WSUS server {vals['gpo_server']} (policy {vals.get('gpo_policy', '?')})"
        if "wsus_url" in vals:
            return f"WUA managed server {vals['wsus_url']}"
    if key == "mp_lookup":
        if vals.get("records") == "0":
            return "MP replied with no LocationRecord"
        if "urls" in vals:
            return f"{vals['records']} location(s): {vals['urls']}"
    if key == "wua_search":
        parts = []
        if "wsus_url" in vals:
            parts.append(vals["wsus_url"])
        if "found" in vals:
            parts.append(f"{vals['found']} updates found")
        return ", ".join(parts)
    if key == "results":
        states = [f.values.get("state", "").lower() for f in facts if f.name == "wua_update_state"]
        if states:
            return f"{states.count('missing')} missing, {states.count('installed')} installed"
    if key == "update_states":
        n = len({f.ids.get('topic') for f in facts if f.name == 'sm_recorded'})
        if n:
            return f"{n} state message(s) recorded"
    if key == "mp_relay" and "smx" in vals:
        return f"SMX {vals['smx']}"
    if key == "state_processing" and "files" in vals:
        return f"{vals['files']} file(s), {vals.get('bad', '0')} bad, {vals.get('invalid', '0')} invalid record(s)"
    if key == "summarization" and "task" in vals:
        return vals["task"]
    return ""


def _scan_ids(s: _Scan) -> dict[str, object]:
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


def _label(s: _Scan) -> str:
    return f"scan {s.job[:8].lower()}" if s.job else "scan cycle"


def _diagnose_scan(flow: Flow, s: _Scan, superseded: bool) -> None:
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
    if lookup.status == "ok" and any(f.values.get("records") == "0" for f in s.steps.get("mp_lookup", [])):
        lookup.status = "failed"
        lookup.detail = "MP_GetWSUSServerLocations returned no LocationRecord"
        lookup.hint = diagnose.hint("empty_reply")
    ss = flow.step("state_processing")
    bad = [f for f in s.steps.get("state_processing", []) if f.name == "ss_batch" and f.values.get("bad", "0") != "0"]
    if bad:
        ss.status = "failed"
        ss.hint = diagnose.hint("bad_files")


_STALL_HINT = {
    "policy": "no_policy",
    "location_request": "location_request",
    "mp_send": "mp_send",
    "mp_lookup": "location_timeout",
    "mp_reply": "location_timeout",
    "locations": "location_timeout",
    "update_source": "gp_timeout",
    "scan_request": "no_wuahandler",
    "wua_search": "search_stalled",
    "search_complete": "search_stalled",
    "results": "scan_failed",
    "update_states": "scan_failed",
    "state_upload": "state_not_forwarded",
    "mp_relay": "relay",
    "state_processing": "state_processing",
    "summarization": "summarization",
    "sync": "wsus_sync",
    "scan_tool_notification": "policy_chain",
    "policy_provider": "policy_chain",
    "policy_download": "policy_chain",
    "policy_apply": "policy_chain",
    "scan_agent_notified": "policy_chain",
    "start": "wsus_sync",
    "connect": "wsus_sync",
    "complete": "wsus_sync",
}


def _judge(flow: Flow, now: datetime, loaded: Loaded, host: str) -> None:
    """Turn per-step evidence into statuses: implied steps, the waiting frontier, stalls, flow status."""
    steps = flow.steps
    last_seen = max((i for i, st in enumerate(steps) if st.at is not None), default=-1)
    failed_at = next((i for i, st in enumerate(steps) if st.status == "failed"), None)
    for i, st in enumerate(steps):
        # A later step has evidence, so this one finished (whether or not something failed after it).
        if i < last_seen and st.status == "running":
            st.status = "ok"
        elif i < last_seen and st.status == "pending":
            st.status = "unobserved"
            st.detail = st.detail or "not seen in the loaded logs (rolled over, or logged before they start)"
    if failed_at is None:
        prev_end: datetime | None = None
        for st in steps:
            if st.status in ("ok", "warning"):
                prev_end = st.ended or st.at
                continue
            if st.status == "unobserved":
                continue
            if prev_end is None and st.at is None:
                break
            if st.status == "running":
                start = st.at or prev_end
                assert start is not None
                st.due = start + (st.expected or timedelta(0))
            else:
                assert prev_end is not None
                st.due = prev_end + (st.expected or timedelta(0))
            if st.due is not None and now > st.due:
                st.status = "stalled"
                st.hint = st.hint or diagnose.hint(_STALL_HINT.get(st.key, "scan_failed"))
                if st.key in ("mp_reply", "locations", "mp_lookup") and st.error is None:
                    st.error = describe(0x87D00602)
            break
    statuses = [st.status for st in steps]
    seen = [st.at for st in steps if st.at is not None]
    flow.started = min(seen) if seen else None
    ends = [t for st in steps if (t := st.ended or st.at) is not None]
    flow.ended = max(ends) if ends else None
    if "failed" in statuses:
        flow.status = "failed"
    elif "stalled" in statuses:
        flow.status = "stalled"
    elif all(s in ("ok", "warning", "unobserved") for s in statuses):
        flow.status = "ok"
    else:
        flow.status = "running"
        flow.ended = None


# ----------------------------------------------------------------------------- updates table


def _updates(host: str, scans: list[_Scan], loaded: Loaded) -> list[UpdateRow]:
    rows: dict[str, UpdateRow] = {}
    for s in scans:
        processed = bool(s.steps.get("state_processing")) and all(
            f.values.get("bad", "0") == "0" for f in s.steps["state_processing"] if f.name == "ss_batch")
        processed_known = loaded.any(("statesys",))
        forwarded_topics = set()
        forwarded_any = any(f.name == "sm_forwarded" for f in s.steps.get("state_upload", []))
        for f in s.steps.get("state_upload", []):
            forwarded_topics.update(_topics(f))
        for f in s.facts:
            uid = f.ids.get("update") or (f.ids.get("topic") if f.name in ("sm_recorded", "sm_adding") else None)
            if not uid or f.name in ("wua_pruning",):
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
                kb = _kb(title)
                row.kb = kb or row.kb
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


# ----------------------------------------------------------------------------- policy and WSUS sync


def _policy_flows(policy_client: dict[str, list[Fact]], remote: list[Fact], aliases: dict[str, str],
                  scans_by_host: dict[str, list[_Scan]], scan_flows: list[Flow], now: datetime,
                  loaded: Loaded) -> list[Flow]:
    """One flow per UpdateSource policy delivery a client shows (or per site-side content version)."""
    server = sorted((f for f in remote if f.flow == "policy"), key=lambda f: f.key)
    syncs = [f for f in server if f.name == "ws_content_version"]
    out: list[Flow] = []
    for host, facts in sorted(policy_client.items()):
        name = aliases.get(host, host)
        ordered = sorted(facts, key=lambda f: f.key)
        notified = [f for f in ordered if f.step == "scan_agent_notified"]
        for cluster in _episodes(notified, set(), set(), _MIN):
            first = cluster[0].utc
            before = [f for f in ordered if f.step in ("policy_download", "policy_apply") and first - 30 * _MIN <= f.utc <= first]
            ep = sorted(before + cluster, key=lambda f: f.key)
            source = next((f.ids["update_source"] for f in ep if "update_source" in f.ids), None)
            start = ep[0].utc
            sync = _last_before([f for f in syncs if source is None or f.ids.get("update_source") == source], start)
            out.append(_policy_flow(name, host, ep, sync, server, now, loaded, scans_by_host.get(host, []), scan_flows))
    if not policy_client:
        for sync in syncs:
            out.append(_policy_flow("site", None, [], sync, server, now, loaded, [], scan_flows))
    return out


def _last_before(facts: list[Fact], t: datetime) -> Fact | None:
    best = None
    for f in facts:
        if f.utc <= t:
            best = f
    return best


def _policy_flow(host: str, host_hint: str | None, client: list[Fact], sync: Fact | None, server: list[Fact],
                 now: datetime, loaded: Loaded, scans: list[_Scan], scan_flows: list[Flow]) -> Flow:
    by_step: dict[str, list[Fact]] = defaultdict(list)
    source = sync.ids.get("update_source") if sync else None
    if sync is not None:
        by_step["sync"].append(sync)
        for f in server:
            if f.ids.get("update_source") == source and sync.utc <= f.utc <= sync.utc + 30 * _MIN:
                by_step[f.step].append(f)
    for f in client:
        by_step[f.step].append(f)
        source = source or f.ids.get("update_source")
    version = sync.values.get("content_version") if sync else None
    anchor = client[0].utc if client else (sync.utc if sync else now)
    fid = f"policy:{host}:{source or 'unknown'}:{version or anchor.strftime('%Y%m%dT%H%M%S')}"
    flow = Flow("policy", host, fid, ids={"update_source": source, "content_version": version,
                                          "policy": next((f.ids["policy"] for f in client if "policy" in f.ids), None)},
                label=f"policy v{version}" if version else "policy")
    for spec in STEPS_BY_KIND["policy"]:
        facts = sorted(by_step.get(spec.key, []), key=lambda f: f.key)
        step = Step(spec.key, spec.title, expected=spec.expected)
        joined = None
        if spec.key in ("policy_download", "policy_apply") and facts:
            joined = "time"
        elif spec.key in ("scan_tool_notification", "policy_provider") and facts:
            joined = "update_source"
        _fill(step, facts, joined)
        if not facts:
            observed = loaded.host(host_hint, spec.logs) if (spec.role == "client" and host_hint) else (
                loaded.any(spec.logs) if spec.role != "client" else False)
            step.status = "pending" if observed else "unobserved"
        flow.steps.append(step)
    _judge(flow, now, loaded, host)
    for st in flow.steps:
        if st.status in ("failed", "stalled") and st.hint is None:
            st.hint = diagnose.hint("policy_chain")
    if source:
        notified = flow.ended or anchor
        for sf in scan_flows:
            if sf.host == host and sf.ids.get("update_source") == source and sf.started and sf.started >= notified - _MIN:
                flow.links.append(sf.id)
                sf.links.append(flow.id)
                break
    return flow


def _sync_runs(facts: list[Fact]) -> list[list[Fact]]:
    """One run per synchronization: WSyncMgr and SoftwareDistribution.log both log its start and end."""
    runs: list[list[Fact]] = []
    cur: list[Fact] | None = None
    completed: datetime | None = None
    for f in facts:
        if (cur is None or f.utc - cur[-1].utc > 3 * 60 * _MIN
                or (f.step == "start" and completed is not None and f.utc - completed > 2 * _MIN)):
            cur = []
            runs.append(cur)
            completed = None
        cur.append(f)
        if f.step == "complete" and f.outcome in ("done", "fail") and completed is None:
            completed = f.utc
    return runs


def _wsus_sync_flows(remote: list[Fact], now: datetime, loaded: Loaded) -> list[Flow]:
    facts = sorted((f for f in remote if f.flow == "wsus_sync"), key=lambda f: f.key)
    out: list[Flow] = []
    for ep in _sync_runs(facts):
        if not any(f.step == "start" for f in ep) and not any(f.outcome for f in ep):
            continue
        by_step: dict[str, list[Fact]] = defaultdict(list)
        for f in ep:
            by_step[f.step].append(f)
        host = ep[0].host
        manual = any("manual" in f.entry.message.lower() for f in ep if f.step == "start")
        flow = Flow("wsus_sync", host, f"wsus_sync:{host}:{ep[0].utc:%Y%m%dT%H%M%S}",
                    ids={"trigger": "manual" if manual else "scheduled"},
                    label="WSUS sync (manual)" if manual else "WSUS sync")
        for spec in STEPS_BY_KIND["wsus_sync"]:
            step = Step(spec.key, spec.title, expected=spec.expected)
            _fill(step, sorted(by_step.get(spec.key, []), key=lambda f: f.key), None)
            if not by_step.get(spec.key):
                step.status = "pending" if loaded.any(spec.logs) else "unobserved"
            flow.steps.append(step)
        _judge(flow, now, loaded, host)
        for st in flow.steps:
            if st.status in ("failed", "stalled"):
                st.hint = diagnose.hint_for_code(st.error.code if st.error else None) or diagnose.hint("wsus_sync")
        out.append(flow)
    return out
