"""The Log view's query language (tui/logquery.py), typed times and zones (tui/logtime.py), the
component names (tui/components.py) and the anchor sets behind marks and find counts (tui/anchorset.py).

No Textual here: every term is checked on records built the way the parsers build them.
"""

from __future__ import annotations

import random
import re
from datetime import date, datetime, time, timedelta, timezone

import pytest

from sumtrace.parsers.entry import Entry
from sumtrace.parsers.stream import parse_bytes
from sumtrace.tui.anchorset import AnchorSet
from sumtrace.tui.components import COMPONENT_LOGS, components_named
from sumtrace.tui.logindex import Rec, as_record
from sumtrace.tui.logquery import parse_query, split_terms, text_match, time_range
from sumtrace.tui.logtime import fmt_elapsed, parse_when, zone_label, zone_offset
from tests.conftest import REALLOGS, cm


def rec(msg: str = "x", *, local: datetime | None = datetime(2026, 11, 27, 10, 2, 11), bias: int | None = -60,
        source: str = "bias", file: str = "C:\\L\\ScanAgent.log", comp: str = "ScanAgent", sev: str = "info",
        thread: int | None = 3024) -> Rec:
    """A record as the parser makes it: UTC = local + bias (minutes), unless the zone is unknown."""
    if local is None:
        utc = None
    elif source == "assumed-local":
        utc = local.replace(tzinfo=timezone.utc)
    else:
        utc = (local + timedelta(minutes=bias or 0)).replace(tzinfo=timezone.utc)
    return as_record(Entry(file, 1, 0, "cmtrace", local, utc, bias, source, sev, False, comp, thread, msg))  # type: ignore[arg-type]


def kept(text: str, recs: list[Rec], **kw: object) -> list[int]:
    q = parse_query(text, **kw)  # type: ignore[arg-type]
    return [i for i, r in enumerate(recs) if q(r)]


# ------------------------------------------------------------------------------------ find text

def test_find_text_is_a_literal_unless_it_starts_with_re() -> None:
    lit = text_match("a.b")
    assert lit is not None and not lit.is_regex
    assert lit("x A.B y") and not lit("axb")
    assert list(lit.spans("a.b and A.B")) == [(0, 3), (8, 11)]
    rx = text_match(r"re:0x8024[0-9a-f]{4}")
    assert rx is not None and rx.is_regex
    assert rx("failed with 0x80244017") and not rx("0x80070005")
    assert list(rx.spans("0x80244017 0x8024401C")) == [(0, 10), (11, 21)]
    assert text_match("") is None
    assert text_match("re:") is not None and text_match("re:")("say re: hello")  # nothing after: a literal
    with pytest.raises(ValueError, match="not a regular expression"):
        text_match("re:(unclosed")


def test_spans_are_right_where_lower_casing_changes_the_length() -> None:
    tm = text_match("error")
    assert tm is not None
    msg = "İİ error"  # 'İ'.lower() is two characters: a lower-cased copy would shift the spans
    assert tm(msg) and [msg[a:b] for a, b in tm.spans(msg)] == ["error"]


# ------------------------------------------------------------------------------------ filter terms

def test_regex_terms_and_exclusions() -> None:
    recs = [rec("Scan failed with error = 0x80244017"), rec("Scan completed"), rec("WSUS 0x80070005 denied")]
    assert kept(r"re:0x8024\d{4}", recs) == [0]
    assert kept(r"-re:0x80[0-9]+", recs) == [1]
    assert kept('re:"scan (failed|completed)"', recs) == [0, 1]
    assert kept(r"re:\bdenied$", recs) == [2]  # backslashes reach the regex as typed
    with pytest.raises(ValueError, match="not a regular expression"):
        parse_query("re:[")


def test_terms_keep_backslashes_and_apostrophes() -> None:
    assert split_terms(r'file:C:\Windows\CCM "end search job" it\'s') == [
        r"file:C:\Windows\CCM", "end search job", r"it\'s"]
    assert split_terms("can't stop") == ["can't", "stop"]


