"""The event stream never lies: folding it gives exactly the final report.

A log shipper that applies every ``flow`` and ``step`` event (``removed`` included) must end up
holding the flows ``report --json`` prints for the same logs at the same "now": no flow that the
report does not contain (the false "failed" scan of the old tracker), no flow renamed under it,
no step left in a state the report does not show. Checked for every fixture replayed in time
order, for file-by-file loading (as ``watch`` reads existing logs), for arbitrary interleavings,
for real logs, and for a multi-client site (one MP and one site server serving many clients, their
logs interleaved in one file each) replayed and written live under the real watcher.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumtrace.flows.model import Event
from sumtrace.flows.report import report_json
from sumtrace.flows.tracker import Tracker
from sumtrace.live.pipeline import Batch, Pipeline
from sumtrace.live.replay import FileSink, Player, ReplayTicker, build_replay
from sumtrace.live.watcher import LiveWatcher, WatchOptions
from sumtrace.parsers.entry import Entry
from sumtrace.parsers.files import discover
from sumtrace.parsers.stream import parse_file
from tests.conftest import FIXTURES
from tests.multiclient import build_set, set_tracks
from tests.streamfold import differences, fold, report_view

SCENARIOS = sorted(p.parent.name for p in FIXTURES.glob("*/expected.json"))


def as_json(events: list[Event]) -> list[dict[str, Any]]:
    return [json.loads(json.dumps(ev.to_json())) for ev in events]


def reference(paths: list[str], now: datetime) -> dict[str, dict[str, Any]]:
    """The one-shot report: every file read, then one update at ``now``."""
    tracker = Tracker(retention=None)
    for src in discover(paths).sources:
        tracker.add(parse_file(src.path, host_bias=src.bias), src.host_hint)
    tracker.update(now)
    return report_view(json.loads(json.dumps(report_json(tracker.flows, tracker.updates, []))))


def replayed(paths: list[str]) -> tuple[list[dict[str, Any]], datetime]:
    """``replay --jsonl`` in process: records in UTC order, the tracker ticked as the clock moves."""
    pipeline, _, player, errors = build_replay(paths, speed=None)
    assert not errors
    events: list[Event] = []

    def collect(batch: Batch) -> None:
        events.extend(batch.events)

    pipeline.subscribe(collect)

    player.on_record = ReplayTicker(pipeline, player.clock.now)

    async def run() -> None:
        await player.run()

    asyncio.run(run())
    pipeline.close()
    now = player.clock.now()
    pipeline.tick(now)
    return as_json(events), now


@pytest.mark.parametrize("name", SCENARIOS)
def test_replay_stream_folds_to_the_report(name: str) -> None:
    paths = [str(FIXTURES / name)]
    events, now = replayed(paths)
    assert events, "a scenario always produces events"
    assert differences(fold(events), reference(paths, now)) == []


@cache
def files_of(name: str) -> tuple[tuple[str, tuple[Entry, ...]], ...]:
    found = discover([str(FIXTURES / name)])
    return tuple((src.host_hint, tuple(parse_file(src.path, host_bias=src.bias))) for src in found.sources)


def streamed(name: str, order: list[int], bursts: list[int], every: int, now: datetime) -> list[dict[str, Any]]:
    """Files delivered in bursts in any interleaving (each file in its own order), updates now and then."""
    files = files_of(name)
    cursors = [0] * len(files)
    tracker = Tracker(retention=None)
    events: list[Event] = []
    for n, (pick, burst) in enumerate(zip(order, bursts), 1):
        i = pick % len(files)
        host, entries = files[i]
        tracker.add(list(entries[cursors[i]:cursors[i] + burst]), host)
        cursors[i] += burst
        if every and n % every == 0 and tracker.newest is not None:
            events += tracker.update(tracker.newest)
    for i, (host, entries) in enumerate(files):
        tracker.add(list(entries[cursors[i]:]), host)
    events += tracker.update(now)
    return as_json(events)


def newest_of(name: str) -> datetime:
    return max(e.utc for _, es in files_of(name) for e in es if e.utc is not None)


@pytest.mark.parametrize("name", SCENARIOS)
def test_file_by_file_loading_folds_to_the_report(name: str) -> None:
    """``watch`` reads existing logs one file after another: facts arrive out of time order."""
    n = len(files_of(name))
    now = newest_of(name)
    for order in (list(range(n)), list(reversed(range(n)))):
        events = streamed(name, order, [10**9] * n, 1, now)
        assert differences(fold(events), reference([str(FIXTURES / name)], now)) == []


@settings(max_examples=30, deadline=None)
@given(st.sampled_from(("healthy-first-scan", "healthy-rescan", "state-not-forwarded", "location-reply-missing")),
       st.lists(st.integers(0, 50), min_size=1, max_size=120), st.lists(st.integers(1, 40), min_size=120, max_size=120),
       st.integers(1, 5), st.integers(0, 3 * 3600))
def test_any_interleaving_folds_to_the_report(name: str, order: list[int], bursts: list[int], every: int,
                                              later: int) -> None:
    now = newest_of(name) + timedelta(seconds=later)  # stalls may appear: the stream must say so too
    events = streamed(name, order, bursts, every, now)
    assert differences(fold(events), reference([str(FIXTURES / name)], now)) == []


REAL_SETS = ("client-PALAC", "site-LA1", "site-CHQ-lab")


@pytest.mark.parametrize("name", REAL_SETS)
def test_real_logs_replay_folds_to_the_report(reallogs: Path, name: str) -> None:
    paths = [str(reallogs / name)]
    events, now = replayed(paths)
    assert differences(fold(events), reference(paths, now)) == []


def test_real_flat_client_replay_folds_to_the_report(reallogs: Path) -> None:
    paths = [str(p) for p in sorted(reallogs.glob("configmgr__iOS-CMLogTracer__*.log"))]
    events, now = replayed(paths)
    assert differences(fold(events), reference(paths, now)) == []


# ----------------------------------------------------------------------------- a multi-client site


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    """One MP and one site server serving 12 clients, their logs interleaved in one file each."""
    files, _ = build_set(12, seed=3)
    root = tmp_path_factory.mktemp("site")
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root, files


def test_multi_client_replay_folds_to_the_report(site: tuple[Path, dict[str, bytes]]) -> None:
    root, _ = site
    events, now = replayed([str(root)])
    assert any(e["event"] == "flow" and e["kind"] == "scan" for e in events)
    assert differences(fold(events), reference([str(root)], now)) == []


async def test_multi_client_written_live_folds_to_the_report(site: tuple[Path, dict[str, bytes]],
                                                             tmp_path: Path) -> None:
    """The site's logs written record by record (rolling at 150 kB, as ConfigMgr rolls at 250 kB)
    while the real watcher tails them: the stream it prints folds to the report of what was written
    (the set as built: by the end, ConfigMgr-style rolling has overwritten the oldest generations).

    Paced so that no file rolls twice between two polls, even when this machine stalls the loop for
    a second: ConfigMgr keeps one ``.lo_``, so a second roll before the tail looks destroys data for
    real.
    """
    root, files = site
    sink = FileSink(str(tmp_path), max_size=150_000)
    writer = Player(set_tracks(files), sink, speed=4_000.0, max_gap=0.01)
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    events: list[Event] = []
    lost: list[str] = []

    def collect(batch: Batch) -> None:
        events.extend(batch.events)
        lost.extend(f.detail for f in batch.files if f.change == "error")

    pipeline.subscribe(collect)
    watcher = LiveWatcher(pipeline, WatchOptions(paths=[str(tmp_path)], all_logs=False, from_end=False, poll=0.02),
                          clock=writer.clock.now)
    watching = asyncio.ensure_future(watcher.run())
    try:
        await writer.run()
        for _ in range(500):
            if pipeline.stats.bytes >= sink.bytes_written:
                break
            await asyncio.sleep(0.02)
        assert pipeline.stats.bytes >= sink.bytes_written, "the tail read every byte written"
    finally:
        watcher.stop()
        await watching
    assert sink.rotations > 0 and not lost
    now = writer.clock.now()
    events += pipeline.tick(now)
    got = fold(as_json(events))
    assert any(f["kind"] == "scan" for f in got.values())
    diff = differences(got, reference([str(root)], now))
    assert diff == [], "\n".join(diff)
