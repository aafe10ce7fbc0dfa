"""``sumtrace watch``: follow logs live; ``--jsonl`` prints events headless, else the TUI opens.

The ``--jsonl`` output is an interface (log shippers and scheduled jobs read it), one JSON object
per line, flushed after every batch:

* ``{"event": "file", "path", "host", "change", "detail"}`` with ``change`` one of ``opened``,
  ``rotated``, ``truncated``, ``deleted``, ``error`` (errors are reported once each);
* ``{"event": "step", "kind", "host", "flow", "key", "status", "at", "detail", "error", "hint"}``
  when a step of a flow changes status (``error`` is ``{"code", "name", "meaning"}`` or null);
* ``{"event": "flow", "kind", "host", "host_name", "flow", "status", "started", "ended", "current"}``
  when a flow appears or changes status, current step or host name (``host`` is the machine's id
  and never changes: see :mod:`sumtrace.parsers.hosts`; ``host_name`` is what its logs call it);
* with ``--entries`` also ``{"event": "entry", "host", ...}`` plus every field of
  ``sumtrace parse --jsonl`` (file, line, offset, format, local, utc, bias, time_source,
  severity, severity_inferred, component, thread, message).

SIGINT, SIGTERM and SIGHUP end it cleanly (:mod:`sumtrace.live.signals`): partial records are
flushed, the tracker is updated a last time, and it exits 0. Its arguments are defined in :mod:`sumtrace.tui.cli` (``--since`` is read by
:func:`sumtrace.tui.args.parse_since`).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import TextIO

from sumtrace.live.jsonl import JsonlPrinter, watch_reader
from sumtrace.live.pipeline import Pipeline, TrackerLike
from sumtrace.live.signals import install_stop_signals
from sumtrace.live.watcher import LiveWatcher, WatchOptions
from sumtrace.tui.args import fail

__all__ = ["JsonlPrinter", "make_tracker", "run", "watch_jsonl"]


def refuse_zips(paths: list[str]) -> None:
    """A ``.zip`` bundle is a finished capture: nothing in it grows, so there is nothing to follow,
    and its compressed bytes are no log. It gets the one-line usage error pointing to ``replay``."""
    for path in paths:
        if path.lower().endswith(".zip") and os.path.isfile(path):
            fail("sumtrace watch", f"{path}: a .zip bundle does not grow and cannot be watched; "
                                   f"use sumtrace replay (or report) to read it")


def run(args: argparse.Namespace) -> int:
    refuse_zips(list(args.paths))
    if not args.jsonl:
        return _run_tui(args)
    try:
        return asyncio.run(watch_jsonl(args, sys.stdout))
    except KeyboardInterrupt:  # a second Ctrl-C while shutting down
        return 0


def _run_tui(args: argparse.Namespace) -> int:
    from sumtrace.tui.app import run_watch  # imported here: the headless path never loads Textual

    return run_watch(args)


def make_tracker() -> TrackerLike:
    """The flow tracker the headless watch feeds."""
    from sumtrace.flows.tracker import Tracker

    return Tracker()


async def watch_jsonl(args: argparse.Namespace, out: TextIO) -> int:
    """The headless watch: runs until SIGINT/SIGTERM/SIGHUP, or until the reader closes the pipe.

    A closed pipe ends it with ``BrokenPipeError``, which the command line turns into a quiet exit.
    """
    pipeline = Pipeline(make_tracker(), since=args.since)
    options = WatchOptions(paths=list(args.paths), all_logs=args.all_logs, from_end=args.from_end, poll=args.poll)
    watcher = LiveWatcher(pipeline, options)
    printer = JsonlPrinter(out, entries=args.entries, on_broken_pipe=watcher.stop)
    pipeline.subscribe(printer)
    restore = install_stop_signals(watcher.stop)
    reader = asyncio.create_task(watch_reader(printer))
    try:
        await watcher.run()
    finally:
        reader.cancel()
        restore()
    if printer.broken:
        raise BrokenPipeError("the reader of stdout went away")
    return 0
