"""The policy flow: a new UpdateSource content version travelling from the site to a client.

WSyncMgr sets the content version after a sync, SMSDBMON drops the .STN, PolicyPv updates the
UpdateSource policy; the client's PolicyAgent downloads it, PolicyEvaluator applies it, and
ScanAgent is notified. One flow per notification cluster on a client (records within a minute),
with the policy download and apply records of the 30 minutes before it, and the site-side chain
of the last content version set before it. Site logs without any client give one flow per
content version (host ``site``).

Client records are tied to the UpdateSource by time (``joined_by: "time"``), because client logs
do not say which policy ID is the UpdateSource policy; site records by UpdateSource ID. A flow's
id is ``policy:<host>:<UTC time of its ScanAgent notification>`` (or of the content version for a
site flow).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import timedelta

from sumtrace.flows import diagnose
from sumtrace.flows.catalog import POLICY_STEPS
from sumtrace.flows.classify import Fact
from sumtrace.flows.judge import settle
from sumtrace.flows.kinds.base import Change, FlowKindModule, KindBase, Removal, Stitched
from sumtrace.flows.kinds.scan import flow_id
from sumtrace.flows.model import Flow, Step
from sumtrace.flows.steps import fill, unseen
from sumtrace.flows.stitch import FactKey, FactLog, Loaded, SortedFacts, TimeIndex, gap_runs
from sumtrace.flows.vocab import FlowKind

_MIN = timedelta(minutes=1)
_BEFORE = timedelta(minutes=30)
_SITE_CHAIN = timedelta(minutes=30)
# One delivery: flow id, the client's host hint (None for a site-only flow), its client records, the sync.
Delivery = tuple[str, "str | None", list[Fact], "Fact | None"]


class PolicyKind(KindBase):
    """UpdateSource policy deliveries, re-stitched per client when its records or the site's change."""

    kind: FlowKind = "policy"

    def __init__(self) -> None:
        super().__init__()
        self._by_host: dict[str, list[str]] = {}
        self._loaded_version = -1
        self._loaded_mark = 0
        self._clients: dict[str, FactLog] = {}
        self._used: dict[str, set[FactKey]] = {}  # per client: the site anchors its deliveries took
        self._taken_by: dict[FactKey, str] = {}  # site anchor → the client delivery that took it
        self._site_anchor: dict[str, FactKey] = {}  # site flow → its anchor

    def route(self, f: Fact) -> str | None:
        if f.flow != "policy":
            return None
        return f"client:{f.host}" if f.role == "client" else f"server:{f.host}"

    def stitch(self, loaded: Loaded, kinds: Mapping[FlowKind, FlowKindModule]) -> Change:
        change = Change()
        dirty_hosts = {part.partition(":")[2] for part, log in self.logs.items()
                       if part.startswith("client:") and log.dirty}
        server_keys = [k for part, log in self.logs.items() if part.startswith("server:") and (k := log.take_dirty())]
        for log in self.logs.values():
            log.take_dirty()
        # A site record at t can change only deliveries notified after t - 30 min (its sync window).
        server_from = min(server_keys)[0] - _SITE_CHAIN if server_keys else None
        scans = kinds.get("scan")
        scan_hosts: set[str] = set(getattr(scans, "changed_hosts", set()))
        everything = loaded.version != self._loaded_version
        self._loaded_version = loaded.version
        clients = self._clients
        for part, log in self.logs.items():
            if part.startswith("client:") and part[7:] not in clients:
                clients[part[7:]] = log
        self._loaded_mark, relogged = loaded.hosts_changed_since(self._loaded_mark)
        relogged &= set(clients)
        touched_by_site = {h for h, log in clients.items()
                           if server_from is not None and log.facts and log.facts[-1].utc >= server_from}
        redo = set(clients) if everything else (dirty_hosts | relogged | touched_by_site | (scan_hosts & set(clients)))
        if redo or everything or server_from is not None or "site" not in self._by_host:
            redo.add("site")  # the site's own chains: the anchors no client delivery took (cheap, few)
        if not redo:
            return change
        server = SortedFacts.merged(log for part, log in sorted(self.logs.items()) if part.startswith("server:"))
        syncs: dict[str | None, TimeIndex[Fact]] = {}
        all_syncs = _anchors(server.facts)
        syncs[None] = TimeIndex((f.utc, f) for f in all_syncs)
        for f in all_syncs:
            src = f.ids.get("update_source")
            if src not in syncs:
                syncs[src] = TimeIndex((g.utc, g) for g in all_syncs if g.ids.get("update_source") == src)
        sync_flows = _sync_flows(kinds.get("wsus_sync"))
        for host in sorted(redo, key=lambda h: h == "site"):  # clients first: the site keeps what they did not take
            pieces: list[Delivery]
            if host == "site":
                taken = {k for used in self._used.values() for k in used}
                pieces = [(flow_id("policy", s.host, s.utc), None, [], s) for s in all_syncs if s.key not in taken]
            else:
                pieces = self._deliveries(host, clients[host].facts, syncs)
                self._used[host] = {sync.key for _, _, _, sync in pieces if sync is not None}
                for fid, _, _, sync in pieces:
                    if sync is not None:
                        self._taken_by[sync.key] = fid
            ids: list[str] = []
            for fid, hint, client, sync in pieces:
                scan_flows: list[Flow] = scans_of(scans, host) if hint else []
                owner = sync.host if hint is None and sync is not None else host
                flow = describe_policy(fid, owner, hint, client, sync, server, loaded, scan_flows)
                version = flow.ids.get("content_version")
                sync_id = sync_flows.get((version, flow.ids.get("update_source"))) or sync_flows.get((version, None))
                if version and sync_id:
                    flow.links.insert(0, sync_id)
                sig = (tuple(f.key for f in client), sync.key if sync else None, tuple(flow.links), loaded.version,
                       loaded.host_version(host))
                ids.append(fid)
                old = self._stitched.get(fid)
                if old is not None and old.sig == sig:
                    continue
                st = Stitched(flow, True, sig)
                self._stitched[fid] = st
                change.changed[fid] = st
            for fid in self._by_host.get(host, []):
                if fid not in ids and fid in self._stitched:
                    gone = self._stitched.pop(fid).flow
                    if host == "site":  # a client's delivery now carries this chain
                        anchor = self._site_anchor.get(fid)
                        taker = self._taken_by.get(anchor) if anchor is not None else None
                        change.removed.append(Removal(gone, "superseded" if taker else "dropped", taker))
                        continue
                    into = next((i for i in ids if _covers(self._stitched[i].flow, gone)), None)
                    change.removed.append(Removal(gone, "merged" if into else "dropped", into))
            self._by_host[host] = ids
            if host == "site":
                self._site_anchor = {fid: s.key for fid, _, _, s in pieces if s is not None}
        return change

    def _deliveries(self, host: str, facts: Sequence[Fact], syncs: Mapping[str | None, TimeIndex[Fact]]
                    ) -> list[Delivery]:
        notified = [f for f in facts if f.step == "scan_agent_notified"]
        earlier = SortedFacts([f for f in facts if f.step in ("policy_download", "policy_apply")])
        out: list[Delivery] = []
        seen: dict[str, int] = {}
        for cluster in gap_runs(notified, 60):
            first = cluster[0].utc
            ep = sorted([*earlier.between(first - _BEFORE, first), *cluster], key=lambda f: f.key)
            source = next((f.ids["update_source"] for f in ep if "update_source" in f.ids), None)
            index = syncs.get(source) if source is not None else syncs.get(None)
            sync = index.last_at_or_before(ep[0].utc) if index is not None else None
            fid = flow_id("policy", host, first)
            n = seen[fid] = seen.get(fid, 0) + 1
            out.append((fid if n == 1 else f"{fid}#{n}", host, ep, sync))
        return out


