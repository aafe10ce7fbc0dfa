"""The WSUS sync flow: one WSyncMgr synchronization run of a site, and its phases.

A run (WSyncMgr.log, and WSUS's SoftwareDistribution.log on the same server) goes through

* ``start``: "Performing sync on regular schedule / local request / retry schedule", STATMSG 6701;
* ``wsus_sync``: the site's WSUS synchronizes with its upstream (STATMSG 6704 names the server,
  "Synchronizing WSUS Server X", "sync: WSUS synchronizing updates", "Done synchronizing WSUS Server X";
  SoftwareDistribution.log EventId 384/386);
* ``site_db``: the site database is synchronized with WSUS (STATMSG 6705, "sync: SMS synchronizing ...");
* ``content_version``: the UpdateSource content version is set ("Set content version of update
  source {..} for site S to N", a policy-flow record read from the policy kind), "Sync succeeded",
  STATMSG 6702;
* ``replicas``: the site's other software update points sync from it (STATMSG 6706, a WSUS server
  synchronized after the primary finished).

The run's verdict is the primary sync. A failure ("Sync failed: <reason>. Source: <src>", STATMSG
6703 with its ``LE=`` code, "Sync failed. Will retry in N minutes") belongs to the phase the run
is in; once the primary sync is done (content version set or "Sync succeeded"), a failure is a
replica's: a warning on the ``replicas`` step naming the replica and the reason, and the run stays
ok. A failed run that is retried later is that failed run, then a new run (a start after a
completed run starts a new one). Runs are split per site server and re-split only from the run
the new records fall in. A flow's id is ``wsus_sync:<host>:<UTC time of the run's first record>``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sumtrace.flows import diagnose
from sumtrace.flows.catalog import WSUS_SYNC_STEPS
from sumtrace.flows.classify import Fact
from sumtrace.flows.errorcodes import describe
from sumtrace.flows.judge import settle
from sumtrace.flows.kinds.base import Change, FlowKindModule, KindBase, Removal, Stitched
from sumtrace.flows.kinds.scan import flow_id
from sumtrace.flows.model import Flow, Step
from sumtrace.flows.steps import fill
from sumtrace.flows.stitch import Loaded, Runs
from sumtrace.flows.vocab import FlowKind

_MIN = timedelta(minutes=1)
PHASES = tuple(s.key for s in WSUS_SYNC_STEPS)  # start, wsus_sync, site_db, content_version, replicas
_LE = re.compile(r"\bLE=0[xX]([0-9A-Fa-f]{1,8})\b")
_ISTR = re.compile(r'\bISTR(\d)="([^"]*)"')


def _completes(f: Fact) -> bool:
    return f.name == "ws_succeeded" or (f.rule_step == "failure" and f.outcome == "fail")


def sync_runs(facts: Sequence[Fact]) -> list[list[Fact]]:
    """One run per synchronization (restartable: all state is reset when a run starts).

    A start record after the run completed (succeeded, or failed and retried later) starts a new
    run; so does three hours of silence.
    """
    runs: list[list[Fact]] = []
    cur: list[Fact] | None = None
    completed: datetime | None = None
    for f in facts:
        if (cur is None or f.utc - cur[-1].utc > 180 * _MIN
                or (f.rule_step == "start" and completed is not None and f.utc - completed > 2 * _MIN)):
            cur = []
            runs.append(cur)
            completed = None
        cur.append(f)
        if _completes(f) and completed is None:
            completed = f.utc
    return runs


def le_code(f: Fact) -> int | None:
    """A status message's last error (``LE=0X80131500``), when it is not zero."""
    m = _LE.search(f.entry.message)
    if m is None:
        return None
    code = int(m.group(1), 16)
    return code or None


def reason_of(f: Fact) -> str:
    """What a failure record says, without its stack trace: 'UssCommunicationError: WebException: ...'."""
    text = f.values.get("reason", "")
    if f.name.startswith("ws_statmsg"):  # which insertion string holds the message varies: the longest one
        text = max((v for _, v in _ISTR.findall(f.entry.message)), key=len, default=text)
    text = text.split("~~")[0].split("\n")[0].strip().rstrip(".")
    return text[:200]


