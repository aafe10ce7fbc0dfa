"""``sumtrace demo``: a scenario written live into a temporary folder, watched by the real tail path.

Nothing is canned: the scenario's logs are generated (by the same code as ``fixtures/``), written
record by record with their own timing compressed, in bursts, to several files at once, rolled
over like ConfigMgr rolls its logs, and followed by the same watcher and pipeline as ``watch``.
The folder is removed when the demo ends.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any

from sumtrace.flows.tracker import Tracker
from sumtrace.live import scenarios as generate
from sumtrace.live.pipeline import Pipeline
from sumtrace.live.replay import FileSink, Player, Track, scenario_tracks
from sumtrace.live.watcher import LiveWatcher, WatchOptions
from sumtrace.tui.args import number
from sumtrace.tui.cmd_watch import JsonlPrinter

DEFAULT = ("healthy-first-scan", "wsus-401")
EXAMPLES = """examples:
  sumtrace demo                          # a healthy scan, then a scan that fails with HTTP 401
  sumtrace demo --list                   # the scenarios and what each shows
  sumtrace demo --scenario gpo-override  # one scenario
  sumtrace demo --speed 600              # faster (log seconds per wall second; default 120)
"""


def register(sub: Any, formatter: type[argparse.HelpFormatter]) -> None:
    p = sub.add_parser("demo", help="see sumtrace work: a scenario written live into a temp folder",
                       description="Write a realistic scenario (client, management point, site server and WSUS "
                                   "logs) into a temporary folder as live log files, timed like the real thing "
                                   "but compressed, with rotation and bursts, and watch it. Needs no ConfigMgr.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("--scenario", choices=sorted(generate.SCENARIOS), metavar="NAME",
                   help="one scenario (see --list); default: a healthy scan followed by a failing one")
    p.add_argument("--list", action="store_true", help="list the scenarios with one line on what each shows")
    p.add_argument("--speed", type=number("speed", 0), default=120.0, metavar="X", help="log seconds per wall second (default 120)")
    p.add_argument("--max-gap", type=number("the longest silence in seconds", 0), default=1.5, metavar="S", help="longest silence, in wall seconds")
    p.add_argument("--jsonl", action="store_true", help="no TUI: print the events as 'watch --jsonl' would")
    p.add_argument("--keep", action="store_true", help="keep the folder afterwards (its path is printed)")
    p.set_defaults(handler=run)


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
    pipeline = demo.pipeline
    pipeline.subscribe(JsonlPrinter(sys.stdout, entries=False, on_broken_pipe=demo.watcher.stop))
    watching = asyncio.create_task(demo.watcher.run())
    try:
        await demo.writer.run()
        await asyncio.sleep(1.0)  # let the watcher read the last writes
    finally:
        demo.watcher.stop()
        await watching
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list:
        for name, text in generate.SCENARIOS.items():
            print(f"{name:24} {text}")
        return 0
    names = (args.scenario,) if args.scenario else DEFAULT
    demo = make_demo(names, speed=args.speed, max_gap=args.max_gap)
    try:
        if args.jsonl:
            return asyncio.run(demo_jsonl(demo))
        from sumtrace.tui.app import run_demo  # imported here: the headless path never loads Textual

        return run_demo(demo)
    except KeyboardInterrupt:
        return 0
    finally:
        if args.keep:
            print(f"sumtrace: demo logs kept in {demo.root}", file=sys.stderr)
        else:
            demo.cleanup()
