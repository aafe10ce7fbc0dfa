"""Verdicts on the real CLIENT log sets, with expectations written by reading the logs (issue 10).

Why this file exists: sumtrace was right about its own fixtures and wrong about real logs. The
issue's acceptance asks, for each real set in ``../shared/reallogs``, for a test whose expectations
were written by reading the logs, never copied from the tracker's output. This file covers the two
client sets:

- ``client-PALAC/WindowsUpdate.log``: a Windows 10 ``Get-WindowsUpdateLog`` output (no CMTrace log
  of the same machine beside it, so the zone is unknown). It holds 12 searches by CcmExec against
  the managed service ``3DA21691-…`` (``https://SCCM-SS-E1.PALAC.ES:8531``): 4 online scans
  (``Online = Yes``) and 8 offline re-evaluations (``Online = No``) in two bursts, all ending with
  ``Exit code = 0x00000000``; 93 searches by other callers (Windows Defender, MoUpdateOrchestrator,
  Panda Systems Management, Update;ScanForUpdates), two of them online against the same SUP; and
  1332 benign ``*FAILED*`` lines.
- the 2013 client (``configmgr__iOS-CMLogTracer__*.log`` and the Android ``first_run_sample.log``,
  October 2013, bias +300): the Software Updates feature is disabled at every start, the
  UpdateSource policy is delivered and ScanAgent notified 23 times, and no scan job is ever created.

How: every fact is pinned below with its file and line number (1-based, as ``grep -n`` counts
them), and ``test_*_pinned_facts_are_in_the_log`` checks each pinned line against the file, so a
changed file fails loudly instead of silently moving the expectations. The verdict tests run the
real engine headless (``python -m sumtrace report --json …`` in a subprocess, once per path set)
and hold its JSON against the pinned facts. PALAC times are compared as the local wall-clock time
the log wrote (any ``Z`` the report adds is ignored there, and checked separately); 2013 times are
compared in UTC (local + 300 minutes, the CMTrace bias).

The output contract (from the lead, for the issue-10 work): kind ``scan`` is one online scan
against the SUP; kind ``evaluation`` is a re-evaluation without asking the SUP (``ids.mode`` is
``offline`` / ``deployment`` / ``cache``, ``ids.searches`` counts its searches, and consecutive
offline searches of one burst form one flow); kind ``client_agent`` carries the steps
``client_settings``, ``feature``, ``update_source_policy``, ``scan_jobs`` and a disabled agent is a
``warning``; kind ``policy`` is an UpdateSource policy delivery. Flows whose times have no known
zone carry ``"zone": "unknown"`` and print their times without ``Z``. Searches by callers other
than CcmExec never make flows.
"""

from __future__ import annotations

import functools
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

ALARMING = {"failed", "stalled"}
MS = timedelta(milliseconds=1)  # the report writes milliseconds; the logs write 100 ns ticks

# ---------------------------------------------------------------------------------------------
# client-PALAC/WindowsUpdate.log, as read
# ---------------------------------------------------------------------------------------------

PALAC = "client-PALAC"
PALAC_WU = "client-PALAC/WindowsUpdate.log"
PALAC_SUP = "SCCM-SS-E1.PALAC.ES:8531"
PALAC_LAST_LINE = (26341, "2022/06/30 11:26:50.5064319")  # the newest record of the file


@dataclass(frozen=True)
class Search:
    """One ``Finding updates`` search by CcmExec, as WindowsUpdate.log wrote it.

    ``first`` is the search's first line: IdleTimer ``WU operation (SR.CcmExec ID n) started`` for
    the online scans (the WU service had just started), ComApi ``* START *   Federated Search
    ClientId = CcmExec`` for the offline ones. ``start`` is Agent ``* START * Finding updates
    CallerId = CcmExec  Id = n``; the line after it (same thread) is ``Online = Yes|No; …``.
    ``end`` is Agent ``* END * Finding updates CallerId = CcmExec, Id = n, Exit code = 0x…``;
    ``found`` is ComApi ``* END *   Search ClientId = CcmExec, Updates found = N``.
    """

    first: tuple[int, str]
    start: tuple[int, str]
    id: int
    online: bool
    end: tuple[int, str]
    exit_code: str
    found: tuple[int, int]
    criteria: str  # a stable piece of the ``Criteria = …`` line (start line + 2)


_ALL = "(DeploymentAction=* AND Type='Software') OR (DeploymentAction=* AND Type='Driver')"
_KB_3112899B = "UpdateID = '3112899b-aecb-4fb6-a3c8-680fc2ac820f' AND DeploymentAction = *"
_KB_5179B84E = "UpdateID = '5179b84e-ab94-4d12-85d2-c1d2bde534b4' AND DeploymentAction = *"
_CATEGORIES = "((DeploymentAction=* AND Type='Software' AND CategoryIDs contains '8C3FCC84-7410-4A95-8B89"

