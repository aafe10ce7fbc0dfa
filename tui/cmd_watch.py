"""``sumtrace watch``: follow logs live; ``--jsonl`` prints events headless, else the TUI opens.

The ``--jsonl`` output is an interface (log shippers and scheduled jobs read it), one JSON object
per line, flushed after every batch:

* ``{"event": "file", "path", "host", "change", "detail"}`` with ``change`` one of ``opened``,
  ``rotated``, ``truncated``, ``deleted``, ``error`` (errors are reported once each);
* ``{"event": "step", "kind", "host", "flow", "key", "status", "at", "detail", "error", "hint"}``
  when a step of a flow changes status (``error`` is ``{"code", "name", "meaning"}`` or null);
* ``{"event": "flow", "kind", "host", "flow", "status", "started", "ended", "current"}`` when a
  flow appears or changes status;
* with ``--entries`` also ``{"event": "entry", "host", ...}`` plus every field of
  ``sumtrace parse --jsonl`` (file, line, offset, format, local, utc, bias, time_source,
  severity, severity_inferred, component, thread, message).

SIGINT/SIGTERM end it cleanly: partial records are flushed, the tracker is updated a last time,
and it exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import signal
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TextIO

from sumtrace.live.jsonl import JsonlPrinter
from sumtrace.live.pipeline import Pipeline, TrackerLike
from sumtrace.live.watcher import LiveWatcher, WatchOptions
from sumtrace.tui.args import number

EXAMPLES = """examples:
  sumtrace watch C:\\Windows\\CCM\\Logs
  sumtrace watch ./collected-logs --jsonl                 # step, flow and file events, one JSON per line
  sumtrace watch \\\\server\\logs$ --jsonl --poll 2          # network share: poll every 2 s
  sumtrace watch ./logs --jsonl --entries --since 2h       # also every entry of the last two hours
  sumtrace watch ScanAgent.log WUAHandler.log --from-end  # only what is written from now on

JSONL events (stable schema):
  {"event": "file", "path", "host", "change": "opened|rotated|truncated|deleted|error", "detail"}
  {"event": "step", "kind", "host", "flow", "key", "status", "at", "detail", "error", "hint"}
  {"event": "flow", "kind", "host", "flow", "status", "started", "ended", "current"}
  {"event": "entry", "host", ...}   (only with --entries; the fields of 'parse --jsonl')
"""

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """``2h``, ``30m``, ``1d``, ``45s`` before ``now``, or an ISO time (naive = this machine's local time)."""
    m = _RELATIVE.match(text)
    if m:
        return now - timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"cannot read {text!r} as a time: use 30m, 2h, 1d or an ISO time like 2026-01-20T14:00") from None
    if when.tzinfo is None:
        when = when.astimezone()  # the local zone of this machine
    return when.astimezone(timezone.utc)


def _since_arg(text: str) -> datetime:
    try:
        return parse_since(text, datetime.now(timezone.utc))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def register(sub: Any, formatter: type[argparse.HelpFormatter]) -> None:
    p = sub.add_parser("watch", help="follow logs live (the TUI, or --jsonl events for scripts)",
                       description="Follow ConfigMgr / Windows Update logs as they are written: folders (and "
                                   "their per-machine subfolders, including ones created later) or files. "
                                   "Rotation to .lo_ or dated names, truncation and re-creation are followed "
                                   "without losing a line.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="folders or log files (they may not exist yet)")
    p.add_argument("--jsonl", action="store_true", help="no TUI: print one JSON event per line (schema below)")
    p.add_argument("--entries", action="store_true", help="with --jsonl, also print every entry")
    start = p.add_mutually_exclusive_group()
    start.add_argument("--from-end", action="store_true", help="skip the content that exists now")
    start.add_argument("--since", type=_since_arg, metavar="T",
                       help="start from a time: 30m, 2h, 1d or an ISO time (entries before it are dropped)")
    p.add_argument("--poll", type=number("the poll interval in seconds", 0.01, 3600), metavar="SECONDS",
                   help="poll every SECONDS instead of using change notifications (network shares)")
    p.add_argument("--all-logs", action="store_true", help="in folders, follow every *.log, not only the known ones")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
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
    """The headless watch: runs until SIGINT/SIGTERM (or the reader closes the pipe)."""
    pipeline = Pipeline(make_tracker(), since=args.since)
    options = WatchOptions(paths=list(args.paths), all_logs=args.all_logs, from_end=args.from_end, poll=args.poll)
    watcher = LiveWatcher(pipeline, options)
    printer = JsonlPrinter(out, entries=args.entries, on_broken_pipe=watcher.stop)
    pipeline.subscribe(printer)
    restore = _install_signals(watcher.stop)
    try:
        await watcher.run()
    finally:
        restore()
    if printer.broken:
        _silence_stdout()
    return 0


def _install_signals(stop: Callable[[], None]) -> Callable[[], None]:
    """SIGINT/SIGTERM call ``stop`` in the loop; returns a function that restores the defaults."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    previous: dict[signal.Signals, Any] = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            try:
                previous[sig] = signal.signal(sig, lambda _s, _f: loop.call_soon_threadsafe(stop))
            except (ValueError, OSError):
                pass

    def restore() -> None:
        for sig in installed:
            loop.remove_signal_handler(sig)
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
