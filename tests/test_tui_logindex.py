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
    """A million records must not make each full GC walk them (plain tuples of atomic values)."""
    import gc

    idx = LogIndex(1000)
    idx.add(items([entry(i) for i in range(100)]))
    gc.collect()  # the records are untracked in the first pass that sees them,
    gc.collect()  # the (key, seq, record) items in the next one
    assert not any(gc.is_tracked(it) or gc.is_tracked(it[2]) for it in idx.items)


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
