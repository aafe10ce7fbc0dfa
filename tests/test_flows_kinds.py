"""Unit tests for flows/: incremental stitching, each kind's segmentation and joins, judging at chosen nows.

Records are written as ConfigMgr writes them (CMTrace framing, the seeds' wording) and go through
the real parser and classifier, so these tests exercise the same path as a live tail.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from sumtrace.flows.classify import Fact
from sumtrace.flows.kinds.scan import ScanKind
from sumtrace.flows.kinds.scan_segment import segment
from sumtrace.flows.stitch import FactLog, Runs, episodes, gap_runs
from sumtrace.flows.tracker import Tracker
from sumtrace.parsers.entry import Entry
from sumtrace.parsers.stream import parse_bytes
from tests.conftest import cm

UTC = timezone.utc
SOURCE = "{375D1FDE-A2DB-4965-BFBC-823F06D4E16B}"
JOB_A = "{9F78FA4F-D2F3-4FE6-ACD8-8F6689DC3941}"
JOB_B = "{1B2C3D4E-0000-4FE6-ACD8-8F6689DC3941}"
LOCREQ = "{DFBE969F-F4AB-41E6-904C-0F788206DA29}"


def at(t: datetime) -> tuple[str, str]:
    """CMTrace time and date fields for a UTC time written by a client in UTC-5 (bias +300)."""
    local = t - timedelta(minutes=300)
    return f"{local:%H:%M:%S}.{local.microsecond // 1000:03d}+300", f"{local:%m-%d-%Y}"


def scan_agent(t: datetime, msg: str) -> str:
    time, date = at(t)
    return cm(msg, time=time, date=date, comp="ScanAgent")


def scan_start(t: datetime, job: str) -> list[str]:
    """The first lines of a scan as ScanAgent writes them (seed 000): policy, ScanJob, location request."""
    s = timedelta(seconds=1)
    return [
        scan_agent(t, f"CScanAgent::ScanByUpdates- Policy available for UpdateSourceID={SOURCE} ContentVersion=38"),
        scan_agent(t + s, f"ScanJob({job}): CScanJob::Initialize- entered"),
        scan_agent(t + 2 * s, f"ScanJob({job}): CScanJob::RequestLocations- entered"),
        scan_agent(t + 3 * s, f"Locations requested for ScanJobID={job} (LocationRequestID={LOCREQ}), will process the "
                              "scan request once locations are available."),
    ]


def entries(lines: list[str], name: str = "ScanAgent.log") -> list[Entry]:
    return parse_bytes(name, ("\r\n".join(lines) + "\r\n").encode())


T0 = datetime(2014, 1, 20, 17, 18, 3, 412000, tzinfo=UTC)


# ----------------------------------------------------------------------------- stitch machinery


def _facts(times: list[int]) -> list[Fact]:
    """Bare facts at the given second offsets (stitching only looks at time, name and key)."""
    out = []
    for i, sec in enumerate(times):
        e = entries([scan_agent(T0 + timedelta(seconds=sec), "Inside CScanAgent::ProcessScanRequest()")])[0]
        out.append(Fact("f", "location_request", "scan", e.utc or T0, ("x.log", i), "h", "client", e))
    return out


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 200_000), min_size=1, max_size=80), st.integers(1, 6), st.randoms(use_true_random=False))
def test_runs_refreshed_incrementally_equal_a_full_split(times: list[int], batches: int, rnd: random.Random) -> None:
    """Re-splitting from the earliest change gives what splitting everything gives, in any arrival order."""
    facts = _facts(times)
    rnd.shuffle(facts)
    log = FactLog()
    runs = Runs(lambda fs: gap_runs(fs, 3600))
    size = max(1, len(facts) // batches)
    for i in range(0, len(facts), size):
        log.add(facts[i:i + size])
        runs.refresh(log, log.take_dirty())
    whole = gap_runs(sorted(facts, key=lambda f: f.key), 3600)
    assert [[f.key for f in r] for r in runs.runs] == [[f.key for f in r] for r in whole]


def test_refresh_reports_only_the_runs_from_the_change_on() -> None:
    log = FactLog()
    runs = Runs(lambda fs: gap_runs(fs, 60))
    log.add(_facts([0, 10, 500, 510, 1000]))
    assert runs.refresh(log, log.take_dirty()) == 0
    assert len(runs.runs) == 3
    log.add(_facts([1020]))  # appended to the last run: the first two stay as they were
    first_two = runs.runs[:2]
    assert runs.refresh(log, log.take_dirty()) == 2
    assert runs.runs[:2] == first_two and len(runs.runs[2]) == 2


def test_episodes_restart_at_start_records_and_close_at_end_records() -> None:
    fs = _facts([0, 5, 10, 15, 400])
    fs[2].name = "start"
    fs[3].name = "end"
    eps = episodes(fs, frozenset({"start"}), frozenset({"end"}), 120)
    assert [len(e) for e in eps] == [2, 2, 1]


def test_retention_drops_the_oldest_facts_and_re_splits() -> None:
    log = FactLog()
    log.add(_facts([0, 10, 5000, 5010]))
    runs = Runs(lambda fs: gap_runs(fs, 60))
    runs.refresh(log, log.take_dirty())
    assert log.drop_before(T0 + timedelta(seconds=100)) == 2
    runs.refresh(log, log.take_dirty())
    assert [len(r) for r in runs.runs] == [2]


# ----------------------------------------------------------------------------- scan segmentation


def scan_facts(lines: list[str]) -> list[Fact]:
    kind = ScanKind()
    tracker = Tracker(retention=None)
    tracker._kinds = [kind]  # only the scan kind, to look at its partitions
    tracker.add(entries(lines), "PC01")
    return kind.logs["client:PC01"].facts


def test_scans_are_split_by_scanjob() -> None:
    lines = scan_start(T0, JOB_A) + scan_start(T0 + timedelta(minutes=20), JOB_B)
    scans = segment(scan_facts(lines))
    assert [s.job for s in scans] == [JOB_A.strip("{}"), JOB_B.strip("{}")]


def test_a_late_record_of_an_earlier_scanjob_stays_with_it() -> None:
    late = scan_agent(T0 + timedelta(minutes=21), f"ScanJob({JOB_A}): CScanJob::Execute - successfully requested Scan, ScanType=1")
    scans = segment(scan_facts(scan_start(T0, JOB_A) + scan_start(T0 + timedelta(minutes=20), JOB_B) + [late]))
    assert len(scans) == 2 and len(scans[0].facts) == 5 and len(scans[1].facts) == 4


def test_a_policy_record_after_the_location_request_starts_the_next_scan_cycle() -> None:
    """Without ScanJob GUIDs (a log that starts mid-cycle), the step order decides."""
    s = timedelta(seconds=1)
    lines = [scan_agent(T0, "Inside CScanAgent::ProcessScanRequest()"),
             scan_agent(T0 + s, "CScanJobManager::Scan- entered"),
             scan_agent(T0 + 600 * s, f"CScanAgent::ScanByUpdates- Policy available for UpdateSourceID={SOURCE} ContentVersion=39"),
             scan_agent(T0 + 601 * s, "Inside CScanAgent::ProcessScanRequest()")]
    assert [len(x.facts) for x in segment(scan_facts(lines))] == [2, 2]


def test_scan_ids_come_from_the_first_record_and_survive_the_scanjob_appearing() -> None:
    """The old tracker renamed a scan when its ScanJob appeared; the id now never changes."""
    tracker = Tracker(retention=None)
    lines = scan_start(T0, JOB_A)
    tracker.add(entries(lines[:1]), "PC01")
    tracker.update(T0)
    first = [f.id for f in tracker.flows if f.kind == "scan"]
    tracker.add(entries(lines[1:]), "PC01")
    events = tracker.update(T0 + timedelta(seconds=5))
    assert [f.id for f in tracker.flows if f.kind == "scan"] == first == ["scan:PC01:2014-01-20T17:18:03.412Z"]
    assert not [e for e in events if e.to_json().get("status") == "removed"]
    assert tracker.flows[0].ids["scan_job"] == JOB_A.strip("{}")


def test_an_earlier_record_arriving_later_merges_and_says_so() -> None:
    """A second file of the same client read after the first (watch's initial load): the flow
    that started at the later record is merged into the one that now starts earlier."""
    tracker = Tracker(retention=None)
    lines = scan_start(T0, JOB_A)
    tracker.add(entries(lines[1:]), "PC01")
    tracker.update(T0 + timedelta(seconds=5))
    early_id = tracker.flows[0].id
    tracker.add(entries(lines[:1]), "PC01")
    events = [e.to_json() for e in tracker.update(T0 + timedelta(seconds=5))]
    removed = [e for e in events if e["status"] == "removed"]
    assert removed and removed[0]["flow"] == early_id and removed[0]["why"] == "merged"
    assert removed[0]["into"] == tracker.flows[0].id == "scan:PC01:2014-01-20T17:18:03.412Z"


def test_facts_of_an_unknown_flow_kind_are_nobody_s_evidence() -> None:
    """A rule of a new kind (install, say) must not silently become policy or scan evidence."""
    tracker = Tracker(retention=None)
    e = entries([scan_agent(T0, "Inside CScanAgent::Notify()")])[0]
    fact = Fact("x", "install_start", "install", T0, ("x", 1), "PC01", "client", e)
    assert all(k.route(fact) is None for k in tracker._kinds)


# ----------------------------------------------------------------------------- joins


def mp_location(t: datetime, ip: str, version: str = "38") -> list[str]:
    """MP_Location.log's request and reply bodies for one client's location request."""
    time, date = at(t)
    later_time, later_date = at(t + timedelta(seconds=1))
    body = (f'<WSUSLocationRequest SchemaVersion="1.00"><Content ID="{SOURCE.strip("{}")}" Version="{version}"/>'
            f'<AssignedSite SiteCode="PS1"/><ClientLocationInfo LocationType="SMSUpdateSource" UseProtected="0" '
            f'AllowCaching="0" BranchDPFlags="0" UseAzure="0" DPTokenAuth="1" UseInternetDP="0"><ADSite Name="Default"/>'
            f'<Forest Name="contoso.com"/><Domain Name="contoso.com"/><IPAddresses><IPAddress SubnetAddress="10.0.0.0" '
            f'Address="{ip}"/></IPAddresses></ClientLocationInfo></WSUSLocationRequest>')
    reply = ('<WSUSLocationReply SchemaVersion="1.00"><Sites><Site><MPSite SiteCode="PS1"/><LocationRecords>'
             f'<LocationRecord WSUSURL="http://sup.contoso.com:8530" ServerName="sup" Version="{version}"/>'
             '</LocationRecords></Site></Sites></WSUSLocationReply>')
    return [cm(f"MP LM: Message Body : {body}", time=time, date=date, comp="MP_LocationManager"),
            cm(f"MP LM: Reply message body: {reply}", time=later_time, date=later_date, comp="MP_LocationManager")]


def test_mp_lookup_joins_the_scan_whose_request_went_out_just_before(monkeypatch: object) -> None:
    tracker = Tracker(retention=None)
    tracker.add(entries(scan_start(T0, JOB_A)), "PC01")
    tracker.add(entries(scan_start(T0 + timedelta(hours=2), JOB_B)), "PC01")
    tracker.add(entries(mp_location(T0 + timedelta(hours=2, seconds=5), "10.0.0.7"), "MP_Location.log"), "mp")
    tracker.update(T0 + timedelta(hours=2, seconds=10))
    scans = {f.ids["scan_job"]: f for f in tracker.flows if f.kind == "scan"}
    assert scans[JOB_B.strip("{}")].step("mp_lookup").evidence
    assert scans[JOB_B.strip("{}")].step("mp_lookup").joined_by.startswith("update_source+content_version")
    assert not scans[JOB_A.strip("{}")].step("mp_lookup").evidence


# ----------------------------------------------------------------------------- judging


def test_a_waiting_step_stalls_exactly_when_its_due_time_passes() -> None:
    tracker = Tracker(retention=None)
    tracker.add(entries(scan_start(T0, JOB_A)), "PC01")
    tracker.note_file("CcmMessaging.log", "PC01")  # the log that would show the next step is loaded
    tracker.update(T0 + timedelta(seconds=5))
    scan = tracker.flows[0]
    waiting = scan.current
    assert waiting is not None and waiting.key == "mp_send" and waiting.status == "pending" and waiting.due is not None
    due = waiting.due
    assert tracker.update(due) == []  # not yet: a tick before the due time changes nothing
    events = tracker.update(due + timedelta(milliseconds=1))
    stalled = [e for e in events if e.to_json()["event"] == "step"]
    assert [(e.key, e.status) for e in stalled] == [("mp_send", "stalled")]  # type: ignore[union-attr]
    assert tracker.flows[0].status == "stalled" and tracker.flows[0].current.hint  # type: ignore[union-attr]
    # A stalled flow cannot change with time any more: later ticks are free.
    assert tracker.update(due + timedelta(days=1)) == []


def test_a_step_whose_log_is_not_loaded_is_unobserved_never_stalled() -> None:
    """Only ScanAgent.log is loaded: the messaging and MP steps cannot be seen, so they are
    unobserved; the scan waits (and, days later, is stalled) on the next step ScanAgent logs."""
    tracker = Tracker(retention=None)
    tracker.add(entries(scan_start(T0, JOB_A)), "PC01")
    tracker.update(T0 + timedelta(days=3))
    scan = tracker.flows[0]
    assert [scan.step(k).status for k in ("mp_send", "mp_lookup", "mp_reply")] == ["unobserved"] * 3
    assert scan.current is not None and scan.current.key == "locations" and scan.current.status == "stalled"


def test_clock_ticks_rejudge_only_flows_whose_due_time_came(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    tracker = Tracker(retention=None)
    for i in range(30):
        tracker.add(entries(scan_start(T0 + timedelta(hours=7 * i), JOB_A.replace("9F78", f"{i:04d}"))), f"PC{i:02d}")
        tracker.note_file("CcmMessaging.log", f"PC{i:02d}")
    now = T0 + timedelta(hours=7 * 29, seconds=5)
    tracker.update(now)
    judged: list[str] = []
    original = tracker._judge

    def spy(fid: str, when: datetime, events: list) -> None:  # type: ignore[type-arg]
        judged.append(fid)
        original(fid, when, events)

    monkeypatch.setattr(tracker, "_judge", spy)
    tracker.update(now + timedelta(seconds=1))
    assert judged == []  # nothing is due within a second
    tracker.update(now + timedelta(minutes=10))
    assert len(judged) == 1  # only the newest scan was still waiting; the others stalled long ago


def test_an_older_scan_of_the_same_host_is_incomplete_not_stalled() -> None:
    tracker = Tracker(retention=None)
    tracker.add(entries(scan_start(T0, JOB_A) + scan_start(T0 + timedelta(minutes=30), JOB_B)), "PC01")
    tracker.note_file("CcmMessaging.log", "PC01")
    tracker.update(T0 + timedelta(hours=1))
    old, new = sorted((f for f in tracker.flows if f.kind == "scan"), key=lambda f: f.started or T0)
    assert old.status == "incomplete" and all(s.status != "stalled" for s in old.steps)
    assert new.status == "stalled"
