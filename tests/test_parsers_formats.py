"""Golden tests: each format and each edge case of the issue, with exact times and fields."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sumtrace.parsers.stream import parse_bytes
from tests.conftest import cm

UTC = timezone.utc


def one(data: str | bytes, path: str = "X.log", **kw: object) -> object:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    entries = parse_bytes(path, raw, **kw)  # type: ignore[arg-type]
    assert len(entries) == 1, entries
    return entries[0]


@pytest.mark.parametrize(
    ("time", "bias", "utc"),
    [
        ("10:00:00.000+480", 480, datetime(2014, 1, 20, 18, 0, tzinfo=UTC)),   # PST: UTC = local + 8 h
        ("10:00:00.000-330", -330, datetime(2014, 1, 20, 4, 30, tzinfo=UTC)),  # IST: UTC = local - 5:30
        ("10:00:00.000-60", -60, datetime(2014, 1, 20, 9, 0, tzinfo=UTC)),     # CET, 2-digit bias
        ("10:00:00.000+-420", 420, datetime(2014, 1, 20, 17, 0, tzinfo=UTC)),  # writer bug: Arizona
        ("10:00:00.000+000", 0, datetime(2014, 1, 20, 10, 0, tzinfo=UTC)),
    ],
)
def test_cmtrace_bias_is_windows_bias(time: str, bias: int, utc: datetime) -> None:
    e = one(cm("hello", time=time))
    assert e.local == datetime(2014, 1, 20, 10, 0)
    assert e.utc == utc and e.bias == bias and e.time_source == "bias"


def test_cmtrace_no_bias_assumed_or_host() -> None:
    e = one(cm("x", time="10:22:50.8422964"))
    assert e.local == datetime(2014, 1, 20, 10, 22, 50, 842296)  # 7 digits: .NET ticks truncated
    assert e.time_source == "assumed-local" and e.bias is None and e.utc == datetime(2014, 1, 20, 10, 22, 50, 842296, tzinfo=UTC)
    h = one(cm("x", time="10:22:50.8422964"), host_bias=300)
    assert h.time_source == "host-bias" and h.bias == 300 and h.utc is not None and h.utc.hour == 15


@pytest.mark.parametrize("frac,micro", [("1", 100000), ("12", 120000), ("123", 123000), ("1234567", 123456)])
def test_cmtrace_fraction_digits(frac: str, micro: int) -> None:
    e = one(cm("x", time=f"01:02:03.{frac}+300"))
    assert e.local is not None and e.local.microsecond == micro


def test_cmtrace_dates_without_leading_zeros_and_odd_attributes() -> None:
    e = one(cm("x", date="1-2-2015", typ="", thread="", extra=' custom="1"'))
    assert e.local is not None and (e.local.month, e.local.day) == (1, 2)
    assert e.thread is None and e.source == "" and e.severity_inferred


@pytest.mark.parametrize("typ,sev", [("0", "verbose"), ("1", "info"), ("2", "warning"), ("3", "error")])
def test_cmtrace_type(typ: str, sev: str) -> None:
    e = one(cm("Failed something", typ=typ))
    assert e.severity == sev and not e.severity_inferred


def test_cmtrace_multiline_and_newline_before_end_marker() -> None:
    data = cm("Raising event:\r\n\r\ninstance of X\r\n{\r\n};\r\n") + "\r\n" + cm("next") + "\r\n"
    entries = parse_bytes("X.log", data.encode())
    assert [e.line for e in entries] == [1, 7]
    assert entries[0].message == "Raising event:\n\ninstance of X\n{\n};\n"
    assert entries[1].offset == len(cm("Raising event:\r\n\r\ninstance of X\r\n{\r\n};\r\n")) + 2


def test_cmtrace_file_starting_mid_record_keeps_fragment() -> None:
    # The surviving trailer carries the record's time: a damaged record, placed in time (see
    # tests/test_parsers_torn.py), not unparsed text.
    data = 'tail of a record]LOG]!><time="1:2:3.000+300" date="1-1-2014" component="A" context="" type="1" thread="1">\r\n'
    data += cm("whole") + "\r\n"
    entries = parse_bytes("X.log", data.encode())
    assert [(e.format, e.damaged) for e in entries] == [("cmtrace", True), ("cmtrace", False)]
    assert entries[0].message == "tail of a record" and entries[0].utc == datetime(2014, 1, 1, 6, 2, 3, tzinfo=UTC)
    assert entries[1].message == "whole" and entries[1].line == 2


def test_cmtrace_unusual_attribute_order_falls_back() -> None:
    raw = '<![LOG[odd]LOG]!><date="01-20-2014" time="10:00:00.000+300" type="3" component="C" thread="7">\r\n'
    e = one(raw)
    assert e.format == "cmtrace" and e.severity == "error" and e.component == "C" and e.thread == 7


def test_smstrace_line_and_statmsg_severity() -> None:
    line = ('STATMSG: ID=6703 SEV=E LEV=M SOURCE="SMS Server" COMP="SMS_WSUS_SYNC_MANAGER" SYS=PS1 SITE=PS1  '
            '$$<SMS_WSUS_SYNC_MANAGER><01-16-2014 13:53:52.608+300><thread=5028 (0x13A4)>\r\n')
    e = one(line)
    assert e.format == "smstrace" and e.component == "SMS_WSUS_SYNC_MANAGER" and e.thread == 5028
    assert e.utc == datetime(2014, 1, 16, 18, 53, 52, 608000, tzinfo=UTC)
    assert e.severity == "error" and not e.severity_inferred
    k = one("Sync failed: WSUS server not configured~~  $$<SMS_WSUS_SYNC_MANAGER><01-16-2014 13:53:52.608-60><thread=1 (0x1)>\n")
    assert k.message == "Sync failed: WSUS server not configured" and k.severity == "error" and k.severity_inferred
    assert k.utc == datetime(2014, 1, 16, 12, 53, 52, 608000, tzinfo=UTC)


def test_wu_legacy_banner_sign_changes_inside_file() -> None:
    text = (
        "2021-03-01\t08:00:00:000\t 576\ta70\tMisc\t===========  Logging initialized (build: 7.6, tz: -0500)  ===========\r\n"
        "2021-03-01\t08:00:01:500\t 576\ta70\tAgent\t* WSUS server: http://x:8530 (Changed)\r\n"
        "2021-07-01\t08:00:00:000\t 576\ta70\tMisc\t===========  Logging initialized (build: 7.6, tz: -0400)  ===========\r\n"
        "2021-07-01\t08:00:01:000\t 576\ta70\tAgent\tWARNING: Exit code = 0x80244017\r\n"
    )
    entries = parse_bytes("WindowsUpdate.log", text.encode())
    assert [e.utc.hour for e in entries if e.utc] == [13, 13, 12, 12]
    assert entries[1].thread == 0xA70 and entries[1].extra["pid"] == 576 and entries[1].time_source == "banner"
    assert entries[3].severity == "warning" and not entries[3].severity_inferred


def test_wu_etw_both_date_separators_and_failed_marker() -> None:
    text = ("2020/01/23 15:17:51.1594692 9852  628   DownloadManager *FAILED* [80244019] Error occurred\r\n"
            "2022-08-13 04:22:09.9494403 12508 12172 SLS             Get response for service\r\n")
    entries = parse_bytes("WindowsUpdate.log", text.encode())
    assert [e.format for e in entries] == ["wu-etw", "wu-etw"]
    assert entries[0].severity == "error" and entries[0].component == "DownloadManager" and entries[0].thread == 628
    assert entries[0].time_source == "assumed-local"
    h = parse_bytes("WindowsUpdate.log", text.encode(), host_bias=-60)
    assert h[0].time_source == "host-bias" and h[0].utc == datetime(2020, 1, 23, 14, 17, 51, 159469, tzinfo=UTC)  # CET: UTC = local - 1 h


def test_wsus_softwaredistribution_utc_and_stack_trace() -> None:
    text = ("2014-01-16 18:53:54.231 UTC\tChange\tw3wp.58\tAdminDataAccess.StartSubscriptionManually\tSynchronization manually started\r\n"
            "2014-01-16 18:53:56.168 UTC\tError\tWsusService.15\tThrowException\tSystem.Net.WebException: boom\r\n"
            "   at System.Net.HttpWebRequest.GetResponse()\r\n"
            "   at Microsoft.UpdateServices.Foo()\r\n"
            "2014-01-16 18:54:00.000 UTC\tInfo\tWsusService.15\tEventLogEventReporter.ReportEvent\tEventId=384,Type=Information\r\n")
    entries = parse_bytes("SoftwareDistribution.log", text.encode())
    assert [e.format for e in entries] == ["wsus", "wsus", "wsus"]
    assert entries[1].message.count("\n") == 2 and entries[1].severity == "error"
    assert entries[0].time_source == "utc" and entries[0].utc == datetime(2014, 1, 16, 18, 53, 54, 231000, tzinfo=UTC)
    assert entries[0].component == "w3wp" and entries[0].thread == 58


def test_iis_fields_repeat_mid_file() -> None:
    text = ("#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n"
            "#Fields: date time s-ip cs-method cs-uri-stem sc-status\r\n"
            "2014-01-20 17:18:55 10.0.0.1 CCM_POST /ccm_system/request 200\r\n"
            "#Fields: date time cs-method cs-uri-stem sc-status time-taken\r\n"
            "2014-01-20 17:19:55 POST /ClientWebService/client.asmx 503 15\r\n")
    entries = parse_bytes("u_ex140120.log", text.encode())
    assert [e.format for e in entries] == ["iis", "iis"]
    assert entries[0].extra["cs-method"] == "CCM_POST" and entries[1].extra["time-taken"] == "15"
    assert entries[1].severity == "error" and entries[1].time_source == "utc"


def test_plain_lines_never_dropped() -> None:
    entries = parse_bytes("notes.txt", b"hello world\r\n\r\nan error here\r\n<MAXIMUM LOG FILE SIZE REACHED - FILE RENAMED>\r\n")
    assert [e.format for e in entries] == ["plain"] * 3
    assert [e.line for e in entries] == [1, 3, 4]
    assert entries[1].severity == "error" and entries[1].severity_inferred
