"""The merged-log index and the filter language behind the TUI's Log view (no Textual)."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest

from sumtrace.parsers.entry import Entry
from sumtrace.tui.logindex import (
    R_LINE,
    R_MSG,
    Item,
    LogIndex,
    as_record,
    base_of,
)
from sumtrace.tui.logquery import both, id_filter, parse_query

T0 = datetime(2026, 1, 20, 12, 0, tzinfo=timezone.utc)


def entry(i: int, *, file: str = "C:\\L\\ScanAgent.log", msg: str = "", sev: str = "info", comp: str = "ScanAgent",
          thread: int | None = 3024, secs: float | None = None) -> Entry:
    utc = T0 + timedelta(seconds=i if secs is None else secs)
    return Entry(file, i + 1, i * 100, "cmtrace", utc.replace(tzinfo=None), utc, 0, "bias", sev, False, comp, thread,
                 msg or f"record {i}")


def items(entries: list[Entry], start: int = 0) -> list[Item]:
    return [(e.utc.timestamp() if e.utc else 0.0, start + n, as_record(e)) for n, e in enumerate(entries)]


def test_batches_out_of_order_end_up_in_utc_then_arrival_order() -> None:
    idx = LogIndex(1000)
    a = [entry(i, file="A.log") for i in range(0, 100, 2)]
    b = [entry(i, file="B.log") for i in range(1, 100, 2)]
    pos, dropped = idx.add(items(a))
    assert (pos, dropped) == (0, 0)
    pos, dropped = idx.add(items(b, start=1000))  # B arrives later but interleaves from the start
    assert pos == 1 and dropped == 0  # only what follows the first B record was re-sorted
    assert [it[2][R_LINE] for it in idx.items] == [i + 1 for i in range(100)]
    # same timestamp: arrival order wins (file order for one file)
    same = [entry(0, file="C.log", msg=f"c{i}", secs=50.0) for i in range(3)]
    idx.add(items(same, start=2000))
    at50 = [it[2][R_MSG] for it in idx.items if it[0] == (T0 + timedelta(seconds=50)).timestamp()]
    assert at50 == ["record 50", "c0", "c1", "c2"]


def test_records_leave_the_garbage_collector_alone() -> None:
    """A million records must not make each full GC walk them: the index holds no object per record."""
    import gc

    small, big = LogIndex(100_000), LogIndex(100_000)
    small.add(items([entry(i) for i in range(100)]))
    gc.collect()
    before = len(gc.get_objects())
    big.add(items([entry(i, msg=f"m{i}", thread=i, comp=f"C{i % 7}") for i in range(20_000)]))
    gc.collect()
    assert len(gc.get_objects()) - before < 100


def test_records_come_back_as_they_went_in() -> None:
    """Every field of a Rec survives the columns, odd values included (a huge thread number, no time,
    a zone other than UTC, non-ASCII and lone-surrogate text, an empty message)."""
    odd_zone = timezone(timedelta(hours=2))
    recs = [
        as_record(entry(0)),
        ("C:\\L\\WUAHandler.log", 7, None, None, None, "none", "error", True, "", None, ""),
        ("x.log", 1, datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc), -780,
         "assumed-local", "warning", False, "Comp", 10 ** 4300, "ünïcode \u202e bidi \ud800 lone"),
        ("y.log", 2, datetime(2014, 1, 20, 10, 0, 0, 123000), datetime(2014, 1, 20, 12, 0, tzinfo=odd_zone), 300,
         "bias", "info", False, "C", -(1 << 63), "tab\tand\r\nlines"),
    ]
    idx = LogIndex(100)
    idx.add([(float(i), i, r) for i, r in enumerate(recs)])
    assert [idx.record(i) for i in range(len(recs))] == recs
    assert list(idx.items) == [(float(i), i, r) for i, r in enumerate(recs)]
    assert idx.items[1:3] == [(1.0, 1, recs[1]), (2.0, 2, recs[2])]
    assert idx.record(-1) == recs[-1] and idx.key(2) == 2.0


def test_a_record_costs_its_message_plus_under_a_hundred_bytes() -> None:
    idx = LogIndex(200_000)
    msg = "CScanAgent::ScanComplete- Scan completion received."
    n = 30_000
    for a in range(0, n, 5000):
        idx.add(items([entry(i, msg=msg, thread=3000 + i % 13) for i in range(a, a + 5000)], start=a))
    per = idx.nbytes() / n
    assert len(msg) < per < len(msg) + 100, per


def test_a_capped_index_stays_bounded_while_records_keep_coming() -> None:
    """Dropping the oldest items frees their stored records too (in blocks), so the store does not grow."""
    idx = LogIndex(1000)
    sizes = []
    for a in range(0, 20_000, 500):
        idx.add(items([entry(i) for i in range(a, a + 500)], start=a))
        sizes.append(idx.nbytes())
    assert len(idx) <= 1000 + idx.slack and idx.items[-1][2][R_LINE] == 20_000
    assert max(sizes[20:]) < 1.5 * min(sizes[20:])
    # A record far in the future arrived early: it pins the oldest block; the store is rebuilt past 2x.
    idx2 = LogIndex(1000)
    idx2.add(items([entry(10 ** 6)], start=0))
    for a in range(1, 20_000, 500):
        idx2.add(items([entry(i) for i in range(a, a + 500)], start=a))
    assert len(idx2.store) <= 2 * 1000 + 2 * idx2.slack + 500
    assert idx2.items[-1][2][R_LINE] == 10 ** 6 + 1 and [it[2][R_LINE] for it in idx2.items[-3:-1]] == [20_000, 20_001]


def test_filtered_copies_extend_in_order() -> None:
    """The Log view builds a filtered index by extending ``items`` with the matches, in order."""
    src = LogIndex(1000)
    src.add(items([entry(i, sev="error" if i % 3 == 0 else "info") for i in range(30)]))
    out = LogIndex(1000)
    out.items.extend(it for it in src.items[0:30] if it[2][6] == "error")
    assert [it[2][R_LINE] for it in out.items] == list(range(1, 31, 3))
    assert out.locate(src.anchor(3) or (0.0, 0)) == 1


def test_random_batches_match_a_full_sort() -> None:
    rng = random.Random(7)
    idx = LogIndex(10_000)
    everything: list[Item] = []
    seq = 0
    for _ in range(50):
        batch = []
        for _ in range(rng.randint(1, 40)):
            e = entry(seq, secs=rng.uniform(0, 500))
            batch.append((e.utc.timestamp(), seq, as_record(e)))  # type: ignore[union-attr]
            seq += 1
        everything.extend(batch)
        idx.add(list(batch))
    assert idx.items == sorted(everything)


def test_cap_drops_the_oldest_in_chunks_and_anchors_relocate() -> None:
    idx = LogIndex(100)
    idx.add(items([entry(i) for i in range(100)]))
    anchor = idx.anchor(60)
    assert anchor is not None
    pos, dropped = idx.add(items([entry(i) for i in range(100, 110)], start=100))
    assert dropped == 10 and len(idx) == 100 and idx.dropped == 10
    assert idx.items[0][2][R_LINE] == 11
    assert idx.locate(anchor) == 50  # the same record, now ten rows higher
    gone = (0.0, -1)
    assert idx.locate(gone) == 0


def test_query_terms() -> None:
    hosts = {"C:\\L\\ScanAgent.log": "PC01", "C:\\L\\WUAHandler.log": "PC02"}
    es = [
        entry(0, msg="Scan completed"),
        entry(1, msg="OnSearchComplete - Failed to end search job. Error = 0x80244017.", sev="error",
              file="C:\\L\\WUAHandler.log", comp="WUAHandler", thread=4100),
        entry(2, msg="Update source changed", sev="warning", comp="WUAHandler"),
    ]

    def kept(text: str) -> list[int]:
        q = parse_query(text, hosts)
        return [e.line - 1 for e in es if q(as_record(e))]

    assert kept("scan") == [0]
    assert kept("-scan") == [1, 2]
    assert kept("sev:warning") == [1, 2]
    assert kept("sev:e") == [1]
    assert kept("comp:wuahandler") == [1, 2]
    assert kept("thread:4100") == [1]
    assert kept("thread:0x1004") == [1]
    assert kept("file:WUAHandler") == [1]
    assert kept("host:pc01") == [0, 2]
    assert kept('"end search job" sev:error') == [1]
    with pytest.raises(ValueError):
        parse_query("thread:abc")
    with pytest.raises(ValueError):
        parse_query("sev:loud")
    assert parse_query("").empty


def test_id_filter_and_conjunction() -> None:
    guid = "AC400051-4738-4032-9CD8-0160C06BB3FF"
    es = [entry(0, msg=f"ScanJob({{{guid.lower()}}}) started"), entry(1, msg="unrelated"), entry(2, msg="evidence")]
    q = id_filter([guid], [(es[2].file, es[2].line)], "scan ac400051")
    recs = [as_record(e) for e in es]
    assert [q(r) for r in recs] == [True, False, True]
    both_q = both(q, parse_query("started"))
    assert both_q is not None and [both_q(r) for r in recs] == [True, False, False]
    assert both(None, None) is None and both(q, None) is q


def test_base_of() -> None:
    assert base_of("C:\\Windows\\CCM\\Logs\\WUAHandler.log") == "WUAHandler"
    assert base_of("/x/ScanAgent.lo_") == "ScanAgent"
    assert base_of("/x/u_ex140120.log") == "u_ex140120"
