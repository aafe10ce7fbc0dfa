"""Every fixture scenario reproduces its expected result: statuses, failing step, error code, hint, IDs, updates,
re-evaluations without the SUP, and one scan flow per online scan (other callers and benign ``*FAILED*`` lines never
make a flow or a failure)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from sumtrace.flows.model import Flow
from sumtrace.tui.cmd_report import collect
from tests.conftest import FIXTURES

SCENARIOS = sorted(p.parent.name for p in FIXTURES.glob("*/expected.json"))


def analyse(name: str) -> tuple[dict[str, Any], list[Flow], Any]:
    expected = json.loads((FIXTURES / name / "expected.json").read_text(encoding="utf-8"))
    tracker, files, errors = collect([str(FIXTURES / name)])
    assert not errors
    assert tracker.newest is not None
    tracker.update(tracker.newest)
    return expected, tracker.flows, tracker


def the_scan(expected: dict[str, Any], flows: list[Flow]) -> Flow:
    host = expected["client_host"] or "client"
    job = expected["scan"]["scan_job"].strip("{}").upper()
    # The machine's NetBIOS name is a field learnt from its state messages; the host key is the folder.
    scans = [f for f in flows if f.kind == "scan" and (f.host_name or f.host) == host and f.ids.get("scan_job") == job]
    assert len(scans) == 1, [(f.host, f.host_name, f.id, f.status) for f in flows if f.kind == "scan"]
    return scans[0]


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_scan(name: str) -> None:
    expected, flows, _ = analyse(name)
    exp = expected["scan"]
    scan = the_scan(expected, flows)
    assert scan.status == exp["status"]
    assert scan.ids["update_source"] == exp["update_source"].strip("{}").upper()
    assert scan.ids["content_version"] == exp["content_version"]
    bad = exp["failed_step"] or exp["stalled_step"]
    problems = [s for s in scan.steps if s.status in ("failed", "stalled")]
    if bad is None:
        assert not problems, [(s.key, s.status, s.detail) for s in problems]
        assert all(s.status in ("ok", "unobserved", "warning") for s in scan.steps), [(s.key, s.status) for s in scan.steps]
    else:
        first = problems[0]
        assert first.key == bad and first.status == exp["status"]
        assert first.hint, "a failed or stalled step always says what to check next"
        if exp["error_code"]:
            assert first.error is not None and first.error.code == int(exp["error_code"], 16)
            assert first.error.name and first.error.meaning
    # No other scan on the client is failing in a healthy scenario.
    if exp["status"] == "ok":
        assert all(f.status not in ("failed", "stalled") for f in flows if f.kind == "scan")


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_updates(name: str) -> None:
    expected, flows, tracker = analyse(name)
    host = the_scan(expected, flows).host
    rows = {u.update_id: u for u in tracker.updates if u.host == host}
    for want in expected["scan"]["updates"]:
        row = rows.get(want["update_id"])
        assert row is not None, (want, sorted(rows))
        assert row.state == want["state"] and row.kb == want["kb"] and row.revision == want["revision"]
        if want["state_message"]:
            assert row.recorded
            if expected["scan"]["status"] == "ok":
                assert row.forwarded and row.processed is not False
        else:
            # a rescan raises no state message for an unchanged update (seed): nothing to record, nothing missing
            assert not row.recorded, want


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_scan_flows(name: str) -> None:
    """One scan flow per online scan against the SUP: offline searches, Store and Defender searches are not scans."""
    expected, flows, _ = analyse(name)
    host = the_scan(expected, flows).host
    scans = [f for f in flows if f.kind == "scan" and f.host == host]
    assert len(scans) == expected["scan_flows"], [(f.id, f.status) for f in scans]


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_evaluations(name: str) -> None:
    """Re-evaluations without the SUP, in time order: mode (offline, deployment, cache), status and number of searches."""
    expected, flows, _ = analyse(name)
    host = the_scan(expected, flows).host
    evaluations = sorted((f for f in flows if f.kind == "evaluation" and f.host == host), key=lambda f: f.started.timestamp() if f.started else float("inf"))
    got = [{"mode": f.ids.get("mode"), "status": f.status, "searches": int(f.ids.get("searches") or 0)} for f in evaluations]
    assert got == expected["evaluations"]


@pytest.mark.parametrize("name", SCENARIOS)
def test_scenario_policy_and_sync(name: str) -> None:
    expected, flows, _ = analyse(name)
    policies = [f for f in flows if f.kind == "policy"]
    assert bool(policies) == expected["policy"]["present"]
    syncs = [f for f in flows if f.kind == "wsus_sync"]
    assert bool(syncs) == expected["wsus_sync"]["present"]
    if expected["wsus_sync"]["status"]:
        assert syncs[0].status == expected["wsus_sync"]["status"]


def test_scan_links_to_its_policy() -> None:
    expected, flows, _ = analyse("healthy-first-scan")
    scan = the_scan(expected, flows)
    policy = next(f for f in flows if f.kind == "policy")
    assert policy.id in scan.links and scan.id in policy.links
    assert [s.status for s in policy.steps] == ["ok"] * 6


def test_cross_host_joins_say_how() -> None:
    expected, flows, _ = analyse("healthy-first-scan")
    scan = the_scan(expected, flows)
    joins = {s.key: s.joined_by for s in scan.steps}
    assert joins["mp_lookup"].startswith("update_source+content_version")
    assert joins["location_request"] == "scan_job"
    assert joins["state_processing"] in ("smx_file", "time")
    assert joins["summarization"] == "time"
    assert scan.step("mp_relay").detail.startswith("SMX ")


def test_json_ids_carry_messages() -> None:
    expected, flows, _ = analyse("healthy-first-scan")
    scan = the_scan(expected, flows)
    msgs = set(scan.ids["messages"])
    for m in expected["ids"]["messages"].values():
        assert m.strip("{}").upper() in msgs


def test_fixture_dirs_exist() -> None:
    assert len(SCENARIOS) == 15
    assert Path(FIXTURES / "healthy-first-scan" / "client").is_dir()
