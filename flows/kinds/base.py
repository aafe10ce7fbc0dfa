"""The small interface every flow kind implements, and what the tracker gets back from it.

A kind module owns its facts from routing to a stitched flow:

* ``route(fact)`` names the partition (a :class:`~sumtrace.flows.stitch.FactLog`) a fact belongs
  to, or None when the fact is not this kind's. Only a kind's own rules' facts (``fact.flow``)
  and the other machines' records it joins are routed to it, so a new kind never silently
  becomes another kind's evidence.
* ``stitch(loaded, kinds)`` segments the partitions that changed, joins records from other
  machines by their IDs (time-indexed, never all pairs), describes each segment as a flow with
  its steps and details, and diagnoses what its evidence shows. It returns the flows whose
  stitching changed and the ids of flows that no longer exist, with where they went.

Judging (statuses that depend on "now") is not the kind's business: :mod:`sumtrace.flows.judge`
does it for all kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sumtrace.flows.classify import Fact
from sumtrace.flows.model import Flow, UpdateRow
from sumtrace.flows.stitch import FactLog, Loaded
from sumtrace.flows.vocab import FlowKind, RemovedWhy


@dataclass(slots=True)
class Stitched:
    """A flow as its records make it, before judging, with what judging needs to know.

    ``awaiting`` is False when something newer replaced the flow (its missing steps are not
    awaited any more). ``sig`` changes whenever the stitched content changes.
    """

    flow: Flow
    awaiting: bool = True
    sig: tuple[object, ...] = ()


@dataclass(frozen=True, slots=True)
class Removal:
    """A flow that is gone: merged into another, superseded by a newer one, or dropped."""

    flow: Flow
    why: RemovedWhy
    into: str | None = None


@dataclass(slots=True)
class Change:
    """What one ``stitch`` call changed for a kind."""

    changed: dict[str, Stitched] = field(default_factory=dict)
    removed: list[Removal] = field(default_factory=list)
    updates_changed: bool = False


class FlowKindModule(Protocol):
    kind: FlowKind
    logs: dict[str, FactLog]

    def route(self, fact: Fact) -> str | None: ...

    def add(self, part: str, facts: list[Fact]) -> None: ...

    def stitch(self, loaded: Loaded, kinds: Mapping[FlowKind, FlowKindModule]) -> Change: ...

    def current(self) -> Mapping[str, Stitched]: ...

    def updates(self) -> list[UpdateRow]: ...


def add_to(logs: dict[str, FactLog], part: str, facts: list[Fact]) -> None:
    log = logs.get(part)
    if log is None:
        log = logs[part] = FactLog()
    log.add(facts)


class KindBase:
    """What every kind module shares: its partitions, its stitched flows, and adding facts.

    A kind defines ``kind``, ``route`` and ``stitch``; it may override :meth:`updates` (only scans
    have an updates table).
    """

    kind: FlowKind

    def __init__(self) -> None:
        self.logs: dict[str, FactLog] = {}
        self._stitched: dict[str, Stitched] = {}

    def add(self, part: str, facts: list[Fact]) -> None:
        add_to(self.logs, part, facts)

    def current(self) -> Mapping[str, Stitched]:
        return self._stitched

    def updates(self) -> list[UpdateRow]:
        return []
