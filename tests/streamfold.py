"""What a consumer of ``watch --jsonl`` / ``replay --jsonl`` holds after applying every event.

The contract (README, "Events"): a ``flow`` event creates or updates the flow it names, a ``flow``
event with ``status: "removed"`` deletes it, a ``step`` event sets that step of that flow. Steps
never mentioned are pending or unobserved. :func:`fold` applies a stream; :func:`report_view`
reduces a ``report --json`` document to the same shape, so a test can say the two are equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

FLOW_FIELDS = ("kind", "host", "host_name", "status", "started", "ended")
STEP_FIELDS = ("status", "at", "detail", "hint")
QUIET = ("pending", "unobserved")


def _step(ev: Mapping[str, Any]) -> tuple[Any, ...]:
    err = ev.get("error")
    return (*(ev[k] for k in STEP_FIELDS), err["code"] if err else None)


def fold(events: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Apply a JSON event stream; raises if an event speaks of a flow it never announced."""
    flows: dict[str, dict[str, Any]] = {}
    for ev in events:
        kind = ev.get("event")
        if kind == "flow":
            if ev["status"] == "removed":
                assert ev["flow"] in flows, f"removal of a flow never announced: {ev}"
                assert ev.get("why") in ("merged", "superseded", "dropped", "expired"), ev
                del flows[ev["flow"]]
                continue
            flow = flows.setdefault(ev["flow"], {"steps": {}})
            flow.update({k: ev[k] for k in FLOW_FIELDS})
        elif kind == "step":
            assert ev["flow"] in flows, f"step event before its flow was announced: {ev}"
            flows[ev["flow"]]["steps"][ev["key"]] = _step(ev)
    for flow in flows.values():  # steps that went back to quiet are as good as never mentioned
        flow["steps"] = {k: v for k, v in flow["steps"].items() if v[0] not in QUIET}
    return flows


def report_view(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A ``report --json`` document (or ``[flow.to_json()]``) in the shape :func:`fold` returns."""
    flows = doc["flows"] if "flows" in doc else doc
    out: dict[str, dict[str, Any]] = {}
    for f in flows:
        view = {k: f[k] for k in FLOW_FIELDS}
        view["steps"] = {s["key"]: _step(s) for s in f["steps"] if s["status"] not in QUIET}
        out[f["id"]] = view
    return out


def differences(got: Mapping[str, Any], want: Mapping[str, Any]) -> list[str]:
    """Readable differences between two views (empty when equal)."""
    out = [f"only in stream: {k} {got[k]['kind']} {got[k]['status']}" for k in sorted(set(got) - set(want))]
    out += [f"only in report: {k} {want[k]['kind']} {want[k]['status']}" for k in sorted(set(want) - set(got))]
    for k in sorted(set(got) & set(want)):
        if got[k] != want[k]:
            fields = [f for f in (*FLOW_FIELDS, "steps") if got[k].get(f) != want[k].get(f)]
            detail = {f: (got[k].get(f), want[k].get(f)) for f in fields if f != "steps"}
            if "steps" in fields:
                gs, ws = got[k]["steps"], want[k]["steps"]
                detail["steps"] = {s: (gs.get(s), ws.get(s)) for s in sorted(set(gs) | set(ws)) if gs.get(s) != ws.get(s)}
            out.append(f"{k}: {detail}")
    return out
