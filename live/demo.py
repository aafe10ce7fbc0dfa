"""The demo writer: scenarios written live into a temporary folder and followed by the real watcher.

Nothing is canned: the scenario's logs are generated (:mod:`sumtrace.live.scenarios`, the same code
as the committed fixtures), written record by record with their own timing compressed, in bursts,
to several files at once, rolled over like ConfigMgr rolls its logs, and followed by the same
watcher and pipeline as ``watch``. :meth:`Demo.cleanup` removes the folder.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from sumtrace.flows.tracker import Tracker
from sumtrace.live import scenarios as generate
from sumtrace.live.jsonl import JsonlPrinter
from sumtrace.live.pipeline import Pipeline
from sumtrace.live.replay import FileSink, Player, Track, scenario_tracks
from sumtrace.live.signals import install_stop_signals
from sumtrace.live.watcher import LiveWatcher, WatchOptions


@dataclass
class Demo:
    """Everything a demo run needs: the folder, the writer and the watching side."""

    root: str
    writer: Player
    sink: FileSink
    pipeline: Pipeline
    tracker: Tracker
    watcher: LiveWatcher
    names: tuple[str, ...]

    def now(self) -> datetime:
        return self.writer.clock.now()

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def scenario_files(names: tuple[str, ...], now: datetime) -> list[Track]:
    """Generated logs of the scenarios, back to back, ending shortly before ``now``."""
    tracks: list[Track] = []
    span = timedelta(hours=3)
    first = (now - span * len(names)).replace(tzinfo=None, microsecond=0)
    for i, name in enumerate(names):
        sc = replace(generate.scenario(name), start=first + span * i + timedelta(hours=2))
        files, _ = generate.build(sc)
        tracks += scenario_tracks(files)
    return tracks


def make_demo(names: tuple[str, ...], *, speed: float, max_gap: float, poll: float | None = None,
              max_size: int = 24_000) -> Demo:
    root = tempfile.mkdtemp(prefix="sumtrace-demo-")
    sink = FileSink(root, max_size=max_size)
    tracks = scenario_files(names, datetime.now(timezone.utc))
    writer = Player(tracks, sink, speed=speed, max_gap=max_gap)
    tracker = Tracker()
    pipeline = Pipeline(tracker)
    watcher = LiveWatcher(pipeline, WatchOptions(paths=[root], all_logs=False, from_end=False, poll=poll),
                          clock=writer.clock.now)
    return Demo(root, writer, sink, pipeline, tracker, watcher, names)


async def demo_jsonl(demo: Demo) -> int:
    """The headless demo: the events as ``watch --jsonl`` prints them, until the scenario ends.

    A reader that goes away (``| head``) stops the writer and the watcher at once, and the run
    ends with ``BrokenPipeError`` for the command line to turn into a quiet exit.
    """
    def reader_gone() -> None:
        demo.writer.stop()
        demo.watcher.stop()

    stopped = False

    def signalled() -> None:  # SIGINT/SIGTERM/SIGHUP: end now, flushed, so the caller removes the folder
        nonlocal stopped
        stopped = True
        reader_gone()

    printer = JsonlPrinter(sys.stdout, entries=False, on_broken_pipe=reader_gone)
    demo.pipeline.subscribe(printer)
    watching = asyncio.create_task(demo.watcher.run())
    restore = install_stop_signals(signalled)
    try:
        await demo.writer.run()
        if not printer.broken and not stopped:
            await asyncio.sleep(1.0)  # let the watcher read the last writes
    finally:
        demo.watcher.stop()
        await watching
        restore()
    if printer.broken:
        raise BrokenPipeError("the reader of stdout went away")
    return 0