OK = "0x00000000"
PALAC_SEARCHES = [
    # burst 1, 2022-06-29: online scan, 3 searches by UpdateID (each followed by a download), an
    # install of 3112899B (ComApi lines 22142-22282, 17:29:57.97-17:30:05.15), a category search
    Search((21389, "2022/06/29 17:29:33.7006028"), (21401, "2022/06/29 17:29:33.7350519"), 2, True,
           (21617, "2022/06/29 17:29:37.8437342"), OK, (21657, 37), _ALL),
    Search((21913, "2022/06/29 17:29:43.7255114"), (21925, "2022/06/29 17:29:43.7496684"), 4, False,
           (21934, "2022/06/29 17:29:43.9035036"), OK, (21938, 1), _KB_3112899B),
    Search((22004, "2022/06/29 17:29:57.3716874"), (22016, "2022/06/29 17:29:57.3915578"), 7, False,
           (22025, "2022/06/29 17:29:57.5537007"), OK, (22029, 1), _KB_3112899B),
    Search((22063, "2022/06/29 17:29:57.6886237"), (22075, "2022/06/29 17:29:57.7045474"), 10, False,
           (22084, "2022/06/29 17:29:57.8671140"), OK, (22088, 1), _KB_3112899B),
    Search((22284, "2022/06/29 17:30:06.2726453"), (22296, "2022/06/29 17:30:06.3034583"), 13, False,
           (22309, "2022/06/29 17:30:06.5817377"), OK, (22314, 2), _CATEGORIES),
    # burst 2, 2022-06-30 after a restart (Ids start again at 2): the same pattern for 5179B84E,
    # install at ComApi lines 23630-23771 (01:25:06.47-01:25:13.67)
    Search((23000, "2022/06/30 01:24:36.4760249"), (23013, "2022/06/30 01:24:36.6925042"), 2, True,
           (23105, "2022/06/30 01:24:42.0365502"), OK, (23145, 37), _ALL),
    Search((23401, "2022/06/30 01:24:47.6438663"), (23413, "2022/06/30 01:24:47.6557903"), 4, False,
           (23422, "2022/06/30 01:24:47.8049520"), OK, (23426, 1), _KB_5179B84E),
    Search((23492, "2022/06/30 01:25:05.8562879"), (23504, "2022/06/30 01:25:05.8814874"), 7, False,
           (23513, "2022/06/30 01:25:06.0478737"), OK, (23517, 1), _KB_5179B84E),
    Search((23551, "2022/06/30 01:25:06.1748842"), (23563, "2022/06/30 01:25:06.1968419"), 10, False,
           (23572, "2022/06/30 01:25:06.3593684"), OK, (23576, 1), _KB_5179B84E),
    Search((23773, "2022/06/30 01:25:14.7601205"), (23785, "2022/06/30 01:25:14.7762208"), 13, False,
           (23798, "2022/06/30 01:25:14.8851164"), OK, (23803, 2), _CATEGORIES),
    # two lone online scans, each right after a WU service start, no re-evaluation after them
    Search((24591, "2022/06/30 06:24:00.7872382"), (24604, "2022/06/30 06:24:00.8264512"), 2, True,
           (24685, "2022/06/30 06:24:05.2660804"), OK, (24725, 37), _ALL),
    Search((25118, "2022/06/30 09:40:35.3641021"), (25131, "2022/06/30 09:40:35.4063927"), 2, True,
           (25220, "2022/06/30 09:40:39.8493604"), OK, (25260, 37), _ALL),
]
ONLINE = [s for s in PALAC_SEARCHES if s.online]
OFFLINE = [s for s in PALAC_SEARCHES if not s.online]

# Each online scan names the SUP inside its own window (Misc "Got WSUS Client/Server URL: https://
# SCCM-SS-E1.PALAC.ES:8531/ClientWebService/client.asmx" and ProtocolTalker "Server URL = …").
PALAC_SUP_LINES = {21401: (21430, 21540, 21568), 23013: (23020, 23027, 23058),
                   24604: (24611, 24618, 24639), 25131: (25138, 25145, 25173)}

# Searches by other callers: ``* START * Finding updates CallerId = <caller>  Id = n``. Two of them
# are online against the same managed service and SUP, which is the trap: MoUpdateOrchestrator at
# line 16496 (Online = Yes at 16497, "Got WSUS Client/Server URL … SCCM-SS-E1" at 16503) and Panda
# Systems Management at line 22403 (Online = Yes at 22404, Server URL at 22416).
PALAC_OTHER_CALLERS = {"Update;ScanForUpdates": 81, "Windows Defender": 10, "MoUpdateOrchestrator": 1,
                       "Panda Systems Management": 1}
PALAC_TRAPS = {16496: "MoUpdateOrchestrator", 22403: "Panda Systems Management"}
PALAC_FAILED_LINES = 1332  # lines holding "*FAILED*", every one outside any verdict

# ---------------------------------------------------------------------------------------------
# The 2013 client, as read (bias +300: UTC = local + 5 h)
# ---------------------------------------------------------------------------------------------

RL = "configmgr__iOS-CMLogTracer__"
SCANAGENT = RL + "ScanAgent.log"
UPDATES_DEPLOYMENT = RL + "UpdatesDeployment.log"
POLICY_AGENT_PROVIDER = RL + "PolicyAgentProvider.log"
POLICY_AGENT = RL + "PolicyAgent.log"
CCMEXEC = RL + "CcmExec.log"
WUAHANDLER = RL + "WUAHandler.log"
UPDATES_HANDLER = RL + "UpdatesHandler.log"
ANDROID = "configmgr__Android-CMLogTracer__first_run_sample.log"
UPDATE_SOURCE = "492D1044-253F-41DA-BD27-AFAE975C0A4C"
BIAS = timedelta(minutes=300)