def place(run: Sequence[Fact]) -> tuple[dict[str, list[Fact]], dict[str, str]]:
    """Each record's phase, by the run's progress; failures after the primary finished become replica warnings.

    Returns the records per step (copies where the phase or outcome changed) and what the run says
    about itself: the primary server, the replicas, the replica problems, the trigger.
    """
    by_step: dict[str, list[Fact]] = defaultdict(list)
    info: dict[str, str] = {}
    phase = "start"
    primary: str | None = None
    primary_done = False
    replica: str | None = None
    replicas: list[str] = []
    problems: list[str] = []
    noted: set[str] = set()
    for f in run:
        step = "content_version" if f.name == "ws_content_version" else f.rule_step if f.rule_step in PHASES else phase
        server = f.values.get("server", "").strip() or None
        outcome = f.outcome
        if f.name == "ws_trigger":
            info["trigger"] = f.values.get("trigger", "")
        elif f.name in ("ws_local_request", "sd_manual_start"):
            info.setdefault("trigger", "manual")
        if f.rule_step == "wsus_sync":
            if primary_done or (server and primary and server.lower() != primary.lower()
                                and PHASES.index(phase) >= PHASES.index("site_db")):
                step = "replicas"
            elif server:
                primary = primary or server
        if f.rule_step == "replicas" or step == "replicas":
            if server and (primary is None or server.lower() != primary.lower()):
                replica = server
                if server not in replicas:
                    replicas.append(server)
        if f.rule_step == "failure":
            if primary_done or phase == "replicas":
                step = "replicas"
                outcome = "warn" if outcome else outcome
                name = replica or "a replica SUP"
                if f.name != "ws_sync_retry" and name not in noted:  # the first record says why; the rest repeat it
                    noted.add(name)
                    why = reason_of(f)
                    problems.append(f"{name}: {why}" if why else name)
            elif f.name == "ws_statmsg_out_of_sync":
                step = "replicas" if server and primary and server.lower() != primary.lower() else phase
        if f.name in ("ws_content_version", "ws_succeeded"):
            primary_done = True
        if f.name in ("ws_content_version", "ws_items_updated") and f.values.get("content_version"):
            info["content_version"] = f.values["content_version"]
        if f.name == "ws_content_version" and "update_source" in f.ids:
            info["update_source"] = f.ids["update_source"]
        if PHASES.index(step) > PHASES.index(phase):
            phase = step
        g = f if (step == f.step and outcome == f.outcome) else replace(f, step=step, outcome=outcome)
        by_step[step].append(g)
    if primary:
        info["server"] = primary
    if replicas:
        info["replicas"] = ", ".join(replicas)
    if problems:
        info["replica_problems"] = "; ".join(problems)
    return by_step, info


def describe_sync(fid: str, host: str, run: Sequence[Fact], loaded: Loaded) -> Flow:
    by_step, info = place(run)
    trigger = info.get("trigger", "").lower()
    manual = "manual" in trigger or "local request" in trigger
    retry = "retry" in trigger
    ids: dict[str, str] = {"trigger": "manual" if manual else "retry" if retry else "scheduled"}
    for k in ("server", "content_version", "update_source", "replicas"):
        if k in info:
            ids[k] = info[k]
    label = "WSUS sync (manual)" if manual else "WSUS sync (retry)" if retry else "WSUS sync"
    flow = Flow("wsus_sync", host, fid, ids=ids, label=label)
    for spec in WSUS_SYNC_STEPS:
        facts = by_step.get(spec.key, [])
        step = Step(spec.key, spec.title, expected=spec.expected)
        fill(step, facts, None)
        if not facts:
            step.status = "pending" if loaded.any(spec.logs) else "unobserved"
        if step.status == "failed":
            fails = [f for f in facts if f.outcome == "fail"]
            codes = [c for f in fails if (c := le_code(f)) is not None]
            if codes and step.error is None:
                step.error = describe(codes[0])
            why = next((r for f in fails if (r := reason_of(f))), "")
            if why:
                step.detail = why
            step.hint = diagnose.hint_for_code(step.error.code if step.error else None) or diagnose.hint("wsus_sync")
        flow.steps.append(step)
    _details(flow, info)
    settle(flow)
    replicas = flow.step("replicas")
    if replicas.status == "pending":  # never awaited: a site with one SUP has no replica phase
        replicas.status = "unobserved"
        replicas.detail = replicas.detail or "no replica SUP synchronized in this run"
    return flow


