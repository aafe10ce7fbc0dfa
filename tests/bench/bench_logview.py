"""The Log view's passes over a million records: how long each takes and its longest slice.

Run: python tests/bench/bench_logview.py [--records 1000000]

A find or a filter walks the merged log in slices and gives the event loop a turn between them
(``view_log.Slicer``: a slice ends past ``SLICE_SECONDS``, looked at every ``CHUNK`` records), so
what a key waits for is one slice, not the pass. The slices here are cut by count
(``BENCH_SLICE`` records, 20,000 by default) so passes compare on the same work. This times, on synthetic records shaped like a client's and a site server's (CMTrace and SMS-trace
components, two zones, four days), each kind of pass as the view runs it: the whole pass, its
slowest slice, and the ratio of the pass to a floor measured in the same run (a bare walk over
the same slices that reads each message and does nothing else). Then a go-to-time bisection and
the rank of a match ("3/17") in the counted matches. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from sumtrace.parsers.entry import Entry  # noqa: E402
from sumtrace.tui.anchorset import AnchorSet  # noqa: E402
from sumtrace.tui.logindex import R_MSG, Item, LogIndex, Rec, as_record  # noqa: E402
from sumtrace.tui.logquery import parse_query, text_match  # noqa: E402
from sumtrace.tui.logtime import parse_when  # noqa: E402
from sumtrace.tui.view_log import first_at_or_after, resolve_when  # noqa: E402

CHUNK = int(os.environ.get("BENCH_SLICE", "20000"))

SOURCES = [  # (file, component, bias, messages)
    ("C:\\Windows\\CCM\\Logs\\CcmExec.log", "CcmExec", 300, ["*** Keep the system awake",
                                                             "*** System is now free to go to sleep"]),
    ("C:\\Windows\\CCM\\Logs\\PolicyAgent.log", "PolicyAgent_ReplyAssignments", 300,
     ["Raising event: instance of CCM_PolicyAgent_AssignmentsReceived", "Policy state for [CCM_Policy_Policy5]"]),
    ("C:\\Windows\\CCM\\Logs\\ScanAgent.log", "ScanAgent", 300,
     ["CScanAgent::ScanByUpdates- CategoryCount=0, ScanType=1", "ScanJob({A5A2B2C6-5E6C-4E4B-8D63-3C9B2E8C1A11}): "
      "CScanJob::OnScanComplete -Scan Failed, ErrorCode = 0x80244017"]),
    ("D:\\SMS\\Logs\\statesys.log", "SMS_STATE_SYSTEM", -60,
     ["CMessageProcessor - Processed 1 records with 0 invalid records.", "Found new state messages to process"]),
    ("D:\\SMS\\Logs\\wsyncmgr.log", "SMS_WSUS_SYNC_MANAGER", -60, ["Sync done", "Wakeup by SCF change"]),
]


def make_index(n: int) -> LogIndex:
    """``n`` records over four days, in UTC order, as the app's merge leaves them."""
    rng = random.Random(7)
    t0 = datetime(2026, 11, 24, 8, 0)
    span = 4 * 86400
    items: list[Item] = []
    for seq in range(n):
        file, comp, bias, msgs = SOURCES[rng.randrange(len(SOURCES))]
        local = t0 + timedelta(seconds=span * seq / n)
        utc = (local + timedelta(minutes=bias)).replace(tzinfo=timezone.utc)
        sev = "error" if rng.random() < 0.01 else "warning" if rng.random() < 0.03 else "info"
        e = Entry(file, seq + 1, 0, "cmtrace", local, utc, bias, "bias", sev, False, comp, 1000 + seq % 40,
                  f"{msgs[rng.randrange(len(msgs))]} #{seq}")
        items.append((utc.timestamp(), seq, as_record(e)))
    items.sort()
    index = LogIndex(n + 1)
    index.add(items)
    return index


def sliced(index: LogIndex, pred: Callable[[Rec], bool]) -> tuple[float, float, int]:
    """One pass as the view runs it: (seconds, slowest slice in seconds, records kept)."""
    items = index.items
    kept = 0
    worst = 0.0
    t0 = time.perf_counter()
    for i in range(0, len(items), CHUNK):
        s0 = time.perf_counter()
        kept += sum(1 for it in items[i:i + CHUNK] if pred(it[2]))
        worst = max(worst, time.perf_counter() - s0)
    return time.perf_counter() - t0, worst, kept


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    args = ap.parse_args()
    t0 = time.perf_counter()
    index = make_index(args.records)
    gc.collect()
    gc.freeze()  # as the app does after start-up: the records are not in the collector's walks
    print(f"{len(index):,} records built in {time.perf_counter() - t0:.1f} s; slices of {CHUNK:,}")
    floor, floor_worst, _ = sliced(index, lambda e: e[R_MSG] is None)
    print(f"{'pass':46} {'total':>8} {'slowest slice':>14} {'x floor':>8} {'kept':>10}")
    print(f"{'floor: read each message':46} {floor * 1000:7.0f}ms {floor_worst * 1000:12.1f}ms {1.0:8.1f}")
    lit, rx = text_match("scan failed"), text_match(r"re:0x8024[0-9a-f]{4}")
    assert lit is not None and rx is not None
    passes: list[tuple[str, Callable[[Rec], bool]]] = [
        ("find scan failed", lambda e: lit(e[R_MSG])),
        (r"find re:0x8024[0-9a-f]{4}", lambda e: rx(e[R_MSG])),
    ]
    for text in ("comp:StateSys", "sev:error", "processed -invalid", r"re:ScanJob\(\{[0-9A-F-]+\}\)",
                 "time:10:00..10:30", "after:2026-11-26T10:00Z before:2026-11-26T12:00Z",
                 "comp:ScanAgent time:23:00..01:00"):
        passes.append((f"filter {text}", parse_query(text, year=2026)))
    for name, pred in passes:
        total, worst, kept = sliced(index, pred)
        print(f"{name[:46]:46} {total * 1000:7.0f}ms {worst * 1000:12.1f}ms {total / floor:8.1f} {kept:10,}")
    # the matches of a find as anchors, their rank, and go to a time: bisections
    matches = AnchorSet()
    for k, s, e in index.items:
        if lit(e[R_MSG]):
            matches.keys.append(k)
            matches.seqs.append(s)
    probes = [index.anchor(random.Random(3).randrange(len(index))) for _ in range(10_000)]
    t1 = time.perf_counter()
    for a in probes:
        assert a is not None
        matches.rank(a)
        matches.after(a)
    per_rank = (time.perf_counter() - t1) / len(probes)
    ref = index.items[len(index) // 2][2]
    w = parse_when("2026-11-26T10:30", 2026)
    t2 = time.perf_counter()
    for _ in range(10_000):
        first_at_or_after(index, resolve_when(w, ref))
    per_goto = (time.perf_counter() - t2) / 10_000
    print(f"{len(matches):,} matches held in {(matches.keys.itemsize + matches.seqs.itemsize) * len(matches) / 1e6:.1f} MB; "
          f"rank + next match {per_rank * 1e6:.1f} µs; go to a time {per_goto * 1e6:.1f} µs")


if __name__ == "__main__":
    main()
