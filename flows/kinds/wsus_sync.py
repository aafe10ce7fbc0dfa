"""The WSUS sync flow: one synchronization of the software update point with its upstream.

WSyncMgr.log and WSUS's SoftwareDistribution.log both log a sync's start and end. A run starts
at a start record after the previous run completed, or after three hours of silence; its steps
are start, the upstream connection, and completion. Runs are split per site server and
re-split only from the run the new records fall in. A flow's id is
``wsus_sync:<host>:<UTC time of the run's first record>``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from sumtrace.flows import diagnose
from sumtrace.flows.catalog import WSUS_SYNC_STEPS
from sumtrace.flows.classify import Fact
from sumtrace.flows.judge import settle
from sumtrace.flows.kinds.base import Change, FlowKindModule, KindBase, Removal, Stitched
from sumtrace.flows.kinds.scan import flow_id
from sumtrace.flows.model import Flow, Step
from sumtrace.flows.steps import fill
from sumtrace.flows.stitch import Loaded, Runs
from sumtrace.flows.vocab import FlowKind

_MIN = timedelta(minutes=1)


def sync_runs(facts: Sequence[Fact]) -> list[list[Fact]]:
    """One run per synchronization (restartable: all state is reset when a run starts)."""
    runs: list[list[Fact]] = []
    cur: list[Fact] | None = None
    completed: datetime | None = None
    for f in facts:
        if (cur is None or f.utc - cur[-1].utc > 180 * _MIN
                or (f.step == "start" and completed is not None and f.utc - completed > 2 * _MIN)):
            cur = []
            runs.append(cur)
            completed = None
        cur.append(f)
        if f.step == "complete" and f.outcome in ("done", "fail") and completed is None:
            completed = f.utc
    return runs


def describe_sync(fid: str, host: str, run: Sequence[Fact], loaded: Loaded) -> Flow:
    by_step: dict[str, list[Fact]] = defaultdict(list)
    for f in run:
        by_step[f.step].append(f)
    manual = any("manual" in f.entry.message.lower() for f in run if f.step == "start")
    flow = Flow("wsus_sync", host, fid, ids={"trigger": "manual" if manual else "scheduled"},
                label="WSUS sync (manual)" if manual else "WSUS sync")
    for spec in WSUS_SYNC_STEPS:
        step = Step(spec.key, spec.title, expected=spec.expected)
        fill(step, by_step.get(spec.key, []), None)
        if not by_step.get(spec.key):
            step.status = "pending" if loaded.any(spec.logs) else "unobserved"
        if step.status == "failed":
            step.hint = diagnose.hint_for_code(step.error.code if step.error else None) or diagnose.hint("wsus_sync")
        flow.steps.append(step)
    settle(flow)
    return flow


class WsusSyncKind(KindBase):
    """WSUS synchronizations per site server."""

    kind: FlowKind = "wsus_sync"

    def __init__(self) -> None:
        super().__init__()
        self._runs: dict[str, Runs] = {}
        self._run_ids: dict[str, list[str | None]] = {}  # per partition, one per run (None: not a sync)
        self._loaded_version = -1

    def route(self, f: Fact) -> str | None:
        return f"server:{f.host}" if f.flow == "wsus_sync" else None

    def stitch(self, loaded: Loaded, kinds: Mapping[FlowKind, FlowKindModule]) -> Change:
        change = Change()
        everything = loaded.version != self._loaded_version
        self._loaded_version = loaded.version
        for part, log in self.logs.items():
            dirty = log.take_dirty()
            if dirty is None and not everything:
                continue
            host = part.partition(":")[2]
            runs = self._runs.get(part)
            if runs is None:
                runs = self._runs[part] = Runs(sync_runs)
            k = runs.refresh(log, dirty) if dirty is not None else 0
            if everything:
                k = 0
            old_ids = self._run_ids.get(part, [])
            kept, dropped = old_ids[:k], [i for i in old_ids[k:] if i is not None]
            new_ids: list[str | None] = []
            for run in runs.runs[k:]:
                if not any(f.step == "start" for f in run) and not any(f.outcome for f in run):
                    new_ids.append(None)
                    continue
                fid = flow_id("wsus_sync", host, run[0].utc)
                new_ids.append(fid)
                sig = (len(run), run[0].key, run[-1].key, loaded.version)
                old = self._stitched.get(fid)
                if old is not None and old.sig == sig:
                    continue
                st = Stitched(describe_sync(fid, host, run, loaded), True, sig)
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
