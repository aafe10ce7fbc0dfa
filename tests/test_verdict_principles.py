"""The verdict principles of issue 10, each proved on real wording through the tracker.

Every record here is a line a real system wrote, quoted with its source in a comment:
``client-PALAC/WindowsUpdate.log`` (Windows 10, Get-WindowsUpdateLog), ``rkudache31__log__WindowsUpdate.log``
(legacy, tab-separated), the 2013 client ``configmgr__iOS-CMLogTracer__*.log``, ``EXCERPTS.md``, or
current-branch / 2012 R2 wording that ConfigMgr writes (the seeds, the issue). Where a line is
re-timed, moved to another thread or given another code or GUID to build a case, the comment says so.
The lines are inlined (not read from ``../shared/reallogs``) so the file runs everywhere and fast.

Each test was checked to fail when the code it guards is broken (see the commit message).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

from sumtrace.flows.classify import Fact, classify
from sumtrace.flows.model import Flow
from sumtrace.flows.report import report_json
from sumtrace.flows.tracker import Tracker
from sumtrace.parsers.entry import Entry
from sumtrace.parsers.files import discover
from sumtrace.parsers.stream import parse_bytes
from sumtrace.tui.cmd_report import collect
from tests.conftest import cm

UTC = timezone.utc
LATER = datetime(2030, 1, 1, tzinfo=UTC)


# ----------------------------------------------------------------------------- helpers


def wu10(stamp: str, tid: int, comp: str, msg: str, pid: int = 5384) -> str:
    """One Get-WindowsUpdateLog line, laid out as client-PALAC/WindowsUpdate.log lays them out."""
    return f"{stamp} {pid:<5} {tid:<5} {comp:<15} {msg}"


def wu_legacy(stamp: str, tid: str, comp: str, msg: str, pid: str = " 576") -> str:
    """One legacy WindowsUpdate.log line (tab-separated), as rkudache31__log__WindowsUpdate.log writes them."""
    date, time = stamp.split(" ")
    return "\t".join((date, time, pid, tid, comp, msg))


def parse(name: str, lines: list[str], host_bias: int | None = None) -> list[Entry]:
    return parse_bytes(name, ("\r\n".join(lines) + "\r\n").encode(), host_bias=host_bias)


def track(files: dict[str, list[str]], host: str = "PC01", *, host_clock: bool = True,
          now: datetime | None = None, host_bias: int | None = None) -> Tracker:
    """Feed whole files of one host to a tracker as ``report`` does, and judge at ``now`` (default: far later)."""
    tracker = Tracker(retention=None, host_clock=host_clock)
    for name, lines in files.items():
        tracker.note_file(name, host)
        tracker.add(parse(name, lines, host_bias), host)
    tracker.update(now or LATER)
    return tracker


def kinds(tracker: Tracker, kind: str) -> list[Flow]:
    return sorted((f for f in tracker.flows if f.kind == kind), key=lambda f: f.started or LATER)


def ccm(msg: str, comp: str, time: str, date: str = "06-29-2022", typ: str = "1", thread: str = "4012") -> str:
    """A CMTrace record as the ConfigMgr client writes it (bias -120: Spain in summer, like PALAC)."""
    return cm(msg, time=f"{time}-120", date=date, comp=comp, typ=typ, thread=thread, extra=' file="x.cpp:1"')


def messages(evidence: list[Entry]) -> list[str]:
    return [e.message for e in evidence]


# The CcmExec online scan of client-PALAC/WindowsUpdate.log lines 21401-21408 and 21617 (search Id = 2).
CCMEXEC_ONLINE = [
    wu10("2022/06/29 17:29:33.7350519", 14960, "Agent",
         "* START * Finding updates CallerId = CcmExec  Id = 2 (cV = /tpnRs/BnUWVsX0b.131.0.0.2)"),
    wu10("2022/06/29 17:29:33.7350539", 14960, "Agent",
         "Online = Yes; Interactive = Yes; AllowCachedResults = No; Ignore download priority = Yes"),
    wu10("2022/06/29 17:29:33.7350549", 14960, "Agent",
         "Criteria = (DeploymentAction=* AND Type='Software') OR (DeploymentAction=* AND Type='Driver')\"\""),
    wu10("2022/06/29 17:29:33.7350569", 14960, "Agent", "ServiceID = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7} Managed"),
    wu10("2022/06/29 17:29:33.7350577", 14960, "Agent", "Search Scope = {Machine}"),
    wu10("2022/06/29 17:29:33.8056505", 14960, "Misc",
         "Got WSUS Client/Server URL: https://SCCM-SS-E1.PALAC.ES:8531/ClientWebService/client.asmx\"\""),
]
CCMEXEC_ONLINE_END = wu10(
    "2022/06/29 17:29:37.8437342", 14960, "Agent",
    "* END * Finding updates CallerId = CcmExec, Id = 2, Exit code = 0x00000000 (cV = /tpnRs/BnUWVsX0b.131.0.0.2)")
# client-PALAC/WindowsUpdate.log line 2297 (13:35:44, DownloadManager, thread 15120): re-timed into the
# window above, on DownloadManager's thread of that window (16276, lines 21412-21440).
BENIGN_FAILED = wu10("2022/06/29 17:29:34.7589708", 16276, "DownloadManager",
                     "*FAILED* [8024000E] Method failed [CAgentDownloadManager::GetTLUExpirationMaximumRetryCount:24806]")


def offline_search(n: int, stamp: str, end_stamp: str, tid: int) -> list[str]:
    """client-PALAC/WindowsUpdate.log lines 21925-21934 (Id = 4, an offline search by UpdateID),
    with the search id, time and thread of the later ones (Id = 7 at 17:29:57, line 22016; Id = 10, 22075)."""
    return [
        wu10(stamp, tid, "Agent", f"* START * Finding updates CallerId = CcmExec  Id = {n} (cV = /tpnRs/BnUWVsX0b.132.0.0.1)"),
        wu10(stamp, tid, "Agent", "Online = No; Interactive = Yes; AllowCachedResults = No; Ignore download priority = Yes"),
        wu10(stamp, tid, "Agent", "Criteria = UpdateID = '3112899b-aecb-4fb6-a3c8-680fc2ac820f' AND DeploymentAction = *\"\""),
        wu10(stamp, tid, "Agent", "ServiceID = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7} Managed"),
        wu10(stamp, tid, "Agent", "Added update 3112899B-AECB-4FB6-A3C8-680FC2AC820F.200 to search result"),
        wu10(stamp, tid, "Agent", "Found 1 updates and 4 categories in search; evaluated appl. rules of 129 out of 1415 deployed entities"),
        wu10(end_stamp, tid, "Agent",
             f"* END * Finding updates CallerId = CcmExec, Id = {n}, Exit code = 0x00000000 (cV = /tpnRs/BnUWVsX0b.132.0.0.1)"),
    ]


# ----------------------------------------------------------------------------- 1. a search's verdict is its own end line


def test_benign_failed_lines_inside_a_ccmexec_search_are_notes_not_its_verdict() -> None:
    tracker = track({"WindowsUpdate.log": [*CCMEXEC_ONLINE, BENIGN_FAILED, CCMEXEC_ONLINE_END]})
    [scan] = kinds(tracker, "scan")
    search = scan.step("wua_search")
    assert search.status == "ok" and search.error is None
    assert scan.status == "ok"
    assert messages(search.notes) == [BENIGN_FAILED.split("DownloadManager ", 1)[1]]
    assert [n["line"] for n in search.to_json()["notes"]] == [7]  # JSON "notes": the *FAILED* line
    assert search.evidence[-1].message.startswith("* END * Finding updates CallerId = CcmExec, Id = 2, Exit code = 0x00000000")


def test_a_search_whose_end_carries_an_error_exit_code_is_failed_with_it() -> None:
    # client-PALAC line 21617 with the exit code of a SUP that timed out (0x8024401C, WU_E_PT_HTTP_STATUS_REQUEST_TIMEOUT).
    end = CCMEXEC_ONLINE_END.replace("Exit code = 0x00000000", "Exit code = 0x8024401C")
    tracker = track({"WindowsUpdate.log": [*CCMEXEC_ONLINE, BENIGN_FAILED, end]})
    [scan] = kinds(tracker, "scan")
    search = scan.step("wua_search")
    assert search.status == "failed" and search.error is not None and search.error.code == 0x8024401C
    assert scan.status == "failed"
    assert len(search.notes) == 1  # the benign line is still only a note: the code is the END line's


def test_a_legacy_search_with_a_warning_exit_code_is_failed_with_it() -> None:
    # Legacy WindowsUpdate.log: rkudache31 lines 61-69 (a search, here by CcmExec), and the failure line the
    # legacy agent writes on the search's thread ("  * WARNING: Exit code = 0x8024401B", the rules_wu comment's wording).
    lines = [
        wu_legacy("2021-08-29 14:00:23:101", "19d4", "Agent", "** START **  Agent: Finding updates [CallerId = CcmExec]"),
        wu_legacy("2021-08-29 14:00:23:101", "19d4", "Agent", "*********"),
        wu_legacy("2021-08-29 14:00:23:101", "19d4", "Agent", "  * Online = Yes; Ignore download priority = No"),
        wu_legacy("2021-08-29 14:00:23:101", "19d4", "Agent",
                  "  * Criteria = \"IsInstalled=0 and DeploymentAction='Installation' or IsPresent=1 and "
                  "DeploymentAction='Uninstallation' or IsInstalled=1 and DeploymentAction='Installation' and "
                  "RebootRequired=1 or IsInstalled=0 and DeploymentAction='Uninstallation' and RebootRequired=1\""),
        wu_legacy("2021-08-29 14:00:23:103", "19d4", "Agent",
                  "  * ServiceID = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7} Managed"),
        wu_legacy("2021-08-29 14:00:26:050", "19d4", "Agent", "  * WARNING: Exit code = 0x8024401B"),
        wu_legacy("2021-08-29 14:00:26:071", "19d4", "Agent", "*********"),
        wu_legacy("2021-08-29 14:00:26:072", "19d4", "Agent", "**  END  **  Agent: Finding updates [CallerId = CcmExec]"),
    ]
    [scan] = kinds(track({"WindowsUpdate.log": lines}), "scan")
    search = scan.step("wua_search")
    assert search.status == "failed" and search.error is not None and search.error.code == 0x8024401B
    assert scan.status == "failed"


# ----------------------------------------------------------------------------- 2. other callers never make flows

# client-PALAC lines 22451, 22488, 22489, 22490 (Windows Defender, caller name with a space, on thread 3268),
# lines 4-6 and 37 (Update;ScanForUpdates on 3184), 16496-16497 and 16540 (MoUpdateOrchestrator on 18344);
# re-timed to overlap the CcmExec search (thread 14960) above, on their own threads.
OTHER_CALLERS = [
    wu10("2022/06/29 17:29:33.7400000", 9340, "ComApi",
         "* START *   Federated Search ClientId = Windows Defender (cV: SZDIjkT8h0qlxp/C.1.0)", pid=17992),
    wu10("2022/06/29 17:29:33.7500000", 3268, "Agent",
         "* START * Finding updates CallerId = Windows Defender  Id = 6 (cV = SZDIjkT8h0qlxp/C.1.0.0.2)"),
    wu10("2022/06/29 17:29:33.7500001", 3268, "Agent",
         "Online = Yes; Interactive = Yes; AllowCachedResults = No; Ignore download priority = No"),
    wu10("2022/06/29 17:29:33.7500002", 3268, "Agent", "ServiceID = {9482F4B4-E343-43B6-B170-9A65BC822C77} Windows Update"),
    wu10("2022/06/29 17:29:33.7600000", 3184, "Agent",
         "* START * Finding updates CallerId = Update;ScanForUpdates  Id = 241 (cV = 9zuBsQlTKUmNxp11.1.0.1.0.0.12.1)"),
    wu10("2022/06/29 17:29:33.7600001", 3184, "Agent",
         "Online = Yes; Interactive = No; AllowCachedResults = No; Ignore download priority = No"),
    wu10("2022/06/29 17:29:33.7700000", 18344, "Agent",
         "* START * Finding updates CallerId = MoUpdateOrchestrator  Id = 339 (cV = xVV9wOi0MUCyU1gU.0.1.0.0.2)"),
    wu10("2022/06/29 17:29:33.7700001", 18344, "Agent",
         "Online = Yes; Interactive = No; AllowCachedResults = No; Ignore download priority = No"),
    # Defender's search ends in error here (the real one ended 0x00000000): it must not touch CcmExec's verdict.
    wu10("2022/06/29 17:29:35.0000000", 3268, "Agent",
         "* END * Finding updates CallerId = Windows Defender, Id = 6, Exit code = 0x8024401C (cV = SZDIjkT8h0qlxp/C.1.0.0.2)"),
    wu10("2022/06/29 17:29:35.1000000", 3184, "Agent",
         "* END * Finding updates CallerId = Update;ScanForUpdates, Id = 241, Exit code = 0x00000000 "
         "(cV = 9zuBsQlTKUmNxp11.1.0.1.0.0.12.1)"),
    wu10("2022/06/29 17:29:37.3461753", 18344, "Agent",
         "* END * Finding updates CallerId = MoUpdateOrchestrator, Id = 339, Exit code = 0x00000000 (cV = xVV9wOi0MUCyU1gU.0.1.0.0.2)"),
]


def _by_time(lines: list[str]) -> list[str]:
    return sorted(lines, key=lambda line: line[:27])


def test_searches_by_other_callers_make_no_flow() -> None:
    tracker = track({"WindowsUpdate.log": OTHER_CALLERS})
    assert [f for f in tracker.flows if f.kind in ("scan", "evaluation")] == []


def test_other_callers_interleaved_with_a_ccmexec_search_stay_out_of_it() -> None:
    tracker = track({"WindowsUpdate.log": _by_time([*CCMEXEC_ONLINE, *OTHER_CALLERS, CCMEXEC_ONLINE_END])})
    assert [f.kind for f in tracker.flows if f.kind in ("scan", "evaluation")] == ["scan"]
    [scan] = kinds(tracker, "scan")
    search = scan.step("wua_search")
    assert search.status == "ok" and scan.status == "ok"
    threads = {e.thread for e in search.evidence}
    assert threads == {14960}, threads  # only CcmExec's thread: no Defender, Store or orchestrator record


# ----------------------------------------------------------------------------- 3. online scans and offline evaluations


def test_an_online_search_is_a_scan_and_the_offline_burst_after_it_is_one_evaluation() -> None:
    lines = [*CCMEXEC_ONLINE, CCMEXEC_ONLINE_END,
             *offline_search(4, "2022/06/29 17:29:43.7496684", "2022/06/29 17:29:43.9035036", 7976),
             *offline_search(7, "2022/06/29 17:29:57.3915578", "2022/06/29 17:29:57.5537007", 15688),
             *offline_search(10, "2022/06/29 17:29:57.7045474", "2022/06/29 17:29:57.8671140", 3968)]
    tracker = track({"WindowsUpdate.log": lines})
    [scan] = kinds(tracker, "scan")
    [evaluation] = kinds(tracker, "evaluation")
    assert scan.status == "ok" and scan.started == datetime(2022, 6, 29, 17, 29, 33, 735051, tzinfo=UTC)
    assert evaluation.ids["mode"] == "offline" and evaluation.ids["searches"] == 3
    assert evaluation.ids["after_scan"] == scan.id
    assert evaluation.status == "ok"


def test_offline_searches_more_than_ten_minutes_apart_are_two_evaluations() -> None:
    lines = [*offline_search(4, "2022/06/29 17:29:43.7496684", "2022/06/29 17:29:43.9035036", 7976),
             *offline_search(7, "2022/06/29 17:41:00.3915578", "2022/06/29 17:41:00.5537007", 15688)]
    evaluations = kinds(track({"WindowsUpdate.log": lines}), "evaluation")
    assert [e.ids["searches"] for e in evaluations] == [1, 1]
    assert not kinds(track({"WindowsUpdate.log": lines}), "scan")


def test_legacy_offline_searches_by_ccmexec_are_one_evaluation() -> None:
    # rkudache31 lines 61-69 (double-space markers, "  * " prefix), the caller set to CcmExec and the
    # criteria of a ConfigMgr search by UpdateID; twice, a minute apart, on two threads.
    def search(start: str, end: str, tid: str) -> list[str]:
        return [
            wu_legacy(start, tid, "Agent", "** START **  Agent: Finding updates [CallerId = CcmExec]"),
            wu_legacy(start, tid, "Agent", "*********"),
            wu_legacy(start, tid, "Agent", "  * Online = No; Ignore download priority = No"),
            wu_legacy(start, tid, "Agent", "  * Criteria = \"UpdateID='3112899b-aecb-4fb6-a3c8-680fc2ac820f' and RevisionNumber=200\""),
            wu_legacy(start, tid, "Agent", "  * ServiceID = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7} Managed"),
            wu_legacy(start, tid, "Agent", "  * Search Scope = {Machine}"),
            wu_legacy(end, tid, "Agent",
                      "  * Found 0 updates and 0 categories in search; evaluated appl. rules of 0 out of 0 deployed entities"),
            wu_legacy(end, tid, "Agent", "*********"),
            wu_legacy(end, tid, "Agent", "**  END  **  Agent: Finding updates [CallerId = CcmExec]"),
        ]
    lines = search("2021-08-29 14:00:23:101", "2021-08-29 14:00:26:072", "19d4") + \
        search("2021-08-29 14:01:23:101", "2021-08-29 14:01:26:072", "a70")
    tracker = track({"WindowsUpdate.log": lines})
    assert not kinds(tracker, "scan")
    [evaluation] = kinds(tracker, "evaluation")
    assert evaluation.ids["mode"] == "offline" and evaluation.ids["searches"] == 2
    assert evaluation.status == "ok"


def test_the_legacy_blank_caller_search_is_not_configmgr_s() -> None:
    # rkudache31 lines 61-69 verbatim: "[CallerId = ]" (Automatic Updates' own search) makes no flow.
    lines = [
        wu_legacy("2021-08-29 14:00:23:101", "19d4", "Agent", "** START **  Agent: Finding updates [CallerId = ]"),
        wu_legacy("2021-08-29 14:00:23:101", "19d4", "Agent", "*********"),
        wu_legacy("2021-08-29 14:00:23:101", "19d4", "Agent", "  * Online = No; Ignore download priority = No"),
        wu_legacy("2021-08-29 14:00:23:101", "19d4", "Agent",
                  "  * Criteria = \"DeploymentAction='Installation' AND IsInstalled=0 AND CategoryIDs contains "
                  "'e88a19fb-a847-4e3d-9ae2-13c2b84f58a6'\""),
        wu_legacy("2021-08-29 14:00:23:103", "19d4", "Agent",
                  "  * ServiceID = {00000000-0000-0000-0000-000000000000} Third party service"),
        wu_legacy("2021-08-29 14:00:26:050", "19d4", "Agent",
                  "  * Found 0 updates and 0 categories in search; evaluated appl. rules of 0 out of 0 deployed entities"),
        wu_legacy("2021-08-29 14:00:26:072", "19d4", "Agent", "**  END  **  Agent: Finding updates [CallerId = ]"),
    ]
    tracker = track({"WindowsUpdate.log": lines})
    assert [f for f in tracker.flows if f.kind in ("scan", "evaluation")] == []


# ----------------------------------------------------------------------------- 4. coverage

# WUAHandler.log begins an hour after the search: its first record is the 2013 client's first WUAHandler
# line (configmgr__iOS-CMLogTracer__WUAHandler.log line 1), re-dated.
WUAHANDLER_LATE = [ccm("CWuaHandler::SetCategoriesForStateReportingExclusion called with "
                       "E0789628-CE08-4437-BE74-2495B842F43B;E0789628-CE08-4437-BE74-2495B842F43B,"
                       "A38C835C-2950-4E87-86CC-6911A52C34A3; for leaves and E0789628-CE08-4437-BE74-2495B842F43B,"
                       "A38C835C-2950-4E87-86CC-6911A52C34A3; for bundles", "WUAHandler", "18:30:00.000")]


def test_a_step_before_its_log_begins_is_unobserved_with_the_reason() -> None:
    # The WindowsUpdate.log times are local (bias -120, as the CMTrace logs of the machine say).
    tracker = track({"WindowsUpdate.log": [*CCMEXEC_ONLINE, CCMEXEC_ONLINE_END], "WUAHandler.log": WUAHANDLER_LATE},
                    host_bias=-120)
    [scan] = kinds(tracker, "scan")
    complete = scan.step("search_complete")
    assert complete.status == "unobserved" and complete.detail == "before WUAHandler.log begins"
    assert scan.status == "ok"


def test_a_step_after_its_log_begins_is_awaited() -> None:
    """The counterpart: the same search with WUAHandler.log already running is awaited, then stalled."""
    early = [WUAHANDLER_LATE[0].replace('time="18:30:00.000', 'time="17:00:00.000')]
    tail = [WUAHANDLER_LATE[0]]  # the host's logs go on until 18:30 (local): its clock passes the 30-min due time
    tracker = track({"WindowsUpdate.log": [*CCMEXEC_ONLINE, CCMEXEC_ONLINE_END], "WUAHandler.log": early + tail},
                    host_bias=-120)
    [scan] = kinds(tracker, "scan")
    assert scan.step("search_complete").status == "stalled"


# ----------------------------------------------------------------------------- 5. per-host clock

SOURCE = "{375D1FDE-A2DB-4965-BFBC-823F06D4E16B}"
JOB = "{9F78FA4F-D2F3-4FE6-ACD8-8F6689DC3941}"
LOCREQ = "{DFBE969F-F4AB-41E6-904C-0F788206DA29}"


def _scan_agent(time: str, msg: str) -> str:
    return cm(msg, time=f"{time}+300", date="01-20-2014", comp="ScanAgent")


# Seed 000 (ConfigMgr 2012 R2 ScanAgent.log, the wording current branch still writes): a scan asks for locations.
SCAN_START = [
    _scan_agent("12:18:03.412", f"CScanAgent::ScanByUpdates- Policy available for UpdateSourceID={SOURCE} ContentVersion=38"),
    _scan_agent("12:18:04.412", f"ScanJob({JOB}): CScanJob::Initialize- entered"),
    _scan_agent("12:18:05.412", f"ScanJob({JOB}): CScanJob::RequestLocations- entered"),
    _scan_agent("12:18:06.412", f"Locations requested for ScanJobID={JOB} (LocationRequestID={LOCREQ}), will process the "
                                "scan request once locations are available."),
]
# site-CHQ-lab/wsyncmgr.log's last lines (SMS trace), re-dated to the same day, hours after the client's logs end.
SITE_LATER = ["Wakeup by SCF change  $$<SMS_WSUS_SYNC_MANAGER><01-20-2014 20:39:31.549+300><thread=7500 (0x1D4C)>",
              "Inbox source is local on CM1.corp.contoso.com  $$<SMS_WSUS_SYNC_MANAGER><01-20-2014 20:39:36.675+300>"
              "<thread=7500 (0x1D4C)>"]


def _two_hosts(host_clock: bool) -> Tracker:
    tracker = Tracker(retention=None, host_clock=host_clock)
    tracker.add(parse("ScanAgent.log", SCAN_START), "PC01")
    tracker.note_file("CcmMessaging.log", "PC01")  # the log that shows the next step is loaded
    tracker.add(parse("wsyncmgr.log", SITE_LATER), "SITE")
    assert tracker.newest is not None
    tracker.update(tracker.newest)  # report's now: the newest record of all logs, the site server's
    return tracker


def test_a_client_whose_logs_end_is_not_stalled_by_a_site_server_s_later_logs() -> None:
    [scan] = kinds(_two_hosts(host_clock=True), "scan")
    assert scan.current is not None and scan.current.key == "mp_send" and scan.current.status == "pending"
    assert scan.status == "running"


def test_watching_live_the_same_scan_stalls_once_the_clock_passes_its_due_time() -> None:
    [scan] = kinds(_two_hosts(host_clock=False), "scan")
    assert scan.current is not None and scan.current.key == "mp_send" and scan.current.status == "stalled"
    assert scan.current.error is None  # no log wrote a code


# ----------------------------------------------------------------------------- 6. updates

UPDATE = "3112899b-aecb-4fb6-a3c8-680fc2ac820f"  # the update client-PALAC's offline searches ask for
OTHER = "9fea1f86-0f6c-4c4a-9e1a-2d0e6e0b3f55"
ZERO = "00000000-0000-0000-0000-000000000000"
PALAC_SOURCE = "75412603-64EF-48B1-BEE8-C51E06E348E4"  # an UpdateSource GUID (site-CHQ-lab's scan tool)


def _store(time: str, msg: str) -> str:
    return ccm(msg, "UpdatesStore", time)


def test_update_state_comes_from_updatesstore_s_raised_state_message() -> None:
    # Current-branch UpdatesStore.log, first report (issue 10's wording).
    lines = [_store("17:30:00.100", f"Processing update status from update ({UPDATE}), bundled=0"),
             _store("17:30:00.101", f"Update status from update ({UPDATE}) hasn't been reported before, creating new instance."),
             _store("17:30:00.102", f"Successfully raised state message for update ({UPDATE}) with state (Missing)."),
             _store("17:30:00.103", f"Successfully added WMI instance of update status ({UPDATE}).")]
    tracker = track({"WindowsUpdate.log": [*CCMEXEC_ONLINE, CCMEXEC_ONLINE_END], "UpdatesStore.log": lines},
                    host_bias=-120)
    [row] = tracker.updates
    assert row.update_id == UPDATE and row.state == "missing"
    # Neither StateMessage.log nor CcmMessaging.log nor a StateSys log is loaded: unknown, not False.
    assert (row.recorded, row.forwarded, row.processed) == (None, None, None)


def test_a_rescan_without_state_message_has_its_update_states_ok() -> None:
    # Current-branch UpdatesStore.log on a rescan: the status exists, is modified, no state message is raised.
    lines = [_store("17:30:00.100", f"Processing update status from update ({UPDATE}), bundled=0"),
             _store("17:30:00.101", f"Update status from update ({UPDATE}) already exists, will modify existing instance."),
             _store("17:30:00.102", "Successfully done with SetStatus() operation")]
    tracker = track({"WindowsUpdate.log": [*CCMEXEC_ONLINE, CCMEXEC_ONLINE_END], "UpdatesStore.log": lines},
                    host_bias=-120, now=datetime(2022, 6, 29, 15, 30, 0, 200000, tzinfo=UTC))
    [scan] = kinds(tracker, "scan")
    states = scan.step("update_states")
    assert states.status == "ok" and states.error is None and states.hint is None
    assert scan.status == "ok"
    assert [r.update_id for r in tracker.updates] == [UPDATE]


def test_a_rescan_that_raised_no_state_message_has_nothing_to_upload_and_never_stalls() -> None:
    """The seed: a rescan that changes no update raises no state message, and that is normal. With
    StateMessage.log and CcmMessaging.log loaded and the host's logs going on for two hours, the
    scan's state_upload is unobserved (nothing to send), not awaited, so the scan is ok, not stalled."""
    lines = [_store("17:30:00.100", f"Processing update status from update ({UPDATE}), bundled=0"),
             _store("17:30:00.101", f"Update status from update ({UPDATE}) already exists, will modify existing instance."),
             _store("17:30:00.102", "Successfully done with SetStatus() operation"),
             _store("19:30:00.000", f"Processing update status from update ({OTHER}), bundled=0")]  # the host goes on
    tracker = track({"WindowsUpdate.log": [*CCMEXEC_ONLINE, CCMEXEC_ONLINE_END], "UpdatesStore.log": lines,
                     "StateMessage.log": [ccm("CStateMsgManager::Initialize", "StateMessage", "17:00:00.000")],
                     "CcmMessaging.log": [ccm("CcmMessaging started", "CcmMessaging", "17:00:00.000")]},
                    host_bias=-120)
    scan = kinds(tracker, "scan")[0]
    upload = scan.step("state_upload")
    assert upload.status == "unobserved" and "no state message raised" in upload.detail
    assert scan.status == "ok"


