"""``sumtrace replay``: captured logs through the live pipeline, in UTC order, fast or paced.

Its arguments are defined in :mod:`sumtrace.tui.cli`; this module runs when the command does.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable, Iterator

from sumtrace.flows.escape import one_line
from sumtrace.live.jsonl import JsonlPrinter, watch_reader
from sumtrace.live.replay import ReplayTicker, build_replay


async def replay_jsonl(args: argparse.Namespace) -> int:
    """The headless replay; a reader that goes away (``| head``) stops it at the next record."""
    pipeline, _, player, errors = build_replay(args.paths, speed=args.speed, max_gap=args.max_gap,
                                               all_logs=args.all_logs)
    for err in errors:
        print(f"sumtrace: {one_line(err)}", file=sys.stderr)
    if not player.tracks:
        return 2
    for track in player.tracks:
        track.chunks = _guarded(track.path, track.chunks)
    printer = JsonlPrinter(sys.stdout, entries=args.entries, on_broken_pipe=player.stop)
    pipeline.subscribe(printer)

    player.on_record = ReplayTicker(pipeline, player.clock.now)
    reader = asyncio.create_task(watch_reader(printer))
    try:
        await player.run()
    finally:
        reader.cancel()
    pipeline.close()
    pipeline.tick(player.clock.now())
    if printer.broken:
        raise BrokenPipeError("the reader of stdout went away")
    return 0


def _guarded(path: str, chunks: Callable[[], Iterator[bytes]]) -> Callable[[], Iterator[bytes]]:
    """A track's chunks whose read error (a vanished file, a damaged zip member) ends that track
    only, with one line on stderr, as ``parse`` and ``report`` do."""

    def read() -> Iterator[bytes]:
        try:
            yield from chunks()
        except OSError as exc:
            print(f"sumtrace: {one_line(path)}: {one_line(str(exc.strerror or exc))}", file=sys.stderr)

    return read


def run(args: argparse.Namespace) -> int:
    if args.jsonl:
        try:
            return asyncio.run(replay_jsonl(args))
        except KeyboardInterrupt:
            return 0
    from sumtrace.tui.app import run_replay  # imported here: the headless path never loads Textual

    return run_replay(args)