def test_friendly_component_names() -> None:
    recs = [
        rec("Processed 1 records", comp="SMS_STATE_SYSTEM", file="D:\\collected\\site-server.log"),
        rec("Sync done", comp="SMS_WSUS_SYNC_MANAGER", file="D:\\collected\\site-server.log"),
        rec("WSUS config", comp="SMS_WSUS_CONFIGURATION_MANAGER", file="D:\\collected\\site-server.log"),
        rec("Policy", comp="SMS_POLICY_PROVIDER", file="D:\\collected\\site-server.log"),
        rec("Trigger", comp="SMS_DATABASE_NOTIFICATION_MONITOR", file="D:\\collected\\site-server.log"),
        rec("Search", comp="", file="C:\\Windows\\WindowsUpdate.log"),  # no component: its log's name
        rec("Assignments", comp="PolicyAgent_RequestAssignments", file="C:\\L\\other.log"),
    ]
    assert kept("comp:StateSys", recs) == [0]
    assert kept("comp:statesys", recs) == [0]
    assert kept("comp:SMS_STATE_SYSTEM", recs) == [0]  # the component's own name still works
    assert kept("comp:WSyncMgr", recs) == [1]
    assert kept("comp:WCM", recs) == [2]
    assert kept("comp:PolicyPv", recs) == [3]
    assert kept("comp:SMSDBMON", recs) == [4]
    assert kept("comp:WindowsUpdate", recs) == [5]
    assert kept("comp:PolicyAgent", recs) == [6]
    assert kept("-comp:StateSys", recs) == [1, 2, 3, 4, 5, 6]


def test_component_table_matches_the_real_site_logs() -> None:
    """Every server log in site-CHQ-lab writes the component the table gives for its name."""
    folder = REALLOGS / "site-CHQ-lab"
    if not folder.is_dir():
        pytest.skip(f"real logs missing: {folder}")
    names = {name.lower(): comps for name, comps in COMPONENT_LOGS.items()}
    checked = 0
    for path in sorted(folder.glob("*.log")):
        comps = {e.component for e in parse_bytes(str(path), path.read_bytes()) if e.component}
        wanted = names.get(path.stem.lower())
        if wanted is None or not comps:
            continue
        assert comps <= {c for c in wanted}, path.name
        checked += 1
    assert checked >= 6  # WCM, WSUSCtrl, mpfdm, policypv, smsdbmon, statesys, wsyncmgr
    assert components_named("StateSys") == {"sms_state_system"}
    assert components_named("") == frozenset()


def test_host_terms_match_the_host_id_or_its_name() -> None:
    recs = [rec("a", file="/logs/client/ScanAgent.log"), rec("b", file="/logs/server/StateSys.log")]
    hosts = {"/logs/client/ScanAgent.log": "client", "/logs/server/StateSys.log": "server"}
    names: dict[str, str] = {}
    q = parse_query("host:PS1WIN7", hosts, host_names=names)
    assert [q(r) for r in recs] == [False, False]
    names["client"] = "PS1WIN7X64"  # learned later: the filter reads the names live
    assert [q(r) for r in recs] == [True, False]
    assert kept("host:serv", recs, hosts=hosts) == [1]


# ------------------------------------------------------------------------------------ time terms

DAY1 = datetime(2026, 11, 27)


def _day(h: int, m: int, s: int = 0, *, day: datetime = DAY1, **kw: object) -> Rec:
    return rec(f"at {h:02d}:{m:02d}:{s:02d}", local=day.replace(hour=h, minute=m, second=s), **kw)  # type: ignore[arg-type]


def test_time_ranges_on_the_shown_local_time() -> None:
    recs = [_day(9, 59, 59), _day(10, 0), _day(10, 15), _day(10, 30, 59), _day(10, 31), rec("no time", local=None)]
    assert kept("time:10:00..10:30", recs) == [1, 2, 3]  # the end covers its whole minute
    assert kept("after:10:00", recs) == [1, 2, 3, 4]
    assert kept("before:10:00", recs) == [0]
    assert kept("time:10:30", recs) == [3]  # one minute
    assert kept("time:10:15..", recs) == [2, 3, 4]
    assert kept("time:..10:00", recs) == [0, 1]
    assert kept("time:10:00:00.5..10:15", recs) == [2]
    assert kept("-time:10:00..10:30", recs) == [0, 4, 5]
    with pytest.raises(ValueError, match="time:"):
        parse_query("time:..")
    with pytest.raises(ValueError, match="is not a time"):
        parse_query("after:soon")


def test_time_of_day_wraps_midnight_and_dates_bound_days() -> None:
    day2 = DAY1 + timedelta(days=1)
    recs = [_day(22, 30), _day(23, 30), _day(0, 30, day=day2), _day(1, 30, day=day2), _day(23, 45, day=day2)]
    assert kept("time:23:00..01:00", recs) == [1, 2, 4]
    assert kept("after:2026-11-28", recs) == [2, 3, 4]
    assert kept("time:11-27", recs, year=2026) == [0, 1]  # a date without its year: the log's
    assert kept("time:2026-11-27T23:00..2026-11-28T00:59", recs) == [1, 2]
    assert kept("before:11-28T01:00", recs, year=2026) == [0, 1, 2]
    assert kept("time:23:00..2026-11-28T00:30", recs) == [1]  # a time of day up to a date: both hold
    assert kept("time:23:40..", recs) == [4] and kept("time:..00:30", recs) == [2]
    with pytest.raises(ValueError, match="year"):
        parse_query("after:11-28")