def test_kb_and_title_come_from_updatesstore_s_queried_update() -> None:
    title = "2022-06 Cumulative Update for Windows 10 Version 21H2 for x64-based Systems (KB5014699)"
    lines = [_store("17:30:00.100", f"Queried Update ({UPDATE}): Status=Missing, Title={title}")]
    tracker = track({"UpdatesStore.log": lines})
    [row] = tracker.updates
    assert (row.state, row.kb, row.title) == ("missing", "KB5014699", title)


def test_an_update_source_and_the_zero_guid_are_never_update_rows() -> None:
    # StateMessage.log (2013 client's "has been recorded" wording): the UpdateSource scan state (TopicType 501)
    # beside a real update's (TopicType 500), and an all-zero topic of type 500.
    def sm(time: str, topic_type: int, topic: str) -> str:
        return ccm(f"State message(State ID : 2) with TopicType {topic_type} and TopicId {topic} has been recorded for SYSTEM",
                   "StateMessage", time)
    lines = [sm("17:30:01.000", 501, "{" + PALAC_SOURCE + "}"), sm("17:30:01.100", 500, OTHER),
             sm("17:30:01.200", 500, ZERO)]
    store = [_store("17:30:00.102", f"Successfully raised state message for update ({ZERO}) with state (Missing).")]
    tracker = track({"StateMessage.log": lines, "UpdatesStore.log": store})
    assert [r.update_id for r in tracker.updates] == [OTHER]
    [row] = tracker.updates
    assert row.recorded is True and row.forwarded is False  # StateMessage.log is loaded: known


