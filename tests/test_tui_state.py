"""The shared selection: it follows the current scan, keeps the user's pick, and survives flows that vanish."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sumtrace.flows.model import Flow, Step
from sumtrace.tui.state import AppState

T0 = datetime(2026, 1, 20, 12, 0, tzinfo=timezone.utc)


def flow(kind: str, host: str, n: int, *, status: str = "ok", failed: str | None = None) -> Flow:
    steps = [Step("a", "A", "ok", at=T0 + timedelta(minutes=n)), Step("b", "B", "failed" if failed == "b" else "ok",
                                                                       at=T0 + timedelta(minutes=n, seconds=5))]
    return Flow(kind, host, f"{kind}:{host}:{n}", status=status, started=T0 + timedelta(minutes=n),  # type: ignore[arg-type]
                steps=steps)


def state_with(*flows: Flow) -> AppState:
    s = AppState(mode="live", now=T0, max_entries=1000, animations=False)
    s.set_flows(list(flows), [])
    return s


def test_follows_the_current_scan_as_new_ones_start() -> None:
    old = flow("scan", "PC1", 1)
    s = state_with(old, flow("policy", "PC1", 0))
    assert s.selected_flow == old.id and s.follow_flow
    new = flow("scan", "PC2", 5)
    s.set_flows([new, old], [])
    assert s.selected_flow == new.id and s.follow_flow and s.replaced is None


def test_a_picked_flow_that_vanishes_gives_way_to_its_hosts_newest() -> None:
    scan2, policy1, scan1 = flow("scan", "PC2", 9), flow("policy", "PC1", 4), flow("scan", "PC1", 3)
    s = state_with(scan2, policy1, scan1, flow("wsus_sync", "server", 1))
    s.select(scan1.id, "a")
    assert not s.follow_flow and s.selected_step == "a"
    s.set_flows([scan2, policy1, flow("wsus_sync", "server", 1)], [])  # scan1 merged away
    assert s.selected_flow == policy1.id and not s.follow_flow
    assert s.selected_step == "b" and s.step() is not None  # the new flow's own default step
    assert s.replaced == (scan1.id, policy1.id)


def test_with_nothing_left_on_its_host_the_newest_flow_is_selected() -> None:
    scan2, scan1 = flow("scan", "PC2", 9), flow("scan", "PC1", 3)
    s = state_with(scan2, scan1)
    s.select(scan1.id)
    s.set_flows([scan2], [])
    assert s.selected_flow == scan2.id and s.follow_flow  # it is the current scan: following again


def test_no_flows_at_all_selects_nothing_and_recovers() -> None:
    scan1 = flow("scan", "PC1", 3)
    s = state_with(scan1, flow("policy", "PC1", 1))
    s.select(s.flows[1].id)
    s.set_flows([], [])
    assert s.selected_flow is None and s.flow() is None and s.step() is None and s.selected_step is None
    s.set_flows([scan1], [])
    assert s.selected_flow == scan1.id and s.step() is not None


def test_the_picked_step_is_kept_while_its_flow_changes() -> None:
    policy = flow("policy", "PC1", 1)
    s = state_with(flow("scan", "PC1", 3), policy)
    s.select(policy.id, "a")
    s.set_flows([flow("scan", "PC1", 3), flow("policy", "PC1", 1, failed="b")], [])
    assert s.selected_flow == policy.id and s.selected_step == "a"


def test_selecting_a_flow_the_list_still_showed_but_is_gone() -> None:
    scan1, policy1 = flow("scan", "PC1", 3), flow("policy", "PC1", 1)
    s = state_with(scan1, policy1, flow("scan", "PC2", 2))
    s.select(policy1.id)
    s.select("policy:PC1:gone")
    assert s.selected_flow == scan1.id and s.flow() is scan1
