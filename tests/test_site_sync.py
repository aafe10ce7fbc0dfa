"""WSyncMgr sync runs and their phases, StateSys batches and site-server paths, on written logs.

No real log in ../shared/reallogs holds a synchronization (the lab's WSyncMgr.log is idle, see
test_site_real.py), so these runs are written in WSyncMgr's own wording (the fixtures' and
EXCERPTS.md §7's status-message IDs: 6701 started, 6702 done, 6703 failed, 6704 WSUS phase, 6705
site database phase, 6706 replica phase) to check the rules of the kind: the verdict is the
primary sync, a replica failing afterwards is a warning naming it, a failed run retried later is
a failed run followed by a new one.
"""

from __future__ import annotations

from pathlib import Path

from sumtrace.flows.classify import classify
from sumtrace.flows.kinds.statesys import statesys_batches
from sumtrace.flows.model import Flow
from sumtrace.parsers.stream import parse_file
from sumtrace.tui.cmd_report import collect

US = "{DE657CBF-0546-463D-A490-1466CFFBD045}"


def sms(msg: str, t: str, comp: str = "SMS_WSUS_SYNC_MANAGER", date: str = "01-20-2014") -> str:
    return f"{msg}  $$<{comp}><{date} {t}+300><thread=3952 (0xF70)>"


def statmsg(i: int, sev: str, gmt: str, istr0: str = "", istr1: str = "", le: str = "") -> str:
    rest = f' NUMATTRS=0{" LE=" + le if le else ""}'
    return (f'STATMSG: ID={i} SEV={sev} LEV=M SOURCE="SMS Server" COMP="SMS_WSUS_SYNC_MANAGER" SYS=PS1SITE.CONTOSO.COM '
            f'SITE=PS1 PID=2412 TID=3952 GMTDATE=Mon Jan 20 {gmt} 2014 ISTR0="{istr0}" ISTR1="{istr1}" ISTR2="" ISTR3="" '
            f'ISTR4="" ISTR5="" ISTR6="" ISTR7="" ISTR8="" ISTR9=""{rest}')


def primary_run(h: str, version: int) -> list[str]:
    return [
        sms("Performing sync on regular schedule", f"{h}:00:01.000"),
        sms(statmsg(6701, "I", f"{int(h) + 5}:00:01.010"), f"{h}:00:01.010"),
        sms("Synchronizing WSUS Server PS1SITE.CONTOSO.COM ...", f"{h}:00:02.000"),
        sms(statmsg(6704, "I", f"{int(h) + 5}:00:02.010", "PS1SITE.CONTOSO.COM"), f"{h}:00:02.010"),
        sms("sync: Starting WSUS synchronization", f"{h}:00:03.000"),
        sms("Done synchronizing WSUS Server PS1SITE.CONTOSO.COM", f"{h}:02:00.000"),
        sms("Synchronizing SMS database with WSUS server PS1SITE.CONTOSO.COM ...", f"{h}:02:01.000"),
        sms(statmsg(6705, "I", f"{int(h) + 5}:02:01.010", "PS1SITE.CONTOSO.COM"), f"{h}:02:01.010"),
        sms("sync: SMS synchronizing updates, processed 41 out of 41 items (100%)", f"{h}:03:00.000"),
        sms(f"Set content version of update source {US} for site PS1 to {version}", f"{h}:03:30.000"),
    ]


def site(tmp_path: Path, lines: list[str]) -> list[Flow]:
    folder = tmp_path / "PS1SITE"
    folder.mkdir()
    (folder / "WSyncMgr.log").write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    tracker, _, errors = collect([str(folder)])
    assert not errors and tracker.newest is not None
    tracker.update(tracker.newest)
    return sorted((f for f in tracker.flows if f.kind == "wsus_sync"), key=lambda f: f.id)


def test_a_replica_failing_after_the_content_version_is_a_warning_on_a_successful_run(tmp_path: Path) -> None:
    lines = primary_run("11", 39) + [
        sms("Synchronizing WSUS Server SUP2.CONTOSO.COM ...", "11:04:00.000"),
        sms(statmsg(6706, "I", "16:04:00.010", "SUP2.CONTOSO.COM"), "11:04:00.010"),
        sms("Sync failed: The operation has timed out. Source: CWSyncMgr::SyncReplica", "11:34:00.000"),
        sms(statmsg(6703, "E", "16:34:00.010", "CWSyncMgr::SyncReplica", "The operation has timed out", "0X80131500"),
            "11:34:00.010"),
        sms("Sync failed. Will retry in 60 minutes", "11:34:01.000"),
    ]
    (run,) = site(tmp_path, lines)
    assert run.status in ("ok", "warning")  # 'warning' once judge tells a warning step apart
    assert [(s.key, s.status) for s in run.steps] == [
        ("start", "ok"), ("wsus_sync", "ok"), ("site_db", "ok"), ("content_version", "ok"), ("replicas", "warning")]
    rep = run.step("replicas")
    assert rep.detail == "SUP2.CONTOSO.COM: The operation has timed out"
    assert rep.hint is not None and "replica" in rep.hint
    assert run.step("content_version").detail == f"content version 39 (UpdateSource {US.strip('{}')})"
    assert run.ids["content_version"] == "39" and run.ids["replicas"] == "SUP2.CONTOSO.COM"


