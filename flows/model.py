"""What the tracker knows: flows (one per scan, policy delivery, WSUS sync), their steps, events.

These are plain data; :mod:`sumtrace.flows.tracker` builds them from entries and the views (report, JSONL,
TUI) only read them. Times are aware UTC; a step keeps the raw entries behind it as evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sumtrace.flows.errorcodes import ErrorInfo
from sumtrace.flows.vocab import (
    FLOW_KINDS,
    FLOW_STATUSES,
    STEP_STATUSES,
    FlowEventStatus,
    FlowKind,
    FlowStatus,
    RemovedWhy,
    Role,
    StepStatus,
)
from sumtrace.parsers.entry import Entry, iso_time

__all__ = ["FLOW_KINDS", "FLOW_STATUSES", "STEP_STATUSES", "StepSpec", "Step", "Flow", "UpdateRow", "StepEvent",
           "FlowEvent", "Event", "error_json"]


@dataclass(frozen=True, slots=True)
class StepSpec:
    """A step of a flow kind: its stable key, what it means, where it is logged, how long it may take.

    ``expected`` is how long after the previous step this step may take before a running or
    awaited step counts as stalled (drawn from the seeds: the 2-minute Group Policy wait, the
    15-minute state message cycle, ...). ``role`` is the machine whose logs show it.
    ``stall_hint`` names the :mod:`sumtrace.flows.diagnose` hint shown when the step stalls;
    ``restart_at`` (scan steps) is the step index a scan must already have reached for a record
    of this step to start a new scan instead of joining the current one; ``joins`` names the IDs
    that tie this step's records to the flow when they come from another machine.
    """

    key: str
    title: str
    role: Role
    logs: tuple[str, ...]
    expected: timedelta
    description: str
    stall_hint: str = "scan_failed"
    restart_at: int | None = None
    joins: tuple[str, ...] = ()
    # False for a step that runs on its own schedule (site-wide SUM summarization, a health check):
    # it is never awaited, so it can neither stall its flow nor keep it running.
    awaited: bool = True


@dataclass(slots=True)
class Step:
    key: str
    title: str
    status: StepStatus = "pending"
    at: datetime | None = None
    ended: datetime | None = None
    detail: str = ""
    error: ErrorInfo | None = None
    hint: str | None = None
    joined_by: str | None = None
    ids: dict[str, str] = field(default_factory=dict)
    evidence: list[Entry] = field(default_factory=list)
    expected: timedelta | None = None
    due: datetime | None = None
    # Error records of other components inside the step's window: shown and counted, never its verdict.
    notes: list[Entry] = field(default_factory=list)

    @property
    def duration(self) -> timedelta | None:
        if self.at is None or self.ended is None:
            return None
        return self.ended - self.at

    def signature(self) -> tuple[Any, ...]:
        """What a subscriber would call a change of this step."""
        return (self.status, self.at, self.detail, self.error.code if self.error else None, self.hint)

    def to_json(self, zone_known: bool = True) -> dict[str, Any]:
        """``zone_known`` is the flow's: False prints times as local, without ``Z``."""
        return {
            "key": self.key,
            "status": self.status,
            "at": iso_time(self.at, zone_known),
            "ended": iso_time(self.ended, zone_known),
            "detail": self.detail,
            "error": error_json(self.error),
            "hint": self.hint,
            "joined_by": self.joined_by,
            "ids": dict(self.ids),
            "evidence": [{"file": e.file, "line": e.line} for e in self.evidence],
            # Other components' error records in the step's window: shown, never its verdict.
            "notes": [{"file": e.file, "line": e.line} for e in self.notes],
        }


