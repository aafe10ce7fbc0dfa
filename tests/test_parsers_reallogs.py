"""Every record of every real log is found: counts equal MANIFEST.md's independent count."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sumtrace.parsers.stream import parse_file

# Files whose damage is the point of the sample: the truncated record in Busted-CcmMessaging and
# the UTF-16 fragment left inside wedmtrace's NUL padding must surface as unparsed text, not vanish.
DAMAGED = {
    "configmgr__iOS-CMLogTracer__Busted-CcmMessaging.log": 1,
    "configmgr__iOS-CMLogTracer__wedmtrace.log": 1,
}
# Torn records (a trailer ``]LOG]!><time=…>`` whose head another writer overwrote) per file. They
# are counted apart from the manifest's records: the manifest counts records framed by
# ``<![LOG[`` … ``]LOG]!><time=…>``, and a torn record has lost its ``<![LOG[`` (it is the
# survivor of a record, not one of the framed ones). They are not unparsed either: they carry a
# time (tests/test_parsers_torn.py). None of the real files has one: Busted-CcmMessaging's damage
# is the opposite (a head whose trailer never came), and stays unparsed.
TORN: dict[str, int] = {}

_HERE = Path(__file__).resolve().parents[2] / "shared" / "reallogs"


def manifest(root: Path) -> dict[str, int]:
    """file → records, read from the manifest table (the cell after the format's line counts)."""
    out: dict[str, int] = {}
    for line in (root / "MANIFEST.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 5 or not cells[0].startswith("`"):
            continue
        name = cells[0].strip("`")
        numbers = [c for c in cells[4:] if re.fullmatch(r"\d+", c)]
        if numbers:
            out[name] = int(numbers[0])
    return out


def test_manifest_is_read(reallogs: Path) -> None:
    counts = manifest(reallogs)
    assert len(counts) >= 25
    assert counts["configmgr__iOS-CMLogTracer__ScanAgent.log"] == 34


@pytest.mark.parametrize("name", sorted(p.relative_to(_HERE).as_posix()
                                         for p in (*_HERE.glob("*.log"), *_HERE.glob("*/*.log"))))
def test_every_record_found(reallogs: Path, name: str) -> None:
    """Top-level files and the machine folders (``site-CHQ-lab/SUPSetup.log``, …) alike."""
    expected = manifest(reallogs).get(name)
    if expected is None:
        pytest.skip("not in manifest")
    stats: dict[str, object] = {}
    entries = list(parse_file(str(reallogs / name), stats=stats))
    parsed = [e for e in entries if e.format != "plain" and not e.damaged]
    assert len(parsed) == expected
    assert sum(e.damaged for e in entries) == TORN.get(name, 0)
    assert stats["unparsed"] == DAMAGED.get(name, 0)
    for e in parsed:
        assert e.utc is not None and e.local is not None
        assert e.time_source in ("bias", "banner", "assumed-local", "host-bias")


def test_real_cmtrace_times_use_windows_bias(reallogs: Path) -> None:
    e = next(parse_file(str(reallogs / "configmgr__iOS-CMLogTracer__ScanAgent.log")))
    assert e.local is not None and e.utc is not None
    assert (e.local.hour, e.utc.hour) == (9, 14)  # +300 = US Eastern winter: UTC = local + 5 h
    assert e.bias == 300 and e.time_source == "bias"


def test_real_legacy_wu_banner(reallogs: Path) -> None:
    entries = list(parse_file(str(reallogs / "rkudache31__log__WindowsUpdate.log")))
    banner = next(i for i, e in enumerate(entries) if "Logging initialized" in e.message)
    after = entries[banner]
    assert after.time_source == "banner" and after.bias == -330  # tz: +0530 is ISO: UTC = local - 5:30
    assert after.local is not None and after.utc is not None
    assert (after.local - after.utc.replace(tzinfo=None)).total_seconds() == 5.5 * 3600
    assert entries[0].time_source == "assumed-local"  # lines before the first banner have no zone
    assert all(e.thread is not None for e in entries)


def test_real_multiline_records_kept_whole(reallogs: Path) -> None:
    entries = list(parse_file(str(reallogs / "configmgr__iOS-CMLogTracer__2007-CcmExec.log")))
    multi = [e for e in entries if "\n" in e.message]
    assert len(multi) == 109
    assert any("instance of CCM_CcmHttp_Status" in e.message for e in multi)
