"""The client agent flow: is a client's Software Updates agent configured and enabled, and does it act?

One flow per client, built from UpdatesDeployment's and ScanAgent's start-up lines, with what the
policy and scan kinds show for that client: how often the UpdateSource policy reached ScanAgent
and how many scans it ran. Its steps reflect the latest agent start: a "has not been received"
line at a start means the client-settings policy had not arrived then (default settings are
used); "Software Updates feature is disabled" means no scan will run, which explains a client
that gets UpdateSource policy and never scans. These are warnings (configuration, not failure),
each with the line that says so. The id is ``client_agent:<host>:<UTC of its first record>``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sumtrace.flows import diagnose
from sumtrace.flows.catalog import CLIENT_AGENT_STEPS
from sumtrace.flows.classify import Fact
from sumtrace.flows.judge import settle
from sumtrace.flows.kinds.base import Change, FlowKindModule, KindBase, Stitched
from sumtrace.flows.kinds.scan import flow_id, zone_known
from sumtrace.flows.model import Flow, Step
from sumtrace.flows.stitch import Loaded
from sumtrace.flows.vocab import FlowKind

_SETTINGS = frozenset({"no_policy", "ud_no_policy", "ud_not_enabled_until"})


def _stamp(f: Fact) -> str:
    return f.utc.strftime("%Y-%m-%d %H:%M:%S")


def describe_agent(fid: str, host: str, facts: Sequence[Fact], policies: Sequence[Flow], scans: Sequence[Flow],
                   loaded: Loaded) -> Flow:
    starts = [f for f in facts if f.name == "ud_startup"]
    since = starts[-1].utc if starts else None
    session = [f for f in facts if since is None or f.utc >= since]
    flow = Flow("client_agent", host, fid, label="Software Updates agent", zone_known=zone_known(facts),
                ids={"agent_starts": len(starts), "update_source_policies": len(policies), "scans": len(scans)})
    steps = {spec.key: Step(spec.key, spec.title, expected=spec.expected, status="unobserved") for spec in CLIENT_AGENT_STEPS}

    settings = steps["client_settings"]
    said = [f for f in facts if f.name in _SETTINGS]
    now_said = [f for f in session if f.name in _SETTINGS]
    if said:
        settings.at, settings.evidence = said[0].utc, [f.entry for f in said[:20]]
    later_scan = next((sc for sc in scans if now_said and sc.started and sc.started > now_said[-1].utc), None)
    if later_scan is not None:
        settings.status = "ok"
        settings.ended = later_scan.started
        settings.detail = f"not received at start-up, then a scan ran ({later_scan.id}): the policy arrived"
    elif now_said:
        settings.status = "warning"
        settings.ended = now_said[-1].utc
        settings.detail = ("client configuration policy not received at the last start "
                           f"({_stamp(now_said[-1])}): default settings are used")
        settings.hint = diagnose.hint("no_policy")
    elif said and since is not None:
        settings.status = "ok"
        settings.detail = f"not reported missing at the last agent start ({_stamp(starts[-1])})"

    feature = steps["feature"]
    disabled = [f for f in facts if f.name == "ud_feature_disabled"]
    if disabled:
        feature.at, feature.evidence = disabled[0].utc, [f.entry for f in disabled[:20]]
    if any(f.name == "ud_feature_disabled" for f in session):
        feature.status = "warning"
        feature.ended = disabled[-1].utc
        feature.detail = f"Software Updates feature is disabled (UpdatesDeployment, {len(disabled)} start(s), last {_stamp(disabled[-1])})"
        feature.hint = diagnose.hint("agent_disabled")
    elif starts:
        feature.status = "ok"
        feature.at = starts[-1].utc
        feature.evidence = [starts[-1].entry]
        feature.detail = "enabled: no 'feature is disabled' at the last start"

    source = steps["update_source_policy"]
    if policies:
        source.status = "ok"
        source.at, source.ended = policies[0].started, policies[-1].started
        source.detail = f"UpdateSource policy reached ScanAgent {len(policies)} time(s)"

    jobs = steps["scan_jobs"]
    if scans:
        jobs.status = "ok"
        jobs.at, jobs.ended = scans[0].started, scans[-1].started
        jobs.detail = f"{len(scans)} scan(s) against the SUP"
    elif feature.status == "warning":
        jobs.status = "warning"
        jobs.detail = "no scan job: the Software Updates agent is disabled"
        jobs.hint = diagnose.hint("agent_disabled")
    elif loaded.host(host, ("scanagent",)):
        jobs.detail = "no scan job in the loaded logs"
    flow.steps = [steps[spec.key] for spec in CLIENT_AGENT_STEPS]
    settle(flow)
    return flow


class ClientAgentKind(KindBase):
    """One Software Updates agent flow per client that logs its agent's start-up."""

    kind: FlowKind = "client_agent"

    def __init__(self) -> None:
        super().__init__()
        self._loaded_version = -1

    def route(self, f: Fact) -> str | None:
        return f"client:{f.host}" if f.flow == "client_agent" and f.role == "client" else None

    def stitch(self, loaded: Loaded, kinds: Mapping[FlowKind, FlowKindModule]) -> Change:
        change = Change()
        scan_kind = kinds.get("scan")
        policy_kind = kinds.get("policy")
        for part, log in self.logs.items():
            log.take_dirty()
            host = part.partition(":")[2]
            facts = log.facts
            if not facts:
                continue
            policies = sorted((st.flow for st in (policy_kind.current().values() if policy_kind else [])
                               if st.flow.host == host and st.flow.started is not None),
                              key=lambda fl: fl.started or facts[0].utc)
            scans = [st.flow for st in (scan_kind.current().values() if scan_kind else [])
                     if st.flow.host == host and st.flow.kind == "scan"]
            scans.sort(key=lambda fl: fl.started or facts[0].utc)
            fid = flow_id("client_agent", host, facts[0].utc)
            sig = (len(facts), facts[0].key, facts[-1].key, tuple((fl.id, fl.started) for fl in policies),
                   tuple((fl.id, fl.started) for fl in scans), loaded.host_version(host))
            old = self._stitched.get(fid)
            if old is not None and old.sig == sig:
                continue
            st = Stitched(describe_agent(fid, host, facts, policies, scans, loaded), True, sig)
            self._stitched[fid] = st
            change.changed[fid] = st
        return change