# ----------------------------------------------------------------------------- 7. wording generations


def _classify_line(line: str, name: str = "PolicyAgent.log") -> Fact | None:
    [entry] = parse(name, [line])
    return classify(entry, "PC01", (entry.file, entry.line))


def test_2012_policy_download_wording_is_policy_download_started_then_done() -> None:
    # configmgr__iOS-CMLogTracer__PolicyAgent.log lines 1714 and 1730, verbatim.
    start = ('<![LOG[Initializing download of policy \'CCM_Policy_Policy5.PolicyID="{071d1116-1761-4428-81b6-493cf96504e8}",'
             'PolicySource="SMS:CM2",PolicyVersion="1473.00"\' from \'http://SCCM-UIC-PS1.ad.uillinois.edu/SMS_MP/.sms_pol?'
             '{071d1116-1761-4428-81b6-493cf96504e8}.1473_00\']LOG]!><time="12:14:06.084+300" date="10-14-2013" '
             'component="PolicyAgent_ReplyAssignments" context="" type="1" thread="7284" file="policyutil.cpp:4145">')
    done = ('<![LOG[Download of policy CCM_Policy_Policy5.PolicyID="{071d1116-1761-4428-81b6-493cf96504e8}",'
            'PolicySource="SMS:CM2",PolicyVersion="1473.00" completed (DTS Job ID: {2BA53816-534E-451C-9502-BE665E253787})]'
            'LOG]!><time="12:14:06.981+300" date="10-14-2013" component="PolicyAgent_PolicyDownload" context="" type="1" '
            'thread="1676" file="policydownloadendpoint.cpp:599">')
    f_start, f_done = _classify_line(start), _classify_line(done)
    assert f_start is not None and (f_start.flow, f_start.step, f_start.outcome) == ("policy", "policy_download", "")
    assert f_done is not None and (f_done.flow, f_done.step, f_done.outcome) == ("policy", "policy_download", "done")
    assert f_start.ids["policy"] == f_done.ids["policy"] == "071D1116-1761-4428-81B6-493CF96504E8"


