"""``sumtrace demo``: a scenario written live into a temporary folder, watched by the real tail path.

Nothing is canned: the scenario's logs are generated (by the same code as ``fixtures/``), written
record by record with their own timing compressed, in bursts, to several files at once, rolled
over like ConfigMgr rolls its logs, and followed by the same watcher and pipeline as ``watch``.
The folder is removed when the demo ends.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from sumtrace.live import scenarios as generate
from sumtrace.live.demo import demo_jsonl, make_demo
from sumtrace.tui.args import number

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
