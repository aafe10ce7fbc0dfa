"""The scenarios behind ``sumtrace demo`` and the committed fixture log sets, one folder per scenario.

It ships inside the package because ``demo`` writes these scenarios live at run time; the
committed ``fixtures/<scenario>/`` folders are test data made from it by ``python
fixtures/generate.py`` (``generate(out_dir)``, ``SCENARIOS``). Each folder holds ``client/``, ``mp/`` and
``server/`` logs in their real on-disk formats plus an ``expected.json`` with the result the flow
tracker must reproduce.

The logs follow the scan path of the seed document 000 (every line it quotes, in its order) with
each scenario's own GUIDs, times, hosts and content versions, and the failure lines of seed 003 and
log-formats.md section 8.2. Formats (log-formats.md sections 1-3):

* CMTrace (client and MP logs): ``<![LOG[msg]LOG]!><time="HH:MM:SS.mmm+BIAS" date="MM-DD-YYYY"
  component=".." context="" type="1|2|3" thread="N" file="src.cpp:line">`` + CRLF, UTF-8 with BOM
  (UTF-16LE with BOM in ``utf16-logs``). Line breaks inside a message are CRLF too.
* SMS trace (site server, MPFDM): ``msg  $$<COMP><MM-DD-YYYY HH:MM:SS.mmm+BIAS><thread=N (0xN)>``.
* WindowsUpdate.log: legacy tab-separated (local time, hex TID, ``tz:`` banner with ISO sign) or the
  Windows 10 ``Get-WindowsUpdateLog`` shape (7-digit fraction, decimal PID/TID, no zone).
* IIS W3C (UTC) and WSUS SoftwareDistribution.log (UTC, .NET stack traces on continuation lines).

Two generations of wording (``Scenario.generation``, named at the start of each description):

* ``2012 R2``: seed 000's walk-through line by line: Windows 7 legacy WindowsUpdate.log (whose successful
  searches carry the benign ``WARNING: Cached cookie has expired`` line), WUAHandler ``Update (Missing): …``
  lines, PolicyAgent ``Initializing download of policy`` / ``Download of policy … completed``, StateMessage
  ``… has been updated``, verbose StateSys (``Inbox notification triggered``, ``total chucks loaded``).
* ``current branch``: the real client-PALAC and site-CHQ-lab wording: a Windows 10 ``Get-WindowsUpdateLog`` file with
  benign ``*FAILED*`` lines from other components inside and after successful searches, searches by other
  callers (the Store's ``Update;ScanForUpdates``, a Defender search that fails on the proxy), and after each
  online scan the offline re-evaluation searches by UpdateID (``Online = No``) a real client runs; no
  WUAHandler ``Update (Missing)`` lines (UpdatesStore ``Queried Update (…): Status=…, Title=… (KB…)`` carries KB
  and title); UpdatesStore rescan wording (``already exists, will modify existing instance`` / ``Successfully
  done with SetStatus() operation``, no state message for an unchanged update); non-verbose StateSys
  (``total chunks loaded``, ``CMessageProcessor - Processed N records with 0 invalid records from sender:
  GUID:…, file: N_xxxx.SMX.``: StateSys names the file it moved with its priority prefix); deployment
  evaluations (UpdatesDeployment, UpdatesHandler, a WUAHandler category search offline) and evaluations from
  the cached results.

``expected()`` is written from what the builder wrote (which IDs, which lines, which searches), never from
the tracker's output.

Everything is deterministic: GUIDs, thread ids, SMX names and jitter are derived from SHA-256 of the
scenario name and a label, times are fixed per scenario. The bias is the Windows bias
(UTC = local + bias), so the default client bias +300 is US Eastern winter (WU banner ``tz: -0500``).
``tests/test_fixtures_generated.py`` regenerates into a temporary folder and checks the committed
files are byte-identical.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

CRLF = "\r\n"

WU_SERVICE_ID = "3DA21691-E39D-4DA6-8A4B-B43877BCB1B7"
SEARCH_CRITERIA = "(DeploymentAction=* AND Type='Software') OR (DeploymentAction=* AND Type='Driver')"
PRODUCT_ID = "0fa1201d-4330-4fa8-8ae9-b877473b6441"
WIN10_PRODUCT = "A3C2375D-0C8A-42F9-BCE0-28333E198407"  # the Windows 10 product category
SITE_CODE = "PS1"
DOMAIN = "CONTOSO.COM"
SITE_INBOX = r"E:\ConfigMgr\inboxes"
MP_OUTBOX = r"C:\SMS\mp\outboxes\StateMsg.box"
MPFDM_OUTBOX = r"C:\SMS\MP\OUTBOXES\statemsg.box"
IIS_FIELDS = (
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
    "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
)
WSUS_API_AGENT = "Mozilla/4.0+(compatible;+MSIE+6.0;+MS+Web+Services+Client+Protocol+4.0.30319.34014)"
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# --------------------------------------------------------------------------------------------
# Deterministic values
# --------------------------------------------------------------------------------------------


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("/".join(str(p) for p in ("sumtrace", *parts)).encode()).digest()


def make_guid(*parts: object) -> str:
    """An upper-case version-4-looking GUID (no braces) derived from ``parts``."""
    return str(uuid.UUID(bytes=_digest(*parts)[:16], version=4)).upper()


def number(*parts: object, lo: int = 0, hi: int = 999) -> int:
    """A deterministic integer in ``[lo, hi]``."""
    return lo + int.from_bytes(_digest(*parts)[:4], "big") % (hi - lo + 1)


def thread_id(*parts: object) -> int:
    """A Windows-looking thread id (a multiple of 4)."""
    return number(*parts, lo=250, hi=2499) * 4


def smx_name(*parts: object) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(alphabet[b % 36] for b in _digest(*parts)[:8]) + ".SMX"


def later(base: datetime, seconds: float) -> datetime:
    return base + timedelta(milliseconds=round(seconds * 1000))


# --------------------------------------------------------------------------------------------
# Line formatters (one per on-disk format)
# --------------------------------------------------------------------------------------------


def bias_text(bias: int) -> str:
    """The CMTrace/SMS-trace bias: ``+300``, ``+000``, ``-60`` (as ConfigMgr writes it)."""
    return f"+{bias:03d}" if bias >= 0 else f"{bias:03d}"


def iso_offset(bias: int) -> str:
    """The ISO-sign offset WindowsUpdate.log writes in its banner (bias +300 -> ``-0500``)."""
    offset = -bias
    sign = "+" if offset >= 0 else "-"
    return f"{sign}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"


def dmtf(utc: datetime) -> str:
    """A WMI DMTF datetime in UTC, as used in state messages and raised events."""
    return f"{utc:%Y%m%d%H%M%S}.{utc.microsecond // 1000:03d}000+000"


def gmtdate(utc: datetime) -> str:
    """``Mon Jan 20 17:05:12.123 2014`` (STATMSG GMTDATE), independent of the C locale."""
    return (
        f"{DAYS[utc.weekday()]} {MONTHS[utc.month - 1]} {utc:%d %H:%M:%S}."
        f"{utc.microsecond // 1000:03d} {utc:%Y}"
    )


def _ms(value: datetime) -> str:
    return f"{value.microsecond // 1000:03d}"


def cm(message: str, local: datetime, bias: int, component: str, thread: int, source: str, type_: int = 1) -> str:
    """One CMTrace record (message line breaks become CRLF)."""
    body = message.replace("\n", CRLF)
    return (
        f'<![LOG[{body}]LOG]!><time="{local:%H:%M:%S}.{_ms(local)}{bias_text(bias)}" '
        f'date="{local:%m-%d-%Y}" component="{component}" context="" type="{type_}" '
        f'thread="{thread}" file="{source}">{CRLF}'
    )


def sms(message: str, local: datetime, bias: int, component: str, thread: int) -> str:
    """One SMS-trace line."""
    return (
        f"{message}  $$<{component}><{local:%m-%d-%Y %H:%M:%S}.{_ms(local)}{bias_text(bias)}>"
        f"<thread={thread} (0x{thread:X})>{CRLF}"
    )


def wu_legacy(local: datetime, pid: int, tid: int, component: str, text: str) -> str:
    """One legacy WindowsUpdate.log line (tab separated, hex TID, ``HH:MM:SS:mmm``)."""
    return f"{local:%Y-%m-%d}\t{local:%H:%M:%S}:{_ms(local)}\t{pid:>4}\t{tid:x}\t{component}\t{text}{CRLF}"


def wu_etw(local: datetime, pid: int, tid: int, component: str, text: str, sub: int = 0) -> str:
    """One Get-WindowsUpdateLog line (7-digit fraction, decimal PID/TID, padded columns).

    ``sub`` is the 100-ns remainder (0-9999) below the millisecond of ``local``.
    """
    return (
        f"{local:%Y/%m/%d %H:%M:%S}.{_ms(local)}{sub % 10000:04d} "
        f"{pid:<5} {tid:<5} {component:<15} {text}{CRLF}"
    )


def iis(
    utc: datetime,
    server_ip: str,
    method: str,
    stem: str,
    query: str,
    port: int,
    user: str,
    client_ip: str,
    agent: str,
    status: int,
    substatus: int = 0,
    win32: int = 0,
    taken: int = 15,
) -> str:
    """One IIS W3C line in the default field order (times UTC, ``-`` for empty)."""
    return (
        f"{utc:%Y-%m-%d %H:%M:%S} {server_ip} {method} {stem} {query or '-'} {port} {user or '-'} "
        f"{client_ip} {agent} - {status} {substatus} {win32} {taken}{CRLF}"
    )


def wsus(utc: datetime, level: str, thread: str, method: str, message: str) -> str:
    """One WSUS SoftwareDistribution.log record (UTC; a stack trace continues on later lines)."""
    body = message.replace("\n", CRLF)
    return f"{utc:%Y-%m-%d %H:%M:%S}.{_ms(utc)} UTC\t{level}\t{thread}\t{method}\t{body}{CRLF}"


# --------------------------------------------------------------------------------------------
# Log files being built
# --------------------------------------------------------------------------------------------


class Log:
    """One log file: records kept with their UTC time and rendered in time order."""

    def __init__(self, kind: str, bias: int = 0, encoding: str = "ascii", header: Callable[[Log], str] | None = None):
        self.kind = kind
        self.bias = bias
        self.encoding = encoding
        self.header = header
        self.records: list[tuple[datetime, int, str]] = []

    def local(self, utc: datetime) -> datetime:
        return utc - timedelta(minutes=self.bias)

    def add(self, utc: datetime, text: str) -> None:
        self.records.append((utc, len(self.records), text))

    def first(self) -> datetime:
        return min(r[0] for r in self.records)

    def text(self, start: datetime | None = None, end: datetime | None = None) -> str:
        rows = [r for r in sorted(self.records) if (start is None or r[0] >= start) and (end is None or r[0] < end)]
        head = self.header(self) if self.header and rows else ""
        return head + "".join(r[2] for r in rows)


def encode(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-sig":
        return b"\xef\xbb\xbf" + text.encode("utf-8")
    if encoding == "utf-16":
        return b"\xff\xfe" + text.encode("utf-16-le")
    return text.encode("ascii")


@dataclass
class CmWriter:
    """Writes CMTrace records of one component into one log."""

    log: Log
    component: str
    thread: int

    def __call__(self, utc: datetime, message: str, source: str, type_: int = 1, thread: int | None = None) -> None:
        self.log.add(utc, cm(message, self.log.local(utc), self.log.bias, self.component, thread or self.thread, source, type_))


@dataclass
class SmsWriter:
    """Writes SMS-trace lines of one site component."""

    log: Log
    component: str
    thread: int
    system: str
    pid: int = 2412

    def __call__(self, utc: datetime, message: str, thread: int | None = None) -> None:
        self.log.add(utc, sms(message, self.log.local(utc), self.log.bias, self.component, thread or self.thread))

    def statmsg(self, utc: datetime, msg_id: int, sev: str = "I", strings: tuple[str, ...] = (), thread: int | None = None) -> None:
        tid = thread or self.thread
        istr = " ".join(f'ISTR{i}="{strings[i] if i < len(strings) else ""}"' for i in range(10))
        self(
            utc,
            f'STATMSG: ID={msg_id} SEV={sev} LEV=M SOURCE="SMS Server" COMP="{self.component}" SYS={self.system} '
            f"SITE={SITE_CODE} PID={self.pid} TID={tid} GMTDATE={gmtdate(utc)} {istr} NUMATTRS=0",
            thread=tid,
        )


# --------------------------------------------------------------------------------------------
# Scenario description
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Update:
    kb: str
    title: str
    revision: int
    state: str  # "installed", "missing" or "superseded" (pruned by WUAHandler)
    superseded_by: str | None = None


def _win7(suffix: str) -> tuple[Update, ...]:
    return (
        Update("KB2584146", f"Security Update for Windows 7{suffix} (KB2584146)", 104, "installed"),
        Update("KB2862152", f"Security Update for Windows 7{suffix} (KB2862152)", 200, "missing"),
        Update("KB2898785", f"Cumulative Security Update for Internet Explorer 10 for Windows 7{suffix} (KB2898785)", 201, "installed"),
        Update("KB2893294", f"Security Update for Windows 7{suffix} (KB2893294)", 101, "missing"),
        Update(
            "KB2888505",
            f"Cumulative Security Update for Internet Explorer 10 for Windows 7{suffix} (KB2888505)",
            103,
            "superseded",
            "KB2898785",
        ),
    )


WIN7_X64 = _win7(" for x64-based Systems")
WIN7_X86 = _win7("")
WIN81_X64 = (
    Update("KB4056895", "2018-01 Security Monthly Quality Rollup for Windows 8.1 for x64-based Systems (KB4056895)", 200, "missing"),
    Update("KB4054519", "2017-12 Security Monthly Quality Rollup for Windows 8.1 for x64-based Systems (KB4054519)", 201, "installed"),
    Update("KB890830", "Windows Malicious Software Removal Tool x64 - January 2018 (KB890830)", 200, "installed"),
    Update("KB4056898", "2018-01 Security Only Quality Update for Windows 8.1 for x64-based Systems (KB4056898)", 202, "missing"),
)
WIN10_X64 = (
    Update("KB4528760", "2020-01 Cumulative Update for Windows 10 Version 1909 for x64-based Systems (KB4528760)", 200, "missing"),
    Update("KB4528759", "2020-01 Servicing Stack Update for Windows 10 Version 1909 for x64-based Systems (KB4528759)", 200, "installed"),
    Update("KB890830", "Windows Malicious Software Removal Tool x64 - January 2020 (KB890830)", 200, "missing"),
    Update(
        "KB4532938",
        "2020-01 Cumulative Update for .NET Framework 3.5 and 4.8 for Windows 10 Version 1909 for x64 (KB4532938)",
        201,
        "installed",
    ),
)


@dataclass(frozen=True)
class WuFailure:
    """How the Windows Update Agent search fails (legacy WindowsUpdate.log lines, IIS status)."""

    code: int
    lines: tuple[tuple[str, str], ...]  # (component, text) written when the search fails, before the Agent summary
    iis: tuple[int, int, int] | None  # sc-status, sc-substatus, sc-win32-status of the failing WSUS call
    delay: float  # seconds from the Agent START to the failure
    setup: tuple[tuple[str, str], ...] = ()  # PT lines written right after the PT server line


def _soap_failure(code: int, http: int) -> WuFailure:
    hexcode = f"0x{code:08x}"
    upper = f"0x{code:08X}"
    return WuFailure(
        code,
        (
            ("PT", f"WARNING: SyncUpdates failure, error = {upper}, soap client error = 5, soap error code = 0, HTTP status code = {http}"),
            ("PT", f"WARNING: PTError: {hexcode}"),
            ("PT", f"WARNING: SyncUpdates_WithRecovery failed.: {hexcode}"),
            ("PT", f"WARNING: Sync of Updates: {hexcode}"),
            ("PT", f"WARNING: SyncServerUpdatesInternal failed: {hexcode}"),
        ),
        (http, 2 if http == 401 else 0, 5 if http == 401 else 0),
        1.6,
        (
            ("PT", "WARNING: Cached cookie has expired or new PID is available"),
            ("PT", "Initializing simple targeting cookie, clientId = {sus}, target group = , DNS name = {dns}"),
            ("PT", "  Server URL = {wsus}/SimpleAuthWebService/SimpleAuth.asmx"),
        ),
    )


WU_FAILURES = {
    "http401": _soap_failure(0x80244017, 401),
    "http503": _soap_failure(0x80244022, 503),
    "memory": WuFailure(
        0x8007000E,
        (
            ("PT", "WARNING: ISusInternal::GetUpdateMetadata2 failed, hr=8007000E"),
            ("PT", "WARNING: PTError: 0x8007000e"),
            ("PT", "WARNING: GetUpdateMetadata2_WithRecovery failed: 0x8007000e"),
            ("PT", "WARNING: Sync of Updates: 0x8007000e"),
            ("PT", "WARNING: SyncServerUpdatesInternal failed: 0x8007000e"),
        ),
        None,
        96.4,
    ),
    "cert": WuFailure(
        0x80072F0C,
        (
            ("Misc", "WARNING: Send failed with hr = 80072f0c."),
            ("Misc", "WARNING: SendRequest failed with hr = 80072f0c. Proxy List used: <(null)> Bypass List used : <(null)> Auth Schemes used : <>"),
            ("PT", "WARNING: GetConfig failure, error = 0x80072F0C, soap client error = 5, soap error code = 0, HTTP status code = 200"),
            ("PT", "WARNING: SOAP Fault: 0x000005"),
            ("PT", "WARNING:     faultstring:Fault occurred"),
            ("PT", "WARNING: PTError: 0x80072f0c"),
            ("PT", "WARNING: GetConfig_WithRecovery failed: 0x80072f0c"),
            ("PT", "WARNING: RefreshConfig failed: 0x80072f0c"),
            ("PT", "WARNING: RefreshPTState failed: 0x80072f0c"),
            ("PT", "WARNING: Sync of Updates: 0x80072f0c"),
            ("PT", "WARNING: SyncServerUpdatesInternal failed: 0x80072f0c"),
        ),
        (403, 7, 5),
        0.9,
    ),
}


@dataclass(frozen=True)
class Scenario:
    """Everything that distinguishes one fixture folder from the healthy first scan."""

    name: str
    description: str
    start: datetime  # UTC time ScanAgent finds the policy and starts the scan
    updates: tuple[Update, ...] = WIN7_X64
    client: str = "PS1WIN7X64"
    client_ip: str = "192.168.2.62"
    subnet: str = "192.168.2.0"
    ad_site: str = "CM12-R2-PS1"
    client_version: str = "5.00.7958.1000"
    client_bias: int = 300
    mp_bias: int = 300
    server_bias: int = 300
    mp_colocated: bool = False
    content_version: int = 38  # the version the client's policy asks for
    site_version: int | None = None  # the version WSyncMgr last set (default: content_version)
    new_source: bool = True  # "Its a completely new WSUS Update Source" vs "increased version"
    modern_wuahandler: bool = False  # current-branch WUAHandler wording
    wsus_url: str = "http://PS1SITE.CONTOSO.COM:8530"
    other_sup_url: str = "https://PS1SYS.CONTOSO.COM:8531"
    policy_flow: bool = False  # UpdateSource policy reaches the client inside the log window
    sync: str | None = None  # None, "ok" or "failed" (WSUS sync inside the log window)
    wu_format: str = "legacy"  # "legacy" or "etw"
    wu_build: str = "7.6.7600.320"
    wu_agent: str = "Windows-Update-Agent/7.6.7600.320+Client-Protocol/1.21"
    iis_version: str = "8.5"
    encoding: str = "utf-8-sig"  # client CMTrace logs
    rotate_scanagent: bool = False
    statesys_verbose: bool = True
    gp_wait: float = 17.3  # seconds Group Policy takes to answer WUAHandler
    forward_after: float = 12 * 60 + 41.5  # state message cycle fires this long after the scan results
    failure: str | None = None
    tail: float = 6 * 60  # unrelated activity after the scenario's last interesting event
    x86: bool = False
    generation: str = "2012 R2"  # "2012 R2" (the seed walk-through's wording) or "current branch"
    rescan: bool = False  # UpdatesStore has reported these updates before ("already exists" wording)
    changed: tuple[str, ...] = ()  # on a rescan, the KBs whose state changed since the last report
    evaluations: tuple[str, ...] = ()  # later re-evaluations without the SUP: "deployment", "cache"

    @property
    def cb(self) -> bool:
        """Current-branch wording: Windows 10 WindowsUpdate.log with other callers and benign *FAILED* lines,
        offline re-evaluations after the online scan, no WUAHandler ``Update (Missing)`` lines (UpdatesStore
        ``Queried Update`` carries KB and title), non-verbose current-branch StateSys."""
        return self.generation == "current branch"

    @property
    def version(self) -> int:
        return self.site_version if self.site_version is not None else self.content_version


# --------------------------------------------------------------------------------------------
# The builder: the healthy scan, with the scenario's failure switched in where it happens
# --------------------------------------------------------------------------------------------

OTHER_CLIENTS = (("PS1WIN8X86", "192.168.2.77"), ("PS1LAB-017", "192.168.2.81"), ("PS1WIN7X64-22", "192.168.2.90"))


class Build:
    """Builds one scenario's log files.

    ``run`` walks the healthy scan hop by hop (each stage returns the time the next one starts, or
    None where the scenario's failure stops the flow) and then adds unrelated activity on every host
    across the window; ``render`` and ``expected`` produce the files and ``expected.json``.
    """

    def __init__(self, sc: Scenario) -> None:
        self.sc = sc
        self.files: dict[str, Log] = {}
        n = sc.name
        self.source = "{" + make_guid(n, "update-source") + "}"
        self.job = "{" + make_guid(n, "scan-job") + "}"
        self.location_request = "{" + make_guid(n, "location-request") + "}"
        self.msg_location = "{" + make_guid(n, "message", "location") + "}"
        self.msg_reply = "{" + make_guid(n, "message", "location-reply") + "}"
        self.msg_state = "{" + make_guid(n, "message", "state-upload") + "}"
        self.policy_id = "{" + make_guid(n, "policy").lower() + "}"
        self.assignment_id = "{" + make_guid(n, "policy-assignment").lower() + "}"
        self.client_id = "GUID:" + make_guid(n, "client-id")
        self.sus_client_id = make_guid(n, "sus-client-id").lower()
        self.smx = smx_name(n, "smx")
        self.serial = number(n, "serial", lo=180, hi=460)
        self.mp = "PS1SITE.CONTOSO.COM" if sc.mp_colocated else "PS1SYS.CONTOSO.COM"
        self.mp_ip = "192.168.2.10" if sc.mp_colocated else "192.168.2.12"
        self.site = "PS1SITE.CONTOSO.COM"
        self.site_ip = "192.168.2.10"
        self.policy_version = f"{sc.content_version + 2}.00"
        self.update_ids = {u.kb: make_guid(n, "update", u.kb).lower() for u in sc.updates}
        self.recorded: list[tuple[datetime, str, int, int, str]] = []  # (utc, topic, type, state, param)
        self.reached: set[str] = set()
        self.end = sc.start
        self.policy_cookie: datetime | None = None
        self.forwarded_at: datetime | None = None
        self.client_policy_at: datetime | None = None
        self.sync_done: datetime | None = None

        mp_bias = sc.server_bias if sc.mp_colocated else sc.mp_bias
        c = self.client_log
        self.scan = CmWriter(c("ScanAgent.log"), "ScanAgent", self.tid("ScanAgent"))
        self.ls = CmWriter(c("LocationServices.log"), "LocationServices", self.tid("LocationServices"))
        self.msg = CmWriter(c("CcmMessaging.log"), "CcmMessaging", self.tid("CcmMessaging"))
        self.wua = CmWriter(c("WUAHandler.log"), "WUAHandler", self.tid("WUAHandler"))
        self.store = CmWriter(c("UpdatesStore.log"), "UpdatesStore", self.tid("UpdatesStore"))
        self.state = CmWriter(c("StateMessage.log"), "StateMessage", self.tid("StateMessage"))
        self.pa_request = CmWriter(c("PolicyAgent.log"), "PolicyAgent_RequestAssignments", self.tid("pa-request"))
        self.pa_reply = CmWriter(c("PolicyAgent.log"), "PolicyAgent_ReplyAssignments", self.tid("pa-reply"))
        self.pa_download = CmWriter(c("PolicyAgent.log"), "PolicyAgent_PolicyDownload", self.tid("pa-download"))
        self.evaluator = CmWriter(c("PolicyEvaluator.log"), "PolicyAgent_PolicyEvaluator", self.tid("evaluator"))
        self.ccmexec = CmWriter(c("CcmExec.log"), "CcmExec", self.tid("CcmExec"))
        self.deployment = CmWriter(c("UpdatesDeployment.log"), "UpdatesDeploymentAgent", self.tid("UpdatesDeployment"))
        self.handler = CmWriter(c("UpdatesHandler.log"), "UpdatesHandler", self.tid("UpdatesHandler"))
        self.evaluations: list[dict[str, Any]] = []
        self.wulog = self.add_log("client/WindowsUpdate.log", Log("wu", sc.client_bias))

        self.mp_location = CmWriter(self.add_log("mp/MP_Location.log", Log("cmtrace", mp_bias, "utf-8-sig")), "MP_LocationManager", self.tid("mp-location"))
        self.mp_relay = CmWriter(self.add_log("mp/MP_Relay.log", Log("cmtrace", mp_bias, "utf-8-sig")), "MP_RelayEndpoint", self.tid("mp-relay"))
        self.mpfdm = None if sc.mp_colocated else SmsWriter(
            self.add_log("mp/MPFDM.log", Log("sms", mp_bias)), "SMS_MP_FILE_DISPATCH_MANAGER", self.tid("mpfdm"), self.mp
        )
        self.mp_iis = self.add_log(f"mp/u_ex{sc.start:%y%m%d}.log", Log("iis", 0, header=self._iis_header))

        s = self.server_log
        self.wsync = SmsWriter(s("WSyncMgr.log"), "SMS_WSUS_SYNC_MANAGER", self.tid("wsyncmgr"), self.site)
        self.dbmon = SmsWriter(s("SMSDBMON.log"), "SMS_DATABASE_NOTIFICATION_MONITOR", self.tid("smsdbmon"), self.site)
        self.policypv = SmsWriter(s("PolicyPv.log"), "SMS_POLICY_PROVIDER", self.tid("policypv"), self.site)
        self.statesys = SmsWriter(s("StateSys.log"), "SMS_STATE_SYSTEM", self.tid("statesys"), self.site)
        self.softdist = self.add_log("server/SoftwareDistribution.log", Log("wsus", 0))
        self.wsus_iis = self.add_log(f"server/u_ex{sc.start:%y%m%d}.log", Log("iis", 0, header=self._iis_header))

    # ---- plumbing -----------------------------------------------------------------------

    def tid(self, label: str) -> int:
        return thread_id(self.sc.name, "thread", label)

    def t(self, seconds: float) -> datetime:
        return later(self.sc.start, seconds)

    def add_log(self, path: str, log: Log) -> Log:
        return self.files.setdefault(path, log)

    def client_log(self, name: str) -> Log:
        return self.add_log(f"client/{name}", Log("cmtrace", self.sc.client_bias, self.sc.encoding))

    def server_log(self, name: str) -> Log:
        return self.add_log(f"server/{name}", Log("sms", self.sc.server_bias))

    def _iis_header(self, log: Log) -> str:
        return CRLF.join(
            (
                f"#Software: Microsoft Internet Information Services {self.sc.iis_version}",
                "#Version: 1.0",
                f"#Date: {log.first():%Y-%m-%d %H:%M:%S}",
                IIS_FIELDS,
                "",
            )
        )

    def mark(self, step: str, utc: datetime) -> None:
        self.reached.add(step)
        self.end = max(self.end, utc)

    def wu(self, utc: datetime, component: str, text: str, pid: int = 968, tid: int = 0xF58) -> None:
        sc = self.sc
        if sc.wu_format == "legacy":
            self.wulog.add(utc, wu_legacy(self.wulog.local(utc), pid, tid, component, text))
        else:
            # keep the 100-ns digits increasing within one millisecond, as a real trace does
            same = sum(1 for r in self.wulog.records if r[0] == utc)
            sub = same * 1000 + number(sc.name, "tick", utc.isoformat(), text, hi=999)
            self.wulog.add(utc, wu_etw(self.wulog.local(utc), pid, tid, component, text, sub))

    def mp_hit(self, utc: datetime, client_ip: str, stem: str = "/ccm_system/request", method: str = "CCM_POST",
               query: str = "", port: int = 80, agent: str = "ccmhttp", status: int = 200, taken: int = 31) -> None:
        self.mp_iis.add(utc, iis(utc, self.mp_ip, method, stem, query, port, "", client_ip, agent, status, taken=taken))

    def wsus_hit(self, utc: datetime, client_ip: str, stem: str, status: int = 200, substatus: int = 0, win32: int = 0,
                 taken: int = 62, agent: str | None = None, port: int | None = None, user: str = "", method: str = "POST") -> None:
        url_port = int(self.sc.wsus_url.rsplit(":", 1)[1])
        self.wsus_iis.add(
            utc,
            iis(utc, self.site_ip, method, stem, "", port or url_port, user, client_ip, agent or self.sc.wu_agent,
                status, substatus, win32, taken),
        )

    def raise_event(self, writer: CmWriter, utc: datetime, cls: str, fields: list[tuple[str, str]], thread: int | None = None) -> None:
        """A multi-line ``Raising event:`` record with a WMI instance dump, as CCM components write."""
        tid = thread or writer.thread
        rows = sorted([("ClientID", f'"{self.client_id}"'), ("DateTime", f'"{dmtf(utc)}"'), ("ProcessID", "3856"),
                       ("ThreadID", str(tid)), *fields], key=lambda row: row[0].lower())
        body = "\n".join(f"\t{k} = {v};" for k, v in rows)
        writer(utc, f"Raising event:\n\ninstance of {cls}\n{{\n{body}\n}};\n", "event.cpp:706", thread=tid)

    # ---- the scenario ---------------------------------------------------------------------

    def run(self) -> None:
        sc = self.sc
        self.client_startup(self.t(-52 * 60 - 17.2))
        if sc.sync == "ok":
            done = self.site_sync(self.t(-23 * 60 - 12.4), ok=True)
            self.site_policy(later(done, 0.6))
        elif sc.sync == "failed":
            self.site_sync(self.t(-3 * 3600 - 20 * 60 - 3.1), ok=True)
            self.site_sync(self.t(-38 * 60 - 40.7), ok=False)
        if sc.policy_flow:
            self.client_policy(self.t(-13 * 60 - 4.8))
        self.run_scan()
        scanned = self.end
        for k, mode in enumerate(sc.evaluations):
            self.deployment_evaluation(later(scanned, 24 * 60 + 41.3 + 47 * 60 * k), from_cache=mode == "cache")
        self.background(self.t(-55 * 60), later(self.end, sc.tail))

    # ---- client: re-evaluations without the SUP, and other callers of Windows Update ------------------

    def wua_evaluation_search(self, at: datetime, criteria: str, found: list[tuple[str, int]], sid: int) -> datetime:
        """WUAHandler runs one search that does not go to the SUP (no location request, no AddUpdateSource)."""
        wt = self.tid("WUAHandler-evaluation")
        self.wua(at, f"Search Criteria is {criteria}", "cwuahandler.cpp:711", thread=wt)
        self.wua(later(at, 0.004), "Running single-call scan of updates.", "cwuahandler.cpp:3629", thread=wt)
        self.wua(later(at, 0.011), "Async searching of updates using WUAgent started.", "cwuahandler.cpp:1991", thread=wt)
        last = self.etw_search(later(at, 0.019), "CcmExec", sid, criteria, found)
        self.wua(later(last, 0.012), "Async searching completed.", "cwuahandler.cpp:2081")
        self.wua(later(last, 0.041), "Successfully completed scan.", "cwuahandler.cpp:4015")
        return later(last, 0.041)

    def queried(self, at: datetime, updates: list[Update]) -> datetime:
        """UpdatesStore answers status queries with the update's KB and title (current branch)."""
        for u in updates:
            self.store(at, f"Queried Update ({self.update_ids[u.kb]}): Status={u.state.capitalize()}, Title={u.title}",
                       "updatesstore.cpp:1721", thread=self.tid("UpdatesStore-query"))
            at = later(at, 0.007)
        return at

    def offline_evaluation(self, at: datetime) -> None:
        """Right after an online scan a real client re-evaluates missing updates by UpdateID, offline (client-PALAC:
        ``Online = No``, ``Criteria = UpdateID = '…' AND DeploymentAction = *``). One burst: one evaluation."""
        missing = [u for u in self.reported() if u.state == "missing"][:2]
        for i, u in enumerate(missing):
            uid = self.update_ids[u.kb]
            at = self.wua_evaluation_search(at, f"UpdateID = '{uid}' AND DeploymentAction = *", [(uid, u.revision)], 4 + 3 * i)
            at = later(at, 0.31 + 3.7 * i)
        self.queried(later(at, 0.2), self.reported())
        self.evaluations.append({"mode": "offline", "status": "ok", "searches": len(missing)})

    def other_callers(self, at: datetime) -> None:
        """Searches by other callers around the scan, which are not ConfigMgr's: the Store's offline burst and a
        Defender search against Microsoft Update that fails on the proxy (its exit code is not the scan's)."""
        store = "855E8A7C-ECB4-4CA3-B045-1DFA50104289"
        t = later(self.sc.start, -3 * 60 - 12.6)
        for k in range(3):
            t = later(self.etw_search(t, "Update;ScanForUpdates", 240 + k, "IsInstalled=0 AND AppCategoryIDs contains "
                                      f"'{make_guid(self.sc.name, 'app-category', k).lower()}'", [], service=store,
                                      label="Third party service", scope="Current User", pid=1204, com_pid=6216), 0.009)
        defender = "9482F4B4-E343-43B6-B170-9A65BC822C77"
        self.etw_search(at, "Windows Defender", 6, "(IsInstalled = 0 and IsHidden = 0 and CategoryIDs contains "
                        "'8c3fcc84-7410-4a95-8b89-a166a0190486' and CategoryIDs contains 'e0789628-ce08-4437-be74-2495b842f43b' "
                        "and Type = 'Software')", [], online=True, service=defender, label="Windows Update",
                        exit_code=0x8024402C, com_pid=17992)

    def deployment_evaluation(self, at: datetime, from_cache: bool) -> None:
        """UpdatesDeployment evaluates a deployment: UpdatesHandler asks WUAHandler for a category search (offline),
        or answers from the cached scan results without any search."""
        sc = self.sc
        assignment = "{" + make_guid(sc.name, "assignment") + "}"
        job = "{" + make_guid(sc.name, "detection-job", at.isoformat()) + "}"
        scope = make_guid(sc.name, "scope")
        ud = self.deployment
        uh = self.handler
        ud(at, "Evaluation initiated for (1) assignments.", "updatesmanager.cpp:1189")
        ud(later(at, 0.012), f"Detection job ({job}) started for assignment ({assignment})", "updatesmanager.cpp:1246")
        uh(later(at, 0.031), f"Successfully initiated scan for job ({job}).", "updatesjob.cpp:412")
        missing = [u for u in self.reported() if u.state == "missing"]
        t = later(at, 0.052)
        searches = 0
        if not from_cache:
            criteria = f"((DeploymentAction=* AND Type='Software' AND CategoryIDs contains '{WIN10_PRODUCT}'))"
            t = self.wua_evaluation_search(t, criteria, [(self.update_ids[u.kb], u.revision) for u in missing], 31)
            searches = 1
        uh(later(t, 0.024), f"Scan completion received for job ({job}).", "updatesjob.cpp:468")
        t = self.queried(later(t, 0.05), missing)
        for u in missing:
            ud(t, f"Update (Site_{scope}/SUM_{self.update_ids[u.kb]}) Name ({u.title}) ArticleID ({u.kb[2:]}) added to the "
               f"targeted list of deployment ({assignment})", "updatesmanager.cpp:420")
            t = later(t, 0.003)
        ud(later(t, 0.02), "No current service window available to run updates assignment with time required = 1",
           "updatesmanager.cpp:2177")
        self.mark("evaluation", later(t, 0.02))
        self.evaluations.append({"mode": "cache" if from_cache else "deployment", "status": "ok", "searches": searches})

    def run_scan(self) -> None:
        sc = self.sc
        located = self.location(self.t(0))
        if located is None:
            return
        source_added = self.update_source(located)
        if source_added is None:
            return
        results = self.search(source_added)
        if results is None:
            return
        recorded = self.update_states(results)
        if sc.cb:
            self.offline_evaluation(later(recorded, 5.3))
            self.other_callers(later(recorded, 97.4))
        if sc.failure == "not_forwarded":
            return
        body = self.state_body(later(recorded, sc.forward_after))
        forwarded = self.state_upload(later(recorded, sc.forward_after), body)
        processed = self.relay(forwarded, body, self.smx, self.sc.client_ip, verbose=sc.statesys_verbose)
        self.summarize(later(processed, 21 * 60 + 14.5))

    # ---- site: WSUS sync, STN, policy provider ----------------------------------------------

    def site_sync(self, t0: datetime, ok: bool) -> datetime:
        sc, w = self.sc, self.wsync
        server = self.site
        self.mark("sync", t0)
        w(t0, "Starting Sync")
        w.statmsg(later(t0, 0.016), 6701)
        w(later(t0, 0.031), "Performing sync on regular schedule")
        w(later(t0, 0.047), f"Read SUPs from SCF for {server}")
        w(later(t0, 0.049), "Found 1 SUPs")
        w(later(t0, 0.051), f"Found active SUP {server} from SCF File.")
        w(later(t0, 0.214), f"Synchronizing WSUS Server {server} ...")
        w.statmsg(later(t0, 0.229), 6704, strings=(server,))
        w(later(t0, 0.911), "sync: Starting WSUS synchronization")
        api = [0.33, 0.52, 30.8, 61.2, 92.9]
        for i, sec in enumerate(api):
            self.wsus_hit(later(t0, sec), self.site_ip, "/ApiRemoting30/WebService.asmx", agent=WSUS_API_AGENT,
                          user="CONTOSO\\PS1SITE$", taken=46 + i * 7, port=8530)
        self.softdist.add(later(t0, 0.48), wsus(later(t0, 0.48), "Change", "w3wp.23", "AdminDataAccess.StartSubscriptionManually",
                                                "Synchronization manually started"))
        started = later(t0, 1.93)
        self.softdist.add(started, wsus(started, "Info", "WsusService.27", "EventLogEventReporter.ReportEvent",
                                        "EventId=382,Type=Information,Category=Synchronization,Message=A manual synchronization was started."))
        if not ok:
            fail = later(t0, 101.6)
            trace = "\n".join(
                (
                    "System.Net.WebException: The operation has timed out",
                    "   at System.Web.Services.Protocols.WebClientProtocol.GetWebResponse(WebRequest request)",
                    "   at System.Web.Services.Protocols.HttpWebClientProtocol.GetWebResponse(WebRequest request)",
                    "   at Microsoft.UpdateServices.ServerSync.ServerSyncCompressionProxy.GetWebResponse(WebRequest webRequest)",
                    "   at System.Web.Services.Protocols.SoapHttpClientProtocol.Invoke(String methodName, Object[] parameters)",
                    "   at Microsoft.UpdateServices.ServerSyncWebServices.ServerSync.ServerSyncProxy.GetRevisionIdList(Cookie cookie, ServerSyncFilter filter)",
                    "   at Microsoft.UpdateServices.ServerSync.CatalogSyncAgentCore.ExecuteSyncProtocol(Boolean allowRedirect)",
                )
            )
            self.softdist.add(fail, wsus(fail, "Error", "WsusService.27", "CatalogSyncAgentCore.ExecuteSyncProtocol", trace))
            event = later(fail, 0.016)
            self.softdist.add(event, wsus(event, "Info", "WsusService.27", "EventLogEventReporter.ReportEvent",
                                          "EventId=386,Type=Error,Category=Synchronization,Message=Synchronization failed. Reason: The operation has timed out."))
            reason = ("UssCommunicationError: WebException: The operation has timed out~~at "
                      "System.Web.Services.Protocols.WebClientProtocol.GetWebResponse(WebRequest request)")
            origin = "Microsoft.UpdateServices.ServerSync.ServerSyncCompressionProxy.GetWebResponse"
            w(later(fail, 2.4), f"Sync failed: {reason}. Source: {origin}")
            w.statmsg(later(fail, 2.42), 6703, "E", (reason, origin))
            w(later(fail, 2.45), "Sync failed. Will retry in 60 minutes")
            self.mark("sync", later(fail, 2.45))
            return later(fail, 2.45)
        self.softdist.add(later(t0, 93.4), wsus(later(t0, 93.4), "Info", "WsusService.27", "EventLogEventReporter.ReportEvent",
                                                "EventId=384,Type=Information,Category=Synchronization,Message=Synchronization completed successfully."))
        items = number(sc.name, "sync-items", lo=21, hi=64)
        w(later(t0, 61.0), f"sync: WSUS synchronizing updates, processed {items} out of {items} items (100%)")
        w(later(t0, 94.6), f"Done synchronizing WSUS Server {server}")
        w(later(t0, 95.1), f"Synchronizing SMS database with WSUS server {server} ...")
        w.statmsg(later(t0, 95.12), 6705, strings=(server,))
        w(later(t0, 95.9), "sync: SMS synchronizing categories")
        w(later(t0, 109.7), f"sync: SMS synchronizing updates, processed {items} out of {items} items (100%)")
        w(later(t0, 128.2), "sync: SMS performing cleanup")
        duration = 133
        done = later(t0, duration)
        w(later(t0, 131.1), f"Set content version of update source {self.source} for site {SITE_CODE} to {sc.version}")
        w(later(t0, 132.4), f"Sync succeeded. Setting sync alert to canceled state on site {SITE_CODE}")
        w(later(t0, 132.45), f"Updated {items} items in SMS database, new update source content version is {sc.version}")
        w(done, f"Sync time: 0d00h{duration // 60:02d}m{duration % 60:02d}s")
        w.statmsg(later(done, 0.012), 6702)
        self.mark("sync", done)
        self.sync_done = later(t0, 131.1)
        return later(t0, 131.1)

    def site_policy(self, t0: datetime) -> None:
        stn = f"{self.source}.STN"
        row = number(self.sc.name, "dbmon-row", lo=40000, hi=49999)
        self.dbmon(t0, f"RCV: UPDATE on Update_SyncStatus for UpdSyncStatus_iu [{self.source}][{row}]")
        self.dbmon(later(t0, 0.014), f"SND: Dropped {SITE_INBOX}\\policypv.box\\{stn} (non-zero) [{row}]")
        self.policypv(later(t0, 2.63), f"Found {stn}")
        self.policypv(later(t0, 2.91), f"Added Scan Tool ID {self.source}")
        self.policypv(later(t0, 3.02), f"Adding to delete list: {SITE_INBOX}\\policypv.box\\{stn}")
        self.mark("policy_provider", later(t0, 3.02))
        self.policy_cookie = later(t0, 2.9)

    # ---- client: policy ---------------------------------------------------------------------

    def policy_name(self, order: str = "source") -> str:
        source, version = f'PolicySource="SMS:{SITE_CODE}"', f'PolicyVersion="{self.policy_version}"'
        tail = f"{source},{version}" if order == "source" else f"{version},{source}"
        return f'CCM_Policy_Policy5.PolicyID="{self.policy_id}",{tail}'

    def policy_exchange(self, t0: datetime, assignments: int) -> datetime:
        """A machine policy assignment request/reply over CcmMessaging (also used as noise)."""
        sc = self.sc
        key = t0.isoformat()
        out = "{" + make_guid(sc.name, "policy-msg", key) + "}"
        back = "{" + make_guid(sc.name, "policy-reply", key) + "}"
        self.pa_request(t0, "Requesting Machine policy assignments", "requestassignmentstask.cpp:1485")
        self.pa_request(later(t0, 0.006), f"Requesting Machine policy from authority 'SMS:{SITE_CODE}'", "requestassignmentstask.cpp:1549")
        self.raise_event(self.pa_request, later(t0, 0.016), "CCM_PolicyAgent_AssignmentsRequested",
                         [("AuthorityName", f'"SMS:{SITE_CODE}"'), ("ResourceName", f'"{sc.client}"'), ("ResourceType", '"Machine"')])
        self.msg(later(t0, 0.031), f"Sending async message '{out}' to outgoing queue 'mp:[http]mp_policymanager'", "messagequeueproc_outgoing.cpp:614")
        self.msg(later(t0, 0.412), f"Sending outgoing message '{out}'. Flags 0x200, sender account empty", "messagequeueproc_outgoing.cpp:1012")
        self.mp_hit(later(t0, 0.9), sc.client_ip, taken=78)
        self.msg(later(t0, 0.981), f"Message '{out}' got reply '{back}' to local endpoint queue 'PolicyAgent_ReplyAssignments'", "messagequeueproc_outgoing.cpp:1366")
        self.msg(later(t0, 0.983), f"OutgoingMessage(Queue='mp_[http]mp_policymanager', ID={out}): Delivered successfully to host '{self.mp}'.",
                 "messagequeueproc_outgoing.cpp:1495")
        self.msg(later(t0, 0.996), f"Message '{back}' delivered to endpoint 'PolicyAgent_ReplyAssignments'", "messagequeueproc_incoming.cpp:327")
        changed = self.policy_changed_at()
        cookie = changed if changed is not None and t0 > changed else self.t(-6 * 3600 - 11.6)
        cookie_text = f"{cookie:%Y-%m-%d %H:%M:%S}.{_ms(cookie)}"
        self.pa_reply(later(t0, 1.02), f"Processing Machine assignments from 'SMS:{SITE_CODE}'. The new cookie is '{cookie_text}'.",
                      "replyassignmentsendpoint.cpp:1441")
        self.pa_reply(later(t0, 1.031), f"Received Machine delta policy update with {assignments} assignments", "replyassignmentsendpoint.cpp:1939")
        return later(t0, 1.04)

    def policy_changed_at(self) -> datetime | None:
        """When the UpdateSource policy changed on the site (None when it never does in the window)."""
        if not self.sc.policy_flow:
            return None
        return self.policy_cookie or self.t(-34 * 60 - 8.3)

    def client_policy(self, t0: datetime) -> None:
        sc = self.sc
        self.client_policy_at = t0
        ready = self.policy_exchange(t0, 1)
        cookie = self.policy_changed_at() or t0
        cookie_text = f"{cookie:%Y-%m-%d %H:%M:%S}.{_ms(cookie)}"
        hashed = hashlib.sha256(f"{sc.name}/policy-body".encode()).hexdigest().upper()
        dts = "{" + make_guid(sc.name, "policy-dts") + "}"
        url = f"http://{self.mp}/SMS_MP/.sms_pol?{self.policy_id}.{self.policy_version.replace('.', '_')}"
        self.pa_reply(ready, f"Compiling policy assignment '{self.assignment_id}' (ver. {self.policy_version}) from 'SMS:{SITE_CODE}' ({cookie_text})",
                      "policyutil.cpp:5394")
        self.pa_reply(later(ready, 0.009), f"Compiling policy '{self.policy_id}' version '{self.policy_version}' hash 'SHA256:{hashed}' "
                      f"from 'SMS:{SITE_CODE}' ({cookie_text})", "policyutil.cpp:4993")
        if not sc.cb:  # ConfigMgr 2012 wording
            self.pa_reply(later(ready, 0.014), f"Initializing download of policy '{self.policy_name()}' from '{url}'", "policyutil.cpp:4145")
        self.pa_reply(later(ready, 0.021), f"Successfully initiated download of policy '{self.policy_name()}'", "policyutil.cpp:4166")
        self.pa_reply(later(ready, 0.022), f"Download of policy started - DTS job ID: '{dts}'", "policyutil.cpp:4013")
        got = later(ready, 0.88)
        self.mp_hit(later(ready, 0.7), sc.client_ip, "/SMS_MP/.sms_pol", "GET", f"{self.policy_id}.{self.policy_version.replace('.', '_')}",
                    agent="Microsoft+BITS/7.5", taken=15)
        if not sc.cb:  # ConfigMgr 2012 wording
            self.pa_download(got, f"Download of policy {self.policy_name()} completed (DTS Job ID: {dts})", "policydownloadendpoint.cpp:599")
        if not sc.new_source:
            old = f"{sc.content_version + 1}.00"
            self.pa_download(later(got, 0.061), f"Revoking policy '{self.policy_id}' version '{old}'", "policyutil.cpp:6219")
            self.pa_download(later(got, 0.072), f"Deleting policy '{self.policy_id}' version '{old}'", "policyutil.cpp:1279")
        self.pa_download(later(got, 0.115), f"Policy '{self.policy_name('version')}' successfully compiled", "policydownloadendpoint.cpp:780")
        self.mark("policy_download", later(got, 0.115))
        ev = later(got, 2.31)
        self.evaluator(ev, f"Updating policy {self.policy_name()}", "policyutil.cpp:7612")
        self.evaluator(later(ev, 0.087), f"Applied policy {self.policy_name()}", "policyutil.cpp:7683")
        self.evaluator(later(ev, 0.093), f"Policy state for [{self.policy_name('version')}] is currently [Active]", "policyutil.cpp:7905")
        self.evaluator(later(ev, 0.12), f"Updating settings in \\\\{sc.client}\\root\\ccm\\policy\\machine\\actualconfig", "policyutil.cpp:8021")
        self.raise_event(self.evaluator, later(ev, 0.36), "CCM_PolicyAgent_SettingsEvaluationComplete",
                         [("PolicyNamespace", f'"\\\\\\\\{sc.client}\\\\root\\\\ccm\\\\policy\\\\machine\\\\actualconfig"')])
        self.ccmexec(later(ev, 0.14), f"Notifying endpoint 'ScanAgent' of __InstanceModificationEvent settings change on object "
                     f"CCM_UpdateSource.UniqueID=\"{self.source}\" for user 'S-1-5-18'.", "wmisettings.cpp:202")
        notified = later(ev, 0.171)
        tid = self.tid("ScanAgent-notify")
        self.scan(notified, "Inside CScanAgent::Notify()", "cscanagent.cpp:1175", thread=tid)
        self.scan(later(notified, 0.002), "CScanAgent::OnPolicyChange- Policy InstanceModificationEvent notification received",
                  "cscanagent.cpp:1211", thread=tid)
        self.scan(later(notified, 0.004), f"*****Policy Change notification received for ToolUniqueID={self.source}", "cscanagent.cpp:1228", thread=tid)
        self.mark("scan_agent_notified", later(notified, 0.004))

    # ---- client: ScanAgent -> LocationServices -> MP and back -------------------------------------

    def location(self, t0: datetime) -> datetime | None:
        sc, scan, ls, msg = self.sc, self.scan, self.ls, self.msg
        v, job, req = sc.content_version, self.job, self.location_request
        scan(t0, f"CScanAgent::ScanByUpdates- Policy available for UpdateSourceID={self.source} ContentVersion={v}", "cscanagent.cpp:3311")
        scan(later(t0, 0.004), f"CScanAgent::ScanByUpdates- Added Policy to final ScanRequest List UpdateSourceID={self.source}, "
             f"Policy-ContentVersion={v}, Required-ContentVersion={v}", "cscanagent.cpp:3374")
        scan(later(t0, 0.012), "Inside CScanAgent::ProcessScanRequest()", "cscanagent.cpp:506")
        scan(later(t0, 0.015), "CScanJobManager::Scan- entered", "scanjobmgr.cpp:828")
        scan(later(t0, 0.021), f"ScanJob({job}): CScanJob::Initialize- entered", "scanjob.cpp:186")
        scan(later(t0, 0.026), f"ScanJob({job}): CScanJob::Scan- entered", "scanjob.cpp:336")
        scan(later(t0, 0.030), f"ScanJob({job}): CScanJob::RequestLocations- entered", "scanjob.cpp:2193")
        scan(later(t0, 0.034), f"- - - - - -Requesting WSUS Server Locations from LS for {self.source} version {v}", "scanjob.cpp:2221")
        request_xml = self.location_request_xml(sc.client_ip, sc.subnet, sc.ad_site)
        ls(later(t0, 0.041), "CCCMWSUSLocation::GetLocationsAsyncEx", "ccmwsuslocation.cpp:1212")
        ls(later(t0, 0.047), f"Attempting to persist WSUS location request for ContentID='{self.source}' and ContentVersion='{v}'",
           "ccmwsuslocation.cpp:1283")
        ls(later(t0, 0.079), "Persisted WSUS location request", "ccmwsuslocation.cpp:1301")
        ls(later(t0, 0.083), f"Attempting to send WSUS Location Request for ContentID='{self.source}'", "ccmwsuslocation.cpp:1102")
        ls(later(t0, 0.090), f"WSUSLocationRequest : {request_xml}", "ccmwsuslocation.cpp:1149")
        msg(later(t0, 0.102), f"Sending async message '{self.msg_location}' to outgoing queue 'mp:[http]mp_locationmanager'",
            "messagequeueproc_outgoing.cpp:614")
        ls(later(t0, 0.115), f"Created and Sent Location Request '{req}' for package {self.source}", "ccmwsuslocation.cpp:1172")
        scan(later(t0, 0.121), f"- - - - - -Location Request ID = {req}", "scanjob.cpp:2236")
        scan(later(t0, 0.160), "CScanAgentCache::PersistInstanceInCache- Persisted Instance CCM_ScanJobInstance", "scanagentcache.cpp:311")
        scan(later(t0, 0.172), f"ScanJob({job}): - - - - - -Locations requested for ScanJobID={job} (LocationRequestID={req}), "
             "will process the scan request once locations are available.", "scanjob.cpp:2260")
        self.mark("location_request", later(t0, 0.172))
        msg(later(t0, 0.640), f"Sending outgoing message '{self.msg_location}'. Flags 0x200, sender account empty", "messagequeueproc_outgoing.cpp:1012")
        self.mark("mp_send", later(t0, 0.640))

        lm = self.mp_location
        lm(later(t0, 0.905), f"MP LM: Message Body : {request_xml}", "mplocationmanager.cpp:1051")
        lm(later(t0, 0.908), "MP LM: calling MP_GetWSUSServerLocations", "mplocationmanager.cpp:1260")
        self.mark("mp_lookup", later(t0, 0.908))
        if sc.failure == "reply_missing":
            return None
        reply_xml = self.location_reply_xml(empty=sc.failure == "reply_empty")
        lm(later(t0, 1.096), f"MP LM: Reply message body:\n{reply_xml}", "mplocationmanager.cpp:1307")
        self.mp_hit(later(t0, 1.1), sc.client_ip, taken=203)

        back = later(t0, 1.154)
        msg(back, f"Message '{self.msg_location}' got reply '{self.msg_reply}' to local endpoint queue 'LS_ReplyLocations'",
            "messagequeueproc_outgoing.cpp:1366")
        msg(later(back, 0.002), f"OutgoingMessage(Queue='mp_[http]mp_locationmanager', ID={self.msg_location}): "
            f"Delivered successfully to host '{self.mp}'.", "messagequeueproc_outgoing.cpp:1495")
        msg(later(back, 0.017), f"Message '{self.msg_reply}' delivered to endpoint 'LS_ReplyLocations'", "messagequeueproc_incoming.cpp:327")
        self.raise_event(self.msg, later(back, 0.02), "CCM_CcmHttp_Status",
                         [("HostName", f'"{self.mp}"'), ("HRESULT", '"0x00000000"'), ("StatusCode", "0")])
        self.mark("mp_reply", later(back, 0.017))

        lt = self.tid("LocationServices-reply")
        ls(later(back, 0.036), "Processing Location reply message", "replylocationsendpoint.cpp:295", thread=lt)
        ls(later(back, 0.039), f"WSUSLocationReply : {reply_xml}", "replylocationsendpoint.cpp:313", thread=lt)
        if sc.failure == "reply_empty":
            ls(later(back, 0.043), "Calling back with empty WSUS locations", "lsutils.cpp:3822", type_=2, thread=lt)
        else:
            ls(later(back, 0.043), "Calling back with the following WSUS locations", "lsutils.cpp:3790", thread=lt)
            for i, (url, server) in enumerate(self.locations()):
                ls(later(back, 0.044 + i * 0.001), f"WSUS Path='{url}', Server='{server}', Version='{sc.version}'", "lsutils.cpp:3806", thread=lt)
        ls(later(back, 0.049), f"Calling back with locations for WSUS request {req}", "replylocationsendpoint.cpp:219", thread=lt)
        st = self.tid("ScanAgent-location")
        scan(later(back, 0.076), f"*****WSUSLocationUpdate received for location request guid={req}", "cscanagent.cpp:1452", thread=st)
        if sc.failure == "reply_empty":
            scan(later(back, 0.081), f"ScanJob({job}): CScanJob::OnLocationUpdate- Received empty location update", "scanjob.cpp:2313",
                 type_=2, thread=st)
            self.mark("locations", later(back, 0.081))
            return None
        scan(later(back, 0.082), f"ScanJob({job}): CScanJob::OnLocationUpdate- Received Location={sc.wsus_url}, Version={sc.version}",
             "scanjob.cpp:2347", thread=st)
        scan(later(back, 0.108), f"ScanJob({job}): CScanJob::Execute- Adding UpdateSource={self.source}, ContentType=2, "
             f"ContentLocation={sc.wsus_url}, ContentVersion={sc.version}", "scanjob.cpp:722", thread=st)
        self.mark("locations", later(back, 0.108))
        return later(back, 0.108)

    def location_request_xml(self, ip: str, subnet: str, ad_site: str, version: int | None = None) -> str:
        return (
            f'<WSUSLocationRequest SchemaVersion="1.00"><Content ID="{self.source}" Version="{version or self.sc.content_version}"/>'
            f'<AssignedSite SiteCode="{SITE_CODE}"/><ClientLocationInfo OnInternet="0"><ADSite Name="{ad_site}"/>'
            f'<Forest Name="{DOMAIN}"/><Domain Name="{DOMAIN}"/><IPAddresses><IPAddress SubnetAddress="{subnet}" '
            f'Address="{ip}"/></IPAddresses></ClientLocationInfo></WSUSLocationRequest>'
        )

    def locations(self) -> list[tuple[str, str]]:
        out = []
        for url in (self.sc.wsus_url, self.sc.other_sup_url):
            out.append((url, url.split("//", 1)[1].rsplit(":", 1)[0]))
        return out

    def location_reply_xml(self, empty: bool = False, version: int | None = None) -> str:
        if empty:
            records = "<LocationRecords/>"
        else:
            rows = "".join(
                f'<LocationRecord WSUSURL="{url}" ServerName="{server}" Version="{version or self.sc.version}"/>'
                for url, server in self.locations()
            )
            records = f"<LocationRecords>{rows}</LocationRecords>"
        return (
            f'<WSUSLocationReply SchemaVersion="1.00"><Sites><Site><MPSite SiteCode="{SITE_CODE}"/>{records}'
            "</Site></Sites></WSUSLocationReply>"
        )

    # ---- client: WUAHandler adds the update source ---------------------------------------------

    def update_source(self, t0: datetime) -> datetime | None:
        sc, wua = self.sc, self.wua
        url = sc.wsus_url
        wt = self.tid("WUAHandler-source")
        wua(later(t0, 0.039), f"Its a WSUS Update Source type ({self.source}), adding it.", "sourcemanager.cpp:1284", thread=wt)
        if sc.new_source:
            wua(later(t0, 0.056), "Its a completely new WSUS Update Source.", "sourcemanager.cpp:1349", thread=wt)
        else:
            wua(later(t0, 0.056), f"WSUS update source already exists, it has increased version to {sc.version}.", "sourcemanager.cpp:1329", thread=wt)
        if sc.modern_wuahandler and not sc.new_source:
            wua(later(t0, 0.078), f"Existing WUA Managed server was already set ({url}), skipping Group Policy registration.",
                "sourcemanager.cpp:1622", thread=wt)
            added = later(t0, 0.161)
        else:
            wua(later(t0, 0.082), f"Enabling WUA Managed server policy to use server: {url}", "sourcemanager.cpp:1590", thread=wt)
            wua(later(t0, 0.439), "Policy refresh forced.", "sourcemanager.cpp:1660", thread=wt)
            wait = later(t0, 0.441)
            wua(wait, "Waiting for 2 mins for Group Policy to notify of WUA policy change...", "sourcemanager.cpp:1669", thread=wt)
            answered = later(wait, sc.gp_wait)
            if sc.failure == "gpo":
                old = "http://wsus-old.contoso.com:8530"
                self.wu(later(answered, -0.6), "Agent", f"  * WSUS server: {old} (Unchanged)", tid=0x9D0)
                self.wu(later(answered, -0.6), "Agent", f"  * WSUS status server: {old} (Unchanged)", tid=0x9D0)
                wua(answered, f"Group policy settings were overwritten by a higher authority (Domain Controller) to: Server {old} "
                    "and Policy ENABLED", "sourcemanager.cpp:1781", type_=3, thread=wt)
                wua(later(answered, 0.018), f"Failed to Add Update Source for WUAgent of type (2) and id ({self.source}). Error = 0x87d00692.",
                    "cwuahandler.cpp:2360", type_=3, thread=wt)
                self.scan(later(answered, 0.043), f"ScanJob({self.job}): CScanJob::Execute- Failed at AddUpdateSource, Error = 0x87d00692",
                          "scanjob.cpp:781", type_=3, thread=self.tid("ScanAgent-location"))
                self.mark("update_source", later(answered, 0.043))
                return None
            if sc.new_source:
                self.wu(later(answered, -0.52), "Agent", f"  * WSUS server: {url} (Changed)", tid=0x9D0)
                self.wu(later(answered, -0.52), "Agent", f"  * WSUS status server: {url} (Changed)", tid=0x9D0)
                self.wu(later(answered, -0.52), "AU", "Sus server changed through policy.", tid=0x9D0)
            wua(answered, "Waiting for 30 secs for policy to take effect on WU Agent.", "sourcemanager.cpp:1723", thread=wt)
            added = later(answered, 30.012)
        wua(added, f"Added Update Source ({self.source}) of content type: 2", "cwuahandler.cpp:2371", thread=wt)
        self.mark("update_source", added)
        return added

    # ---- client: scan request, WUA search, results ---------------------------------------------

    def search(self, added: datetime) -> datetime | None:
        sc, wua = self.sc, self.wua
        st = self.tid("ScanAgent-location")
        self.record_state(later(added, 0.015), self.source, 501, 2, str(sc.version))
        self.scan(later(added, 0.030), f"ScanJob({self.job}): Raised UpdateSource ({self.source}) state message successfully. StateId = 2",
                  "scanjob.cpp:1049", thread=st)
        self.scan(later(added, 0.041), f"ScanJob({self.job}): CScanJob::Execute - successfully requested Scan, ScanType=1",
                  "scanjob.cpp:806", thread=st)
        if sc.modern_wuahandler:
            wua(later(added, 0.061), "Scan results will include all superseded updates.", "cwuahandler.cpp:3959")
        else:
            wua(later(added, 0.061), "Scan results will include superseded updates only when they are superseded by service packs "
                "and definition updates.", "cwuahandler.cpp:3961")
        wua(later(added, 0.063), f"Search Criteria is {SEARCH_CRITERIA}", "cwuahandler.cpp:711")
        wua(later(added, 0.070), "Running single-call scan of updates.", "cwuahandler.cpp:3629")
        started = later(added, 0.291)
        wua(started, "Async searching of updates using WUAgent started.", "cwuahandler.cpp:1991")
        self.mark("scan_request", started)

        failure = WU_FAILURES.get(sc.failure or "")
        finished = self.wua_search_legacy(started, failure) if sc.wu_format == "legacy" else self.wua_search_etw(started)
        if failure is not None:
            code = f"0x{failure.code:08x}"
            wua(later(finished, 0.33), f"OnSearchComplete - Failed to end search job. Error = {code}.", "cwuahandler.cpp:2120", type_=3)
            wua(later(finished, 0.35), f"Scan failed with error = {code}.", "cwuahandler.cpp:4017", type_=3)
            self.scan(later(finished, 0.41), f"ScanJob({self.job}): CScanJob::OnScanComplete -Scan Failed with Error={code}",
                      "scanjob.cpp:1134", type_=3, thread=st)
            self.mark("search_complete", later(finished, 0.41))
            return None

        done = later(finished, 0.36)
        wua(done, "Async searching completed.", "cwuahandler.cpp:2081")
        wua(later(done, 0.027), "Finished searching for everything in single call.", "cwuahandler.cpp:3653")
        self.mark("search_complete", later(done, 0.027))
        at = later(done, 0.094)
        for u in sc.updates:
            if u.state == "superseded":
                wua(at, f"Pruning: update id ({self.update_ids[u.kb]}) is superseded by ({self.update_ids[u.superseded_by or '']}).",
                    "cwuahandler.cpp:3174")
                at = later(at, 0.003)
        for u in [] if sc.cb else self.reported():  # current-branch clients no longer write these
            wua(at, f"Update ({u.state.capitalize()}): {u.title} ({self.update_ids[u.kb]}, {u.revision})", "cwuahandler.cpp:3323")
            at = later(at, 0.011)
        wua(later(at, 0.084), "Successfully completed scan.", "cwuahandler.cpp:4015")
        self.mark("results", later(at, 0.084))
        return later(at, 0.084)

    def state_message_raised(self, u: Update) -> bool:
        """Whether UpdatesStore raised a state message for ``u`` in this scan (a rescan raises one only on a change)."""
        return not self.sc.rescan or u.kb in self.sc.changed

    def reported(self) -> list[Update]:
        return [u for u in self.sc.updates if u.state != "superseded"]

    def wua_search_legacy(self, started: datetime, failure: WuFailure | None) -> datetime:
        sc = self.sc
        com = {"pid": 3856, "tid": 0x708}
        wsus = sc.wsus_url
        client_asmx = f"{wsus}/ClientWebService/client.asmx"

        def agent(at: datetime, text: str) -> None:
            self.wu(at, "Agent", text)

        c0 = later(started, 0.102)
        self.wu(c0, "COMAPI", "-------------", **com)
        self.wu(c0, "COMAPI", "-- START --  COMAPI: Search [ClientId = CcmExec]", **com)
        self.wu(c0, "COMAPI", "---------", **com)
        self.wu(later(c0, 0.058), "COMAPI", "<<-- SUBMITTED -- COMAPI: Search [ClientId = CcmExec]", **com)
        pt = later(c0, 4.817)
        self.wu(pt, "PT", "+++++++++++  PT: Synchronizing server updates  +++++++++++")
        self.wu(pt, "PT", f"  + ServiceId = {{{WU_SERVICE_ID}}}, Server URL = {client_asmx}")
        fmt = {"sus": self.sus_client_id, "dns": f"{sc.client.lower()}.{DOMAIN.lower()}", "wsus": wsus}
        if failure is None:  # the legacy log's benign warning in a search that succeeds
            self.wu(later(pt, 0.062), "PT", "WARNING: Cached cookie has expired or new PID is available")
        for component, text in failure.setup if failure is not None else ():
            self.wu(later(pt, 0.062), component, text.format(**fmt))
        a0 = later(pt, 1.151)
        agent(a0, "*************")
        agent(a0, "** START **  Agent: Finding updates [CallerId = CcmExec]")
        agent(a0, "*********")
        agent(a0, "  * Include potentially superseded updates")
        agent(a0, "  * Online = Yes; Ignore download priority = Yes")
        agent(a0, f'  * Criteria = "{SEARCH_CRITERIA}"')
        agent(a0, f"  * ServiceID = {{{WU_SERVICE_ID}}} Managed")
        agent(a0, "  * Search Scope = {Machine}")
        self.mark("wua_search", a0)
        ip = sc.client_ip
        rejected = failure is not None and failure.iis is not None
        if failure is None or failure.iis is None or failure.iis[0] != 403:
            # GetConfig, GetAuthorizationCookie and GetCookie succeed before any SyncUpdates
            self.wsus_hit(later(pt, 0.2), ip, "/ClientWebService/client.asmx", taken=93)
            self.wsus_hit(later(a0, 0.4), ip, "/SimpleAuthWebService/SimpleAuth.asmx", taken=46)
            self.wsus_hit(later(a0, 0.7), ip, "/ClientWebService/client.asmx", taken=62)
        if failure is not None:
            fail = later(a0, failure.delay)
            if rejected and failure.iis is not None:
                status, sub, win32 = failure.iis
                for k in range(2 if status == 503 else 1):
                    self.wsus_hit(later(fail, -0.2 + k * 0.1), ip, "/ClientWebService/client.asmx", status, sub, win32, taken=15 + k * 3)
            else:
                # the client ran out of memory after downloading the metadata
                for k in range(4):
                    self.wsus_hit(later(a0, 1.9 + k * 17.3), ip, "/ClientWebService/client.asmx", taken=4120 + k * 911)
            for i, (component, text) in enumerate(failure.lines):
                self.wu(later(fail, i * 0.001), component, text.format(**fmt))
            code = f"0x{failure.code:08X}"
            end = later(fail, 0.012)
            agent(end, f"  * WARNING: Failed to synchronize, error = {code}")
            agent(end, f"  * WARNING: Exit code = {code}")
            agent(end, "*********")
            agent(end, "**  END  **  Agent: Finding updates [CallerId = CcmExec]")
            agent(end, "*************")
            agent(end, f"WARNING: WU client failed Searching for update with error 0x{failure.code:08x}")
            r = later(end, 0.041)
            self.wu(r, "COMAPI", ">>--  RESUMED  -- COMAPI: Search [ClientId = CcmExec]", **com)
            self.wu(r, "COMAPI", "  - Updates found = 0", **com)
            self.wu(r, "COMAPI", f"  - WARNING: Exit code = 0x00000000, Result code = {code}", **com)
            self.wu(r, "COMAPI", "---------", **com)
            self.wu(r, "COMAPI", "--  END  --  COMAPI: Search [ClientId = CcmExec]", **com)
            self.wu(r, "COMAPI", "-------------", **com)
            self.wu(later(r, 0.002), "COMAPI", f"WARNING: Operation failed due to earlier error, hr={failure.code:08X}", **com)
            self.wu(later(r, 0.002), "COMAPI", f"FATAL: Unable to complete asynchronous search. (hr={failure.code:08X})", **com)
            self.report_event(later(end, 0.02), 148, failure.code, "Failure",
                              f"Windows Update Client failed to detect with error 0x{failure.code:08x}.")
            self.mark("wua_search", r)
            return r
        self.wsus_hit(later(a0, 1.9), ip, "/ClientWebService/client.asmx", taken=1187)
        ext = later(a0, 0.512)
        self.wu(ext, "PT", "+++++++++++  PT: Synchronizing extended update info  +++++++++++")
        self.wu(ext, "PT", f"  + ServiceId = {{{WU_SERVICE_ID}}}, Server URL = {client_asmx}")
        self.wsus_hit(later(ext, 2.3), ip, "/ClientWebService/client.asmx", taken=436)
        found = later(ext, 3.506)
        for i, u in enumerate(sc.updates):
            agent(later(found, i * 0.003), f"  * Added update {{{self.update_ids[u.kb].upper()}}}.{u.revision} to search result")
        found = later(found, 0.003 * len(sc.updates) + 0.008)
        agent(found, f"  * Found {len(sc.updates)} updates and 70 categories in search; evaluated appl. rules of 622 out of 1150 deployed entities")
        end = later(found, 0.051)
        agent(end, "*********")
        agent(end, "**  END  **  Agent: Finding updates [CallerId = CcmExec]")
        agent(end, "*************")
        r = later(end, 0.01)
        self.wu(r, "COMAPI", ">>--  RESUMED  -- COMAPI: Search [ClientId = CcmExec]", **com)
        self.wu(later(r, 0.382), "COMAPI", f"  - Updates found = {len(sc.updates)}", **com)
        self.wu(later(r, 0.382), "COMAPI", "---------", **com)
        self.wu(later(r, 0.382), "COMAPI", "--  END  --  COMAPI: Search [ClientId = CcmExec]", **com)
        self.wu(later(r, 0.382), "COMAPI", "-------------", **com)
        self.report_event(later(end, 0.004), 147, 0, "Success", f"Windows Update Client successfully detected {len(sc.updates)} updates.")
        self.mark("wua_search", later(r, 0.382))
        return later(r, 0.382)

    def report_event(self, at: datetime, event: int, code: int, result: str, text: str) -> None:
        local = self.wulog.local(at)
        stamp = f"{local:%Y-%m-%d %H:%M:%S}:{_ms(local)}{iso_offset(self.sc.client_bias)}"
        fields = [f"{{{make_guid(self.sc.name, 'report', event)}}}", stamp, "1", str(event), "101",
                  "{00000000-0000-0000-0000-000000000000}", "0", f"{code:x}", "CcmExec", result, "Software Synchronization", text]
        self.wu(at, "Report", "REPORT EVENT: " + "\t".join(fields))

    def wua_search_etw(self, started: datetime) -> datetime:
        sc = self.sc
        svc, com_pid, com_tid, agent_tid = 1204, 4312, 7184, 5592
        cv = "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[b % 64] for b in _digest(sc.name, "cv")[:16])

        def say(at: datetime, component: str, text: str, pid: int = svc, tid: int = agent_tid) -> None:
            self.wu(at, component, text, pid=pid, tid=tid)

        c0 = later(started, 0.118)
        say(c0, "ComApi", f"* START *   Federated Search ClientId = CcmExec (cV: {cv}.1.0.1.0)", com_pid, com_tid)
        say(later(c0, 0.012), "IdleTimer", "WU operation (SR.CcmExec ID 2) started; operation # 1718; does use network; is not at background priority", tid=7028)
        say(later(c0, 0.019), "ComApi", f"Federated Search: Starting search against 1 service(s) (cV = {cv}.1.0.1.0)", com_pid, 9512)
        say(later(c0, 0.020), "ComApi", f"* START *   Search ClientId = CcmExec, ServiceId = {WU_SERVICE_ID}, Flags: 0X8010010 (cV = {cv}.1.0.1.0.0)",
            com_pid, 9512)
        say(later(c0, 0.033), "Agent", "* START * Queueing Finding updates [CallerId = CcmExec  Id = 2]", tid=7028)
        say(later(c0, 0.034), "Agent", f"Service {WU_SERVICE_ID} is not in sequential scan list", tid=7028)
        say(later(c0, 0.041), "Agent", "* END * Queueing Finding updates [CallerId = CcmExec  Id = 2]")
        a0 = later(c0, 0.046)
        say(a0, "Agent", f"* START * Finding updates CallerId = CcmExec  Id = 2 (cV = {cv}.1.0.1.0.0.1)")
        say(a0, "Agent", "Online = Yes; Interactive = No; AllowCachedResults = No; Ignore download priority = Yes")
        say(a0, "Agent", f'Criteria = {SEARCH_CRITERIA}""')
        say(a0, "Agent", f"ServiceID = {{{WU_SERVICE_ID}}} Managed")
        say(a0, "Agent", "Search Scope = {Machine}")
        say(a0, "Agent", "Caller SID for Applicability: S-1-5-18")
        self.mark("wua_search", a0)
        p0 = later(a0, 1.273)
        client_asmx = f"{sc.wsus_url}/ClientWebService/client.asmx"
        say(p0, "Misc", f'Got WSUS Client/Server URL: {client_asmx}""')
        say(later(p0, 0.04), "ProtocolTalker", "OK to reuse existing configuration")
        say(later(p0, 0.041), "ProtocolTalker", "Existing cookie is valid, just use it")
        say(later(p0, 0.045), "ProtocolTalker", f"ServiceId = {{{WU_SERVICE_ID}}}, Server URL = {client_asmx}")
        say(later(p0, 0.061), "IdleTimer", "WU operation (CAgentProtocolTalker::SyncUpdates_WithRecover) started; operation # 1722; "
            "does use network; is at background priority")
        say(later(p0, 0.062), "WebServices", "Auto proxy settings for this web service call.")
        ip = sc.client_ip
        self.wsus_hit(later(p0, 0.5), ip, "/ClientWebService/client.asmx", taken=712)
        self.wsus_hit(later(p0, 1.9), ip, "/ClientWebService/client.asmx", taken=1321)
        say(later(p0, 2.214), "IdleTimer", "WU operation (CAgentProtocolTalker::SyncUpdates_WithRecover, operation # 1722) stopped; "
            "does use network; is at background priority")
        say(later(p0, 2.33), "ProtocolTalker", "SyncUpdates round trips: 2")
        # other components fail benignly inside a successful search (client-PALAC: DownloadManager on its own thread)
        for k in range(2):
            say(later(p0, 2.9 + k * 0.066), "DownloadManager", "*FAILED* [8024000E] Method failed "
                "[CAgentDownloadManager::GetTLUExpirationMaximumRetryCount:24806]", tid=6120)
        found = later(p0, 4.871)
        for i, u in enumerate(sc.updates):
            say(later(found, i * 0.0001), "Agent", f"Added update {self.update_ids[u.kb].upper()}.{u.revision} to search result")
        found = later(found, 0.002)
        say(found, "Agent", f"Found {len(sc.updates)} updates and 70 categories in search; evaluated appl. rules of 622 out of 1150 deployed entities")
        end = later(found, 0.017)
        say(end, "Agent", f"* END * Finding updates CallerId = CcmExec, Id = 2, Exit code = 0x00000000 (cV = {cv}.1.0.1.0.0.1)")
        say(later(end, 0.002), "IdleTimer", "WU operation (SR.CcmExec ID 2, operation # 1718) stopped; does use network; is not at background priority",
            tid=7028)
        r = later(end, 0.004)
        say(r, "ComApi", f"*RESUMED*   Search ClientId = CcmExec, ServiceId = {WU_SERVICE_ID} (cV = {cv}.1.0.1.0.0)", com_pid, 2204)
        say(later(r, 0.001), "ComApi", f"* END *   Search ClientId = CcmExec, Updates found = {len(sc.updates)}, ServiceId = {WU_SERVICE_ID} "
            f"(cV = {cv}.1.0.1.0.0)", com_pid, 2204)
        say(later(r, 0.002), "ComApi", f"* END *   All federated searches have completed. Jobs = 1, Succeeded = 1, ClientId = CcmExec (cV = {cv}.1.0.1.1)",
            com_pid, 9512)
        self.benign_after_search(later(r, 0.004), [(self.update_ids[u.kb], u.revision) for u in sc.updates], com_pid)
        self.mark("wua_search", later(r, 0.002))
        return later(r, 0.002)

    def benign_after_search(self, at: datetime, found: list[tuple[str, int]], com_pid: int = 4312) -> None:
        """What a real Windows 10 client writes right after a successful CcmExec search (client-PALAC): one ComApi
        ``*FAILED* [80246007] ISusInternal:: IsCommitRequired`` per update found and DownloadManager failures for
        bundles whose child revision is not locked. None of them is the search's outcome."""
        for i, _ in enumerate(found):
            self.wu(later(at, i * 0.0007), "ComApi", "*FAILED* [80246007] ISusInternal:: IsCommitRequired", pid=com_pid, tid=2204)
        for i, (uid, rev) in enumerate(found[:2]):
            self.wu(later(at, 0.4 + i * 0.011), "DownloadManager",
                    f"*FAILED* [80246007] Could not find a locked revision for the child of the update {uid.upper()}.{rev}",
                    pid=1204, tid=6120)

    def etw_search(self, at: datetime, caller: str, sid: int, criteria: str, found: list[tuple[str, int]],
                   online: bool = False, service: str = WU_SERVICE_ID, label: str = "Managed", scope: str = "Machine",
                   exit_code: int = 0, pid: int = 1204, com_pid: int = 4312) -> datetime:
        """One Windows 10 search by ``caller`` that does not go to the SUP (``Online = No``), or another caller's search.

        The wording is client-PALAC's: Queueing, ``* START * Finding updates CallerId = X  Id = N``, the
        ``Online = No;`` and ``Criteria = ...""`` lines without the ``* `` prefix, ``Added update GUID.rev to search
        result`` without braces, ``* END * Finding updates CallerId = X, Id = N, Exit code = 0x...``, then ComApi.
        Returns the time of the last record.
        """
        cv = "".join("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[b % 64]
                     for b in _digest(self.sc.name, "cv", caller, sid, at.isoformat())[:16])
        tid = 3000 + number(self.sc.name, "search-tid", caller, sid, hi=4000) * 4
        qtid = 7028 if caller == "CcmExec" else 7272

        def say(t: datetime, component: str, text: str, p: int = pid, th: int = tid) -> None:
            self.wu(t, component, text, pid=p, tid=th)

        say(at, "ComApi", f"* START *   Federated Search ClientId = {caller} (cV: {cv}.0)", com_pid, 9340)
        say(later(at, 0.009), "ComApi", f"Federated Search: Starting search against 1 service(s) (cV = {cv}.0)", com_pid, 9340)
        say(later(at, 0.010), "ComApi", f"* START *   Search ClientId = {caller}, ServiceId = {service}, Flags: 0X10040 (cV = {cv}.0.0)",
            com_pid, 9340)
        q = later(at, 0.016)
        say(q, "Agent", f"* START * Queueing Finding updates [CallerId = {caller}  Id = {sid}]", th=qtid)
        say(later(q, 0.001), "Agent", f"* END * Queueing Finding updates [CallerId = {caller}  Id = {sid}]")
        a0 = later(q, 0.002)
        say(a0, "Agent", f"* START * Finding updates CallerId = {caller}  Id = {sid} (cV = {cv}.0.0.1)")
        say(a0, "Agent", f"Online = {'Yes' if online else 'No'}; Interactive = No; AllowCachedResults = No; Ignore download priority = "
            f"{'Yes' if caller == 'CcmExec' else 'No'}")
        say(a0, "Agent", f'Criteria = {criteria}""')
        say(a0, "Agent", f"ServiceID = {{{service}}} {label}")
        say(a0, "Agent", f"Search Scope = {{{scope}}}")
        say(a0, "Agent", "Caller SID for Applicability: S-1-5-18")
        end = later(a0, 0.15)
        if exit_code:
            code = f"{exit_code:08X}"
            url = "https://fe2cr.update.microsoft.com/v6/ClientWebService/client.asmx"
            say(later(a0, 0.05), "ProtocolTalker", f"ServiceId = {{{service}}}, Server URL = {url}")
            say(later(a0, 0.06), "WebServices", "Auto proxy settings for this web service call.")
            fail = later(a0, 21.4)
            say(fail, "WebServices", f"WS error: There was an error communicating with the endpoint at '{url}'.")
            say(later(fail, 0.001), "WebServices", "WS error: The proxy could not be reached.")
            say(later(fail, 0.002), "WebServices", f"*FAILED* [{code}] Web service call")
            say(later(fail, 0.003), "ProtocolTalker", f"*FAILED* [{code}] GetCookie_WithRecovery failed")
            say(later(fail, 0.004), "ProtocolTalker", f"*FAILED* [{code}] Method failed [CAgentProtocolTalker::SyncUpdates_WithRecovery:1452]")
            say(later(fail, 0.005), "Agent", f"*FAILED* [{code}] Synchronize")
            end = later(fail, 0.006)
        else:
            for i, (uid, rev) in enumerate(found):
                say(later(a0, 0.14 + i * 0.0001), "Agent", f"Added update {uid.upper()}.{rev} to search result")
            say(end, "Agent", f"Found {len(found)} updates and {4 + len(found)} categories in search; evaluated appl. rules of "
                f"{120 + 9 * len(found)} out of 1150 deployed entities")
        end = later(end, 0.0015)
        say(end, "Agent", f"* END * Finding updates CallerId = {caller}, Id = {sid}, Exit code = 0x{exit_code:08X} (cV = {cv}.0.0.1)")
        r = later(end, 0.009)
        say(r, "ComApi", f"*RESUMED*   Search ClientId = {caller}, ServiceId = {service} (cV = {cv}.0.0)", com_pid, 2204)
        for uid, rev in found if not exit_code else []:
            say(later(r, 0.021), "ComApi", f"UpdateId={uid.upper()}.{rev}, DeploymentID={number(self.sc.name, 'deployment', uid, lo=200000, hi=5300000)}, "
                "ClientMetadata: audience=(null), admin=(null), update=(null)", com_pid, 2204)
        say(later(r, 0.022), "ComApi", f"* END *   Search ClientId = {caller}, Updates found = {len(found)}, ServiceId = {service} "
            f"(cV = {cv}.0.0)", com_pid, 2204)
        if exit_code:
            say(later(r, 0.0225), "ComApi", f"*FAILED* [{exit_code:08X}] Federated Search", com_pid, 2204)
        last = later(r, 0.023)
        say(last, "ComApi", f"* END *   All federated searches have completed. Jobs = 1, Succeeded = {0 if exit_code else 1}, "
            f"ClientId = {caller} (cV = {cv}.1)", com_pid, 9340)
        return last

    # ---- client: update states --------------------------------------------------------------

    def record_state(self, at: datetime, topic: str, topic_type: int, state: int, param: str) -> None:
        self.state(at, f"Adding message with TopicType {topic_type} and TopicId {topic} to WMI", "statemsg.cpp:875")
        self.state(later(at, 0.009), f"State message(State ID : {state}) with TopicType {topic_type} and TopicId {topic} has been recorded for SYSTEM",
                   "statemsg.cpp:889")
        self.recorded.append((at, topic, topic_type, state, param))

    def update_states(self, at: datetime) -> datetime:
        sc = self.sc
        at = later(at, 0.212)
        for u in self.reported():
            uid = self.update_ids[u.kb]
            word = u.state.capitalize()
            self.store(at, f"Processing update status from update ({uid}) with ProductID = {PRODUCT_ID}", "updatesstore.cpp:1240")
            if sc.rescan:
                # seed: a rescan modifies the existing instance and raises no state message when nothing changed
                self.store(later(at, 0.004), f"Update status from update ({uid}) already exists, will modify existing instance.",
                           "updatesstore.cpp:1262")
                if u.kb in sc.changed:
                    self.record_state(later(at, 0.011), uid, 500, 3 if u.state == "installed" else 2, str(u.revision))
                    self.store(later(at, 0.027), f"Successfully raised state message for update ({uid}) with state ({word}).",
                               "updatesstore.cpp:1310")
                self.store(later(at, 0.035), "Successfully done with SetStatus() operation", "updatesstore.cpp:1362")
                at = later(at, 0.061)
                continue
            self.store(later(at, 0.004), f"Update status from update ({uid}) hasn't been reported before, creating new instance.", "updatesstore.cpp:1279")
            self.record_state(later(at, 0.011), uid, 500, 3 if u.state == "installed" else 2, str(u.revision))
            self.store(later(at, 0.027), f"Successfully raised state message for update ({uid}) with state ({word}).", "updatesstore.cpp:1310")
            self.store(later(at, 0.035), f"Successfully added WMI instance of update status ({uid}).", "updatesstore.cpp:1337")
            at = later(at, 0.061)
        self.mark("update_states", at)
        done = later(at, 0.9)
        self.scan(done, f"ScanJob({self.job}): CScanJob::OnScanComplete -Scan completed successfully, ScanType=1", "scanjob.cpp:1102",
                  thread=self.tid("ScanAgent-location"))
        return at

    # ---- state messages up to the site --------------------------------------------------------

    def state_body(self, at: datetime) -> str:
        sc = self.sc
        serial = self.serial
        rows = []
        for when, topic, topic_type, state, param in self.recorded:
            id_type = 3 if topic_type == 500 else 0
            rows.append(
                f'<StateMessage MessageTime="{dmtf(when)}" SerialNumber="{serial}"><Topic ID="{topic}" Type="{topic_type}" '
                f'IDType="{id_type}" User="" UserSID=""/><State ID="{state}" Criticality="0"/><UserParameters Flags="0" Count="1">'
                f"<Param>{param}</Param></UserParameters></StateMessage>"
            )
            serial += 1
        return report_xml(self.client_id, sc.client_version, sc.client, at, "".join(rows))

    def state_upload(self, at: datetime, body: str) -> datetime:
        """StateMessage forwards the report; CcmMessaging posts it to the MP relay endpoint."""
        self.state(at, f"StateMessage body: {body}", "statemsgendpoint.cpp:1061")
        m = self.msg_state
        self.msg(later(at, 0.031), f"Sending async message '{m}' to outgoing queue 'mp:mp_relayendpoint'", "messagequeueproc_outgoing.cpp:614")
        self.state(later(at, 0.052), "Successfully forwarded State Messages to the MP", "statemsgendpoint.cpp:1102")
        self.msg(later(at, 0.553), f"Sending outgoing message '{m}'. Flags 0x200, sender account empty", "messagequeueproc_outgoing.cpp:1012")
        self.msg(later(at, 0.561), f"POST: Host={self.mp}, Path=/ccm_system/request, Port=443, Protocol=https, Flags=512, Options=480",
                 "ccmhttpperformer.cpp:2193")
        self.msg(later(at, 0.982), f"Message '{m}' doesn't have reply", "messagequeueproc_outgoing.cpp:1389")
        self.msg(later(at, 0.987), f"OutgoingMessage(Queue='mp_mp_relayendpoint', ID={m}): Delivered successfully to host '{self.mp}'.",
                 "messagequeueproc_outgoing.cpp:1495")
        self.raise_event(self.msg, later(at, 0.99), "CCM_CcmHttp_Status",
                         [("HostName", f'"{self.mp}"'), ("HRESULT", '"0x00000000"'), ("StatusCode", "0")])
        self.mark("state_upload", later(at, 0.987))
        self.forwarded_at = at
        return later(at, 0.7)

    def relay(self, at: datetime, body: str, smx: str, client_ip: str, verbose: bool = True, ours: bool = True) -> datetime:
        """The MP receives a state message report, writes the SMX, MPFDM moves it, StateSys processes it."""
        sc, r = self.sc, self.mp_relay
        self.mp_hit(later(at, 0.3), client_ip, port=443, taken=31)
        outbox = f"{SITE_INBOX}\\auth\\statesys.box\\incoming" if sc.mp_colocated else MP_OUTBOX
        r(at, "Mp Message Handler: start message processing for Relay------------------------------", "relayendpoint.cpp:312")
        r(later(at, 0.002), "Mp Message Handler: FileType=SMX", "relayendpoint.cpp:402")
        r(later(at, 0.009), f"Message Body :\n{body}", "relayendpoint.cpp:455")
        r(later(at, 0.013), "Inv-Relay Task: Processing message body", "invrelaytask.cpp:188")
        r(later(at, 0.021), f"Relay: Outbox dir: {outbox}", "invrelaytask.cpp:263")
        r(later(at, 0.022), "Priority in the message = 5", "invrelaytask.cpp:301")
        r(later(at, 0.023), f"State Priority Directory = {outbox}", "invrelaytask.cpp:317")
        r(later(at, 0.041), "Inv-Relay: Task completed successfully", "invrelaytask.cpp:355")
        if ours:
            self.mark("mp_relay", later(at, 0.041))
        arrive = later(at, 1.2)
        if self.mpfdm is not None:
            arrive = later(at, 38.417)
            self.mpfdm(arrive, f"Moved file {MPFDM_OUTBOX}\\{smx} "
                       f"to \\\\{self.site}\\SMS_{SITE_CODE}\\inboxes\\auth\\statesys.box\\incoming\\{smx}")
            if ours:
                self.mark("mp_relay", arrive)
        records = body.count("<StateMessage ")
        s = self.statesys
        worker = thread_id(sc.name, "statesys-worker", at.isoformat())
        t0 = later(arrive, 0.35)
        if sc.cb:
            # current branch, default logging (site-CHQ-lab statesys.log): StateSys moves the file into process\ with a
            # priority prefix and names it and its sender; "chunks", not the seed's "chucks"; no pause line
            sender = re.search(r"<ClientID>(.*?)</ClientID>", body)
            p = later(t0, 10.016)
            s(p, "Found new state messages to process, starting processing thread")
            s(later(p, 0.002), f'Thread "State Message Processing Thread #0" id:{worker} started', thread=worker)
            s(later(p, 0.004), "total chunks loaded (1)", thread=worker)
            s(later(p, 0.419), f"CMessageProcessor - Processed {records} records with 0 invalid records from sender: "
              f"{sender[1] if sender else ''}, file: N_{smx}.", thread=worker)
            s(later(p, 0.420), "total chunks loaded (0)", thread=worker)
            s(later(p, 0.421), f'Thread "State Message Processing Thread #0" id:{worker} terminated normally', thread=worker)
            s(later(p, 0.422), "CThreadMgr::ThreadTerminating - All threads have stopped running", thread=worker)
            if ours:
                self.mark("state_processing", later(p, 0.421))
            return later(p, 0.421)
        if verbose:
            s(t0, "Inbox notification triggered, pause for 10 seconds......")
        p = later(t0, 10.016)
        s(p, "Found new state messages to process, starting processing thread")
        s(later(p, 0.001), f'Thread "State Message Processing Thread #0" id:{worker} started')
        s(later(p, 0.004), "total chucks loaded (1)", thread=worker)
        if verbose:
            s(later(p, 0.005), f"CMessageProcessor - Processing file: {smx}", thread=worker)
            s(later(p, 0.187), f"CMessageProcessor - Processed {records} records with 0 invalid records.", thread=worker)
            s(later(p, 0.191), "CMessageProcessor - Processed 1 message files in this batch, with 0 bad files.", thread=worker)
        s(later(p, 1.195), "total chucks loaded (0)", thread=worker)
        s(later(p, 1.198), f'Thread "State Message Processing Thread #0" id:{worker} terminated normally', thread=worker)
        if ours:
            self.mark("state_processing", later(p, 1.198))
        return later(p, 1.198)

    def summarize(self, at: datetime) -> None:
        s = self.statesys
        tasks = (("SUM Update Status Summarizer", 15, 8), ("SUM Assignment Compliance Evaluator", 3, 0),
                 ("SUM Update Group Status Summarizer", 2, 1))
        for name, seconds, status in tasks:
            s(at, f"Started task '{name}'")
            at = later(at, seconds + 0.27)
            s(at, f"Task '{name}' completed successfully after running for {seconds} seconds, with status {status}.")
            at = later(at, 0.46)
        self.mark("summarization", at)

    # ---- unrelated activity (noise and passing time) --------------------------------------------

    def client_startup(self, t0: datetime) -> None:
        sc = self.sc
        st = self.tid("ScanAgent-startup")
        if sc.policy_flow and sc.new_source:
            self.scan(t0, "Software Updates client configuration policy has not been received, default settings will be used.",
                      "scantoolpolicy.cpp:648", thread=st)
        self.scan(later(t0, 0.002), "- -Recovering persisted Scan requests...", "scanjobmgr.cpp:117", thread=st)
        self.scan(later(t0, 0.005), "CScanAgent::CleanDeletedUpdateSources- entered. This will clean any update sources for which policy "
                  "no longer exists.", "cscanagent.cpp:1391", thread=st)
        categories = "E0789628-CE08-4437-BE74-2495B842F43B"
        excluded = f"{categories},A38C835C-2950-4E87-86CC-6911A52C34A3"
        self.wua(later(t0, 0.058), f"CWuaHandler::SetCategoriesForStateReportingExclusion called with {categories};{excluded}; for leaves "
                 f"and {excluded}; for bundles", "cwuahandler.cpp:2527", thread=st)
        self.store(later(t0, 0.061), "CUpdatesStore::Initialize - Initialized updates store.", "updatesstore.cpp:212", thread=st)
        self.ls(later(t0, 4.2), f"Current AD site of machine is {sc.ad_site}", "lsad.cpp:746")
        self.ls(later(t0, 4.25), "Attempting to retrieve local MPs from the assigned MP", "lsad.cpp:3594")
        self.ls(later(t0, 4.3), f"Refreshing the Management Point List for site {SITE_CODE}", "lssecurity.cpp:848")
        self.ls(later(t0, 4.33), "Retrieved management point encryption info from AD.", "lssecurity.cpp:3397")
        self.ccmexec(later(t0, 1.1), "*** Keep the system awake", "powerstatemanager.cpp:1057")
        self.ccmexec(later(t0, 9.4), "*** System is now free to go to sleep", "powerstatemanager.cpp:1068")
        # WindowsUpdate.log: the service started a while before the window
        boot = later(t0, -71 * 60 - 3.4)
        if sc.wu_format == "legacy":
            svc = {"pid": 968, "tid": 0x9D0}
            self.wu(boot, "Misc", f"===========  Logging initialized (build: {sc.wu_build}, tz: {iso_offset(sc.client_bias)})  ===========", **svc)
            self.wu(boot, "Misc", "  = Process: C:\\Windows\\system32\\svchost.exe", **svc)
            self.wu(boot, "Misc", "  = Module: c:\\windows\\system32\\wuaueng.dll", **svc)
            self.wu(boot, "Service", "*************", **svc)
            self.wu(boot, "Service", "** START **  Service: Service startup", **svc)
            self.wu(boot, "Service", "*********", **svc)
            self.wu(later(boot, 0.11), "Agent", f"  * WU client version {sc.wu_build}", **svc)
            self.wu(later(boot, 0.11), "Agent", "  * Base directory: C:\\Windows\\SoftwareDistribution", **svc)
            self.wu(later(boot, 0.11), "Agent", "  * Access type: No proxy", **svc)
            self.wu(later(boot, 0.11), "Agent", "  * Network state: Connected", **svc)
            g = later(boot, 45.7)
            self.wu(g, "Report", "CWERReporter::Init succeeded", **svc)
            self.wu(g, "Agent", "***********  Agent: Initializing Windows Update Agent  ***********", **svc)
            self.wu(g, "Agent", "***********  Agent: Initializing global settings cache  ***********", **svc)
            configured = "<NULL>" if sc.new_source or sc.failure == "gpo" else sc.wsus_url
            if sc.failure == "gpo":
                configured = "http://wsus-old.contoso.com:8530"
            self.wu(g, "Agent", f"  * WSUS server: {configured}", **svc)
            self.wu(g, "Agent", f"  * WSUS status server: {configured}", **svc)
            self.wu(g, "Agent", "  * Target group: (Unassigned Computers)", **svc)
            self.wu(g, "Agent", "  * Windows Update access disabled: No", **svc)
            self.wu(later(g, 0.015), "DnldMgr", "Download manager restoring 0 downloads", **svc)
            self.wu(later(g, 0.015), "AU", "###########  AU: Initializing Automatic Updates  ###########", **svc)
            self.wu(later(g, 0.47), "AU", "AU finished delayed initialization", **svc)
            # CcmExec loads wuapi.dll in its own process before the first search
            ccm = {"pid": 3856, "tid": 0x708}
            w = later(t0, 3.9)
            self.wu(w, "Misc", f"===========  Logging initialized (build: {sc.wu_build}, tz: {iso_offset(sc.client_bias)})  ===========", **ccm)
            self.wu(w, "Misc", "  = Process: C:\\Windows\\CCM\\CcmExec.exe", **ccm)
            self.wu(w, "Misc", "  = Module: C:\\Windows\\system32\\wuapi.dll", **ccm)
        else:
            self.wu(boot, "Shared", "* START * Service startup", pid=1204, tid=1388)
            self.wu(later(boot, 0.013), "Agent", "WU client version 10.0.18362.592", pid=1204, tid=1388)
            self.wu(later(boot, 0.014), "Agent", "SleepStudyTracker: Machine is non-AOAC. Sleep study tracker disabled.", pid=1204, tid=1388)
            self.wu(later(boot, 0.015), "Agent", "Base directory: C:\\WINDOWS\\SoftwareDistribution", pid=1204, tid=1388)
            self.wu(later(boot, 0.016), "Agent", "Datastore directory: C:\\WINDOWS\\SoftwareDistribution\\DataStore\\DataStore.edb", pid=1204, tid=1388)
            self.wu(later(boot, 0.52), "Misc", "Got WSUS Client/Server URL: " + sc.wsus_url + '/ClientWebService/client.asmx""', pid=1204, tid=1388)

    def background(self, w0: datetime, w1: datetime) -> None:
        """Unrelated activity on every host across the window, so matching is not trivial and time passes."""
        sc = self.sc
        n = sc.name
        span = (w1 - w0).total_seconds()

        def ticks(label: str, every: float, offset: float) -> list[datetime]:
            out, s = [], offset + number(n, label, "phase", hi=int(every * 0.3))
            while s < span:
                out.append(later(w0, s + number(n, label, s, hi=999) / 1000))
                s += every + number(n, label, "gap", s, hi=int(every * 0.2))
            return out

        # client
        for i, at in enumerate(ticks("ls-task", 16 * 60, 200)):
            task = "LSRefreshLocationsTask" if i % 2 else "LSSiteRoleCycleTask"
            self.ls(at, f"Executing Task {task}", "scheduledcleanupendpoint.cpp:116", thread=self.tid("ls-cleanup"))
            self.ls(later(at, 0.02), f"Current AD site of machine is {sc.ad_site}", "lsad.cpp:746", thread=self.tid("ls-cleanup"))
        for at in ticks("ccmexec", 11 * 60, 60):
            self.ccmexec(at, "*** Keep the system awake", "powerstatemanager.cpp:1057")
            self.ccmexec(later(at, 4.7), "*** System is now free to go to sleep", "powerstatemanager.cpp:1068")
        for at in ticks("ccmexec-notify", 23 * 60, 400):
            self.ccmexec(at, f"Notifying endpoint 'SrcUpdateMgr' of __InstanceModificationEvent settings change on object "
                         f'SMS_Authority.Name="SMS:{SITE_CODE}" for user \'S-1-5-18\'.', "wmisettings.cpp:202")
        changed = self.policy_changed_at()
        for at in ticks("policy-cycle", 27 * 60, 5 * 60):
            if changed is not None and self.client_policy_at is not None and later(changed, -60) <= at <= later(self.client_policy_at, 6 * 60):
                continue  # the cycle that downloads the new policy is the scenario's own
            done = self.policy_exchange(at, 0)
            self.evaluator(later(done, 1.9), f"Updating settings in \\\\{sc.client}\\root\\ccm\\policy\\machine\\actualconfig", "policyutil.cpp:8021")
            self.evaluator(later(done, 1.9), "Settings update not required. No changes detected.", "policyutil.cpp:8033")
        for at in ticks("state-noise", 14 * 60, 120) if not sc.cb else []:  # ConfigMgr 2012 wording
            topic = "Windows/All_x86_Windows_7_Client/1" if sc.x86 else "Windows/All_x64_Windows_7_Client/1"
            self.state(at, f"State message with TopicType 401 and TopicId {topic} has been updated", "statemsg.cpp:695",
                       thread=self.tid("state-noise"))
        for at in ticks("wu-au", 19 * 60, 300):
            if sc.wu_format == "legacy":
                self.wu(at, "AU", "Successfully wrote event for AU health state:0", tid=0x9D0)
                self.wu(later(at, 5.0), "Report", "CWERReporter finishing event handling. (00000000)", tid=0xB7C)
            else:
                self.wu(at, "SLS", "Get response for service 855E8A7C-ECB4-4CA3-B045-1DFA50104289 - forceExpire[False] asyncRefreshOnExpiry[True]",
                        pid=1204, tid=7780)
                self.wu(later(at, 0.001), "IdleTimer", "WU operation (SR.UpdateOrchestrator ID 11) stopped; does use network; is not at "
                        "background priority", pid=1204, tid=7780)
                # other components fail benignly all day long (client-PALAC: a background download behind a proxy)
                self.wu(later(at, 2.4), "WebServices", "*FAILED* [80240438] Web service call", pid=1204, tid=7780)
                self.wu(later(at, 2.401), "DownloadManager", "*FAILED* [80240438] GetExtendedUpdateInfo2", pid=1204, tid=7780)
                self.wu(later(at, 2.402), "DownloadManager", "*FAILED* [80240438] FetchAndStoreDynamicData failed", pid=1204, tid=7780)
                self.wu(later(at, 2.55), "DownloadManager", f"*FAILED* [80240438] Background download of UpdateId = "
                        f"{make_guid(sc.name, 'background-download', at.isoformat())}.1, failed due to proxy or proxy authentication error",
                        pid=1204, tid=7780)
        self.scan(later(w1, -61.3), "CScanAgent::CleanDeletedUpdateSources- entered. This will clean any update sources for which policy "
                  "no longer exists.", "cscanagent.cpp:1391", thread=self.tid("ScanAgent-cleanup"))

        # management point: other clients' location requests, relays and HTTP traffic
        for k, at in enumerate(ticks("mp-clients", 8 * 60, 90)):
            name, ip = OTHER_CLIENTS[(k // 3 if k % 3 == 0 else k) % len(OTHER_CLIENTS)]
            if k % 3 == 0:
                asked = sc.content_version
                changed = self.sync_done if sc.sync == "ok" else self.policy_changed_at()
                if changed is not None and at < changed:
                    asked -= 1  # other clients still have the previous UpdateSource policy
                request = self.location_request_xml(ip, ".".join(ip.split(".")[:3]) + ".0", "CM12-R2-PS1", asked)
                self.mp_location(at, f"MP LM: Message Body : {request}", "mplocationmanager.cpp:1051", thread=self.tid("mp-location-2"))
                self.mp_location(later(at, 0.003), "MP LM: calling MP_GetWSUSServerLocations", "mplocationmanager.cpp:1260",
                                 thread=self.tid("mp-location-2"))
                if sc.failure == "reply_missing" and at > self.t(0):
                    continue
                reply = self.location_reply_xml(empty=asked > sc.version, version=asked)
                self.mp_location(later(at, 0.171), f"MP LM: Reply message body:\n{reply}", "mplocationmanager.cpp:1307",
                                 thread=self.tid("mp-location-2"))
                self.mp_hit(later(at, 0.2), ip, taken=187)
            elif self.forwarded_at is None or abs((at - self.forwarded_at).total_seconds()) > 4 * 60:
                topic = make_guid(n, "other-update", k).lower()
                when = later(at, -7 * 60 - 12.3)
                row = (f'<StateMessage MessageTime="{dmtf(when)}" SerialNumber="{number(n, "other-serial", k, lo=40, hi=900)}">'
                       f'<Topic ID="{topic}" Type="500" IDType="3" User="" UserSID=""/><State ID="2" Criticality="0"/>'
                       '<UserParameters Flags="0" Count="1"><Param>200</Param></UserParameters></StateMessage>')
                body = report_xml("GUID:" + make_guid(n, "other-client", name), sc.client_version, name, later(at, -0.9), row)
                self.relay(at, body, smx_name(n, "other-smx", k), ip, verbose=sc.statesys_verbose, ours=False)
            else:
                self.mp_hit(at, ip, "/SMS_MP/.sms_aut", "GET", "MPLIST", agent="SMS+CCM+5.0", taken=15)
        for at in ticks("mp-mplist", 13 * 60, 30):
            ip = OTHER_CLIENTS[number(n, "mplist", at.isoformat(), hi=2)][1]
            self.mp_hit(at, ip, "/SMS_MP/.sms_aut", "GET", "MPLIST", agent="SMS+CCM+5.0", taken=15)
            self.mp_hit(later(at, 0.6), ip, "/SMS_MP/.sms_aut", "GET", "MPCERT", agent="SMS+CCM+5.0", taken=0)
        if self.mpfdm is not None:
            for k, at in enumerate(ticks("mpfdm-other", 17 * 60, 400)):
                name = make_guid(n, "ddr", k)[:8]
                self.mpfdm(at, f"Moved file C:\\SMS\\MP\\OUTBOXES\\ddr.box\\{name}.DDR to \\\\{self.site}\\SMS_{SITE_CODE}\\inboxes\\auth\\ddm.box\\{name}.DDR")

        # site server
        for k, at in enumerate(ticks("dbmon", 21 * 60, 240)):
            notification = number(n, "dbmon-noise", k, lo=40000, hi=49999)
            self.dbmon(at, f"RCV: UPDATE on CI_ConfigurationItems for CI_ConfigurationItems_iu [{16777300 + k}][{notification}]")
            self.dbmon(later(at, 0.011), f"SND: Dropped {SITE_INBOX}\\objmgr.box\\{16777300 + k}.OBJ [{notification}]")
        for at in ticks("policypv", 29 * 60, 700):
            self.policypv(at, "Policy provider waiting for changes...")
        if sc.sync is None:
            for at in ticks("wsync-idle", 31 * 60, 600):
                self.wsync(at, "Wakeup for a polling cycle")
                self.wsync(later(at, 0.031), "Deleting old expired updates...")
                self.wsync(later(at, 1.402), "Deleted 0 expired updates")
                self.wsync(later(at, 1.43), "Next scheduled sync is a regular sync at " + f"{self.server_log('WSyncMgr.log').local(self.t(9 * 3600)):%m/%d/%Y %I:%M:%S %p}")
        for k, at in enumerate(ticks("wsus-other", 9 * 60, 30)):
            _, ip = OTHER_CLIENTS[k % len(OTHER_CLIENTS)]
            status = 503 if sc.failure == "http503" and abs((at - self.t(30)).total_seconds()) < 11 * 60 else 200
            self.wsus_hit(at, ip, "/ClientWebService/client.asmx", status=status, taken=78 if status == 200 else 0)
            self.wsus_hit(later(at, 1.1), ip, "/selfupdate/wuident.cab", method="GET", status=304 if status == 200 else 503, taken=0)
        for at in ticks("softdist", 26 * 60, 500):
            self.softdist.add(at, wsus(at, "Info", "WsusService.12", "ContentSyncAgent.WakeUpWorkerThreadProc", "Found no items to download"))

    # ---- results ----------------------------------------------------------------------------

    def render(self) -> dict[str, bytes]:
        out: dict[str, bytes] = {}
        for path, log in self.files.items():
            if not log.records:
                continue
            if path == "client/ScanAgent.log" and self.sc.rotate_scanagent:
                cut = self.t(0.5)
                out["client/ScanAgent.lo_"] = encode(log.text(end=cut), log.encoding)
                out[path] = encode(log.text(start=cut), log.encoding)
                continue
            out[path] = encode(log.text(), log.encoding)
        return out

    def expected(self) -> dict[str, Any]:
        sc = self.sc
        failed = {"gpo": "update_source", "http401": "wua_search", "http503": "wua_search", "memory": "wua_search",
                  "cert": "wua_search", "reply_empty": "mp_lookup"}.get(sc.failure or "")
        stalled = {"reply_missing": "mp_lookup", "not_forwarded": "state_upload"}.get(sc.failure or "")
        codes = {"gpo": 0x87D00692, **{k: v.code for k, v in WU_FAILURES.items()}}
        code = codes.get(sc.failure or "")
        forwarded = "state_upload" in self.reached
        updates = [
            {"update_id": self.update_ids[u.kb], "revision": u.revision, "kb": u.kb, "state": u.state, "title": u.title,
             "state_message": self.state_message_raised(u)}
            for u in self.reported()
        ] if "results" in self.reached else []
        wu_text = self.wulog.text()
        callers = sorted(set(re.findall(r"Finding updates \[?CallerId = ([^\]\n]*?)(?:  Id = \d+|\])", wu_text)) - {"CcmExec"})
        return {
            "scenario": sc.name,
            "description": sc.description,
            "generation": sc.generation,
            "client_host": sc.client if forwarded else None,
            "scan_flows": 1,
            "evaluations": self.evaluations,
            "wu_log": {
                "format": sc.wu_format,
                "failed_lines": wu_text.count("*FAILED*"),
                "warning_lines": wu_text.count("WARNING:"),
                "other_callers": callers,
            },
            "scan": {
                "status": "failed" if failed else "stalled" if stalled else "ok",
                "failed_step": failed,
                "stalled_step": stalled,
                "error_code": f"0x{code:08x}" if code is not None else None,
                "update_source": self.source,
                "content_version": str(sc.content_version),
                "scan_job": self.job,
                "updates": updates,
            },
            "policy": {"present": sc.policy_flow},
            "wsus_sync": {"present": sc.sync is not None, "status": sc.sync},
            "ids": {
                "location_request": self.location_request,
                "messages": {
                    "location_request": self.msg_location,
                    "location_reply": self.msg_reply if "mp_reply" in self.reached else None,
                    "state_upload": self.msg_state if forwarded else None,
                },
                "policy_id": self.policy_id if sc.policy_flow else None,
                "smx": self.smx if forwarded else None,
                "statesys_file": (f"N_{self.smx}" if sc.cb else self.smx) if "state_processing" in self.reached else None,
                "state_serials": [self.serial, self.serial + len(self.recorded) - 1] if forwarded else None,
            },
        }


def report_xml(client_id: str, client_version: str, netbios: str, at: datetime, body: str) -> str:
    """A state message report as StateMessage.log and MP_Relay.log print it (XML declaration on its own line)."""
    return (
        '<?xml version="1.0" encoding="UTF-16"?>\n'
        "<Report><ReportHeader><Identification><Machine><ClientInstalled>1</ClientInstalled><ClientType>1</ClientType>"
        f"<ClientID>{client_id}</ClientID><ClientVersion>{client_version}</ClientVersion><NetBIOSName>{netbios}</NetBIOSName>"
        "<CodePage>437</CodePage><SystemDefaultLCID>1033</SystemDefaultLCID><Priority>5</Priority></Machine></Identification>"
        f"<ReportDetails><ReportContent>State Message Data</ReportContent><ReportType>Full</ReportType><Date>{dmtf(at)}</Date>"
        "<Version>1.0</Version><Format>1.0</Format></ReportDetails></ReportHeader>"
        f"<ReportBody>{body}</ReportBody></Report>"
    )


# --------------------------------------------------------------------------------------------
# Scenarios: the healthy first scan and one override set per scenario
# --------------------------------------------------------------------------------------------


def _utc(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S.%f")


BASE = Scenario(name="", description="", start=_utc("2014-01-20 17:18:03.412"))


R2 = "ConfigMgr 2012 R2 (seed wording, Windows 7): "
CB = "Current branch (Windows 10): "
WIN10_RESCAN = tuple(replace(u, state="installed") if u.kb == "KB890830" else u for u in WIN10_X64)


def _current_branch(sc: Scenario) -> Scenario:
    """A Windows 10 client of a current-branch site."""
    return replace(
        sc,
        generation="current branch",
        updates=WIN10_X64,
        client="PS1WIN10X64",
        client_ip="192.168.2.71",
        client_version="5.00.9122.1000",
        modern_wuahandler=True,
        wu_format="etw",
        wu_agent="Windows-Update-Agent/10.0.10011.16384+Client-Protocol/2.0",
        iis_version="10.0",
        statesys_verbose=False,
    )


def healthy_first_scan() -> Scenario:
    return replace(
        BASE,
        name="healthy-first-scan",
        description=R2 + "new client: WSUS sync, STN, policy provider and client policy, full scan of a completely new update "
        "source, states forwarded, relayed via a remote MP and MPFDM, processed by StateSys, SUM summarization.",
        policy_flow=True,
        sync="ok",
        tail=4 * 60,
    )


def healthy_rescan() -> Scenario:
    return replace(
        _current_branch(BASE),
        name="healthy-rescan",
        description=CB + "an existing client rescans after a sync raised the content version to 39; MP co-located on the site "
        "server; WUAHandler skips Group Policy registration; UpdatesStore finds every update already reported and raises a "
        "state message only for KB890830, which is now installed; offline re-evaluation by UpdateID after the scan.",
        start=_utc("2020-02-11 15:42:10.118"),
        updates=WIN10_RESCAN,
        client="PS1WIN10-RS",
        client_ip="192.168.2.64",
        content_version=39,
        new_source=False,
        rescan=True,
        changed=("KB890830",),
        mp_colocated=True,
        policy_flow=True,
        sync="ok",
        forward_after=6 * 60 + 12.8,
        tail=3 * 60,
    )


def gpo_override() -> Scenario:
    return replace(
        BASE,
        name="gpo-override",
        description=R2 + "a domain GPO overrides the local WSUS policy (wsus-old.contoso.com); WUAHandler fails to add the update "
        "source with 0x87d00692 and ScanAgent stops at AddUpdateSource.",
        start=_utc("2014-01-20 18:07:41.220"),
        gp_wait=21.8,
        failure="gpo",
    )


def wsus_401() -> Scenario:
    return replace(
        BASE,
        name="wsus-401",
        description=R2 + "the WSUS web service answers 401 to SyncUpdates; the WUA search fails with 0x80244017 and WUAHandler "
        "reports the scan failed.",
        start=_utc("2014-01-20 19:12:05.645"),
        new_source=False,
        failure="http401",
    )


def wsus_503() -> Scenario:
    return replace(
        BASE,
        name="wsus-503",
        description=R2 + "WsusPool is overloaded: IIS returns 503 on /ClientWebService/client.asmx to this and other clients; "
        "the WUA search fails with 0x80244022.",
        start=_utc("2014-01-20 20:31:17.902"),
        new_source=False,
        failure="http503",
    )


def empty_location_reply() -> Scenario:
    return replace(
        BASE,
        name="empty-location-reply",
        description=R2 + "policy asks for content version 39 but the site's SUP is still at 38 (its last sync failed with a "
        "timeout): the MP returns a WSUS location reply without LocationRecords.",
        start=_utc("2014-01-20 17:46:22.331"),
        content_version=39,
        site_version=38,
        new_source=False,
        policy_flow=True,
        sync="failed",
        failure="reply_empty",
    )


def location_reply_missing() -> Scenario:
    return replace(
        BASE,
        name="location-reply-missing",
        description=R2 + "the WSUS location request reaches the MP, which calls MP_GetWSUSServerLocations and never replies; "
        "the client waits with no reply for 30 minutes.",
        start=_utc("2014-01-20 16:05:12.770"),
        new_source=False,
        failure="reply_missing",
        tail=31 * 60,
    )


def memory_32bit() -> Scenario:
    return replace(
        BASE,
        name="memory-32bit",
        description=R2 + "32-bit Windows 7 client runs out of memory in the WUA search (GetUpdateMetadata2 hr=8007000E); "
        "WUAHandler reports the scan failed with 0x8007000e.",
        start=_utc("2014-01-20 18:44:09.051"),
        updates=WIN7_X86,
        client="PS1WIN7X86",
        client_ip="192.168.2.63",
        new_source=False,
        wu_build="7.6.7600.256",
        wu_agent="Windows-Update-Agent/7.6.7600.256+Client-Protocol/1.21",
        failure="memory",
        x86=True,
    )


def client_cert() -> Scenario:
    return replace(
        BASE,
        name="client-cert",
        description=R2 + "the HTTPS software update point requires a client certificate the client cannot present: WinHTTP "
        "fails with 0x80072F0C and the scan fails.",
        start=_utc("2014-01-20 21:02:33.487"),
        wsus_url="https://PS1SITE.CONTOSO.COM:8531",
        new_source=False,
        failure="cert",
    )


def state_not_forwarded() -> Scenario:
    return replace(
        BASE,
        name="state-not-forwarded",
        description=R2 + "scan succeeds and every update state is recorded in StateMessage.log, but no state message is "
        "forwarded to the MP in the following 45 minutes.",
        start=_utc("2014-01-20 15:20:48.206"),
        new_source=False,
        failure="not_forwarded",
        tail=45 * 60,
    )


def scanagent_rotation() -> Scenario:
    return replace(
        _current_branch(BASE),
        name="scanagent-rotation",
        description=CB + "healthy scan where ScanAgent.log rolled over to ScanAgent.lo_ right after the location request; the "
        "rest of the scan is in the new ScanAgent.log; offline re-evaluation by UpdateID after the scan.",
        start=_utc("2020-01-14 17:33:29.914"),
        client="PS1WIN10-ROT",
        client_ip="192.168.2.73",
        new_source=False,
        forward_after=9 * 60 + 3.6,
        tail=3 * 60,
        rotate_scanagent=True,
    )


def utf16_logs() -> Scenario:
    return replace(
        _current_branch(BASE),
        name="utf16-logs",
        description=CB + "healthy scan whose client CMTrace logs are written as UTF-16LE with a BOM (CRLF line endings); "
        "offline re-evaluation by UpdateID after the scan.",
        start=_utc("2020-01-14 19:55:06.338"),
        client="PS1WIN10-U16",
        client_ip="192.168.2.74",
        new_source=False,
        encoding="utf-16",
        forward_after=11 * 60 + 27.0,
        tail=3 * 60,
    )


def win10_wulog() -> Scenario:
    return replace(
        _current_branch(BASE),
        name="win10-wulog",
        description=CB + "healthy scan on Windows 10 1909 whose WindowsUpdate.log is the Get-WindowsUpdateLog format (local "
        "time, no zone, decimal PID/TID); Store and Defender searches around it (Defender's fails on the proxy), offline "
        "re-evaluation by UpdateID after it.",
        start=_utc("2020-01-14 19:05:20.507"),
        new_source=False,
        forward_after=13 * 60 + 50.2,
        tail=3 * 60,
    )


def deployment_evaluation() -> Scenario:
    return replace(
        _current_branch(BASE),
        name="deployment-evaluation",
        description=CB + "healthy scan, its offline re-evaluation by UpdateID, then a deployment evaluation (UpdatesDeployment "
        "evaluates the assignment, UpdatesHandler's detection job, a WUAHandler category search offline, no location "
        "request and no AddUpdateSource) and, later, an evaluation answered from the cached scan results (no search).",
        start=_utc("2020-01-14 14:12:44.276"),
        client="PS1WIN10-DEP",
        client_ip="192.168.2.75",
        new_source=False,
        forward_after=7 * 60 + 31.9,
        evaluations=("deployment", "cache"),
        tail=5 * 60,
    )


def timezones() -> Scenario:
    return replace(
        BASE,
        name="timezones",
        description=R2 + "healthy first scan with the client in Central Europe (bias -60), the MP in US Eastern (+300) and "
        "the site server in US Pacific (+480); the UTC timeline is coherent.",
        start=_utc("2014-01-20 17:24:40.765"),
        client="BERWIN7X64",
        client_ip="10.20.1.44",
        subnet="10.20.1.0",
        ad_site="CM12-R2-BER",
        client_bias=-60,
        mp_bias=300,
        server_bias=480,
        policy_flow=True,
        sync="ok",
        tail=3 * 60,
    )


_FACTORIES: dict[str, Callable[[], Scenario]] = {
    "healthy-first-scan": healthy_first_scan,
    "healthy-rescan": healthy_rescan,
    "gpo-override": gpo_override,
    "wsus-401": wsus_401,
    "wsus-503": wsus_503,
    "empty-location-reply": empty_location_reply,
    "location-reply-missing": location_reply_missing,
    "memory-32bit": memory_32bit,
    "client-cert": client_cert,
    "state-not-forwarded": state_not_forwarded,
    "scanagent-rotation": scanagent_rotation,
    "utf16-logs": utf16_logs,
    "win10-wulog": win10_wulog,
    "deployment-evaluation": deployment_evaluation,
    "timezones": timezones,
}

SCENARIOS: dict[str, str] = {name: factory().description for name, factory in _FACTORIES.items()}


def scenario(name: str) -> Scenario:
    """The named scenario's settings (``dataclasses.replace`` them, e.g. to move its ``start``)."""
    return _FACTORIES[name]()


def build(sc: Scenario) -> tuple[dict[str, bytes], dict[str, Any]]:
    """Build one scenario: ``({relative path: bytes}, expected result)``."""
    b = Build(sc)
    b.run()
    return b.render(), b.expected()


def generate(out_dir: Path) -> None:
    """Write every scenario folder under ``out_dir`` (existing scenario folders are replaced)."""
    out_dir = Path(out_dir)
    for name, factory in _FACTORIES.items():
        sc = factory()
        assert sc.name == name, name
        files, expected = build(sc)
        target = out_dir / name
        if target.exists():
            shutil.rmtree(target)
        for rel, data in sorted(files.items()):
            path = target / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        (target / "expected.json").write_bytes((json.dumps(expected, indent=2) + "\n").encode("utf-8"))


def main(argv: list[str] | None = None, default_out: Path | None = None) -> int:
    """Write every scenario under the folder given on the command line (else ``default_out``)."""
    args = sys.argv[1:] if argv is None else argv
    if not args and default_out is None:
        print("usage: scenarios OUT_DIR", file=sys.stderr)
        return 2
    out = Path(args[0]) if args else Path(str(default_out))
    generate(out)
    for name, text in SCENARIOS.items():
        print(f"{name:24} {text}")
    return 0



__all__ = ["SCENARIOS", "Scenario", "build", "scenario", "cm", "generate", "iis", "sms", "wsus", "wu_etw", "wu_legacy"]