def test_statemessage_has_been_updated_is_update_states_for_topic_500_only() -> None:
    # configmgr__iOS-CMLogTracer__StateMessage.log: "State message with TopicType 1702 and TopicId
    # ScopeId_.../Application_3f6830a9-.../2 has been updated" (verbatim), and the same 2012 SP1 wording for a
    # software update's topic (TopicType 500, TopicId an update GUID).
    app = ccm("State message with TopicType 1702 and TopicId ScopeId_9265C920-BDFB-468F-A773-711D991FE1BA/"
              "Application_3f6830a9-979a-4280-a9fb-3ee7d31e93f2/2 has been updated", "StateMessage", "03:33:26.437",
              date="10-14-2013")
    upd = ccm(f"State message with TopicType 500 and TopicId {UPDATE} has been updated", "StateMessage", "03:33:26.465",
              date="10-14-2013")
    assert _classify_line(app, "StateMessage.log") is None  # an application's topic: not a scan's record
    fact = _classify_line(upd, "StateMessage.log")
    assert fact is not None and (fact.flow, fact.step, fact.outcome) == ("scan", "update_states", "done")
    assert fact.ids["topic"] == UPDATE.upper()
    tracker = track({"StateMessage.log": [app]})
    assert tracker.flows == [] and tracker.updates == []
    tracker = track({"StateMessage.log": [app, upd]})
    assert [r.update_id for r in tracker.updates] == [UPDATE]