def test_a_failed_run_retried_later_is_a_failed_run_then_a_new_run(tmp_path: Path) -> None:
    lines = [
        sms("Performing sync on regular schedule", "10:00:01.000"),
        sms(statmsg(6701, "I", "15:00:01.010"), "10:00:01.010"),
        sms("Synchronizing WSUS Server PS1SITE.CONTOSO.COM ...", "10:00:02.000"),
        sms(statmsg(6704, "I", "15:00:02.010", "PS1SITE.CONTOSO.COM"), "10:00:02.010"),
        sms("sync: Starting WSUS synchronization", "10:00:03.000"),
        sms("Sync failed: UssCommunicationError: WebException: The operation has timed out~~at System.Web.Services."
            "Protocols.WebClientProtocol.GetWebResponse(WebRequest request). Source: Microsoft.UpdateServices."
            "ServerSync.ServerSyncCompressionProxy.GetWebResponse", "10:01:40.000"),
        sms(statmsg(6703, "E", "15:01:40.010", "Microsoft.UpdateServices.ServerSync", "UssCommunicationError", "0X80131509"),
            "10:01:40.010"),
        sms("Sync failed. Will retry in 60 minutes", "10:01:41.000"),
    ] + [ln.replace("Performing sync on regular schedule", "Performing sync on retry schedule")
         for ln in primary_run("11", 40)] + [
        sms("Sync succeeded. Setting sync alert to canceled state on site PS1", "11:03:31.000"),
        sms(statmsg(6702, "I", "16:03:32.000"), "11:03:32.000"),
    ]
    failed, retried = site(tmp_path, lines)
    assert failed.status == "failed"
    wsus = failed.step("wsus_sync")
    assert wsus.status == "failed"
    assert wsus.detail == "UssCommunicationError: WebException: The operation has timed out"
    assert wsus.error is not None and wsus.error.code == 0x80131509
    assert failed.step("replicas").status == "unobserved"
    assert retried.status == "ok" and retried.label == "WSUS sync (retry)" and retried.ids["trigger"] == "retry"
    assert retried.step("replicas").status == "unobserved"
    assert retried.step("content_version").status == "ok"


def test_statesys_pause_line_is_not_a_batch_verbose_and_not(tmp_path: Path) -> None:
    """The seed's two samples (2012 R2 'chucks'), and a wake-up that found nothing."""
    c = "SMS_STATE_SYSTEM"
    lines = [
        sms("Inbox notification triggered, pause for 10 seconds......", "11:00:00.000", c),  # finds nothing
        sms("Inbox notification triggered, pause for 10 seconds......", "11:20:00.000", c),
        sms("Found new state messages to process, starting processing thread", "11:20:10.000", c),
        sms('Thread "State Message Processing Thread #0" id:4316 started', "11:20:10.010", c),
        sms("total chucks loaded (1)", "11:20:10.100", c),
        sms("CMessageProcessor - Processing file: YCE2H3VD.SMX", "11:20:10.200", c),
        sms("CMessageProcessor - Processed 1 records with 0 invalid records.", "11:20:10.300", c),
        sms("CMessageProcessor - Processed 1 message files in this batch, with 0 bad files.", "11:20:10.400", c),
        sms("total chucks loaded (0)", "11:20:10.500", c),
        sms('Thread "State Message Processing Thread #0" id:4316 terminated normally', "11:20:10.600", c),
        sms("Found new state messages to process, starting processing thread", "11:40:00.000", c),
        sms('Thread "State Message Processing Thread #0" id:1988 started', "11:40:00.010", c),
        sms("total chunks loaded (1)", "11:40:00.100", c),
        sms("total chunks loaded (0)", "11:40:00.200", c),
        sms('Thread "State Message Processing Thread #0" id:1988 terminated normally', "11:40:00.300", c),
    ]
    path = tmp_path / "StateSys.log"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    facts = [f for e in parse_file(str(path)) if (f := classify(e, "site", (e.file, e.line))) is not None]
    assert len(facts) == len(lines)
    batches = statesys_batches(facts)
    assert [[f.name for f in b][:2] for b in batches] == [["ss_inbox_trigger", "ss_found"], ["ss_found", "ss_thread_started"]]
    assert all(b[-1].name == "ss_thread_done" and b[-1].outcome == "done" for b in batches)
    assert [f.values["chunks"] for f in facts if f.name == "ss_chunks"] == ["1", "0", "1", "0"]


def test_site_server_paths_with_spaces(tmp_path: Path) -> None:
    root = r"C:\Program Files\Microsoft Configuration Manager"
    lines = [
        sms(rf"Moved file {root}\MP\OUTBOXES\statemsg.box\TAZGYTSJ.SMX to {root}\inboxes\auth\statesys.box\incoming\TAZGYTSJ.SMX",
            "11:00:00.000", "SMS_MP_FILE_DISPATCH_MANAGER"),
        sms(rf"SND: Dropped {root}\inboxes\policypv.box\{US}.STN (non-zero) [46680]", "11:00:01.000",
            "SMS_DATABASE_NOTIFICATION_MONITOR"),
        sms(rf"Adding to delete list: {root}\inboxes\policypv.box\{US}.STN", "11:00:02.000", "SMS_POLICY_PROVIDER"),
    ]
    path = tmp_path / "site.log"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    moved, dropped, deleted = [classify(e, "site", (e.file, e.line)) for e in parse_file(str(path))]
    assert moved is not None and moved.name == "fdm_moved"
    assert moved.values["smx"] == "TAZGYTSJ.SMX"
    assert moved.values["source"] == rf"{root}\MP\OUTBOXES\statemsg.box\TAZGYTSJ.SMX"
    assert moved.values["target"] == rf"{root}\inboxes\auth\statesys.box\incoming\TAZGYTSJ.SMX"
    assert dropped is not None and (dropped.name, dropped.ids["update_source"]) == ("db_dropped_stn", US.strip("{}"))
    assert deleted is not None and (deleted.name, deleted.ids["update_source"]) == ("pv_delete_list", US.strip("{}"))