NOTIFIED = "*****Policy Change notification received for ToolUniqueID={" + UPDATE_SOURCE + "}"
# ScanAgent.log: (line, date, local time) of each UpdateSource policy change notification: 23.
SCANAGENT_NOTIFICATIONS = [
    (6, "10-03-2013", "12:10:47.202"), (9, "10-04-2013", "00:15:11.815"), (10, "10-04-2013", "12:15:12.785"),
    (13, "10-05-2013", "00:17:19.018"), (14, "10-05-2013", "12:17:12.650"), (15, "10-06-2013", "00:17:11.763"),
    (16, "10-06-2013", "12:17:14.178"), (17, "10-07-2013", "00:17:20.207"), (18, "10-07-2013", "12:17:17.450"),
    (19, "10-08-2013", "00:17:18.761"), (20, "10-08-2013", "12:47:27.291"), (21, "10-09-2013", "00:17:26.954"),
    (24, "10-09-2013", "12:28:33.761"), (25, "10-10-2013", "00:13:55.528"), (26, "10-10-2013", "12:13:55.911"),
    (27, "10-11-2013", "00:13:56.432"), (28, "10-11-2013", "12:13:58.422"), (29, "10-12-2013", "00:14:01.413"),
    (30, "10-12-2013", "12:14:08.172"), (31, "10-13-2013", "00:14:05.820"), (32, "10-13-2013", "12:14:04.616"),
    (33, "10-14-2013", "00:14:08.070"), (34, "10-14-2013", "12:14:07.676"),
]
# ScanAgent.log: each agent start writes "- -Recovering persisted Scan requests..." and
# "CScanAgent::CleanDeletedUpdateSources- entered"; nothing else but line 1 and the notifications.
SCANAGENT_STARTS = [2, 4, 7, 11, 22]
SCANAGENT_RECORDS = 34
# ScanAgent.log line 1, at the first start: the CLIENT SETTINGS policy, not the UpdateSource one.
SCANAGENT_CLIENT_SETTINGS = (1, "Software Updates client configuration policy has not been received, "
                                "default settings will be used.")
# UpdatesDeployment.log: "Service startup system task" then "Software Updates feature is disabled".
UD_STARTS = [1, 11, 22, 56, 165]
UD_DISABLED = [(4, "10-03-2013", "09:17:03.631"), (12, "10-03-2013", "09:21:05.262"),
               (23, "10-03-2013", "16:30:47.313"), (57, "10-04-2013", "14:13:52.431"),
               (166, "10-09-2013", "08:38:45.876")]
UD_NOT_RECEIVED = [(2, "Software Updates client configuration policy has not been received."),
                   (3, "Software updates functionality will not be enabled until the configuration policy "
                       "has been received.")]
# PolicyAgentProvider.log (10-11 .. 10-14 only): the UpdateSource instance changes, each ~5 ms
# before the ScanAgent notification of the same time.
PAP_UPDATE_SOURCE = [20, 35, 50, 65, 80, 95, 110]
# CcmExec.log (10-09 .. 10-14): "Notifying endpoint 'ScanAgent' of __InstanceModificationEvent
# settings change on object CCM_UpdateSource.UniqueID=…", one per notification from line 24 on.
CCMEXEC_NOTIFY = [103, 187, 268, 338, 429, 500, 568, 591, 620, 654, 723]
# PolicyAgent.log (10-14 only): one Machine delta download, CCM_Policy_Policy5 {071d1116-…} 1473.00
# (Initializing 1714, completed 1730, old 1472.00 revoked 1745), 0.7 s before the last notification.
POLICY_AGENT_DOWNLOAD = [(1714, "Initializing download of policy 'CCM_Policy_Policy5.PolicyID="
                                "\"{071d1116-1761-4428-81b6-493cf96504e8}\""),
                         (1730, "Download of policy CCM_Policy_Policy5.PolicyID="
                                "\"{071d1116-1761-4428-81b6-493cf96504e8}\",PolicySource=\"SMS:CM2\","
                                "PolicyVersion=\"1473.00\" completed")]
# WUAHandler.log: 5 records, each "CWuaHandler::SetCategoriesForStateReportingExclusion called with"
# at an agent start; no search. UpdatesHandler.log: 4 x "CUpdatesAgent::FinalConstruct entered".
WUAHANDLER_RECORDS = 5
UPDATES_HANDLER_RECORDS = 4
# StateMessage.log and StateMessage-20131013-091925.log: every line is "State message with TopicType
# N and TopicId X has been updated" (2012/SP1 wording) for Application / DeploymentType CIs (1701,
# 1702: ScopeId_…/Application_… or …/DeploymentType_…), platform CIs (401: Windows/All_x64_…) and
# Endpoint Protection (2001: EPDeploymentState): no software update topic, no update ID.
STATE_MESSAGE_LOGS = [RL + "StateMessage.log", RL + "StateMessage-20131013-091925.log"]
STATE_TOPICS = {"401": "Windows/All_x64_Windows_", "1701": "ScopeId_", "1702": "ScopeId_", "2001": "EPDeploymentState"}
OTHER_MACHINES = ["raja-fahad__wulogs__WindowsUpdate.log", "rkudache31__log__WindowsUpdate.log"]

# ---------------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------------


@functools.cache
def _lines(path: str) -> list[str]:
    return Path(path).read_text(encoding="utf-8-sig", errors="replace").splitlines()


def line(reallogs: Path, name: str, n: int) -> str:
    return _lines(str(reallogs / name))[n - 1]