def _details(flow: Flow, info: dict[str, str]) -> None:
    wsus = flow.step("wsus_sync")
    if "server" in info and not wsus.detail:
        wsus.detail = f"WSUS server {info['server']}"
    cv = flow.step("content_version")
    if "content_version" in info and cv.status in ("ok", "running"):
        source = info.get("update_source")
        cv.detail = f"content version {info['content_version']}" + (f" (UpdateSource {source})" if source else "")
    rep = flow.step("replicas")
    if "replica_problems" in info:
        rep.status = "warning"
        rep.detail = info["replica_problems"]
        rep.hint = diagnose.hint("replica_sync")
        codes = [c for f in rep.evidence if (c := _entry_le(f.message)) is not None]
        if codes:
            rep.error = describe(codes[0])
    elif "replicas" in info and not rep.detail:
        rep.detail = info["replicas"]


def _entry_le(message: str) -> int | None:
    m = _LE.search(message)
    return (int(m.group(1), 16) or None) if m else None


class WsusSyncKind(KindBase):
    """WSUS synchronizations per site server."""

    kind: FlowKind = "wsus_sync"

    def __init__(self) -> None:
        super().__init__()
        self._runs: dict[str, Runs] = {}
        self._run_ids: dict[str, list[str | None]] = {}  # per partition, one per run (None: not a sync)
        self._loaded_version = -1
        self._versions_seen: dict[str, int] = {}

    def route(self, f: Fact) -> str | None:
        return f"server:{f.host}" if f.flow == "wsus_sync" else None

    @staticmethod
    def _content_versions(kinds: Mapping[FlowKind, FlowKindModule], host: str) -> list[Fact]:
        """The host's "Set content version" records: policy-flow facts, read from the policy kind."""
        policy = kinds.get("policy")
        log = policy.logs.get(f"server:{host}") if policy is not None else None
        return [f for f in log.facts if f.name == "ws_content_version"] if log is not None else []

    def stitch(self, loaded: Loaded, kinds: Mapping[FlowKind, FlowKindModule]) -> Change:
        change = Change()
        everything = loaded.version != self._loaded_version
        self._loaded_version = loaded.version
        for part, log in self.logs.items():
            host = part.partition(":")[2]
            versions = self._content_versions(kinds, host)
            new_versions = len(versions) != self._versions_seen.get(part, -1)
            self._versions_seen[part] = len(versions)
            dirty = log.take_dirty()
            if dirty is None and not everything and not new_versions:
                continue
            runs = self._runs.get(part)
            if runs is None:
                runs = self._runs[part] = Runs(sync_runs)
            k = runs.refresh(log, dirty) if dirty is not None else len(runs.runs)
            if everything or new_versions:
                k = 0
            old_ids = self._run_ids.get(part, [])
            kept, dropped = old_ids[:k], [i for i in old_ids[k:] if i is not None]
            new_ids: list[str | None] = []
            starts = [r[0].utc for r in runs.runs]
            for j, run in enumerate(runs.runs[k:], start=k):
                if not any(f.rule_step == "start" for f in run) and not any(f.outcome for f in run):
                    new_ids.append(None)
                    continue
                lo = run[0].utc
                hi = starts[j + 1] if j + 1 < len(starts) else None
                cvs = [f for f in versions if f.utc >= lo and (hi is None or f.utc < hi)]
                merged = sorted([*run, *cvs], key=lambda f: f.key) if cvs else run
                fid = flow_id("wsus_sync", host, run[0].utc)
                new_ids.append(fid)
                sig = (len(run), run[0].key, run[-1].key, tuple(f.key for f in cvs), loaded.version)
                old = self._stitched.get(fid)
                if old is not None and old.sig == sig:
                    continue
                st = Stitched(describe_sync(fid, host, merged, loaded), True, sig)
                self._stitched[fid] = st
                change.changed[fid] = st
            ids = kept + new_ids
            self._run_ids[part] = ids
            alive = {i for i in new_ids if i is not None}
            for fid in dropped:
                if fid not in alive and fid in self._stitched:
                    gone = self._stitched.pop(fid).flow
                    into = max((i for i in ids if i is not None and i < fid), default=None)
                    change.removed.append(Removal(gone, "merged" if into else "dropped", into))
        return change
