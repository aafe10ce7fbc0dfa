"""Judging: the only code that reads "now".

Stitching gives each step the status its own records prove (ok, failed, warning, running) or
none yet (pending; unobserved when no loaded log could show it). :func:`settle` adds what the
order of steps implies and does not depend on time. :func:`judge` then looks at the clock: the
first step still awaited gets a due time from the catalog, and is stalled once that has passed.
A judged flow whose frontier is stalled, or that has nothing left to wait for, can no longer
change with time; :func:`judge` returns the due time after which it could, so the tracker
re-judges only the flows whose due time has come.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from sumtrace.flows import diagnose
from sumtrace.flows.catalog import STEPS_BY_KIND
from sumtrace.flows.model import Flow

UNSEEN_DETAIL = "not seen in the loaded logs (rolled over, or logged before they start)"


def settle(flow: Flow) -> None:
    """What the order of steps implies: a step before the last one with evidence has finished.

    A running step followed by evidence of a later step is done (whatever happened after it);
    an awaited step followed by later evidence was not logged in the loaded logs: unobserved.
    """
    steps = flow.steps
    specs = {s.key: s for s in STEPS_BY_KIND[flow.kind]}
    last_seen = max((i for i, st in enumerate(steps) if st.at is not None and specs[st.key].awaited), default=-1)
    for st in steps[:max(last_seen, 0)]:
        if st.status == "running":
            st.status = "ok"
        elif st.status == "pending":
            st.status = "unobserved"
            st.detail = st.detail or UNSEEN_DETAIL
    flow.started = min((st.at for st in steps if st.at is not None), default=None)


def judge(stitched: Flow, now: datetime, *, awaiting: bool = True) -> tuple[Flow, datetime | None]:
    """A judged copy of ``stitched`` at ``now``, and when judging it again could change it.

    ``awaiting`` is False for a flow that something newer replaced (an older scan of the same
    host): its missing steps are not awaited any more, so they never stall.
    """
    flow = replace(stitched, steps=[replace(st, ids=dict(st.ids)) for st in stitched.steps],
                   links=list(stitched.links))
    steps = flow.steps
    next_change: datetime | None = None
    if awaiting and not any(st.status == "failed" for st in steps):
        specs = {s.key: s for s in STEPS_BY_KIND[flow.kind]}
        prev_end: datetime | None = None
        for st in steps:
            if st.status in ("ok", "warning"):
                prev_end = st.ended or st.at
                continue
            if st.status == "unobserved" or not specs[st.key].awaited:
                continue
            if prev_end is None and st.at is None:
                break
            spec = specs[st.key]
            start = (st.at or prev_end) if st.status == "running" else prev_end
            assert start is not None
            st.due = start + (st.expected or timedelta(0))
            if now > st.due:
                st.status = "stalled"
                st.hint = st.hint or diagnose.hint(spec.stall_hint)  # no code: a stall carries one only when a log wrote it
            else:
                next_change = st.due
            break
    _flow_status(flow)
    return flow, next_change


def _flow_status(flow: Flow) -> None:
    specs = {s.key: s for s in STEPS_BY_KIND[flow.kind]}
    # A step on its own schedule (site-wide summarization, a health check) that has not been seen
    # does not keep the flow open.
    statuses = [st.status for st in flow.steps if specs[st.key].awaited or st.status not in ("pending", "running")]
    ends = [t for st in flow.steps if (t := st.ended or st.at) is not None]
    flow.ended = max(ends) if ends else None
    if "failed" in statuses:
        flow.status = "failed"
    elif "stalled" in statuses:
        flow.status = "stalled"
    elif all(s in ("ok", "warning", "unobserved") for s in statuses):
        flow.status = "warning" if "warning" in statuses else "ok"
    else:
        flow.status = "running"
        flow.ended = None

