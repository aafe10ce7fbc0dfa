"""Replay and demo: captured logs through the live pipeline, paced by their own timestamps."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import datetime, timedelta

import pytest

from sumtrace.flows.model import StepEvent
from sumtrace.flows.tracker import Tracker
from sumtrace.live.demo import make_demo
from sumtrace.live.pipeline import Pipeline
from sumtrace.live.replay import FileSink, Player, ReplayClock, Track, feed_sink, tracks_of
from sumtrace.parsers.files import discover
from sumtrace.tui.cmd_report import collect
from tests.conftest import FIXTURES, ROOT

SCENARIOS = sorted(p.parent.name for p in FIXTURES.glob("*/expected.json"))


def final_state(tracker: Tracker) -> list[tuple[str, str, list[tuple[str, str]]]]:
    return [(f.kind, f.status, [(s.key, s.status) for s in f.steps]) for f in tracker.flows]


async def test_paced_replay_emits_step_events_in_timestamp_order() -> None:
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    player = Player(tracks_of(discover([str(FIXTURES / "healthy-first-scan")]).sources), feed_sink(pipeline),
                    speed=50_000.0, max_gap=0.002)
    seen: list[tuple[datetime, StepEvent]] = []

    def tick(_: datetime) -> None:
        now = player.clock.now()
        for ev in pipeline.tick(now):
            if isinstance(ev, StepEvent):
                seen.append((now, ev))

    player.on_record = tick
    await player.run()
    pipeline.close()
    clocks = [c for c, _ in seen]
    assert len(seen) > 20
    assert clocks == sorted(clocks), "events come out as the replay clock advances"
    for clock, ev in seen:
        assert ev.at is None or ev.at <= clock + timedelta(milliseconds=1), "no event speaks of the future"
    # Paced replay ends where a one-shot report ends.
    reference, _, _ = collect([str(FIXTURES / "healthy-first-scan")])
    assert reference.newest is not None
    reference.update(reference.newest)
    tracker.update(reference.newest)
    assert final_state(tracker) == final_state(reference)


async def test_pause_step_resume() -> None:
    played: list[bytes] = []
    tracks = [Track.of_bytes("a.log", "h", b"".join(
        f'<![LOG[m{i}]LOG]!><time="10:00:0{i}.000+000" date="01-01-2020" component="C" context="" type="1" thread="1">\r\n'.encode()
        for i in range(5)))]
    player = Player(tracks, lambda t, d: played.append(d), speed=None)
    player.pause()
    task = asyncio.create_task(player.run())
    await asyncio.sleep(0.05)
    assert played == []
    player.step()
    await asyncio.sleep(0.05)
    assert len(played) == 1 and b"m0" in played[0]
    player.step(2)
    await asyncio.sleep(0.05)
    assert len(played) == 3
    player.resume()
    await asyncio.wait_for(task, 2)
    assert b"".join(played).count(b"<![LOG[") == 5


def test_replay_clock_follows_data_and_speed() -> None:
    t = [100.0]
    clock = ReplayClock(60.0, monotonic=lambda: t[0])
    start = datetime(2020, 1, 1, 12, 0).astimezone()
    clock.reach(start)
    t[0] += 2
    assert clock.now() == start + timedelta(minutes=2)
    clock.freeze(True)
    t[0] += 100
    assert clock.now() == start + timedelta(minutes=2)
    clock.reach(start)  # an older record never moves the clock back
    assert clock.now() == start + timedelta(minutes=2)


def test_file_sink_rolls_lo_and_strips_repeated_bom(tmp_path) -> None:  # type: ignore[no-untyped-def]
    sink = FileSink(str(tmp_path), max_size=10_000)
    bom = b"\xef\xbb\xbf"
    sink(Track.of_bytes("client/ScanAgent.lo_", "client", b""), bom + b"old\r\n")
    sink(Track.of_bytes("client/ScanAgent.log", "client", b""), bom + b"new\r\n")
    sink(Track.of_bytes("client/ScanAgent.log", "client", b""), bom + b"more\r\n")
    assert (tmp_path / "client" / "ScanAgent.lo_").read_bytes() == bom + b"old\r\n"
    assert (tmp_path / "client" / "ScanAgent.log").read_bytes() == bom + b"new\r\nmore\r\n"
    assert sink.rotations == 1


@pytest.mark.parametrize("name", SCENARIOS)
async def test_demo_reaches_expected_state(name: str) -> None:
    """``sumtrace demo --scenario NAME`` headless under Pilot: the app's timeline ends as expected."""
    from sumtrace.tui.app import demo_app

    expected = json.loads((FIXTURES / name / "expected.json").read_text())
    # Small enough that busy logs roll over (.lo_) mid-scenario, large enough that none rolls twice
    # (20 KB: the current-branch scenarios write more StateSys and MP_Relay than 12 KB allowed)
    # between two polls: ConfigMgr keeps one .lo_, so a second roll would really destroy data.
    demo = make_demo((name,), speed=500_000.0, max_gap=0.001, poll=0.02, max_size=20_000)
    errors: list[str] = []
    demo.pipeline.subscribe(lambda b: errors.extend(f.detail for f in b.files if f.change == "error"))
    want = expected["scan"]["status"]
    bad = expected["scan"]["failed_step"] or expected["scan"]["stalled_step"]
    try:
        app = demo_app(demo, install_signals=False, animations=False)
        async with app.run_test(size=(80, 24)) as pilot:
            # At this speed the writer's clock runs far ahead of the tail: judge once all is read.
            for _ in range(300):
                if demo.writer.done and demo.pipeline.stats.bytes >= demo.sink.bytes_written:
                    break
                await pilot.pause(0.02)
            assert demo.pipeline.stats.bytes >= demo.sink.bytes_written, "the tail read every byte written"
            scan = None
            for _ in range(100):
                await pilot.pause(0.05)
                scan = app.current_scan()
                if scan is not None and scan.status == want and (not bad or (scan.current and scan.current.key == bad)):
                    break
            assert scan is not None and scan.status == want, [(f.id, f.status) for f in app.flows]
            if bad:
                assert scan.current is not None and scan.current.key == bad
                assert app.step() is not None and app.step().key == bad, "the problem step is selected on screen"
            await pilot.press("q")
        assert not errors
    finally:
        demo.cleanup()