@functools.cache
def _report(paths: tuple[str, ...]) -> tuple[int, dict[str, Any], str]:
    r = subprocess.run([sys.executable, "-m", "sumtrace", "report", "--json", *paths], cwd=ROOT,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode in (0, 1), f"report exited {r.returncode}: {r.stderr}"
    return r.returncode, json.loads(r.stdout), r.stderr


def report(*paths: Path) -> tuple[int, dict[str, Any]]:
    """``sumtrace report --json PATHS``: exit code and document (shared between tests; do not mutate)."""
    rc, doc, _ = _report(tuple(str(p) for p in paths))
    return rc, doc


def wu_time(s: str) -> datetime:
    """A WindowsUpdate.log time (``2022/06/29 17:29:33.7006028``), to the microsecond."""
    return datetime.strptime(s[:26], "%Y/%m/%d %H:%M:%S.%f")


def wall(s: str) -> datetime:
    """A report time as the wall-clock time written in the log, whatever zone suffix it carries."""
    return datetime.fromisoformat(s.replace("Z", "+00:00")).replace(tzinfo=None)


def utc(s: str) -> datetime:
    d = datetime.fromisoformat(s.replace("Z", "+00:00"))
    assert d.tzinfo is not None, f"{s!r}: a time of a known zone carries it"
    return d.astimezone(timezone.utc)


def cm_utc(date: str, time: str) -> datetime:
    """A CMTrace local time of the 2013 client, in UTC (bias +300)."""
    return (datetime.strptime(f"{date} {time}", "%m-%d-%Y %H:%M:%S.%f") + BIAS).replace(tzinfo=timezone.utc)


def span(flow: dict[str, Any], conv: Any) -> tuple[datetime, datetime]:
    start = conv(flow["started"])
    return start, conv(flow["ended"]) if flow.get("ended") else start


def times_in(obj: Any) -> list[str]:
    """Every ISO time string anywhere in a JSON value."""
    if isinstance(obj, dict):
        return [t for v in obj.values() for t in times_in(v)]
    if isinstance(obj, list):
        return [t for v in obj for t in times_in(v)]
    if isinstance(obj, str) and re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d", obj):
        return [obj]
    return []


def alarms(doc: dict[str, Any]) -> list[str]:
    """Every failed or stalled flow and step, described for an assertion message."""
    out = [f"{f['kind']} {f['id']}: {f['status']}" for f in doc["flows"] if f["status"] in ALARMING]
    out += [f"{f['kind']} {f['id']} step {s['key']}: {s['status']} {s.get('detail')!r} {s.get('error')!r}"
            for f in doc["flows"] for s in f["steps"] if s["status"] in ALARMING]
    return out


def summary(flows: list[dict[str, Any]]) -> str:
    return "\n".join(f"  {f['kind']} {f['status']} {f['started']} .. {f.get('ended')} ids={f.get('ids')}"
                     for f in flows)


def in_window(t: datetime, s: Search) -> bool:
    """``t`` falls between the search's first line and its Agent START line (report ms precision)."""
    return wu_time(s.first[1]) - MS <= t <= wu_time(s.start[1]) + MS


def other_caller_searches(reallogs: Path) -> list[tuple[str, int, datetime, datetime]]:
    """(caller, start line, start, end) of every search by a caller other than CcmExec, read from the file."""
    lines = _lines(str(reallogs / PALAC_WU))
    start_re = re.compile(r"\* START \* Finding updates CallerId = (.+?)\s+Id = (\d+)")
    end_re = re.compile(r"\* END \* Finding updates CallerId = (.+?), Id = (\d+), Exit code")
    out = []
    for i, text in enumerate(lines):
        m = start_re.search(text)
        if not m or m.group(1) == "CcmExec":
            continue
        end = wu_time(text)
        for later in lines[i + 1:]:
            e = end_re.search(later)
            if e and e.groups() == m.groups():
                end = wu_time(later)
                break
        out.append((m.group(1), i + 1, wu_time(text), end))
    return out


def client2013_files(reallogs: Path) -> list[Path]:
    return sorted(reallogs.glob(RL + "*.log")) + [reallogs / ANDROID]


def client2013_host(doc: dict[str, Any]) -> str:
    (host,) = {f["host"] for f in doc["files"] if Path(f["path"]).name == SCANAGENT}
    return host


def host_flows(doc: dict[str, Any], host: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [f for f in doc["flows"] if f["host"] == host and (kind is None or f["kind"] == kind)]


# ---------------------------------------------------------------------------------------------
# client-PALAC
# ---------------------------------------------------------------------------------------------


def test_palac_pinned_facts_are_in_the_log(reallogs: Path) -> None:
    """Every pinned PALAC line says what the table says (client-PALAC/WindowsUpdate.log).

    The 12 CcmExec searches are exactly the lines 21401, 21925, 22016, 22075, 22296, 23013, 23413,
    23504, 23563, 23785, 24604, 25131 holding ``* START * Finding updates CallerId = CcmExec``; the
    online flag is on the next line; every END carries ``Exit code = 0x00000000``.
    """
    wu = PALAC_WU
    lines = _lines(str(reallogs / wu))
    starts = [i + 1 for i, t in enumerate(lines) if "* START * Finding updates CallerId = CcmExec" in t]
    assert starts == [s.start[0] for s in PALAC_SEARCHES]
    for s in PALAC_SEARCHES:
        first = line(reallogs, wu, s.first[0])
        assert first.startswith(s.first[1])
        assert ("WU operation (SR.CcmExec ID" in first) if s.online else \
            ("* START *   Federated Search ClientId = CcmExec" in first)
        assert line(reallogs, wu, s.start[0]).startswith(s.start[1])
        assert f"* START * Finding updates CallerId = CcmExec  Id = {s.id} " in line(reallogs, wu, s.start[0])
        assert f"Online = {'Yes' if s.online else 'No'};" in line(reallogs, wu, s.start[0] + 1)
        assert s.criteria in line(reallogs, wu, s.start[0] + 2)
        end = line(reallogs, wu, s.end[0])
        assert end.startswith(s.end[1])
        assert f"* END * Finding updates CallerId = CcmExec, Id = {s.id}, Exit code = {s.exit_code}" in end
        assert f"* END *   Search ClientId = CcmExec, Updates found = {s.found[1]}," in line(reallogs, wu, s.found[0])
    for start, urls in PALAC_SUP_LINES.items():
        (s,) = [x for x in ONLINE if x.start[0] == start]
        for n in urls:
            assert s.start[0] < n < s.end[0] and f"https://{PALAC_SUP}/ClientWebService/client.asmx" in line(reallogs, wu, n)
    others = other_caller_searches(reallogs)
    assert {c: sum(1 for o in others if o[0] == c) for c in PALAC_OTHER_CALLERS} == PALAC_OTHER_CALLERS
    assert len(others) == sum(PALAC_OTHER_CALLERS.values())
    for n, caller in PALAC_TRAPS.items():
        assert f"CallerId = {caller}  Id = " in line(reallogs, wu, n)
        assert "Online = Yes;" in line(reallogs, wu, n + 1)
        assert "ServiceID = {3DA21691-E39D-4DA6-8A4B-B43877BCB1B7} Managed" in "\n".join(lines[n:n + 5])
    assert sum("*FAILED*" in t for t in lines) == PALAC_FAILED_LINES
    assert len(lines) == PALAC_LAST_LINE[0] and lines[-1].startswith(PALAC_LAST_LINE[1])


def test_palac_report_is_ok_with_exit_0(reallogs: Path) -> None:
    """client-PALAC: every search ends ``Exit code = 0x00000000`` and finds updates, so nothing failed.

    From client-PALAC/WindowsUpdate.log: the 12 CcmExec END lines (21617 … 25220, all
    ``Exit code = 0x00000000``) and ComApi ``Updates found`` lines (21657 … 25260); the 1332
    ``*FAILED*`` lines (e.g. 21659 ``*FAILED* [80246007] ISusInternal:: IsCommitRequired`` right after
    the first scan) are other components' notes, never a verdict. Only WindowsUpdate.log is loaded,
    so steps whose evidence lives in CCM logs are ``unobserved``, never pending/stalled/failed.
    Every scan and evaluation flow is ``ok`` and ``report`` exits 0.
    """
    rc, doc = report(reallogs / PALAC)
    assert not alarms(doc), alarms(doc)
    flows = [f for f in doc["flows"] if f["kind"] in ("scan", "evaluation")]
    assert flows, "no scan or evaluation flow at all"
    assert all(f["status"] == "ok" for f in flows), summary(flows)
    waiting = [(f["kind"], f["started"], s["key"], s["status"]) for f in doc["flows"] for s in f["steps"]
               if s["status"] in ("pending", "running")]
    assert not waiting, waiting
    assert rc == 0


def test_palac_four_online_scans_at_their_local_start_times(reallogs: Path) -> None:
    """client-PALAC: exactly four scans, one per ``Online = Yes`` search by CcmExec, each ok.

    From client-PALAC/WindowsUpdate.log, the online CcmExec searches (Agent START line, Online line):
    17:29:33.735 (21401/21402), 01:24:36.693 (23013/23014), 06:24:00.826 (24604/24605),
    09:40:35.406 (25131/25132). Each starts at its first line (IdleTimer ``SR.CcmExec ID 1``:
    21389, 23000, 24591, 25118) and has begun by the Agent START line, so each scan flow's start
    (as local time) lies in that window. Each ends no earlier than its Agent END line (21617,
    23105, 24685, 25220) and before the next CcmExec search begins (21913, 23401, 25118, or the end
    of the file at 26341), so no scan swallows the re-evaluations or the next scan (today one flow
    runs 8h16m from 01:24 to 09:40). Each names the SUP (``SCCM-SS-E1.PALAC.ES:8531``, lines in
    PALAC_SUP_LINES) and 37 updates found (ComApi lines 21657, 23145, 24725, 25260) in its steps,
    and no Microsoft Update service (``fe2cr.update.microsoft.com``: Defender's searches).
    """
    _, doc = report(reallogs / PALAC)
    scans = sorted((f for f in doc["flows"] if f["kind"] == "scan"), key=lambda f: wall(f["started"]))
    assert len(scans) == len(ONLINE) == 4, summary(scans)
    for flow, search in zip(scans, ONLINE):
        started, ended = span(flow, wall)
        assert in_window(started, search), f"scan starts {flow['started']}, search {search.start}"
        later = PALAC_SEARCHES[PALAC_SEARCHES.index(search) + 1:]
        limit = wu_time(later[0].first[1]) if later else wu_time(PALAC_LAST_LINE[1])
        assert wu_time(search.end[1]) - MS <= ended < limit, \
            f"scan {flow['started']} .. {flow.get('ended')}: the search ended {search.end[1]}, next begins {limit}"
        assert flow["status"] == "ok"
        details = " ".join(str(s.get("detail") or "") for s in flow["steps"])
        assert PALAC_SUP in details, details
        assert re.search(r"\b37\b", details), details
        assert "update.microsoft.com" not in details and "delivery.mp.microsoft.com" not in details


def test_palac_offline_searches_are_evaluations(reallogs: Path) -> None:
    """client-PALAC: the 8 ``Online = No`` CcmExec searches are two evaluation bursts, not scans; each ok.

    From client-PALAC/WindowsUpdate.log: burst 1 follows the 17:29:33 scan: Id 4, 7, 10 by UpdateID
    3112899B (Agent START 21925, 22016, 22075; ``Online = No`` on the next line; downloads between
    them), the install of 3112899B (22142-22282), then Id 13 by category (22296, END 22309 at
    17:30:06.582). Burst 2 follows the 01:24:36 scan: Id 4, 7, 10 by UpdateID 5179B84E (23413,
    23504, 23563), its install (23630-23771), Id 13 by category (23785, END 23798 at 01:25:14.885).
    No CcmExec search lies between the searches of a burst, so each burst is one evaluation flow
    (contract: consecutive offline searches of one burst form one flow; an install is evidence):
    exactly 2 evaluation flows, each starting in its burst's first search window (ComApi
    ``Federated Search`` START 21913 / 23401 .. Agent START), ending no earlier than its category
    search's END and before the next online scan begins (23000 / 24591), with ``ids.searches == 4``
    and ``ids.mode == "offline"`` (only WindowsUpdate.log is loaded: no UpdatesDeployment evidence
    of a deployment evaluation), status ok. No online search starts inside either.
    """
    _, doc = report(reallogs / PALAC)
    evals = sorted((f for f in doc["flows"] if f["kind"] == "evaluation"), key=lambda f: wall(f["started"]))
    assert evals, "no evaluation flow: the offline searches are missing or folded into scans"
    for flow in evals:
        started, ended = span(flow, wall)
        assert any(in_window(started, s) for s in OFFLINE), f"evaluation starts {flow['started']}: no offline search"
        inside = [s.start for s in ONLINE if started - MS <= wu_time(s.start[1]) <= ended + MS]
        assert not inside, f"evaluation {flow['started']} .. {flow.get('ended')} holds online searches {inside}"
        assert flow["status"] == "ok"
        assert flow["ids"].get("mode") == "offline", flow["ids"]
    bursts = [(OFFLINE[0:4], ONLINE[1]), (OFFLINE[4:8], ONLINE[2])]
    assert len(evals) == len(bursts) == 2, summary(evals)
    for flow, (burst, next_scan) in zip(evals, bursts):
        started, ended = span(flow, wall)
        assert in_window(started, burst[0]), f"evaluation starts {flow['started']}, burst begins {burst[0].first}"
        assert wu_time(burst[-1].end[1]) - MS <= ended < wu_time(next_scan.first[1]), \
            f"evaluation {flow['started']} .. {flow.get('ended')}: burst ends {burst[-1].end}"
        assert int(flow["ids"].get("searches") or 0) == len(burst) == 4, flow["ids"]


def test_palac_zone_unknown_and_no_z(reallogs: Path) -> None:
    """client-PALAC: no zone is known, so every flow says ``"zone": "unknown"`` and no time has a ``Z``.

    From client-PALAC/WindowsUpdate.log: a Get-WindowsUpdateLog output (``2022/06/29 17:29:33.7006028``,
    e.g. line 21389) writes local times with no offset, and no CMTrace log of that machine is
    loaded to teach one. The report's times are those local times, without ``Z`` or an offset.
    """
    _, doc = report(reallogs / PALAC)
    assert doc["flows"]
    for flow in doc["flows"]:
        assert flow.get("zone") == "unknown", f"{flow['kind']} {flow['started']}: zone {flow.get('zone')!r}"
        zoned = [t for t in times_in(flow) if t.endswith("Z") or re.search(r"[+-]\d\d:\d\d$", t)]
        assert not zoned, f"{flow['kind']} {flow['started']}: times printed with a zone: {zoned[:5]}"


def test_palac_other_callers_make_no_flow(reallogs: Path) -> None:
    """client-PALAC: searches by Windows Defender, MoUpdateOrchestrator, Panda and Update;ScanForUpdates make no flow.

    From client-PALAC/WindowsUpdate.log: 93 ``* START * Finding updates CallerId = …`` lines by
    other callers (81 Update;ScanForUpdates from line 1 on, 10 Windows Defender from 22488 on, 1
    MoUpdateOrchestrator at 16496, 1 Panda Systems Management at 22403). The last two are online
    searches against the same managed service and SUP (Online = Yes at 16497 and 22404), so only
    the caller tells them from a ConfigMgr scan. No flow starts inside any of their searches
    (START .. END line), and no scan or evaluation overlaps one.
    """
    _, doc = report(reallogs / PALAC)
    others = other_caller_searches(reallogs)
    assert len(others) == sum(PALAC_OTHER_CALLERS.values())
    for caller, n, start, end in others:
        for flow in doc["flows"]:
            fs, fe = span(flow, wall)
            assert not (start - MS <= fs <= end + MS), f"{flow['kind']} {flow['started']} starts in {caller}'s search at line {n}"
            if flow["kind"] in ("scan", "evaluation"):
                assert not (fs <= end and start <= fe), \
                    f"{flow['kind']} {flow['started']} .. {flow.get('ended')} overlaps {caller}'s search at line {n}"


# ---------------------------------------------------------------------------------------------
# the 2013 client
# ---------------------------------------------------------------------------------------------


def cm_message(text: str) -> str:
    m = re.match(r"^<!\[LOG\[(.*)\]LOG\]!>", text)
    assert m, text
    return m.group(1)


def cm_when(text: str) -> tuple[str, str]:
    m = re.search(r'<time="(\d\d:\d\d:\d\d\.\d{3})\+300" date="(\d\d-\d\d-\d{4})"', text)
    assert m, text
    return m.group(2), m.group(1)


def test_client2013_pinned_facts_are_in_the_logs(reallogs: Path) -> None:
    """Every pinned 2013-client line says what the tables say.

    ScanAgent.log (34 records, one per line): line 1 is the client-settings line, lines 2/4/7/11/22
    are agent starts, the 23 others are UpdateSource policy notifications; no ``ScanJob``, no
    ``Requesting WSUS Server Locations``, no ``ScanByUpdates`` anywhere. UpdatesDeployment.log:
    five starts each followed by ``Software Updates feature is disabled`` (lines 4, 12, 23, 57, 166),
    and no ``EvaluateAssignments``. PolicyAgentProvider.log: 7 ``CCM_UpdateSource`` changes.
    CcmExec.log: 11 ``Notifying endpoint 'ScanAgent'`` for the UpdateSource. WUAHandler.log: no search.
    The two other WindowsUpdate.logs in the folder have no CcmExec search at all. The StateMessage
    logs (1029 lines) hold no software update topic.
    """
    sa = _lines(str(reallogs / SCANAGENT))
    assert len(sa) == SCANAGENT_RECORDS
    assert cm_message(sa[0]) == SCANAGENT_CLIENT_SETTINGS[1]
    for n in SCANAGENT_STARTS:
        assert cm_message(sa[n - 1]) == "- -Recovering persisted Scan requests..."
    notified = [i + 1 for i, t in enumerate(sa) if NOTIFIED in t]
    assert notified == [n for n, _, _ in SCANAGENT_NOTIFICATIONS]
    for n, date, time in SCANAGENT_NOTIFICATIONS:
        assert cm_when(sa[n - 1]) == (date, time)
    assert not [t for t in sa if re.search(r"ScanJob|Requesting WSUS|ScanByUpdates|Location Request", t)]
    ud = _lines(str(reallogs / UPDATES_DEPLOYMENT))
    assert [i + 1 for i, t in enumerate(ud) if "Service startup system task" in t] == UD_STARTS
    assert [i + 1 for i, t in enumerate(ud) if "Software Updates feature is disabled" in t] == [n for n, _, _ in UD_DISABLED]
    for n, date, time in UD_DISABLED:
        assert cm_when(ud[n - 1]) == (date, time)
    for n, text in UD_NOT_RECEIVED:
        assert cm_message(ud[n - 1]).startswith(text)
    assert not [t for t in ud if "EvaluateAssignments" in t]
    pap = _lines(str(reallogs / POLICY_AGENT_PROVIDER))
    assert [i + 1 for i, t in enumerate(pap) if f'CCM_UpdateSource.UniqueID="{{{UPDATE_SOURCE}}}"' in t] == PAP_UPDATE_SOURCE
    ccm = _lines(str(reallogs / CCMEXEC))
    assert [i + 1 for i, t in enumerate(ccm) if "Notifying endpoint 'ScanAgent'" in t
            and f"CCM_UpdateSource.UniqueID=\"{{{UPDATE_SOURCE}}}\"" in t] == CCMEXEC_NOTIFY
    for n, text in POLICY_AGENT_DOWNLOAD:
        assert cm_message(line(reallogs, POLICY_AGENT, n)).startswith(text)
    wua = _lines(str(reallogs / WUAHANDLER))
    assert len(wua) == WUAHANDLER_RECORDS
    assert all("CWuaHandler::SetCategoriesForStateReportingExclusion called with" in t for t in wua)
    uh = _lines(str(reallogs / UPDATES_HANDLER))
    assert len(uh) == UPDATES_HANDLER_RECORDS and all("CUpdatesAgent::FinalConstruct entered" in t for t in uh)
    for name in OTHER_MACHINES:
        assert not [t for t in _lines(str(reallogs / name)) if "CcmExec" in t]
    topic = re.compile(r"^State message with TopicType (\d+) and TopicId (\S+)( and State \d+)? has been updated$")
    for name in STATE_MESSAGE_LOGS:
        for text in _lines(str(reallogs / name)):
            m = topic.match(cm_message(text))
            assert m and m.group(2).startswith(STATE_TOPICS[m.group(1)]), text


def test_client2013_report_exit_0_nothing_failed(reallogs: Path) -> None:
    """The 2013 client: nothing in its logs fails, so no flow or step is failed/stalled and ``report`` exits 0.

    From ScanAgent.log line 1 (``Software Updates client configuration policy has not been
    received, default settings will be used.``, type 1, 10-03-2013 09:17:02.629) and
    UpdatesDeployment.log lines 2-4: an info line about the client-settings policy at the first
    start, then ``Software Updates feature is disabled``. No log writes an error code for it; in
    particular no log writes 0x87D00600 (today's failed scan invents it), so it appears nowhere.
    """
    rc, doc = report(*client2013_files(reallogs))
    assert not alarms(doc), alarms(doc)
    assert "87D00600" not in json.dumps(doc["flows"]).upper()
    assert rc == 0


def test_client2013_no_scan_no_evaluation(reallogs: Path) -> None:
    """The 2013 client never scanned or evaluated: no scan flow, no evaluation flow.

    From ScanAgent.log: 34 records, none a scan job (no ``ScanJob(``, ``ScanByUpdates``,
    ``Requesting WSUS Server Locations``); after each of the 23 notifications (lines 6 … 34)
    nothing follows. WUAHandler.log: only ``SetCategoriesForStateReportingExclusion`` at each start
    (5 records), no search. UpdatesHandler.log: only ``CUpdatesAgent::FinalConstruct entered``
    (4 records). UpdatesDeployment.log: no ``EvaluateAssignments``; the feature is disabled.
    StateMessage.log / StateMessage-20131013-091925.log (e.g. line 1 of the latter, 10-12 08:36:26.382:
    ``State message with TopicType 1702 and TopicId ScopeId_…/Application_…/1 has been updated``)
    hold only Application, DeploymentType, platform-CI and Endpoint Protection topics, so they are
    no scan's update states either.
    """
    _, doc = report(*client2013_files(reallogs))
    host = client2013_host(doc)
    wrong = [f for f in host_flows(doc, host) if f["kind"] in ("scan", "evaluation")]
    assert not wrong, summary(wrong)


def test_client2013_client_agent_disabled(reallogs: Path) -> None:
    """The 2013 client: the Software Updates client agent is disabled, a warning with no code.

    From UpdatesDeployment.log: each ``Service startup system task`` (lines 1, 11, 22, 56, 165) is
    followed by ``Software Updates feature is disabled`` (lines 4, 12, 23, 57, 166; 10-03 09:17:03.631
    … 10-09 08:38:45.876 local, +300). Expected: a client_agent flow with the steps client_settings,
    feature, update_source_policy and scan_jobs; its ``feature`` step is a warning whose detail says
    disabled, placed at one of those five lines (in UTC), with no error code (no log wrote one);
    the flow is a warning, not failed. The UpdateSource policy was delivered (23 ScanAgent
    notifications), so ``update_source_policy`` is ok. ScanAgent.log never creates a scan job
    (no ``ScanJob(`` line in its 34 records), so ``scan_jobs`` claims no scan, and where the flow
    counts them in its ids: 0 scans, 23 UpdateSource policies, 5 agent starts.
    """
    _, doc = report(*client2013_files(reallogs))
    host = client2013_host(doc)
    agents = host_flows(doc, host, "client_agent")
    assert agents, f"no client_agent flow for {host}: {summary(host_flows(doc, host))}"
    disabled_at = {cm_utc(d, t) for _, d, t in UD_DISABLED}
    for flow in agents:
        steps = {s["key"]: s for s in flow["steps"]}
        assert {"client_settings", "feature", "update_source_policy", "scan_jobs"} <= set(steps), list(steps)
        feature = steps["feature"]
        assert feature["status"] == "warning", feature
        assert "disabled" in (feature.get("detail") or "").lower(), feature
        assert feature.get("at") and any(abs(utc(feature["at"]) - t) <= MS for t in disabled_at), feature
        assert not feature.get("error"), feature
        assert steps["update_source_policy"]["status"] == "ok", steps["update_source_policy"]
        jobs = steps["scan_jobs"]
        assert not re.search(r"\b[1-9]\d*\s+scan", jobs.get("detail") or ""), f"no scan job was created: {jobs}"
        ids = flow.get("ids") or {}
        pinned = {"scans": 0, "scan_jobs": 0, "update_source_policies": 23, "agent_starts": len(UD_STARTS)}
        assert {k: ids[k] for k in pinned if k in ids} == {k: v for k, v in pinned.items() if k in ids}, ids
        assert not {s["status"] for s in steps.values()} & ALARMING, steps
        assert flow["status"] == "warning", flow["status"]


def test_client2013_update_source_policy_delivered(reallogs: Path) -> None:
    """The 2013 client: the UpdateSource policy was delivered 23 times, each an ok policy flow.

    From ScanAgent.log: 23 ``*****Policy Change notification received for
    ToolUniqueID={492D1044-253F-41DA-BD27-AFAE975C0A4C}`` (lines 6, 9, 10, 13-21, 24-34; twice a day
    from 10-03 12:10:47.202 to 10-14 12:14:07.676 local, +300). Backed by PolicyAgentProvider.log
    (``CCM_UpdateSource`` modified, lines 20 … 110, 7 times from 10-11) and CcmExec.log (``Notifying
    endpoint 'ScanAgent'``, lines 103 … 723, 11 times from 10-09). Expected: 23 policy flows for
    that UpdateSource, each holding exactly one notification time (UTC), all ok, in UTC with ``Z``
    (the bias is known) and without ``"zone": "unknown"``.
    """
    _, doc = report(*client2013_files(reallogs))
    host = client2013_host(doc)
    policies = [f for f in host_flows(doc, host, "policy")
                if (f["ids"].get("update_source") or "").strip("{}").upper() == UPDATE_SOURCE]
    assert len(policies) == len(SCANAGENT_NOTIFICATIONS) == 23, summary(host_flows(doc, host, "policy"))
    notified = [cm_utc(d, t) for _, d, t in SCANAGENT_NOTIFICATIONS]
    for flow in policies:
        start, end = span(flow, utc)
        held = [t for t in notified if start - MS <= t <= end + MS]
        assert len(held) == 1, f"policy {flow['started']} .. {flow.get('ended')} holds notifications {held}"
        assert flow["status"] == "ok", flow["status"]
        assert flow.get("zone") != "unknown"
        assert all(t.endswith("Z") for t in times_in(flow)), times_in(flow)


def test_client2013_with_other_machines_in_the_folder(reallogs: Path) -> None:
    """The whole reallogs folder (top-level files): other machines' WindowsUpdate.logs change no verdict.

    The top level holds the 2013 client's files and two WindowsUpdate.logs of other machines:
    raja-fahad__wulogs__WindowsUpdate.log (Windows 10, 2020-11, 38 ``*FAILED*`` lines) and
    rkudache31__log__WindowsUpdate.log (Windows 7, 2021-08); neither has a single CcmExec line
    (so no scan or evaluation can come from them), and the 2013 client has none of its own. Expected:
    no failed or stalled flow, ``report`` exits 0, no scan or evaluation flow anywhere, and the
    2013 client still shows its disabled agent (a client_agent warning) and its 23 policy flows.
    """
    files = sorted(p for p in reallogs.iterdir() if p.is_file() and p.suffix == ".log")
    assert {reallogs / n for n in OTHER_MACHINES} <= set(files) and set(client2013_files(reallogs)) <= set(files)
    rc, doc = report(*files)
    assert not alarms(doc), alarms(doc)
    wrong = [f for f in doc["flows"] if f["kind"] in ("scan", "evaluation")]
    assert not wrong, summary(wrong)
    host = client2013_host(doc)
    agents = host_flows(doc, host, "client_agent")
    assert agents and all(f["status"] == "warning" for f in agents), summary(agents)
    assert len(host_flows(doc, host, "policy")) == 23
    assert rc == 0


def test_other_machines_windowsupdate_logs_are_other_hosts(reallogs: Path) -> None:
    """A WindowsUpdate.log written by another machine does not belong to the 2013 client (issue 10, point 3).

    MANIFEST.md: raja-fahad__wulogs__WindowsUpdate.log (raja-fahad/wulogs, Windows 10, first line
    2020/11/19 15:25:46) and rkudache31__log__WindowsUpdate.log (rkudache31/log, Windows 7,
    first line 2021-08-28 03:07:48) come from two other public repositories than the 2013 client
    (configmgr/iOS-CMLogTracer, October 2013). Expected: in a report over the folder's top-level
    files, each of the three is a host of its own.
    """
    files = sorted(p for p in reallogs.iterdir() if p.is_file() and p.suffix == ".log")
    _, doc = report(*files)
    hosts = {Path(f["path"]).name: f["host"] for f in doc["files"]}
    client = hosts[SCANAGENT]
    assert hosts[OTHER_MACHINES[0]] != client and hosts[OTHER_MACHINES[1]] != client, hosts
    assert hosts[OTHER_MACHINES[0]] != hosts[OTHER_MACHINES[1]], hosts
