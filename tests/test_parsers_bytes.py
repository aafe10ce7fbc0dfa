"""Bytes and encodings, chunking, and hostile input: nothing crashes, nothing good is lost."""

from __future__ import annotations

import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from sumtrace.parsers.stream import RecordParser, parse_bytes
from tests.conftest import ROOT, cm

RECORDS = [
    cm("Policy available for UpdateSourceID={C2D17964-BBDD-4339-B9F3-12D7205B39CC} ContentVersion=38"),
    cm("Café société — 日本語 ✓ multi\r\nline\r\nrecord", comp="WUAHandler", typ="2"),
    cm("x" * 300, time="1:2:3.4567891"),
    cm("StateMessage body: <?xml version=\"1.0\"?>\r\n<Report><a>1</a></Report>", comp="StateMessage"),
]
FILE = ("\r\n".join(RECORDS) + "\r\nstray unframed line\r\n" + RECORDS[0] + "\r\n").encode("utf-8")


def signature(entries: list) -> list[tuple]:  # type: ignore[type-arg]
    return [(e.line, e.offset, e.format, e.local, e.utc, e.severity, e.component, e.thread, e.message) for e in entries]


def feed_split(data: bytes, cuts: list[int], name: str = "X.log") -> list:  # type: ignore[type-arg]
    """The entries of ``data`` fed to one parser in the pieces ``cuts`` makes (the chunking property)."""
    p = RecordParser(name)
    out = []
    prev = 0
    for c in sorted(set(cuts)) + [len(data)]:
        out += p.feed(data[prev:c])
        prev = c
    return out + p.flush()


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(FILE)), max_size=40))
def test_any_chunking_equals_whole(cuts: list[int]) -> None:
    assert signature(feed_split(FILE, cuts)) == signature(parse_bytes("X.log", FILE))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=4000), max_size=30), st.sampled_from(["utf-16-le", "utf-16-be", "utf-8-sig"]))
def test_any_chunking_utf16(cuts: list[int], enc: str) -> None:
    data = FILE.decode("utf-8").encode(enc)
    if enc.startswith("utf-16"):
        data = (b"\xff\xfe" if enc.endswith("le") else b"\xfe\xff") + data
    cuts = [c % (len(data) + 1) for c in cuts]
    assert signature(feed_split(data, cuts)) == signature(parse_bytes("X.log", data))


def test_offsets_point_at_record_starts() -> None:
    entries = parse_bytes("X.log", FILE)
    for e in entries:
        if e.format == "cmtrace":
            assert FILE[e.offset:e.offset + 7] == b"<![LOG["
        assert FILE[:e.offset].count(b"\n") + 1 == e.line


def test_utf16_offsets_are_byte_offsets() -> None:
    data = b"\xff\xfe" + FILE.decode().encode("utf-16-le")
    for e in parse_bytes("X.log", data):
        if e.format == "cmtrace":
            assert data[e.offset:e.offset + 14].decode("utf-16-le") == "<![LOG["


def test_utf16_without_bom_by_nul_pattern() -> None:
    for enc in ("utf-16-le", "utf-16-be"):
        p = RecordParser("X.log")
        entries = p.feed(FILE.decode().encode(enc)) + p.flush()
        assert p.encoding == enc and len([e for e in entries if e.format == "cmtrace"]) == 5


def test_bom_only_file_and_empty() -> None:
    assert parse_bytes("X.log", b"\xef\xbb\xbf") == []
    assert parse_bytes("X.log", b"\xff\xfe") == []
    assert parse_bytes("X.log", b"") == []


def test_nul_padding_and_binary_garbage_do_not_hide_records() -> None:
    data = FILE + b"\x00" * 100_000 + bytes(range(256)) * 20 + b"\r\n" + RECORDS[0].encode() + b"\r\n"
    entries = parse_bytes("X.log", data)
    good = [e for e in entries if e.format == "cmtrace"]
    assert len(good) == 6
    assert good[-1].offset == data.rindex(b"<![LOG[")


def test_cp1252_fallback_is_per_record() -> None:
    data = cm("caf\xe9 latin-1 byte").encode("cp1252") + b"\r\n" + cm("caf\u00e9 utf8").encode("utf-8") + b"\r\n"
    entries = parse_bytes("X.log", data)
    assert entries[0].message == "caf\u00e9 latin-1 byte"
    assert entries[1].message == "caf\u00e9 utf8"


def test_ten_megabyte_record_between_good_ones() -> None:
    big = cm("B" * 10_000_000)
    data = (RECORDS[0] + "\r\n" + big + "\r\n" + RECORDS[0] + "\r\n").encode()
    p = RecordParser("X.log")
    out = []
    for i in range(0, len(data), 65536):
        out += p.feed(data[i:i + 65536])
    out += p.flush()
    assert [len(e.message) for e in out] == [len(out[0].message), 10_000_000, len(out[0].message)]


def test_unterminated_record_reported_not_swallowed() -> None:
    data = (cm("first") + "\r\n<![LOG[Raising event:\r\n\r\n\r\n" + cm("after") + "\r\n").encode()
    entries = parse_bytes("X.log", data)
    assert [(e.format, e.message) for e in entries] == [
        ("cmtrace", "first"), ("plain", "<![LOG[Raising event:"), ("cmtrace", "after")]


def test_partial_record_held_until_flush() -> None:
    p = RecordParser("X.log")
    data = RECORDS[0].encode()
    assert p.feed(data[:-5]) == []
    assert p.pending_bytes > 0
    tail = p.flush()
    assert [e.format for e in tail] == ["plain"]


def test_pure_core_does_not_import_ui_stack() -> None:
    code = ("import sys, sumtrace.parsers.stream, sumtrace.parsers.files, sumtrace.parsers.merge, sumtrace.parsers.tail, sumtrace.flows.tracker, sumtrace.flows.report, sumtrace.flows.errorcodes;"
            "bad = [m for m in ('textual', 'rich', 'asyncio', 'aiofiles', 'watchdog') if m in sys.modules];"
            "print(bad); raise SystemExit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
