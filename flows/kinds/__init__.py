"""One module per flow kind, behind the interface in :mod:`sumtrace.flows.kinds.base`.

:func:`make_kinds` is the registry the tracker stitches with, in dependency order (policy links
to scans and to the sync that set its content version, so those are stitched first). Adding a flow kind (software-update deployment and
install is next) means one module here, its rules in :mod:`sumtrace.flows.classify` and its steps
in :mod:`sumtrace.flows.catalog`.
"""

from __future__ import annotations

from sumtrace.flows.kinds.base import FlowKindModule
from sumtrace.flows.kinds.client_agent import ClientAgentKind
from sumtrace.flows.kinds.policy import PolicyKind
from sumtrace.flows.kinds.scan import ScanKind
from sumtrace.flows.kinds.wsus_health import WsusHealthKind
from sumtrace.flows.kinds.wsus_sync import WsusSyncKind


def make_kinds() -> list[FlowKindModule]:
    return [ScanKind(), WsusSyncKind(), PolicyKind(), ClientAgentKind(), WsusHealthKind()]


__all__ = ["FlowKindModule", "make_kinds"]