# ----------------------------------------------------------------------------- 8. client agent

# configmgr__iOS-CMLogTracer__ScanAgent.log line 1 and UpdatesDeployment.log lines 1-3 (10-03-2013), verbatim.
NO_CLIENT_SETTINGS = ('<![LOG[Software Updates client configuration policy has not been received, default settings will be '
                      'used.]LOG]!><time="09:17:02.629+300" date="10-03-2013" component="ScanAgent" context="" type="1" '
                      'thread="6948" file="scantoolpolicy.cpp:648">')
UD_START = [
    '<![LOG[Service startup system task]LOG]!><time="09:17:03.597+300" date="10-03-2013" '
    'component="UpdatesDeploymentAgent" context="" type="1" thread="3644" file="systemtasks.cpp:30">',
    '<![LOG[Software Updates client configuration policy has not been received.]LOG]!><time="09:17:03.630+300" '
    'date="10-03-2013" component="UpdatesDeploymentAgent" context="" type="1" thread="3644" file="updatesconfig.cpp:229">',
    '<![LOG[Software Updates feature is disabled]LOG]!><time="09:17:03.631+300" date="10-03-2013" '
    'component="UpdatesDeploymentAgent" context="" type="1" thread="3644" file="cdeploymentagent.cpp:60">',
]


