"""``sumtrace replay``: captured logs through the live pipeline, in UTC order, fast or paced.

Its arguments are defined in :mod:`sumtrace.tui.cli`; this module runs when the command does.
A file that cannot be read on while playing (vanished, unreadable, a damaged zip member) costs
that file only, in both modes: one line on stderr with ``--jsonl``; in the TUI, the file shows as
``error`` with the reason (Files view, top bar), and the reasons are printed again on exit.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from sumtrace.flows.escape import one_line
from sumtrace.live.jsonl import JsonlPrinter, watch_reader
from sumtrace.live.replay import Player, ReplayTicker, Track, build_replay

if TYPE_CHECKING:
    from sumtrace.tui.app import SumtraceApp

REPLAY_BREATHE = 0.3  # a flat-out TUI replay pauses 0.3x each batch's time (about a quarter of the wall time)


def _to_stderr(_: Track, message: str) -> None:
    print(f"sumtrace: {one_line(message)}", file=sys.stderr)


async def replay_jsonl(args: argparse.Namespace) -> int:
    """The headless replay; a reader that goes away (``| head``) stops it at the next record."""
    # Without --entries only events are printed, whose order the tracker decides: records may be
    # fed a file's batch at a time. With it, each entry is printed in the merge's own order.
    pipeline, _, player, errors = build_replay(args.paths, speed=args.speed, max_gap=args.max_gap,
                                               all_logs=args.all_logs, coalesce=not args.entries,
                                               on_error=_to_stderr)
    for err in errors:
        print(f"sumtrace: {one_line(err)}", file=sys.stderr)
    if not player.tracks:
        return 2
    printer = JsonlPrinter(sys.stdout, entries=args.entries, on_broken_pipe=player.stop)
    pipeline.subscribe(printer)

    player.on_record = ReplayTicker(pipeline, player.clock.now, flush=player.flush)
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


def replay_app(args: argparse.Namespace, **app_options: object) -> tuple[SumtraceApp | None, Player, list[str]]:
    """The TUI replay as ``sumtrace replay`` builds it: (the app, or None when there is nothing to
    play; the player; the paths that could not be read). Benchmarks and tests drive this same app."""
    from sumtrace.tui.app import PlayerControl, SumtraceApp  # here: the headless path never loads Textual

    pipeline, tracker, player, errors = build_replay(list(args.paths), speed=args.speed,
                                                     max_gap=getattr(args, "max_gap", None),
                                                     all_logs=getattr(args, "all_logs", False))
    if not player.tracks:
        return None, player, errors
    # Flat out, the player runs in the driver's thread: small batches with a pause after each
    # leave the UI thread the interpreter for repaints and keys (see Player._breathe).
    player.batch = 500
    player.breathe = REPLAY_BREATHE

    async def drive() -> None:
        await player.run()
        pipeline.close()  # partial last records come out as they would at the end of a live tail

    options: dict[str, object] = {"install_signals": True, **app_options}
    app = SumtraceApp(pipeline, tracker, drive, mode="replay", clock=player.clock.now,
                      control=PlayerControl(player), **options)  # type: ignore[arg-type]
    return app, player, errors


def run(args: argparse.Namespace) -> int:
    if args.jsonl:
        try:
            return asyncio.run(replay_jsonl(args))
        except KeyboardInterrupt:
            return 0
    app, player, errors = replay_app(args)
    for err in errors:
        print(f"sumtrace: {one_line(err)}", file=sys.stderr)
    if app is None:
        print("sumtrace: nothing to replay", file=sys.stderr)
        return 2
    app.run()
    for err in player.errors:  # shown in the app as they happened; said again where they last
        print(f"sumtrace: {one_line(err)}", file=sys.stderr)
    return app.return_code or 0
