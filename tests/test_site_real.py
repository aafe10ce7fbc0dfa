"""The site server, from real logs (issue 10, part 7): expectations written by reading the logs.

What the real logs show (../shared/reallogs):

* ``bundles/Prasad4455__MEMCM2403__Logs.zip`` and ``site-CHQ-lab`` (the same lab primary, CHQ,
  May-June 2024): WSyncMgr.log holds no synchronization at all (only "Wakeup by SCF change",
  "Wakeup for a polling cycle", "Deleted 0 expired updates" between 17 component restarts), so
  there is no sync run. WCM.log sets the configuration state 1 (WSUS_CONFIG_PENDING), 4
  (WSUS_CONFIG_SUBSCRIPTION_PENDING) and, a minute later each time, 2 (WSUS_CONFIG_SUCCESS): 17
  times, never left pending. What is wrong is the subscription itself: ``Subscribed Update
  Categories <?xml version="1.0" ?>~~<Categories>~~</Categories>`` (no product, no
  classification), so nothing ever syncs. At the first start "SetConfigurationState failed,
  error 80070005" is followed 27 s later by WSUS_CONFIG_SUCCESS: not a failure. WSUSCtrl reports
  "There are no unhealthy WSUS Server components" every hour.
* ``site-LA1`` (a production primary, Nov 2024): WCM connects hourly to the local WSUS and to two
  other SUPs, SCCM-DPNO01.parajett.local and skvdp01.skv.parajett.se. In the round of 11-16
  06:11 (local, bias -60) both fail ("Remote connection failed with exception
  'System.Net.WebException: Unable to connect to the remote server ---> ... failed to respond
  172.19.60.151:8530" and "... 172.16.104.40:8530"), and succeed again in the next round. WSUSCtrl
  reports "Errors were reported in these WSUS Server components WSUSService" with STATMSG ID=7001
  SEV=E at 11-21 14:16 and 15:13 (local), then after the components restart at 15:21 healthy again.
* ``site-CHQ-lab/statesys.log`` (current branch, "Verbose Logging No"): 84 "Found new state
  messages to process" each followed by a processing thread that "terminated normally", 171
  "Inbox notification triggered, pause for 10 seconds" (most of them find nothing), "total
  chunks loaded" (not the seed's "chucks"), and per file "CMessageProcessor - Processed 1 records
  with 0 invalid records from sender: CM1.CORP.CONTOSO.COM/SMS_..., file: N_1iucexc1.SMX.".
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest

from sumtrace.flows.classify import Fact, classify
from sumtrace.flows.diagnose import hint
from sumtrace.flows.kinds.statesys import statesys_batches
from sumtrace.flows.model import Flow
from sumtrace.flows.report import exit_code
from sumtrace.parsers.stream import parse_file
from sumtrace.tui.cmd_report import collect

BUNDLE = "bundles/Prasad4455__MEMCM2403__Logs.zip"
LA1_REPLICAS = ("SCCM-DPNO01.parajett.local", "skvdp01.skv.parajett.se")


def flows_of(*paths: Path) -> list[Flow]:
    return _flows(tuple(str(p) for p in paths))


@functools.cache
def _flows(paths: tuple[str, ...]) -> list[Flow]:
    tracker, _, errors = collect(list(paths))
    assert not errors
    assert tracker.newest is not None
    tracker.update(tracker.newest)
    return tracker.flows


def kind(flows: Sequence[Flow], name: str) -> list[Flow]:
    return sorted((f for f in flows if f.kind == name), key=lambda f: f.started or f.id)


# --- the lab site (bundle and site-CHQ-lab) ----------------------------------------------------------

def test_bundle_has_no_sync_run_and_no_alarm(reallogs: Path) -> None:
    """The whole collected Logs folder (120 logs): WSyncMgr never synchronized, nothing failed."""
    with zipfile.ZipFile(reallogs / BUNDLE) as z:
        wsync = z.read("Logs/wsyncmgr.log").decode("utf-8-sig")
    # Read by eye: no sync line at all (no 67xx status message, no "Performing sync", no "Synchronizing").
    assert not re.search(r"STATMSG: ID=67|^(?:Sync|Synchroniz|Performing sync|Starting Sync)", wsync, re.M)
    flows = flows_of(reallogs / BUNDLE)
    assert kind(flows, "wsus_sync") == []
    assert [f for f in flows if f.status in ("failed", "stalled")] == []
    assert exit_code(flows) == 0
    (health,) = kind(flows, "wsus_health")
    assert health.step("subscription").status == "warning"


def test_chq_subscription_has_no_categories_and_is_a_warning_with_a_hint(reallogs: Path) -> None:
    flows = flows_of(reallogs / "site-CHQ-lab")
    assert kind(flows, "wsus_sync") == []
    assert exit_code(flows) == 0
    health = kind(flows, "wsus_health")
    # The start-up "SetConfigurationState failed" is followed by WSUS_CONFIG_SUCCESS within the
    # same configuration: one period of health, not a failed one and a recovered one.
    assert len(health) == 1
    (h,) = health
    assert h.status not in ("failed", "stalled", "running")
    sub = h.step("subscription")
    assert sub.status == "warning"
    assert "no products or classifications subscribed" in sub.detail
    assert sub.hint == hint("wsus_categories_empty")
    assert any("Subscribed Update Categories" in e.message and "<Categories>" in e.message for e in sub.evidence)
    # Never stuck pending: the 17 WSUS_CONFIG_SUBSCRIPTION_PENDING each reach WSUS_CONFIG_SUCCESS.
    assert "PENDING" not in sub.detail and "SetConfigurationState" not in sub.detail
    assert h.step("sup_connection").status == "ok"
    assert h.step("sup_connection").detail == "local WSUS connected"
    assert h.ids["sups"] == "CM1.corp.contoso.com"
    assert h.step("wsus_control").status == "ok"


def test_chq_statesys_batches_verbose_off_current_branch(reallogs: Path) -> None:
    rel = reallogs / "site-CHQ-lab" / "statesys.log"
    entries = list(parse_file(str(rel)))
    facts = [f for e in entries if (f := classify(e, "CHQ", (e.file, e.line))) is not None]
    found = [f for f in facts if f.name == "ss_found"]
    triggers = [f for f in facts if f.name == "ss_inbox_trigger"]
    assert (len(found), len(triggers)) == (84, 171)
    assert sum(1 for f in facts if f.name == "ss_chunks") == 180  # "total chunks loaded (N)"
    batches = statesys_batches([f for f in facts if f.step == "state_processing"])
    # A batch per processing thread; a wake-up that found nothing is no batch.
    assert len(batches) == 84
    assert all(sum(f.name == "ss_found" for f in b) == 1 for b in batches)
    assert all(b[-1].name == "ss_thread_done" and b[-1].outcome == "done" for b in batches)
    assert all(any(f.name != "ss_inbox_trigger" for f in b) for b in batches)
    # A trigger 10 s (on a busy start-up up to 50 s) before "Found new state messages" belongs to that batch.
    paired = [b for b in batches if b[0].name == "ss_inbox_trigger"]
    assert len(paired) == 31
    assert all(b[1].name == "ss_found" and (b[1].utc - b[0].utc).total_seconds() <= 60 for b in paired)
    # Current-branch per-file lines name the sender and the SMX file.
    records = [f for f in facts if f.name == "ss_records"]
    assert records and all(f.values.get("smx", "").upper().endswith(".SMX") for f in records)
    first = records[0]
    assert (first.values["sender"], first.values["smx"]) == ("CM1.CORP.CONTOSO.COM/SMS_DATABASE_NOTIFICATION_MONITOR",
                                                             "N_1iucexc1.SMX")


def test_chq_summarization_is_only_the_sum_tasks(reallogs: Path) -> None:
    rel = reallogs / "site-CHQ-lab" / "statesys.log"
    facts = [f for e in parse_file(str(rel)) if (f := classify(e, "CHQ", (e.file, e.line))) is not None]
    tasks = {f.values["task"] for f in facts if f.step == "summarization"}
    assert tasks and all(t.startswith("SUM ") for t in tasks), tasks
    assert "SUM Update Status Summarizer" in tasks
    # 'Message Processing Engine Summary Task' (120 runs), 'CMGS Device Sync Data Task'... are not SUM's.
    assert not any("Message Processing Engine" in t for t in tasks)


def test_chq_policypv_delete_list_reads_program_files_paths(reallogs: Path) -> None:
    rel = reallogs / "site-CHQ-lab" / "policypv.log"
    facts = [f for e in parse_file(str(rel)) if "Adding to delete list" in e.message
             and (f := classify(e, "CHQ", (e.file, e.line))) is not None]
    assert [(f.name, f.ids.get("update_source")) for f in facts] == [
        ("pv_delete_list", "75412603-64EF-48B1-BEE8-C51E06E348E4")]
    assert "Program Files" in facts[0].entry.message


# --- the production site (site-LA1) ------------------------------------------------------------------

def test_la1_replica_sup_failures_are_warnings_naming_the_sup(reallogs: Path) -> None:
    flows = flows_of(reallogs / "site-LA1")
    assert kind(flows, "wsus_sync") == []
    health = kind(flows, "wsus_health")
    warned = [h for h in health if h.step("sup_connection").status == "warning"]
    assert len(warned) == 1
    (w,) = warned
    assert w.status == "warning"
    sup = w.step("sup_connection")
    for name, endpoint in zip(LA1_REPLICAS, ("172.19.60.151:8530", "172.16.104.40:8530")):
        assert f"{name}: Unable to connect to the remote server" in sup.detail
        assert endpoint in sup.detail
    assert sup.hint == hint("sup_connection")
    assert w.ids["unreachable"] == ", ".join(LA1_REPLICAS)
    assert w.step("subscription").status == "ok"  # the local WSUS and its categories were fine
    # The round of 11-16 06:11 local (05:11 UTC): the flows before and after are healthy SUP connections.
    assert sup.at is not None and sup.at.isoformat().startswith("2024-11-16T05:11")
    i = health.index(w)
    assert health[i - 1].step("sup_connection").status == "ok"
    assert health[i + 1].step("sup_connection").status == "ok"
    assert set(health[i + 1].ids["sups"].split(", ")) == {"SCCM-Serv01.parajett.local", *LA1_REPLICAS}
    # A SUP that cannot be reached is never a failure of the site.
    assert not any(h.step("sup_connection").status == "failed" for h in health)
    assert not any(h.step("subscription").status in ("failed", "warning") for h in health)


def test_la1_wsusctrl_component_errors_fail_that_period_only(reallogs: Path) -> None:
    """WSUSCtrl's own check says 'Failures reported during periodic health check' (STATMSG 7001 SEV=E)
    twice on 11-21; its next checks after the restart are healthy again."""
    health = kind(flows_of(reallogs / "site-LA1"), "wsus_health")
    failed = [h for h in health if h.status == "failed"]
    assert len(failed) == 1
    (f,) = failed
    ctrl = f.step("wsus_control")
    assert ctrl.status == "failed"
    assert ctrl.detail == "errors in WSUS components WSUSService on SCCM-SERV01.PARAJETT.LOCAL"
    assert ctrl.at is not None and ctrl.at.isoformat().startswith("2024-11-21T13:16:58")
    assert [s.key for s in f.steps if s.status == "failed"] == ["wsus_control"]
    after = health[health.index(f) + 1:]
    assert after and all(h.step("wsus_control").status == "ok" for h in after)
    assert health[-1].status in ("ok", "warning")


def test_la1_and_chq_report_no_false_alarm(reallogs: Path) -> None:
    """Every alarm on the two site folders is one a log wrote: LA1's WSUSService component errors."""
    flows = flows_of(reallogs / "site-CHQ-lab", reallogs / "site-LA1")
    alarms = [(f.host, f.kind, [s.key for s in f.steps if s.status in ("failed", "stalled")])
              for f in flows if f.status in ("failed", "stalled")]
    assert alarms == [("site-LA1", "wsus_health", ["wsus_control"])]


@pytest.mark.parametrize("rel", ["site-LA1/WCM.log", "site-CHQ-lab/WCM.log", "site-LA1/WSUSCtrl.log",
                                 "site-CHQ-lab/WSUSCtrl.log"])
def test_wcm_and_wsusctrl_records_are_health_facts_never_sync_failures(reallogs: Path, rel: str) -> None:
    facts: list[Fact] = [f for e in parse_file(str(reallogs / rel)) if (f := classify(e, "h", (e.file, e.line))) is not None]
    assert facts
    assert {f.flow for f in facts} == {"wsus_health"}
    assert {f.role for f in facts} == {"server"}
