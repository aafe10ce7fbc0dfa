"""Torn CMTrace records (issue 10, part 9).

Two writers sharing a log (smsts.log, ClientHealth logs) sometimes overwrite the head of a record:
``<![LOG[`` and the start of its text are gone, and what survives is a text fragment and the
trailer ``]LOG]!><time="…" date="…" component="…" context="" type="1" thread="…" file="…">``.
The trailer still says when, who and which thread, so the fragment is a *damaged* record placed
in time (``Entry.damaged``), never a timeless unparsed line, and in any chunking the same.
"""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from sumtrace.parsers.stream import RecordParser, parse_bytes
from tests.conftest import cm
from tests.test_parsers_bytes import feed_split

UTC = timezone.utc


def trailer(time: str = "12:18:10.500+300", comp: str = "TSManager", typ: str = "1", thread: str = "77",
            date: str = "01-20-2014") -> str:
    return (f']LOG]!><time="{time}" date="{date}" component="{comp}" context="" type="{typ}" '
            f'thread="{thread}" file="tsmanager.cpp:42">')


TORN = "\r\n".join([
    cm("first"),
    cm("second") + "\r\n" + "ing the task sequence" + trailer(typ="2"),  # fragment on its own line
    cm("third") + "ble path" + trailer(time="12:18:11.000+300"),            # right after a record
    "Raising event:\r\n\r\ninstance of X\r\n{\r\n};" + trailer(time="12:18:12.000+300"),  # multi-line
    trailer(time="12:18:13.000+300", comp="ClientHealth"),                  # nothing survived
    "no date here]LOG]!><time=\"12:18:14.000+300\" component=\"A\">",       # not a trailer: unparsed
    cm("fourth"),
    "stray text after the last record",
    "tail at the end of the file" + trailer(time="12:18:15.000"),          # no bias: zone unknown
]) + "\r\n"
FILE = TORN.encode("utf-8")


def signature(entries: list) -> list[tuple]:  # type: ignore[type-arg]
    return [(e.line, e.offset, e.format, e.damaged, e.local, e.utc, e.time_source, e.severity, e.component,
             e.thread, e.message) for e in entries]


def test_torn_records_are_damaged_records_in_time() -> None:
    p = RecordParser("smsts.log")
    entries = p.feed(FILE) + p.flush()
    got = [(e.format, e.damaged, e.message, e.component, e.thread) for e in entries]
    assert got == [
        ("cmtrace", False, "first", "ScanAgent", 3024),
        ("cmtrace", False, "second", "ScanAgent", 3024),
        ("cmtrace", True, "ing the task sequence", "TSManager", 77),
        ("cmtrace", False, "third", "ScanAgent", 3024),
        ("cmtrace", True, "ble path", "TSManager", 77),
        ("cmtrace", True, "Raising event:\n\ninstance of X\n{\n};", "TSManager", 77),
        ("cmtrace", True, "", "ClientHealth", 77),
        ("plain", False, 'no date here]LOG]!><time="12:18:14.000+300" component="A">', "", None),
        ("cmtrace", False, "fourth", "ScanAgent", 3024),
        # All text since the previous record is the surviving text: a torn record's message may
        # span lines, and nothing tells a stray line from its first line.
        ("cmtrace", True, "stray text after the last record\ntail at the end of the file", "TSManager", 77),
    ]
    torn = [e for e in entries if e.damaged]
    assert [e.utc for e in torn[:4]] == [datetime(2014, 1, 20, 17, 18, s, ms, tzinfo=UTC)
                                         for s, ms in ((10, 500000), (11, 0), (12, 0), (13, 0))]
    assert all(e.time_source == "bias" and e.bias == 300 for e in torn[:4])
    assert torn[0].severity == "warning" and not torn[0].severity_inferred  # type="2" survived
    assert torn[-1].time_source == "assumed-local" and torn[-1].local == datetime(2014, 1, 20, 12, 18, 15)
    # Torn records are not unparsed: only the line no format explains is.
    assert p.unparsed == 1 and p.entries == len(entries)
    # Each points at where its surviving text starts (the trailer itself when nothing survived).
    for e in torn:
        assert FILE[:e.offset].count(b"\n") + 1 == e.line
        head = FILE[e.offset:e.offset + 7]
        assert head == (e.message.encode()[:7] if e.message else b"]LOG]!>")
    assert torn[0].to_json()["damaged"] is True and entries[0].to_json()["damaged"] is False


def test_file_starting_with_a_torn_trailer() -> None:
    data = ("t of a record" + trailer() + "\r\n" + cm("whole") + "\r\n").encode()
    entries = parse_bytes("X.log", data)
    assert [(e.format, e.damaged, e.message, e.line) for e in entries] == [
        ("cmtrace", True, "t of a record", 1), ("cmtrace", False, "whole", 2)]


def test_trailer_lookalike_in_a_line_format_log_changes_nothing() -> None:
    """Only a complete trailer with time and date switches a file to CMTrace framing."""
    data = b"2022/06/29 17:29:33.7350000 1234  5678  Agent  text mentioning ]LOG]!> only\r\n"
    entries = parse_bytes("WindowsUpdate.log", data)
    assert [e.format for e in entries] == ["wu-etw"]


def test_torn_record_emitted_once_its_trailer_line_is_whole() -> None:
    """Live tailing: a record's surviving text is held until its trailer completes, then emitted."""
    p = RecordParser("smsts.log")
    assert [e.message for e in p.feed((cm("a") + "\r\nfragment of b").encode())] == ["a"]
    assert p.feed(trailer()[:-20].encode()) == []  # attribute block not complete yet
    out = p.feed((trailer()[-20:] + "\r\n").encode())
    assert [(e.damaged, e.message, e.thread) for e in out] == [(True, "fragment of b", 77)]
    assert p.flush() == []


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(FILE)), max_size=40))
def test_any_chunking_equals_whole(cuts: list[int]) -> None:
    assert signature(feed_split(FILE, cuts, "smsts.log")) == signature(parse_bytes("smsts.log", FILE))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=4000), max_size=30), st.sampled_from(["utf-16-le", "utf-16-be"]))
def test_any_chunking_utf16(cuts: list[int], enc: str) -> None:
    data = (b"\xff\xfe" if enc.endswith("le") else b"\xfe\xff") + TORN.encode(enc)
    cuts = [c % (len(data) + 1) for c in cuts]
    whole = parse_bytes("smsts.log", data)
    assert signature(feed_split(data, cuts, "smsts.log")) == signature(whole)
    assert [e.message for e in whole if e.damaged] == [e.message for e in parse_bytes("smsts.log", FILE) if e.damaged]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    cm("rec"), "frag" + trailer(), trailer(), "stray", "", "\x00\x00", "<![LOG[cut off head",
    "x]LOG]!><time=\"1:2:3\">", cm("multi\r\nline"),
]), max_size=12), st.lists(st.integers(min_value=0, max_value=2000), max_size=12))
def test_any_mix_any_chunking(pieces: list[str], cuts: list[int]) -> None:
    """Torn trailers, heads without trailers, stray lines and NULs in any order and any chunking."""
    data = "\r\n".join(pieces).encode()
    cuts = [c % (len(data) + 1) for c in cuts]
    whole = parse_bytes("smsts.log", data)
    assert signature(feed_split(data, cuts, "smsts.log")) == signature(whole)
    assert all(e.local is not None for e in whole if e.damaged)