@dataclass(slots=True)
class Flow:
    """One scan, policy delivery or WSUS sync.

    ``id`` is assigned once, from the flow's first anchoring record (its host and that record's
    UTC time), and never changes; ``host`` is the host as the logs were given (folder or bundle),
    also fixed. ``host_name`` is the machine's own name once the logs say it (the NetBIOS name in
    a state message), a field that may appear later and is never part of the identity; every
    flow of a host carries the same one (:class:`~sumtrace.flows.tracker.Tracker` sets it).
    """

    kind: FlowKind
    host: str
    id: str
    status: FlowStatus = "running"
    started: datetime | None = None
    ended: datetime | None = None
    ids: dict[str, Any] = field(default_factory=dict)
    steps: list[Step] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    label: str = ""
    host_name: str | None = None
    # False when the host's logs carry no time zone (a WindowsUpdate.log with no CMTrace log of the
    # same machine): times are its local times, shown without ``Z`` and with "zone unknown".
    zone_known: bool = True

    def step(self, key: str) -> Step:
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)

    @property
    def current(self) -> Step | None:
        """The step that needs attention: the failure, the stall, what runs, else the next awaited."""
        for wanted in ("failed", "stalled", "running"):
            for s in self.steps:
                if s.status == wanted:
                    return s
        for s in self.steps:
            if s.status == "pending":
                return s
        return None

    @property
    def last_activity(self) -> datetime | None:
        times = [t for s in self.steps if (t := s.ended or s.at) is not None]
        return max(times) if times else self.started

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "host": self.host,
            "host_name": self.host_name,
            "id": self.id,
            "status": self.status,
            "zone": zone_name(self.zone_known),
            "started": iso_time(self.started, self.zone_known),
            "ended": iso_time(self.ended, self.zone_known),
            "ids": self.ids,
            "links": list(self.links),
            "steps": [s.to_json(self.zone_known) for s in self.steps],
        }


@dataclass(slots=True)
class UpdateRow:
    """One update on one host: what the scan found and how far its state message travelled."""

    host: str
    update_id: str
    revision: int | None = None
    kb: str = ""
    title: str = ""
    state: str = "unknown"
    recorded: bool | None = False  # None: the log that would show it is not loaded
    forwarded: bool | None = False
    processed: bool | None = None
    seen: datetime | None = None
    zone_known: bool = True  # False: ``seen`` is a local time of unknown zone
    host_name: str | None = None  # the host's own name once its logs say it (shown; ``host`` is the id)

    def to_json(self) -> dict[str, Any]:
        return {
            "host": self.host,
            "host_name": self.host_name,
            "update_id": self.update_id,
            "revision": self.revision,
            "kb": self.kb,
            "title": self.title,
            "state": self.state,
            "recorded": self.recorded,
            "forwarded": self.forwarded,
            "processed": self.processed,
            "seen": iso_time(self.seen, self.zone_known),
        }


def zone_name(zone_known: bool) -> str:
    """The ``zone`` of a flow or event in JSON: ``utc`` (times end in ``Z``) or ``unknown``
    (times are the host's local times as its logs wrote them, without ``Z``)."""
    return "utc" if zone_known else "unknown"


def error_json(err: ErrorInfo | None) -> dict[str, Any] | None:
    if err is None:
        return None
    return {"code": err.hex, "name": err.name, "meaning": err.meaning}


@dataclass(frozen=True, slots=True)
class StepEvent:
    """A step changed status (or its error/detail changed): what ``watch --jsonl`` prints."""

    kind: FlowKind
    host: str
    flow: str
    key: str
    status: StepStatus
    at: datetime | None
    detail: str
    error: ErrorInfo | None
    hint: str | None
    zone_known: bool = True  # the flow's Flow.zone_known

    def to_json(self) -> dict[str, Any]:
        return {
            "event": "step",
            "kind": self.kind,
            "host": self.host,
            "flow": self.flow,
            "key": self.key,
            "status": self.status,
            "zone": zone_name(self.zone_known),
            "at": iso_time(self.at, self.zone_known),
            "detail": self.detail,
            "error": error_json(self.error),
            "hint": self.hint,
        }


@dataclass(frozen=True, slots=True)
class FlowEvent:
    """A flow appeared, changed status, or is gone.

    ``status == "removed"`` withdraws a flow announced earlier: ``why`` says whether it was
    merged into another flow (``into`` names it), superseded by a later one (``into`` names it),
    or dropped (its records left the retention window). A consumer that applies every event holds
    exactly the flows of the final report.
    """

    kind: FlowKind
    host: str
    flow: str
    status: FlowEventStatus
    started: datetime | None
    ended: datetime | None
    current: str | None
    host_name: str | None = None
    into: str | None = None
    why: RemovedWhy | None = None
    zone_known: bool = True  # the flow's Flow.zone_known

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "event": "flow",
            "kind": self.kind,
            "host": self.host,
            "host_name": self.host_name,
            "flow": self.flow,
            "status": self.status,
            "zone": zone_name(self.zone_known),
            "started": iso_time(self.started, self.zone_known),
            "ended": iso_time(self.ended, self.zone_known),
            "current": self.current,
        }
        if self.status == "removed":
            out["into"] = self.into
            out["why"] = self.why
        return out


Event = StepEvent | FlowEvent