def test_a_zone_makes_the_time_an_instant_across_machines() -> None:
    client = _day(9, 2, bias=300)  # 09:02 -05:00 = 14:02Z
    server = _day(15, 2, bias=-60)  # 15:02 +01:00 = 14:02Z
    other = _day(9, 2, bias=-60)  # 09:02 +01:00 = 08:02Z
    recs = [client, server, other]
    assert kept("time:14:02Z", recs) == [0, 1]
    assert kept("time:09:02-05:00", recs) == [0, 1]
    assert kept("time:09:02", recs) == [0, 2]  # without a zone: the time each row shows
    assert kept("after:14:00Z before:14:05Z", recs) == [0, 1]
    assert kept("after:2026-11-27T14:00Z", recs) == [0, 1]


def test_time_range_needs_a_bound() -> None:
    with pytest.raises(ValueError):
        time_range(None, None)


# ------------------------------------------------------------------------------------ typed times

def test_parse_when() -> None:
    w = parse_when("10:30")
    assert (w.day, w.clock, w.offset, w.unit) == (None, time(10, 30), None, timedelta(minutes=1))
    w = parse_when("2026-11-27T10:30:15.25Z")
    assert (w.day, w.clock, w.offset, w.unit) == (date(2026, 11, 27), time(10, 30, 15, 250000), timedelta(0),
                                                  timedelta(milliseconds=10))
    assert parse_when("11-27 10:30", 2025).day == date(2025, 11, 27)
    assert parse_when("10:30 UTC-5").offset == timedelta(hours=-5)
    assert parse_when("10:30+05:30").offset == timedelta(hours=5, minutes=30)
    assert parse_when("2026-11-27").unit == timedelta(days=1)
    for bad in ("", "soon", "25:00", "10:61", "13-40 10:00", "10:00+15"):
        with pytest.raises(ValueError):
            parse_when(bad, 2026)


def test_zone_labels() -> None:
    assert zone_label(rec(bias=-60)) == "+01:00"
    assert zone_label(rec(bias=300)) == "-05:00"
    assert zone_label(rec(bias=-330)) == "+05:30"
    assert zone_label(rec(bias=0)) == "+00:00"
    assert zone_label(rec(source="assumed-local", bias=None)) == "zone?"
    assert zone_label(rec(local=None)) == ""
    assert zone_offset(rec(source="assumed-local", bias=None)) is None
    parsed = as_record(parse_bytes("X.log", cm("x", time="12:18:09.123+300").encode())[0])
    assert zone_label(parsed) == "-05:00"  # a real record: bias +300 is five hours behind UTC


def test_fmt_elapsed() -> None:
    assert fmt_elapsed(0.25) == "0.250s"
    assert fmt_elapsed(13.4121) == "13.412s"
    assert fmt_elapsed(133.4) == "2m13.4s"
    assert fmt_elapsed(-133.4) == "2m13.4s"
    assert fmt_elapsed(3733) == "1h02m13s"
    assert fmt_elapsed(2 * 86400 + 3 * 3600 + 5) == "2d03h"


# ------------------------------------------------------------------------------------ anchor sets

def test_anchor_set_against_a_sorted_list() -> None:
    rng = random.Random(12)
    ref: set[tuple[float, int]] = set()
    s = AnchorSet()
    for _ in range(3000):
        a = (float(rng.randint(0, 60)), rng.randint(0, 400))  # many equal keys: ties break on seq
        if rng.random() < 0.7:
            assert s.add(a) == (a not in ref)
            ref.add(a)
        else:
            assert s.discard(a) == (a in ref)
            ref.discard(a)
    order = sorted(ref)
    assert [s.at(i) for i in range(len(s))] == order
    for probe in [(float(rng.randint(-1, 61)), rng.randint(-1, 401)) for _ in range(500)]:
        below = [a for a in order if a < probe]
        above = [a for a in order if a > probe]
        assert s.rank(probe) == len(below)
        assert (probe in s) == (probe in ref)
        assert s.before(probe) == (below[-1] if below else None)
        assert s.after(probe) == (above[0] if above else None)
    cut = order[len(order) // 2]
    assert s.trim_before(cut) == len(order) // 2 and s.at(0) == cut
    assert s.toggle(cut) is False and cut not in s and s.toggle(cut) is True and cut in s
    s.clear()
    assert len(s) == 0 and s.after((0.0, 0)) is None and (0.0, 0) not in s and "x" not in s


def test_query_text_and_label_survive() -> None:
    q = parse_query("  comp:StateSys  time:10:00..10:30 ")
    assert q.label == "comp:StateSys  time:10:00..10:30" and len(q.preds) == 2
    assert re.search("StateSys", q.text)