def test_demo_list_and_cli_help() -> None:
    out = subprocess.run([sys.executable, "-m", "sumtrace", "demo", "--list"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert len(out.stdout.strip().splitlines()) == len(SCENARIOS)
    for cmd in ("parse", "report", "watch", "replay", "demo"):
        h = subprocess.run([sys.executable, "-m", "sumtrace", cmd, "--help"], cwd=ROOT, capture_output=True, text=True, check=True)
        assert "examples:" in h.stdout
    v = subprocess.run([sys.executable, "-m", "sumtrace", "--version"], cwd=ROOT, capture_output=True, text=True, check=True)
    assert v.stdout.startswith("sumtrace ")


def test_replay_jsonl_headless() -> None:
    out = subprocess.run([sys.executable, "-m", "sumtrace", "replay", "--jsonl", str(FIXTURES / "gpo-override")],
                         cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    events = [json.loads(line) for line in out.stdout.splitlines()]
    failed = [e for e in events if e["event"] == "step" and e["status"] == "failed"]
    assert failed and failed[0]["key"] == "update_source" and failed[0]["error"]["code"] == "0x87D00692"


async def test_quitting_the_demo_stops_the_writer_at_once() -> None:
    from sumtrace.tui.app import demo_app

    demo = make_demo(("healthy-first-scan",), speed=60.0, max_gap=0.5)  # minutes of writing left
    try:
        app = demo_app(demo, install_signals=False, animations=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause(0.5)
            await pilot.press("q")
        assert demo.writer.done, "the writer was cancelled, not left to finish the scenario"
        assert 0 < demo.writer.played < sum(1 for _ in demo.writer.records())
    finally:
        demo.cleanup()