def _all_codes(tracker: Tracker) -> list[int]:
    return [s.error.code for f in tracker.flows for s in f.steps if s.error is not None]


def test_client_settings_not_received_is_never_a_failed_scan() -> None:
    tracker = track({"ScanAgent.log": [NO_CLIENT_SETTINGS]})
    assert kinds(tracker, "scan") == []
    assert all(f.status not in ("failed", "stalled") for f in tracker.flows)
    assert 0x87D00600 not in _all_codes(tracker)


def test_a_disabled_software_updates_feature_is_a_warning_without_a_code() -> None:
    tracker = track({"ScanAgent.log": [NO_CLIENT_SETTINGS], "UpdatesDeployment.log": UD_START})
    [agent] = kinds(tracker, "client_agent")
    assert agent.status == "warning"
    feature = agent.step("feature")
    assert feature.status == "warning" and feature.error is None
    assert "Software Updates feature is disabled" in feature.detail
    assert _all_codes(tracker) == []
    assert all(f.status not in ("failed", "stalled") for f in tracker.flows)


# ----------------------------------------------------------------------------- 9. WUAHandler: install errors vs scan failure


def _wua(time: str, msg: str, typ: str = "1") -> str:
    return ccm(msg, "WUAHandler", time, typ=typ)


# Seed / current-branch WUAHandler.log wording of a successful scan (2012 R2 seeds; current branch writes the same).
WUA_SCAN_OK = [_wua("17:29:33.700", "Async searching of updates using WUAgent started."),
               _wua("17:29:38.000", "Async searching completed."),
               _wua("17:29:38.100", "Successfully completed scan.")]


