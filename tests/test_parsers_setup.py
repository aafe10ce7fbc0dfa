"""The role setup format (SUPSetup.log): ``<Sat May 18 21:22:29 2024> text`` (issue 10, part 7)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sumtrace.parsers.entry import FORMATS
from sumtrace.parsers.files import discover, read_source
from sumtrace.parsers.stream import parse_bytes, parse_file
from tests.test_parsers_bytes import feed_split

UTC = timezone.utc
# As the real SUPSetup.log is written: every line appended with its own UTF-8 BOM, CRLF.
LINES = [
    "<Sat May 18 21:22:29 2024> SMSWSUS Setup Started....",
    "<Sat May 18 21:22:29 2024>         ======== Installing Pre Reqs for Role SMSWSUS ========",
    "<Sat May 18 21:22:31 2024> CTool::RegisterManagedBinary: Failed to register C:\\x\\wsusmsp.dll",
    "<Wed May  8 07:05:09 2024> Installation was successful.",
]
FILE = b"".join(b"\xef\xbb\xbf" + line.encode() + b"\r\n" for line in LINES)


def test_setup_lines() -> None:
    entries = parse_bytes("C:/Logs/SUPSetup.log", FILE)
    assert [e.format for e in entries] == ["setup"] * 4
    assert [e.message for e in entries] == [
        "SMSWSUS Setup Started....", "        ======== Installing Pre Reqs for Role SMSWSUS ========",
        "CTool::RegisterManagedBinary: Failed to register C:\\x\\wsusmsp.dll", "Installation was successful."]
    assert entries[0].local == datetime(2024, 5, 18, 21, 22, 29)
    assert entries[3].local == datetime(2024, 5, 8, 7, 5, 9)  # asctime pads the day with a space
    assert all(e.component == "SUPSetup" and e.thread is None for e in entries)
    assert entries[2].severity == "error" and entries[2].severity_inferred
    # No zone of its own: local time, zone unknown, unless the machine's bias is known.
    assert all(e.time_source == "assumed-local" for e in entries)
    assert entries[0].to_json()["utc"] is None and entries[0].to_json()["local"] == "2024-05-18T21:22:29.000000"
    h = parse_bytes("SUPSetup.log", FILE, host_bias=420)[0]
    assert h.time_source == "host-bias" and h.utc == datetime(2024, 5, 19, 4, 22, 29, tzinfo=UTC)
    assert [e.line for e in entries] == [1, 2, 3, 4] and entries[1].offset == len(LINES[0]) + 5


def test_format_is_enumerated() -> None:
    assert "setup" in FORMATS


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(FILE)), max_size=20))
def test_any_chunking_equals_whole(cuts: list[int]) -> None:
    out = feed_split(FILE, cuts, "SUPSetup.log")
    sig = [(e.line, e.offset, e.format, e.local, e.message) for e in out]
    assert sig == [(e.line, e.offset, e.format, e.local, e.message) for e in parse_bytes("SUPSetup.log", FILE)]


def test_real_supsetup(reallogs: Path) -> None:
    stats: dict[str, object] = {}
    entries = list(parse_file(str(reallogs / "site-CHQ-lab" / "SUPSetup.log"), stats=stats))
    assert len(entries) == 58 and stats["unparsed"] == 0  # MANIFEST: 58 records
    assert {e.format for e in entries} == {"setup"}
    assert not any(e.message.startswith("\ufeff") for e in entries)


def test_real_supsetup_takes_the_site_servers_bias(reallogs: Path) -> None:
    """In its machine's folder, SUPSetup.log gets the bias of the SMS-trace logs beside it (+420)."""
    found = discover([str(reallogs / "site-CHQ-lab")])
    src = next(s for s in found.sources if s.path.endswith("SUPSetup.log"))
    assert src.bias == 420
    first = next(read_source(src, {}, []))
    assert first.time_source == "host-bias" and first.utc == datetime(2024, 5, 19, 4, 22, 29, tzinfo=UTC)
