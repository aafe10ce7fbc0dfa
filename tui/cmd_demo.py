"""``sumtrace demo``: a scenario written live into a temporary folder, watched by the real tail path.

Nothing is canned: the scenario's logs are generated (by the same code as ``fixtures/``), written
record by record with their own timing compressed, in bursts, to several files at once, rolled
over like ConfigMgr rolls its logs, and followed by the same watcher and pipeline as ``watch``.
The folder is removed when the demo ends. Its arguments are defined in :mod:`sumtrace.tui.cli`;
the scenario name is checked here, so that building the argument tree never loads the generator.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from sumtrace.live import scenarios as generate
from sumtrace.live.demo import demo_jsonl, make_demo
from sumtrace.tui.args import UsageError

DEFAULT = ("healthy-first-scan", "wsus-401")


def run(args: argparse.Namespace) -> int:
    if args.list:
        for name, text in generate.SCENARIOS.items():
            print(f"{name:24} {text}")
        return 0
    if args.scenario is not None and args.scenario not in generate.SCENARIOS:
        raise UsageError(f"--scenario: {args.scenario!r} is not a scenario (see 'sumtrace demo --list')")
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