def test_install_phase_wuahandler_errors_are_notes_not_a_scan_failure() -> None:
    # EXCERPTS.md §2 (Patch My PC KB, 0x800b0101), install phase, written as errors (type 3) as WUAHandler writes them.
    install = [_wua("17:29:45.000", "Failed to download updates to the WUAgent datastore. Error = 0x800b0101.", typ="3"),
               _wua("17:29:45.100", "InstallUpdatesInBatch failed with error 0x800b0101", typ="3")]
    tracker = track({"WindowsUpdate.log": [*CCMEXEC_ONLINE, CCMEXEC_ONLINE_END], "WUAHandler.log": WUA_SCAN_OK + install},
                    host_bias=-120)
    [scan] = kinds(tracker, "scan")
    assert scan.status == "ok"
    assert all(s.status != "failed" and s.error is None for s in scan.steps)
    notes = [n.message for s in scan.steps for n in s.notes]
    assert notes == ["Failed to download updates to the WUAgent datastore. Error = 0x800b0101.",
                     "InstallUpdatesInBatch failed with error 0x800b0101"]


def test_onsearchcomplete_failure_is_the_scan_s_failure() -> None:
    # EXCERPTS.md §2 (Patch My PC KB, 0x800b0109 article): the two WUAHandler lines of a failed search.
    failed = [_wua("17:29:33.700", "Async searching of updates using WUAgent started."),
              _wua("17:29:38.000", "OnSearchComplete - Failed to end search job. Error = 0x80244010.", typ="3"),
              _wua("17:29:38.001", "Scan failed with error = 0x80244010.", typ="3")]
    tracker = track({"WindowsUpdate.log": [*CCMEXEC_ONLINE, CCMEXEC_ONLINE_END], "WUAHandler.log": failed},
                    host_bias=-120)
    [scan] = kinds(tracker, "scan")
    complete = scan.step("search_complete")
    assert complete.status == "failed" and complete.error is not None and complete.error.code == 0x80244010
    assert scan.status == "failed"


