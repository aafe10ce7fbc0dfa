"""The WSUS health of a site: what WCM and WSUSCtrl find when they check the site's WSUS.

WCM (SMS_WSUS_CONFIGURATION_MANAGER) wakes up hourly, or when the site control file changes, and
checks the WSUS configuration: the configuration state it sets ("Setting new configuration state
to 4 (WSUS_CONFIG_SUBSCRIPTION_PENDING)" ... "to 2 (WSUS_CONFIG_SUCCESS)"), the subscribed
categories, the category refresh, the upstream server of the active WSUS, and a connection to
each software update point ("Attempting connection to WSUS server: X, port: 8530" then
"Successfully connected to server: X" or "Remote connection failed with exception '...'").
WSUSCtrl (SMS_WSUS_CONTROL_MANAGER) checks the WSUS server's components and database hourly.
Each ends its round with "Waiting for changes for N minutes".

Flows: one per site server and *period of unchanged health*. A round of checks whose own
verdicts differ from the current flow's (a replica SUP becomes unreachable, recovers, the WSUS
components report errors) starts a new flow at that round's first record; identical rounds
extend the flow. Why not one flow per round: a healthy site writes 24 WCM and 24 WSUSCtrl rounds
a day, 500 identical flows for site-LA1's 10 days; why not one flow per site: the latest round
would hide an outage that has since recovered (LA1's two replica SUPs unreachable on 11-16).
The splitter is restartable: its state (the verdicts of the flow's rounds) is reset at each flow.

Verdicts come from each check's own outcome records, the last one of a round winning (a
"SetConfigurationState failed" at start-up followed by WSUS_CONFIG_SUCCESS is a success):

* ``subscription``: configuration state, category refresh, upstream of the active WSUS, subscribed
  categories. A state left pending when WCM goes to its long wait is a warning; an empty category
  subscription is a warning (nothing but categories can ever sync). Failed only where a record
  says it failed.
* ``sup_connection``: the local WSUS (the site's own SUP: a failure is failed) and each other SUP
  (a failure is a warning naming the SUP and the reason; the site itself is fine).
* ``wsus_control``: WSUSCtrl's health check ("There are no unhealthy WSUS Server components" /
  "Errors were reported in these WSUS Server components ..." / "Failures reported during periodic
  health check").

Steps are never awaited; a step with no record in the flow is unobserved. A flow's id is
``wsus_health:<host>:<UTC time of its first record>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sumtrace.flows import diagnose
from sumtrace.flows.catalog import WSUS_HEALTH_STEPS
from sumtrace.flows.classify import Fact
from sumtrace.flows.kinds.base import Change, FlowKindModule, KindBase, Removal, Stitched
from sumtrace.flows.kinds.scan import flow_id
from sumtrace.flows.model import Flow, Step
from sumtrace.flows.steps import MAX_EVIDENCE, own_join
from sumtrace.flows.stitch import Loaded, Runs
from sumtrace.flows.vocab import FlowKind, StepStatus

LONG_WAIT_MIN = 5  # WCM's short waits (1 minute) are mid-configuration; its hourly wait ends a round
_RANK: dict[str, int] = {"ok": 0, "running": 1, "warning": 2, "failed": 3}
_ROUND = timedelta(minutes=10)  # records of one round of checks are minutes apart, rounds an hour
_SUBSCRIPTION = frozenset({"subscription", "categories", "refresh", "upstream"})


@dataclass(slots=True)
class Verdict:
    status: StepStatus
    detail: str
    fact: Fact


@dataclass(slots=True)
class Reading:
    """What a sequence of WCM/WSUSCtrl records says: the last verdict per subject, and the SUPs named."""

    verdicts: dict[str, Verdict] = field(default_factory=dict)
    subject_of: dict[int, str] = field(default_factory=dict)  # id(fact) → subject it was attributed to
    sups: list[str] = field(default_factory=list)


def component(f: Fact) -> str:
    return "ctrl" if f.name.startswith("ctrl_") else "wcm"


def _message(text: str) -> str:
    head, sep, rest = text.strip().partition(": ")
    return rest.strip() if sep and "." in head and " " not in head else text.strip()  # drop 'System.Net.WebException: '


def _short(reason: str) -> str:
    """An exception without its stack: 'Unable to connect to the remote server (A connection attempt ... 172.19.60.151:8530)'."""
    chain = [_message(x) for x in reason.split("~~")[0].split("--->") if x.strip()]
    if not chain:
        return ""
    text = chain[0] if len(chain) == 1 or chain[-1] == chain[0] else f"{chain[0]} ({chain[-1]})"
    return text[:300]


def read(facts: Sequence[Fact]) -> Reading:
    """Walk records in order, attributing each to the subject it speaks of; the last verdict wins."""
    r = Reading()
    v = r.verdicts
    server: str | None = None  # the WSUS server WCM is working on: "local" or a SUP's name

    def put(subject: str, status: StepStatus, detail: str, f: Fact, keep_detail: bool = False) -> None:
        old = v.get(subject)
        if keep_detail and old is not None and old.status == status and old.fact.utc >= f.utc - _ROUND:
            detail = old.detail
        v[subject] = Verdict(status, detail, f)

    for f in facts:
        n = f.name
        vals = f.values
        subject = ""
        if n == "wcm_config_state":
            state = vals.get("state", "")
            subject = "subscription"
            if state.upper().endswith("SUCCESS"):
                put(subject, "ok", state, f)
            elif "PENDING" in state.upper():
                put(subject, "running", state, f)
            else:
                put(subject, "failed", state, f)
        elif n == "wcm_set_state_failed":
            # Written at start-up while WSUS is being set up; WCM retries within a minute. Like a
            # pending state it is a verdict only if WCM goes to its long wait without a success.
            subject = "subscription"
            put(subject, "running", f"SetConfigurationState failed, error {vals.get('error', '?')}", f)
        elif n == "wcm_categories":
            subject = "categories"
            text = vals.get("categories", "")
            count = text.count("<Category ") + text.count("<Category>")
            if count:
                put(subject, "ok", f"{count} subscribed categories", f)
            else:
                put(subject, "warning", "no products or classifications subscribed (empty 'Subscribed Update Categories')", f)
        elif n == "wcm_refreshed":
            subject = "refresh"
            put(subject, "ok", "categories refreshed from WSUS", f)
        elif n == "wcm_refresh_failed":
            subject = "refresh"
            put(subject, "failed", f.entry.message.strip().rstrip("~")[:200], f)
        elif n in ("wcm_verify_active", "wcm_connect_local"):
            server = "local"
            subject = "upstream" if n == "wcm_verify_active" else "sup:local"
        elif n in ("wcm_verify", "wcm_connect"):
            server = vals.get("server") or server
            subject = f"sup:{server}"
        elif n == "wcm_upstream_ok":
            if server in (None, "local"):
                subject = "upstream"
                put(subject, "ok", f"upstream {vals.get('upstream', '?')}", f)
            else:
                subject = f"sup:{server}"
                put(subject, "ok", f"connected, upstream {vals.get('upstream', '?')}", f)
        elif n == "wcm_connected_local":
            subject = "sup:local"
            put(subject, "ok", "connected", f)
        elif n == "wcm_connected":
            server = vals.get("server") or server
            subject = f"sup:{server}"
            put(subject, "ok", "connected", f)
        elif n in ("wcm_remote_failed", "wcm_connect_failed"):
            if vals.get("local"):
                server = "local"
            elif vals.get("server"):
                server = vals["server"]
            target = server or "local"
            subject = f"sup:{target}"
            why = _short(vals.get("reason", "") or f.entry.message)
            put(subject, "failed" if target == "local" else "warning", why or "connection failed", f)
        elif n == "wcm_active_sup":
            name = vals.get("server", "")
            if name and name not in r.sups:
                r.sups.append(name)
        elif n in ("wcm_statmsg_error", "wcm_statmsg_warning"):
            remote = server not in (None, "local")
            subject = f"sup:{server}" if remote else "subscription"
            level: StepStatus = "warning" if (remote or n.endswith("warning")) else "failed"
            put(subject, level, f"status message {vals.get('statmsg', '?')}", f, keep_detail=True)
        elif n in ("ctrl_healthy", "ctrl_db_ok"):
            subject = "control"
            what = "no unhealthy WSUS components" if n == "ctrl_healthy" else "database connection checked"
            old = v.get(subject)
            if old is not None and old.status == "ok" and old.fact.utc >= f.utc - _ROUND:
                what = f"{old.detail}, {what}" if what not in old.detail else old.detail
            put(subject, "ok", what, f)
        elif n == "ctrl_component_errors":
            subject = "control"
            put(subject, "failed", f"errors in WSUS components {vals.get('components', '?').strip(', ')} "
                                   f"on {vals.get('server', '?')}", f)
        elif n in ("ctrl_check_failed", "ctrl_statmsg_error", "ctrl_connect_failed"):
            subject = "control"
            put(subject, "failed", f.entry.message.strip().rstrip("~")[:200], f, keep_detail=True)
        elif n == "ctrl_statmsg_warning":
            subject = "control"
            put(subject, "warning", f"status message {vals.get('statmsg', '?')}", f, keep_detail=True)
        elif n == "wcm_wait":
            sub = v.get("subscription")
            if sub is not None and sub.status == "running" and int(vals.get("minutes", "0") or 0) > LONG_WAIT_MIN:
                put("subscription", "warning", f"{sub.detail}: still pending when WCM went to wait "
                                               f"{vals.get('minutes')} minutes", f)
                subject = "subscription"
        elif f.rule_step == "subscription":
            subject = "subscription"
        elif f.rule_step == "wsus_control":
            subject = "control"
        if subject:
            r.subject_of[id(f)] = subject
    return r


def _settled(reading: Reading) -> dict[str, StepStatus]:
    """A round's verdicts that can differ from another round's (a pending state is no verdict yet)."""
    return {s: x.status for s, x in reading.verdicts.items() if x.status != "running"}


def health_runs(facts: Sequence[Fact]) -> list[list[Fact]]:
    """Periods of unchanged health (restartable: each period starts with empty state)."""
    runs: list[list[Fact]] = []
    i, n = 0, len(facts)
    while i < n:
        j = _period_end(facts, i)
        runs.append(list(facts[i:j]))
        i = j
    return runs


def _period_end(facts: Sequence[Fact], i: int) -> int:
    state: dict[str, StepStatus] = {}
    last_end: dict[str, int] = {}
    for j in range(i, len(facts)):
        f = facts[j]
        if f.rule_step != "cycle":
            continue
        comp = component(f)
        p = last_end.get(comp, i - 1) + 1
        verdicts = _settled(read([x for x in facts[p:j + 1] if component(x) == comp]))
        if p > i and any(s in state and state[s] != st for s, st in verdicts.items()):
            return p
        state.update(verdicts)
        last_end[comp] = j
    return len(facts)


def _worst(verdicts: list[Verdict]) -> Verdict | None:
    return max(verdicts, key=lambda x: (_RANK.get(x.status, 0), x.fact.key), default=None)


def describe_health(fid: str, host: str, run: Sequence[Fact]) -> Flow:
    reading = read(run)
    v = reading.verdicts
    flow = Flow("wsus_health", host, fid, label="WSUS health")
    groups: dict[str, list[str]] = {
        "subscription": [s for s in v if s in _SUBSCRIPTION],
        "sup_connection": [s for s in v if s.startswith("sup:")],
        "wsus_control": [s for s in v if s == "control"],
    }
    for spec in WSUS_HEALTH_STEPS:
        step = Step(spec.key, spec.title, expected=spec.expected)
        mine = set(groups[spec.key])
        facts = [f for f in run if reading.subject_of.get(id(f)) in mine
                 or (not reading.subject_of.get(id(f)) and f.rule_step == spec.key)]
        if spec.key == "subscription":
            facts = [f for f in run if reading.subject_of.get(id(f)) in _SUBSCRIPTION
                     or (id(f) not in reading.subject_of and f.rule_step == "subscription")]
        _fill(step, facts, [v[s] for s in groups[spec.key]], spec.key, reading)
        flow.steps.append(step)
    statuses = {s.key: s.status for s in flow.steps}
    flow.started = min((s.at for s in flow.steps if s.at is not None), default=run[0].utc if run else None)
    if reading.sups:
        flow.ids["sups"] = ", ".join(reading.sups)
    bad = [s.removeprefix("sup:") for s, x in v.items() if s.startswith("sup:") and x.status in ("warning", "failed")]
    if bad:
        flow.ids["unreachable"] = ", ".join("local WSUS" if b == "local" else b for b in bad)
    if any(st in ("warning", "failed") for st in statuses.values()):
        flow.label = "WSUS health (" + ", ".join(k for k, st in statuses.items() if st in ("warning", "failed")) + ")"
    return flow


def _fill(step: Step, facts: list[Fact], verdicts: list[Verdict], key: str, reading: Reading) -> None:
    if not facts:
        step.status = "unobserved"
        step.detail = "no record in the loaded logs"
        return
    step.at = facts[0].utc
    step.ended = facts[-1].utc
    # The evidence: the problems first (they are why the step has its status), then the latest records.
    problems = [x.fact for x in verdicts if x.status in ("warning", "failed")]
    chosen = {id(f): f for f in [facts[0], *problems, *facts[-(MAX_EVIDENCE - 1 - len(problems)):]]}
    step.evidence = [f.entry for f in sorted(chosen.values(), key=lambda f: f.key)]
    step.joined_by = own_join(facts)
    worst = _worst(verdicts)
    if worst is None:
        step.status = "ok"
        return
    step.status = worst.status
    if key == "sup_connection":
        bad = [(s, x) for s, x in reading.verdicts.items() if s.startswith("sup:") and x.status in ("warning", "failed")]
        if bad:
            step.detail = "; ".join(f"{'local WSUS' if s == 'sup:local' else s[4:]}: {x.detail}" for s, x in bad)
            step.hint = diagnose.hint("sup_connection")
        else:
            names = [s[4:] for s in reading.verdicts if s.startswith("sup:") and s != "sup:local"]
            step.detail = "local WSUS" + (f" and {len(names)} SUP(s) connected: {', '.join(names)}" if names else " connected")
    elif key == "subscription":
        bad_v = [x for x in verdicts if x.status in ("warning", "failed", "running")]
        if bad_v:
            step.detail = "; ".join(x.detail for x in bad_v)
            empty = any(x.status == "warning" and x.detail.startswith("no products") for x in bad_v)
            step.hint = diagnose.hint("wsus_categories_empty" if empty and len(bad_v) == 1 else "wsus_subscription")
        else:
            step.detail = "; ".join(x.detail for x in verdicts)
    else:
        step.detail = worst.detail
        if worst.status in ("warning", "failed"):
            step.hint = diagnose.hint("wsus_control")


class WsusHealthKind(KindBase):
    """The WSUS health of each site server, per period of unchanged health."""

    kind: FlowKind = "wsus_health"

    def __init__(self) -> None:
        super().__init__()
        self._runs: dict[str, Runs] = {}
        self._run_ids: dict[str, list[str]] = {}

    def route(self, f: Fact) -> str | None:
        return f"server:{f.host}" if f.flow == "wsus_health" else None

    def stitch(self, loaded: Loaded, kinds: Mapping[FlowKind, FlowKindModule]) -> Change:
        change = Change()
        for part, log in self.logs.items():
            dirty = log.take_dirty()
            if dirty is None:
                continue
            host = part.partition(":")[2]
            runs = self._runs.get(part)
            if runs is None:
                runs = self._runs[part] = Runs(health_runs)
            k = runs.refresh(log, dirty)
            old_ids = self._run_ids.get(part, [])
            kept, dropped = old_ids[:k], old_ids[k:]
            new_ids: list[str] = []
            for run in runs.runs[k:]:
                if all(f.rule_step == "cycle" for f in run):
                    continue  # only "waiting" records: nothing was checked
                fid = flow_id("wsus_health", host, run[0].utc)
                new_ids.append(fid)
                sig = (len(run), run[0].key, run[-1].key)
                old = self._stitched.get(fid)
                if old is not None and old.sig == sig:
                    continue
                st = Stitched(describe_health(fid, host, run), True, sig)
                self._stitched[fid] = st
                change.changed[fid] = st
            ids = kept + new_ids
            self._run_ids[part] = ids
            alive = set(new_ids)
            for fid in dropped:
                if fid not in alive and fid in self._stitched:
                    gone = self._stitched.pop(fid).flow
                    into = max((i for i in ids if i < fid), default=None)
                    change.removed.append(Removal(gone, "merged" if into else "dropped", into))
        return change
