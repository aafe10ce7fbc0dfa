"""A step from its records: status from its own outcome records, time, detail, error, IDs.

Shared by every flow kind. Only the records of the step itself decide its status here: a failure
record of this step makes it failed, a completion record makes it ok, a warning record makes it a
warning, and records with no outcome make it running. What the admin reads first (``detail``)
is drawn from the values the rules extracted.
"""

from __future__ import annotations

from datetime import datetime

from sumtrace.flows.classify import Fact
from sumtrace.flows.errorcodes import ErrorInfo, describe
from sumtrace.flows.model import Step, StepSpec
from sumtrace.flows.stitch import Loaded

MAX_EVIDENCE = 80
_STEP_IDS = ("scan_job", "location_request", "update_source", "message", "reply", "policy")


MAX_NOTES = 20


def fill(step: Step, facts: list[Fact], joined: str | None) -> bool:
    """Fill ``step`` from its records; False when it has none of its own (only notes, or nothing).

    Notes (error records that are not this step's outcome) are kept on the step and counted,
    and never decide its status or time.
    """
    notes = [f for f in facts if f.outcome == "note"]
    if notes:
        step.notes = [f.entry for f in notes[:MAX_NOTES]]
        facts = [f for f in facts if f.outcome != "note"]
    if not facts:
        return False
    step.at = facts[0].utc
    step.ended = facts[-1].utc
    step.evidence = [f.entry for f in facts[:MAX_EVIDENCE]]
    step.joined_by = joined or own_join(facts)
    for f in facts:
        for k, v in f.ids.items():
            if k in _STEP_IDS:
                step.ids.setdefault(k, v)
    fails = [f for f in facts if f.outcome == "fail"]
    dones = [f for f in facts if f.outcome == "done"]
    warns = [f for f in facts if f.outcome == "warn"]
    if fails:
        step.status = "failed"
        codes = [c for f in fails for c in f.codes]
        if codes:
            step.error = error_of(codes)
        step.ended = fails[-1].utc
    elif dones:
        step.status = "ok"
        step.ended = dones[-1].utc
    elif warns:
        step.status = "warning"
    else:
        step.status = "running"
    step.detail = detail(step.key, facts)
    return True


def own_join(facts: list[Fact]) -> str:
    keys = {k for f in facts for k in f.ids}
    for k in ("scan_job", "location_request", "message", "update_source"):
        if k in keys:
            return k
    return "time"


def error_of(codes: list[int]) -> ErrorInfo:
    """The most telling code: ConfigMgr-specific and known ones before generic E_FAIL."""
    ranked = sorted(dict.fromkeys(codes), key=lambda c: (c == 0x80004005, describe(c).name == "UNKNOWN"))
    return describe(ranked[0])


def detail(key: str, facts: list[Fact]) -> str:
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


def unseen(step: Step, spec: StepSpec, host: str | None, when: datetime | None, loaded: Loaded) -> None:
    """A step with no record of its own: pending if a loaded log covering its time could show it,
    else unobserved, with the reason (the log is not loaded, or begins after the step's time)."""
    if spec.role != "client":
        step.status = "pending" if loaded.any(spec.logs) else "unobserved"
        return
    if host is None or not loaded.host(host, spec.logs):
        step.status = "unobserved"
        return
    begins = loaded.begins(host, spec.logs)
    if begins is not None and when is not None and when < begins[0]:
        step.status = "unobserved"
        step.detail = f"before {begins[1]} begins"
        return
    step.status = "pending"
