"""Tests for flows.errorcodes: spellings, extraction from real log lines, and the table."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sumtrace.flows.errorcodes import (
    ALL_CODES,
    FAMILIES,
    ErrorInfo,
    describe,
    find_codes,
    http_status_to_code,
    lookup,
    normalize_code,
)

# --- normalize_code ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0x87d00692", 0x87D00692),
        ("0X87D00692", 0x87D00692),
        ("87D00692", 0x87D00692),
        ("[80244017]", 0x80244017),
        ("hr=8007000E", 0x8007000E),
        ("hr=0x8007000e", 0x8007000E),
        ("-2016410012", 0x87D00664),
        ("-2016409966", 0x87D00692),
        # log-formats.md §6 says this is 0x80244018; it is really 0x80190193 (HTTP_E_STATUS_FORBIDDEN).
        ("2149122451", 0x80190193),
        ("2149859352", 0x80244018),
        ("LE=0X8013150a", 0x8013150A),
        ("0x87D00669(-2016410007)", 0x87D00669),
        ("Error(-2147467259)", 0x80004005),
        ("Error:(-2146233088)", 0x80131500),
        ("Exit code = 0x80244017", 0x80244017),
        ("m_hrError = -2016410012", 0x87D00664),
        ("  0x80244022.  ", 0x80244022),
        ("0x00000000", 0),
        ("00240005", 0x00240005),
        ("4294967295", 0xFFFFFFFF),
        ("-2147483648", 0x80000000),
    ],
)
def test_normalize_spellings(text: str, expected: int) -> None:
    assert normalize_code(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "5",
        "200",
        "12002",
        "2147483647",
        "4294967296",
        "-2147483649",
        "",
        "garbage",
        "0x",
        "0x123456789",
        "8024401",
        "802440177",
        "{C2D17964-BBDD-4339-B9F3-12D7205B39CC}",
        "Signature",
    ],
)
def test_normalize_rejects_non_codes(text: str) -> None:
    assert normalize_code(text) is None


def test_normalize_ints() -> None:
    assert normalize_code(0x80244022) == 0x80244022
    assert normalize_code(-2016410012) == 0x87D00664
    assert normalize_code(-1) == 0xFFFFFFFF
    assert normalize_code(5) == 5  # an explicit int is taken as given
    assert normalize_code(2**32) is None
    assert normalize_code(-(2**31) - 1) is None
    assert normalize_code(True) is None


@given(st.integers(min_value=0x80000000, max_value=0xFFFFFFFF))
def test_normalize_round_trips_every_failure_spelling(code: int) -> None:
    signed = code - 2**32
    spellings = [
        f"0x{code:08x}",
        f"0X{code:08X}",
        f"{code:08X}",
        f"{code:08x}",
        f"[{code:08X}]",
        f"hr={code:08X}",
        f"hr=0x{code:08x}",
        f"LE=0X{code:08x}",
        str(signed),
        str(code),
        f"0x{code:08X}({signed})",
        f"Error({signed})",
    ]
    for spelling in spellings:
        assert normalize_code(spelling) == code, spelling
    assert normalize_code(signed) == code
    assert normalize_code(code) == code


# --- find_codes -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("OnSearchComplete - Failed to end search job. Error = 0x80244022.", [0x80244022]),
        (
            "2020/01/23 15:17:51.1594692 9852  628   DownloadManager *FAILED* [80244019] Error occurred "
            "while downloading update 4FED3B54-1A2B-4C3D-9E8F-301402B8B6B2.200; notifying dependent calls.",
            [0x80244019],
        ),
        ("WARNING: ISusInternal::GetUpdateMetadata2 failed, hr=8007000E", [0x8007000E]),
        ("CTargetedUpdate::RaiseEnforcementStateMessage, m_hrError = -2016410012", [0x87D00664]),
        (
            "Failed to Add Update Source for WUAgent of type (2) and id "
            "({C2D17964-BBDD-4339-B9F3-12D7205B39CC}). Error = 0x87d00692.",
            [0x87D00692],
        ),
        ("* END * Finding updates CallerId = CcmExec, Id = 2, Exit code = 0x00000000", []),
        ("Its a WSUS Update Source type ({C2D17964-BBDD-4339-B9F3-12D7205B39CC}), adding it.", []),
        ("{8FED3B54-BBDD-4339-B9F3-12D7205B39CC} {A2D17964-BBDD-4339-B9F3-12D7205B39CC}", []),
        (
            'STATMSG: ID=6703 SEV=E LEV=M SOURCE="SMS Server" COMP="SMS_WSUS_SYNC_MANAGER" SYS=SITE1 '
            'SITE=PS1 PID=2180 TID=3532 GMTDATE=Thu Jan 16 18:53:52.608 2014 ISTR0="x" NUMATTRS=0 '
            "LE=0X8013150a",
            [0x8013150A],
        ),
        ("The software change returned error code 0x87D00669(-2016410007).", [0x87D00669]),
        ("Scan failed with error = 0x80072ee2 on thread 3532 (0x0DCC)", [0x80072EE2]),
        ("Unspecified Error(-2147467259) returned", [0x80004005]),
        ("Failed to set Subscriptions on the WSUS Server. Error:(-2146233088) Request failed", [0x80131500]),
        (
            "Update 1 (aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee) finished installing (0x00000000), Reboot Required? No",
            [],
        ),
        ("TopicType = Compliance, Signature = 9e176837, IsCompliant = False", []),
        ("WARNING: Send failed with hr = 80072efd.", [0x80072EFD]),
        (
            "CCM job status 0x00240005 then 0x80244022 then 0x80244022 again, 0x80072EE2",
            [0x80244022, 0x80072EE2],
        ),
        (
            "Error = 0x87D00692, hr=80004005, m_hrError = -2016410012, [80244019]",
            [0x87D00692, 0x80004005, 0x87D00664, 0x80244019],
        ),
        ("installerError = 2149859352", [0x80244018]),
        ("DownloadSize = 2345678901, Result = 0x87D00664", [0x87D00664]),
        (
            "{5E0B3B11-0000-0000-0000-000000000000}\t2014-01-20 12:18:11:520-0500\t1\t161 "
            "[AGENT_DOWNLOAD_FAILED]\t101\t{00000000-0000-0000-0000-000000000000}\t0\t80246002\tCcmExec\tFailure",
            [0x80246002],
        ),
        (
            "Job error (0x87d00692) received for assignment ({2d0ab9e0-0000-0000-0000-000000000000}) action",
            [0x87D00692],
        ),
        ("Timestamp 20200123 and revision 200 and bias -300", []),
        ("", []),
    ],
)
def test_find_codes(message: str, expected: list[int]) -> None:
    assert find_codes(message) == expected


# --- lookup / describe ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "family"),
    [
        (0x87D00692, "CCM_GROUP_POLICY_CONFLICT", "configmgr"),
        ("0x87d00692", "CCM_GROUP_POLICY_CONFLICT", "configmgr"),
        ("-2016409966", "CCM_GROUP_POLICY_CONFLICT", "configmgr"),
        ("hr=8007000E", "E_OUTOFMEMORY", "win32"),
        ("[80244017]", "WU_E_PT_HTTP_STATUS_DENIED", "windows-update"),
        (0x80244018, "WU_E_PT_HTTP_STATUS_FORBIDDEN", "windows-update"),
        (0x80244022, "WU_E_PT_HTTP_STATUS_SERVICE_UNAVAIL", "windows-update"),
        (0x80072F0C, "ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED", "winhttp"),
        (0x80072EE2, "ERROR_WINHTTP_TIMEOUT", "winhttp"),
        (0x800B0101, "CERT_E_EXPIRED", "certificate"),
        ("LE=0X8013150a", "COR_E_SECURITY", "dotnet"),
        (0x87D2040E, "SMS_WSUS_DB_CONNECTION_FAILURE", "wsus-site"),
        (0x07D00635, "CCM_SCAN_SKIPPED_HISTORY_VALID", "configmgr"),
        (0x00240005, "WU_S_REBOOT_REQUIRED", "windows-update"),
        (0x00240006, "WU_S_ALREADY_INSTALLED", "windows-update"),
        (-2016410012, "CCM_UPDATES_HANDLER_JOB_CANCELLED", "configmgr"),
    ],
)
def test_lookup_known(code: int | str, name: str, family: str) -> None:
    info = lookup(code)
    assert info is not None
    assert info.name == name
    assert info.family == family
    assert describe(code) == info


def test_key_meanings() -> None:
    def meaning(code: int) -> str:
        info = lookup(code)
        assert info is not None
        return info.meaning.lower()

    assert "group policy conflict" in meaning(0x87D00692) and "gpo" in meaning(0x87D00692)
    assert "32-bit" in meaning(0x8007000E) and "getupdatemetadata2" in meaning(0x8007000E)
    assert "client certificate" in meaning(0x80072F0C)
    assert "503" in meaning(0x80244022) and "wsuspool" in meaning(0x80244022)
    for code, status in ((0x80244017, "401"), (0x80244018, "403")):
        assert status in meaning(code) and "proxy" in meaning(code) and "authentication" in meaning(code)


def test_lookup_unknown_and_non_codes() -> None:
    assert lookup(0x80071234) is None
    assert lookup("0x87D00999") is None
    assert lookup("not a code") is None
    assert lookup("5") is None  # a bare short decimal in text is never a code


def test_lookup_small_int_is_win32_error() -> None:
    timeout = lookup(12002)
    assert timeout is not None and timeout.code == 0x80072EE2
    denied = lookup(5)
    assert denied is not None and denied.name == "E_ACCESSDENIED"
    assert lookup(0) == ALL_CODES[0]  # S_OK, not ERROR_SUCCESS shifted into facility 7


@pytest.mark.parametrize(
    ("code", "family", "fragment", "hex_"),
    [
        (0x80071234, "win32", "Win32 error 4660 (facility 7)", "0x80071234"),
        (1234, "win32", "Win32 error 1234 (facility 7)", "0x800704D2"),
        ("0x80072F00", "winhttp", "WinHTTP error 12032", "0x80072F00"),
        (12032, "winhttp", "WinHTTP error 12032", "0x80072F00"),
        ("0x80241234", "windows-update", "Windows Update Agent", "0x80241234"),
        ("0x87D00999", "configmgr", "ConfigMgr", "0x87D00999"),
        ("0x800B0999", "certificate", "facility 11", "0x800B0999"),
        ("0x80131999", "dotnet", ".NET", "0x80131999"),
        ("0x80190194", "winhttp", "HTTP status 404", "0x80190194"),
        ("0xC1234567", "unknown", "facility", "0xC1234567"),
        ("0x00240099", "windows-update", "not a failure", "0x00240099"),
    ],
)
def test_describe_unknown(code: int | str, family: str, fragment: str, hex_: str) -> None:
    info = describe(code)
    assert info.name == "UNKNOWN"
    assert info.family == family
    assert info.meaning.startswith("Not in sumtrace's table;")
    assert fragment in info.meaning
    assert info.hex == hex_


def test_describe_rejects_non_codes() -> None:
    with pytest.raises(ValueError):
        describe("garbage")
    with pytest.raises(ValueError):
        describe(2**40)


# --- http_status_to_code ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (400, 0x80244016),
        (401, 0x80244017),
        (403, 0x80244018),
        (404, 0x80244019),
        (405, 0x8024401A),
        (407, 0x8024401B),
        (408, 0x8024401C),
        (409, 0x8024401D),
        (410, 0x8024401E),
        (500, 0x8024401F),
        (502, 0x80244021),
        (503, 0x80244022),
        (504, 0x80244023),
        (505, 0x80244024),
        (406, 0x8024402B),  # unmapped error statuses -> WU_E_PT_HTTP_STATUS_NOT_MAPPED
        (501, 0x8024402B),
    ],
)
def test_http_status_to_code(status: int, code: int) -> None:
    assert http_status_to_code(status) == code
    info = lookup(code)
    assert info is not None and info.family == "windows-update"


@pytest.mark.parametrize("status", [100, 200, 204, 206, 301, 304, 600, 0, -1])
def test_http_status_without_code(status: int) -> None:
    assert http_status_to_code(status) is None


# --- the table --------------------------------------------------------------------------


def test_table_size() -> None:
    assert len(ALL_CODES) >= 120


def test_table_entries_are_consistent() -> None:
    hex_re = re.compile(r"0x[0-9A-F]{8}")
    name_re = re.compile(r"[A-Z][A-Z0-9_]*")
    for code, info in ALL_CODES.items():
        assert isinstance(info, ErrorInfo)
        assert info.code == code
        assert 0 <= code <= 0xFFFFFFFF
        assert hex_re.fullmatch(info.hex), info
        assert normalize_code(info.hex) == code
        assert int(info.hex, 16) == code
        assert lookup(info.hex) is info
        assert info.family in FAMILIES and info.family != "unknown"
        assert name_re.fullmatch(info.name), info
        assert info.meaning and info.meaning[0].isupper() and info.meaning.endswith("."), info


def test_table_covers_reference_sections() -> None:
    # A sample from each of log-formats.md §6.1-6.4 plus the scan-failure list in §6.1.
    for code in (
        0x80240001, 0x8024000B, 0x80240438, 0x80244010, 0x8024F004, 0x8024B303,
        0x80245003, 0x80070514, 0x8DDD0018, 0x80246008, 0x80200013, 0x80004015,
        0x800A0046, 0x800A01AD, 0x80070424, 0x800B0100, 0x80248011,
        0x80072EE7, 0x80072F8F, 0x80070643, 0x80D02002, 0x80131500,
        0x87D00215, 0x87D00601, 0x87D00602, 0x87D00664, 0x87D00669, 0x87D00714,
        0x87D2040C, 0x87D2040F, 0x87D20413, 0x87D20417,
    ):  # fmt: skip
        assert code in ALL_CODES, hex(code)


def test_table_is_read_only() -> None:
    with pytest.raises(TypeError):
        ALL_CODES[1] = ALL_CODES[0]  # type: ignore[index]


def test_error_info_hex_format() -> None:
    assert ErrorInfo(0x80244017, "X", "Y.", "windows-update").hex == "0x80244017"
    assert ErrorInfo(0x87D0066A, "X", "Y.", "configmgr").hex == "0x87D0066A"
    assert ErrorInfo(0, "X", "Y.", "win32").hex == "0x00000000"
