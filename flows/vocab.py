"""The words every layer shares: flow kinds, step and flow statuses, outcomes, roles, and how each
status is drawn.

They are ``Literal`` types, so a typo (``"stalld"``) fails mypy instead of silently matching
nothing; the tuples beside them are the same words for code that iterates. :data:`STATUS_LOOK` is
the one table of glyphs and styles that the command line (``report``) and the TUI both draw
from. Styles are Rich style strings, kept as plain text here because nothing below ``tui/``
imports Rich.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal, get_args

# scan: an online scan against the SUP; evaluation: a client re-evaluating updates without asking the
# SUP (offline searches, deployment evaluations, evaluations from cache); client_agent: the state of a
# client's Software Updates agent (client settings, enabled or disabled); wsus_health: the site's
# WSUS as WCM and WSUSCtrl see it.
FlowKind = Literal["scan", "evaluation", "policy", "wsus_sync", "client_agent", "wsus_health"]
StepStatus = Literal["ok", "warning", "failed", "running", "stalled", "pending", "unobserved"]
# "warning": the flow's own verdict is ok but a step carries a warning (a replica SUP failed on a
# successful sync, the Software Updates agent is disabled). Not alarming: ``report`` exits 0.
FlowStatus = Literal["ok", "warning", "failed", "stalled", "running", "incomplete"]
# What the event stream can say of a flow: its status, or that it is gone (merged into another,
# superseded, or dropped by retention). See :class:`sumtrace.flows.model.FlowEvent`.
FlowEventStatus = Literal["ok", "warning", "failed", "stalled", "running", "incomplete", "removed"]
RemovedWhy = Literal["merged", "superseded", "dropped", "expired"]
# "note": an error record that is not the step's own outcome (another component failing nearby):
# shown and counted on the step, never its verdict.
Outcome = Literal["", "done", "fail", "warn", "note"]
Role = Literal["client", "mp", "server"]

FLOW_KINDS: Final[tuple[FlowKind, ...]] = get_args(FlowKind)
STEP_STATUSES: Final[tuple[StepStatus, ...]] = get_args(StepStatus)
FLOW_STATUSES: Final[tuple[FlowStatus, ...]] = get_args(FlowStatus)

# Flow statuses that need someone's attention; ``report`` exits 1 when any flow has one.
ALARMING: Final[frozenset[str]] = frozenset({"failed", "stalled"})


@dataclass(frozen=True, slots=True)
class Look:
    """How one status is drawn: a glyph for Unicode terminals, one for ASCII, and a Rich style."""

    glyph: str
    ascii: str
    style: str


STATUS_LOOK: Final[dict[str, Look]] = {
    "ok": Look("✓", "+", "green"),
    "warning": Look("▲", "!", "yellow"),
    "failed": Look("✗", "x", "bold red"),
    "running": Look("▸", ">", "bold cyan"),
    "stalled": Look("‖", "=", "bold magenta"),
    "pending": Look("·", ".", "dim"),
    "unobserved": Look("∅", "-", "dim italic"),
    "incomplete": Look("◐", "~", "yellow"),
    "removed": Look("⌫", "#", "dim strike"),
}

