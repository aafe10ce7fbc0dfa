"""Replay: one file that cannot be read on costs that file only (issue 13), in the TUI as in --jsonl.

A track fails in the middle (an OSError from its chunks, as a vanished file or a damaged zip member
raises): what it played before stays, the pipeline says so with an ``error`` file event, and every
other track plays to its end. The app shows the file as missing or in error with the reason.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
from collections.abc import Iterator
from pathlib import Path

from sumtrace.flows.tracker import Tracker
from sumtrace.live.pipeline import Batch, Pipeline
from sumtrace.live.replay import Player, Track, feed_sink
from sumtrace.tui.cmd_replay import replay_app
from tests.conftest import FIXTURES


def cm(msg: str, second: int, comp: str = "ScanAgent") -> bytes:
    return (f'<![LOG[{msg}]LOG]!><time="10:00:{second:02d}.000+000" date="01-20-2014" component="{comp}" '
            f'context="" type="1" thread="1" file="x.cpp:1">\r\n').encode()


def breaking(path: str, good: bytes, why: str) -> Track:
    """A track whose first chunk reads and whose second read fails."""

    def chunks() -> Iterator[bytes]:
        yield good
        raise OSError(5, why)

    return Track(path, "PC01", 0, chunks)


async def test_a_failing_track_ends_alone_and_says_why() -> None:
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    batches: list[Batch] = []
    pipeline.subscribe(batches.append)
    good = b"".join(cm(f"good {i}", i) for i in range(40))
    bad = b"".join(cm(f"bad {i}", i, "WUAHandler") for i in range(5)) + b"<![LOG[cut in the mid"
    told: list[str] = []
    tracks = [breaking("PC01/WUAHandler.log", bad, "Input/output error"),
              Track.of_bytes("PC01/ScanAgent.log", "PC01", good)]
    for coalesce in (True, False):
        batches.clear()
        told.clear()
        player = Player(tracks, feed_sink(pipeline, coalesce=coalesce), speed=None, batch=7,
                        on_error=lambda _, m: told.append(m))
        await player.run()
        pipeline.close()
        entries = [e for b in batches for e in b.entries]
        msgs = [e.message for e in entries]
        assert [m for m in msgs if m.startswith("good")] == [f"good {i}" for i in range(40)]
        assert [m for m in msgs if m.startswith("bad")] == [f"bad {i}" for i in range(5)]
        assert any("cut in the mid" in e.message and e.format == "plain" for e in entries), \
            "the record the error cut comes out unparsed, never lost"
        errors = [f for b in batches for f in b.files if f.change == "error"]
        assert [(f.path, f.detail) for f in errors] == [("PC01/WUAHandler.log",
                                                         "PC01/WUAHandler.log: Input/output error")]
        assert player.errors == told == ["PC01/WUAHandler.log: Input/output error"]
        assert player.played == 46


async def test_tui_replay_goes_on_when_a_file_vanishes(tmp_path: Path) -> None:
    root = tmp_path / "wsus-401"
    shutil.copytree(FIXTURES / "wsus-401", root)
    args = argparse.Namespace(paths=[str(root)], speed=None, max_gap=None, all_logs=False, jsonl=False)
    app, player, errors = replay_app(args, install_signals=False, animations=False, gc_freeze=False)
    assert app is not None and not errors
    gone = root / "client" / "WUAHandler.log"
    gone.unlink()  # after discovery, before it is read: a collected file removed meanwhile
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(200):
            await pilot.pause(0.05)
            if app.driver_done:
                break
        assert app.driver_done
        app.refresh_now()
        await pilot.pause(0.1)
        state = app.state.files[str(gone)]
        assert state.state == "missing" and "no such file" in state.detail.lower()
        assert "1 missing" in app.main.topbar.status.plain
        others = {fs.path for fs in app.state.files.values() if fs.state == "replay"}
        assert len(others) == len(list(root.rglob("*.log")))  # every other log played
        assert len(app.state.log_index) == player.played > 250
        assert player.errors and str(gone) in player.errors[0]
        await pilot.press("q")
    await asyncio.sleep(0)
