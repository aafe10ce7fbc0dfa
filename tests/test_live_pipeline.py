"""The Pipeline without files: what a replay source (or the watcher) drives."""

from __future__ import annotations

import asyncio
from datetime import datetime, timezone

import pytest

from sumtrace.flows.model import StepEvent
from sumtrace.flows.tracker import Tracker
from sumtrace.live.pipeline import Batch, Pipeline
from sumtrace.parsers.stream import parse_bytes
from sumtrace.parsers.tail import Data, Event, Flush, Start
from tests.livekit import FakeTracker, cm, records

NOW = datetime(2026, 1, 20, 12, 5, tzinfo=timezone.utc)
GUID = "{11111111-2222-3333-4444-555555555555}"


def test_feed_in_any_split_delivers_each_entry_once_with_host() -> None:
    msgs, data = records("x", 0, 6)
    tracker = FakeTracker()
    p = Pipeline(tracker)
    got: list[Batch] = []
    p.subscribe(got.append)
    for i in range(0, len(data), 5):
        p.feed("/l/PC01/ScanAgent.log", "PC01", data[i:i + 5])
    p.flush_file("/l/PC01/ScanAgent.log")
    assert [e.message for b in got for e in b.entries] == msgs
    assert {b.host for b in got} == {"PC01"} and {b.path for b in got} == {"/l/PC01/ScanAgent.log"}
    assert sum(n for _, n in tracker.added) == len(msgs)
    assert tracker.noted == ["/l/PC01/ScanAgent.log"]
    assert p.needs_tick
    p.tick(NOW)
    assert not p.needs_tick and tracker.updates == 1


def test_partial_record_waits_then_flush_reports_it_unparsed() -> None:
    p = Pipeline()
    got: list[Batch] = []
    p.subscribe(got.append)
    rec = cm("half")
    assert p.feed("/l/ScanAgent.log", "h", rec[:30]) == 0
    assert got == []
    assert p.flush_file("/l/ScanAgent.log") == 1
    assert got[0].entries[0].unparsed
    assert p.open_files == []


def test_file_events_and_unsubscribe() -> None:
    p = Pipeline()
    got: list[Batch] = []
    unsubscribe = p.subscribe(got.append)
    p.start_file("/l/CAS.log", "PC9")
    ev = p.file_event("/l/CAS.log", "rotated", "renamed to CAS.lo_")
    assert ev.host == "PC9" and got[-1].files == [ev]
    assert ev.to_json() == {"event": "file", "path": "/l/CAS.log", "host": "PC9", "change": "rotated",
                            "detail": "renamed to CAS.lo_"}
    with pytest.raises(ValueError):
        p.file_event("/l/CAS.log", "exploded", "")
    unsubscribe()
    p.file_event("/l/CAS.log", "deleted", "")
    assert len(got) == 1


async def test_apply_tail_actions_with_start_offset_and_rotation_flush() -> None:
    p = Pipeline()
    got: list[Batch] = []
    p.subscribe(got.append)
    a, b = cm("one", 1), cm("two", 2)
    n = await p.apply("/l/ScanAgent.log", "h", [
        Event("opened", "following"), Start(offset=1000, lines=10, prefix=b"\xef\xbb\xbf"),
        Data(a[:20], 1000, "/l/ScanAgent.log"), Event("rotated", "to .lo_"),
        Data(a[20:], 1020, "/l/ScanAgent.lo_"), Flush(), Start(), Data(b, 0, "/l/ScanAgent.log")])
    assert n == 2
    entries = [e for batch in got for e in batch.entries]
    assert [(e.message, e.line, e.offset) for e in entries] == [("one", 11, 1000), ("two", 1, 0)]
    assert [f.change for batch in got for f in batch.files] == ["opened", "rotated"]


async def test_afeed_slices_a_burst_and_yields() -> None:
    p = Pipeline(slice_bytes=4096)
    sizes: list[int] = []
    p.subscribe(lambda batch: sizes.append(len(batch.entries)))
    _, data = records("burst", 0, 400)
    ticks = 0

    async def other() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(other())
    total = await p.afeed("/l/ScanAgent.log", "h", data)
    task.cancel()
    assert total == 400 and max(sizes) < 40 and ticks >= len(data) // 4096 - 1


def test_since_filters_by_utc_and_untimed_lines_follow_their_neighbour() -> None:
    since = datetime(2026, 1, 20, 12, 0, 3, tzinfo=timezone.utc)
    p = Pipeline(since=since)
    got: list[str] = []
    p.subscribe(lambda b: got.extend(e.message for e in b.entries))
    data = cm("t0", 0) + b"loose line after t0\r\n" + cm("t5", 5) + b"loose line after t5\r\n"
    p.feed("/l/ScanAgent.log", "h", data)
    p.flush_file("/l/ScanAgent.log")
    assert got == ["t5", "loose line after t5"]
    assert p.stats.dropped_since == 2


def test_feed_entries_takes_the_same_road() -> None:
    tracker = FakeTracker()
    p = Pipeline(tracker)
    got: list[Batch] = []
    p.subscribe(got.append)
    entries = parse_bytes("/l/ScanAgent.log", cm("replayed"))
    assert p.feed_entries("/l/ScanAgent.log", "PC7", entries) == 1
    assert got[0].host == "PC7" and got[0].entries[0].message == "replayed"
    assert tracker.added == [("PC7", 1)]


def test_real_tracker_step_events_come_out_of_tick() -> None:
    p = Pipeline(Tracker())
    events: list[object] = []
    p.subscribe(lambda b: events.extend(b.events))
    data = (cm("CScanAgent::ScanByUpdates- Policy available for UpdateSourceID="
               "{C2D17964-BBDD-4339-B9F8-6D4C3E9D3A83} ContentVersion=38", 1)
            + cm(f"ScanJob({GUID}): CScanJob::Execute - successfully requested Scan, ScanType=1", 2))
    p.feed("/l/PC01/ScanAgent.log", "PC01", data)
    out = p.tick(NOW)
    assert out == events
    steps = [(e.key, e.status, e.host) for e in out if isinstance(e, StepEvent)]
    assert ("scan_request", "ok", "PC01") in steps
    assert p.tick(NOW) == []  # nothing changed since