# ----------------------------------------------------------------------------- 10. hosts


def test_prefixed_logs_in_one_folder_are_two_hosts_and_the_windows_update_log_keeps_no_foreign_bias(tmp_path: Path) -> None:
    folder = tmp_path / "collected"
    folder.mkdir()
    (folder / "PC01_ScanAgent.log").write_text("\r\n".join(SCAN_START) + "\r\n", encoding="utf-8")
    (folder / "PC02_WindowsUpdate.log").write_text("\r\n".join([*CCMEXEC_ONLINE, CCMEXEC_ONLINE_END]) + "\r\n",
                                                   encoding="utf-8")
    found = discover([str(folder)])
    hosts = {Path(s.path).name: (s.host_hint, s.bias) for s in found.sources}
    assert hosts == {"PC01_ScanAgent.log": ("PC01", 300), "PC02_WindowsUpdate.log": ("PC02", None)}
    tracker, _, errors = collect([str(folder)])
    assert errors == []
    tracker.update(tracker.newest or LATER)
    scans = {f.host: f for f in tracker.flows if f.kind == "scan"}
    assert set(scans) == {"PC01", "PC02"}
    assert scans["PC02"].zone_known is False and scans["PC01"].zone_known is True


# ----------------------------------------------------------------------------- 11. zone unknown


def test_a_lone_windows_update_log_has_unknown_zone_and_ids_without_z(tmp_path: Path) -> None:
    folder = tmp_path / "PC03"
    folder.mkdir()
    (folder / "WindowsUpdate.log").write_text("\r\n".join([*CCMEXEC_ONLINE, CCMEXEC_ONLINE_END]) + "\r\n",
                                              encoding="utf-8")
    tracker, files, _ = collect([str(folder)])
    tracker.update(tracker.newest or LATER)
    [scan] = kinds(tracker, "scan")
    assert scan.zone_known is False
    assert scan.id == "scan:PC03:2022-06-29T17:29:33.735"
    doc = json.loads(json.dumps(report_json(tracker.flows, tracker.updates, files)))
    [flow] = [f for f in doc["flows"] if f["kind"] == "scan"]
    assert flow["zone"] == "unknown" and not flow["id"].endswith("Z")
    assert flow["started"] == "2022-06-29T17:29:33.735" and not flow["ended"].endswith("Z")
    assert all(not (s["at"] or "").endswith("Z") for s in flow["steps"])


def test_records_of_an_unknown_zone_are_not_joined_to_other_hosts() -> None:
    """A client whose scan holds a zone-less WindowsUpdate.log search is not joined to the MP's lookup,
    though the same scan without it is (the MP_Location.log bodies of seed 000, at the request's time)."""
    source = SOURCE.strip("{}")
    body = (f'<WSUSLocationRequest SchemaVersion="1.00"><Content ID="{source}" Version="38"/><AssignedSite SiteCode="PS1"/>'
            '<ClientLocationInfo LocationType="SMSUpdateSource" UseProtected="0" AllowCaching="0" BranchDPFlags="0" '
            'UseAzure="0" DPTokenAuth="1" UseInternetDP="0"><ADSite Name="Default"/><Forest Name="contoso.com"/>'
            '<Domain Name="contoso.com"/><IPAddresses><IPAddress SubnetAddress="10.0.0.0" Address="10.0.0.7"/>'
            '</IPAddresses></ClientLocationInfo></WSUSLocationRequest>')
    reply = ('<WSUSLocationReply SchemaVersion="1.00"><Sites><Site><MPSite SiteCode="PS1"/><LocationRecords>'
             '<LocationRecord WSUSURL="http://sup.contoso.com:8530" ServerName="sup" Version="38"/>'
             '</LocationRecords></Site></Sites></WSUSLocationReply>')
    mp = [cm(f"MP LM: Message Body : {body}", time="12:18:08.412+300", date="01-20-2014", comp="MP_LocationManager"),
          cm(f"MP LM: Reply message body: {reply}", time="12:18:09.412+300", date="01-20-2014", comp="MP_LocationManager")]
    # client-PALAC's CcmExec search start (line 21401), re-timed into the scan (17:18:10 local, read as UTC).
    wu = [wu10("2014/01/20 17:18:10.0000000", 14960, "Agent",
               "* START * Finding updates CallerId = CcmExec  Id = 2 (cV = /tpnRs/BnUWVsX0b.131.0.0.2)"),
          wu10("2014/01/20 17:18:10.0000001", 14960, "Agent",
               "Online = Yes; Interactive = Yes; AllowCachedResults = No; Ignore download priority = Yes")]

    def lookup(with_wu: bool) -> Flow:
        tracker = Tracker(retention=None, host_clock=True)
        tracker.add(parse("ScanAgent.log", SCAN_START), "PC01")
        if with_wu:
            tracker.add(parse("WindowsUpdate.log", wu), "PC01")
        tracker.add(parse("MP_Location.log", mp), "MP")
        tracker.update(LATER)
        [scan] = kinds(tracker, "scan")
        return scan

    joined = lookup(with_wu=False)
    assert joined.zone_known and joined.step("mp_lookup").evidence  # the control: same-zone records do join
    alone = lookup(with_wu=True)
    assert alone.zone_known is False
    assert alone.step("mp_lookup").evidence == []
    assert not alone.id.endswith("Z")