def _anchors(facts: Sequence[Fact]) -> list[Fact]:
    """Where each site-side policy chain starts: WSyncMgr setting a content version, or, when
    WSyncMgr.log is not loaded (or says nothing in the 30 minutes before), SMSDBMON dropping the
    UpdateSource's .STN or PolicyPv finding it. One anchor per UpdateSource per 30 minutes."""
    out: list[Fact] = []
    last: dict[tuple[str, str | None], Fact] = {}
    for f in facts:
        if f.name not in ("ws_content_version", "db_dropped_stn", "pv_found_stn", "pv_added_tool"):
            continue
        src = (f.host, f.ids.get("update_source"))
        prev = last.get(src)
        if prev is not None and f.utc - prev.utc <= _SITE_CHAIN and (
                f.name != "ws_content_version" or prev.name == "ws_content_version"):
            continue
        last[src] = f
        out.append(f)
    return out


def _sync_flows(kind: FlowKindModule | None) -> dict[tuple[object, object], str]:
    """The WSUS sync that set each content version: (version, UpdateSource or None) → sync flow id."""
    out: dict[tuple[object, object], str] = {}
    if kind is None:
        return out
    for fid, st in kind.current().items():
        version = st.flow.ids.get("content_version")
        if version:
            out[(version, st.flow.ids.get("update_source"))] = fid
            out.setdefault((version, None), fid)
    return out


def scans_of(scans: FlowKindModule | None, host: str) -> list[Flow]:
    getter = getattr(scans, "scans_of", None)
    return list(getter(host)) if getter is not None else []


def _covers(flow: Flow, gone: Flow) -> bool:
    return (flow.started is not None and gone.started is not None and flow.ended is not None
            and flow.started <= gone.started <= flow.ended)


def describe_policy(fid: str, host: str, host_hint: str | None, client: list[Fact], sync: Fact | None,
                    server: SortedFacts, loaded: Loaded, scan_flows: Sequence[Flow]) -> Flow:
    by_step: dict[str, list[Fact]] = defaultdict(list)
    source = sync.ids.get("update_source") if sync else None
    if sync is not None:
        by_step["sync" if sync.name == "ws_content_version" else sync.step].append(sync)
        for f in server.between(sync.utc, sync.utc + _SITE_CHAIN):
            if f is not sync and f.ids.get("update_source") == source:
                by_step[f.step].append(f)
    for f in client:
        by_step[f.step].append(f)
        source = source or f.ids.get("update_source")
    version = sync.values.get("content_version") if sync is not None and sync.name == "ws_content_version" else None
    flow = Flow("policy", host, fid, ids={"update_source": source, "content_version": version,
                                          "policy": next((f.ids["policy"] for f in client if "policy" in f.ids), None)},
                label=f"policy v{version}" if version else "policy")
    for spec in POLICY_STEPS:
        facts = sorted(by_step.get(spec.key, []), key=lambda f: f.key)
        step = Step(spec.key, spec.title, expected=spec.expected)
        joined = None
        if facts and spec.key in ("policy_download", "policy_apply"):
            joined = "time"
        elif facts and spec.key in ("scan_tool_notification", "policy_provider"):
            joined = "update_source"
        if not fill(step, facts, joined):
            unseen(step, spec, host_hint, client[0].utc if client else None, loaded)
        if step.status == "failed" and step.hint is None:
            step.hint = diagnose.hint("policy_chain")
        flow.steps.append(step)
    settle(flow)
    if source and client:
        notified = max(f.utc for f in client)
        for sf in scan_flows:
            if sf.ids.get("update_source") == source and sf.started and sf.started >= notified - _MIN:
                flow.links.append(sf.id)
                break
    return flow
