"""``sumtrace replay``: captured logs through the live pipeline, in UTC order, fast or paced."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from sumtrace.live.jsonl import JsonlPrinter
from sumtrace.live.replay import build_replay
from sumtrace.tui.args import number

EXAMPLES = """examples:
  sumtrace replay ./collected-logs                 # as fast as possible, then browse
  sumtrace replay client-logs.zip --speed 60       # paced: one minute of logs per second
  sumtrace replay ./logs --speed 1                 # real time
  sumtrace replay ./logs --speed 60 --max-gap 2    # ... but never wait more than 2 s on a silence
  sumtrace replay ./logs --jsonl                   # headless: step/flow events in log-time order

keys: p pause/resume, s step one record while paused, plus every key of 'watch'.
"""


def register(sub: Any, formatter: type[argparse.HelpFormatter]) -> None:
    p = sub.add_parser("replay", help="replay captured logs (folders, .zip bundles) through the live view",
                       description="Feed captured logs through exactly the live pipeline and view, in UTC order "
                                   "across all files and hosts: as fast as possible, or paced by the records' "
                                   "own timestamps. The tracker's clock follows the replay, so stalls show as "
                                   "they did live.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="log files, folders or .zip bundles")
    p.add_argument("--speed", type=number("speed", 0), metavar="X", help="pace by timestamps: 1 = real time, 60 = a minute per second")
    p.add_argument("--max-gap", type=number("the longest wait in seconds", 0), metavar="S",
                   help="with --speed, cap a silence in the logs to S wall seconds (the clock jumps ahead)")
    p.add_argument("--jsonl", action="store_true", help="no TUI: print step, flow (and with --entries, entry) events")
    p.add_argument("--entries", action="store_true", help="with --jsonl, also print every entry")
    p.add_argument("--all-logs", action="store_true", help="in folders, read every *.log/*.lo_")
    p.set_defaults(handler=run)


async def replay_jsonl(args: argparse.Namespace) -> int:
    pipeline, _, player, errors = build_replay(args.paths, speed=args.speed, max_gap=args.max_gap,
                                                  all_logs=args.all_logs)
    for err in errors:
        print(f"sumtrace: {err}", file=sys.stderr)
    if not player.tracks:
        return 2
    printer = JsonlPrinter(sys.stdout, entries=args.entries, on_broken_pipe=player.pause)
    pipeline.subscribe(printer)
    def tick(_: object) -> None:
        """Tick as the clock moves, so events come out in log-time order, as they would have live."""
        if pipeline.needs_tick:
            pipeline.tick(player.clock.now())

    player.on_record = tick
    await player.run()
    pipeline.close()
    pipeline.tick(player.clock.now())
    return 0


def run(args: argparse.Namespace) -> int:
    if args.jsonl:
        try:
            return asyncio.run(replay_jsonl(args))
        except KeyboardInterrupt:
            return 0
    from sumtrace.tui.app import run_replay  # imported here: the headless path never loads Textual

    return run_replay(args)
