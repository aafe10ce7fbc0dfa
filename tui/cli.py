"""The ``sumtrace`` command line: one sub-command per job, each with examples in its --help.

Exit codes are part of the interface for scripts: 0 all good, 1 a flow failed or stalled
(``report``) or some input could not be read (``parse``), 2 usage or input errors (one line on
stderr, never a traceback).

Start-up matters here: ``report`` and ``parse`` are run from scripts and scheduled jobs, often
many times. This module builds the whole argument tree from argparse alone and imports a command's
implementation (``sumtrace.tui.cmd_<name>``) only once that command runs, so ``report`` never
loads the live engine (asyncio, watchdog), the Textual app or the demo scenario generator, and
``--help`` loads nothing else at all.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib import import_module
from typing import Any

from sumtrace.tui.args import Parser, UsageError, fail, iso_time, number, since

_Sub = Any  # argparse's sub-parsers action (a private class)


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


class _Version(argparse.Action):
    """``--version``: looks the installed version up only when asked (importlib.metadata is not free)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print the version and exit", **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        from importlib import metadata

        try:
            version = metadata.version("sumtrace")
        except metadata.PackageNotFoundError:  # running from a source tree
            import sumtrace

            version = f"{sumtrace.__version__}+source"
        sys.stdout.write(f"sumtrace {version}\n")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="sumtrace",
        description="Watch a ConfigMgr software-update scan happen, across client, MP, site server and WSUS logs.",
        formatter_class=_Formatter,
        epilog="Run 'sumtrace COMMAND --help' for each command's options and examples.",
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in (_add_parse, _add_report, _add_watch, _add_replay, _add_demo):
        add(sub)
    return parser


def _command(sub: _Sub, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = sub.add_parser(name, formatter_class=_Formatter, **kwargs)
    p.set_defaults(module=f"sumtrace.tui.cmd_{name}")
    return p


def _add_parse(sub: _Sub) -> None:
    p = _command(sub, "parse", help="print parsed entries of logs, merged in UTC order",
                 description="Parse log files, folders or .zip bundles and print every entry, merged across "
                             "files in UTC order (a streaming merge: memory does not grow with size).",
                 epilog="""examples:
  sumtrace parse C:\\Windows\\CCM\\Logs\\ScanAgent.log C:\\Windows\\CCM\\Logs\\WUAHandler.log
  sumtrace parse ./collected-logs --jsonl > entries.jsonl
  sumtrace parse ./client-logs --by-file
""")
    p.add_argument("paths", nargs="+", metavar="PATH", help="log files, folders (every known log in them) or .zip bundles")
    p.add_argument("--jsonl", action="store_true", help="one JSON object per entry (schema in README)")
    p.add_argument("--by-file", action="store_true", help="keep file order instead of merging by time")
    p.add_argument("--all-logs", action="store_true", help="in folders, read every *.log/*.lo_, not only the known ones")


def _add_report(sub: _Sub) -> None:
    p = _command(sub, "report", help="stitch the logs into scan/policy/WSUS-sync timelines and diagnose them",
                 description="Read log files, folders (recursively) and .zip bundles, stitch every scan, policy "
                             "delivery and WSUS sync into a timeline, and say what failed and what to check.",
                 epilog="""examples:
  sumtrace report C:\\Windows\\CCM\\Logs
  sumtrace report ./collected-logs/ ./site-server-logs/ --markdown > scan.md
  sumtrace report client-logs.zip --json | jq '.flows[] | select(.status != "ok")'

exit status: 0 every flow ok, 1 a flow failed or stalled, 2 usage or input errors.
""")
    p.add_argument("paths", nargs="+", metavar="PATH", help="log files, folders or .zip bundles")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON document (schema in README)")
    fmt.add_argument("--markdown", action="store_true", help="Markdown, for tickets")
    p.add_argument("--all-logs", action="store_true", help="in folders, read every *.log/*.lo_")
    p.add_argument("--now", type=iso_time, metavar="ISO",
                   help="judge stalls as of this time (ISO 8601; UTC when no zone is given; default: newest entry)")


def _add_watch(sub: _Sub) -> None:
    p = _command(sub, "watch", help="follow logs live (the TUI, or --jsonl events for scripts)",
                 description="Follow ConfigMgr / Windows Update logs as they are written: folders (and their "
                             "per-machine subfolders, including ones created later) or files. Rotation to .lo_ "
                             "or dated names, truncation and re-creation are followed without losing a line.",
                 epilog="""examples:
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
""")
    p.add_argument("paths", nargs="+", metavar="PATH", help="folders or log files (they may not exist yet)")
    p.add_argument("--jsonl", action="store_true", help="no TUI: print one JSON event per line (schema below)")
    p.add_argument("--entries", action="store_true", help="with --jsonl, also print every entry")
    start = p.add_mutually_exclusive_group()
    start.add_argument("--from-end", action="store_true", help="skip the content that exists now")
    start.add_argument("--since", type=since, metavar="T",
                       help="start from a time: 30m, 2h, 1d or an ISO time (entries before it are dropped)")
    p.add_argument("--poll", type=number("the poll interval in seconds", 0.01, 3600), metavar="SECONDS",
                   help="poll every SECONDS instead of using change notifications (network shares)")
    p.add_argument("--all-logs", action="store_true", help="in folders, follow every *.log, not only the known ones")


def _add_replay(sub: _Sub) -> None:
    p = _command(sub, "replay", help="replay captured logs (folders, .zip bundles) through the live view",
                 description="Feed captured logs through exactly the live pipeline and view, in UTC order across "
                             "all files and hosts: as fast as possible, or paced by the records' own timestamps. "
                             "The tracker's clock follows the replay, so stalls show as they did live.",
                 epilog="""examples:
  sumtrace replay ./collected-logs                 # as fast as possible, then browse
  sumtrace replay client-logs.zip --speed 60       # paced: one minute of logs per second
  sumtrace replay ./logs --speed 1                 # real time
  sumtrace replay ./logs --speed 60 --max-gap 2    # ... but never wait more than 2 s on a silence
  sumtrace replay ./logs --jsonl                   # headless: step/flow events in log-time order

keys: p pause/resume, s step one record while paused, plus every key of 'watch'.
""")
    p.add_argument("paths", nargs="+", metavar="PATH", help="log files, folders or .zip bundles")
    p.add_argument("--speed", type=number("speed", 0), metavar="X",
                   help="pace by timestamps: 1 = real time, 60 = a minute per second")
    p.add_argument("--max-gap", type=number("the longest wait in seconds", 0), metavar="S",
                   help="with --speed, cap a silence in the logs to S wall seconds (the clock jumps ahead)")
    p.add_argument("--jsonl", action="store_true", help="no TUI: print step, flow (and with --entries, entry) events")
    p.add_argument("--entries", action="store_true", help="with --jsonl, also print every entry")
    p.add_argument("--all-logs", action="store_true", help="in folders, read every *.log/*.lo_")


def _add_demo(sub: _Sub) -> None:
    p = _command(sub, "demo", help="see sumtrace work: a scenario written live into a temp folder",
                 description="Write a realistic scenario (client, management point, site server and WSUS logs) "
                             "into a temporary folder as live log files, timed like the real thing but compressed, "
                             "with rotation and bursts, and watch it. Needs no ConfigMgr.",
                 epilog="""examples:
  sumtrace demo                          # a healthy scan, then a scan that fails with HTTP 401
  sumtrace demo --list                   # the scenarios and what each shows
  sumtrace demo --scenario gpo-override  # one scenario
  sumtrace demo --speed 600              # faster (log seconds per wall second; default 120)
""")
    p.add_argument("--scenario", metavar="NAME",
                   help="one scenario (see --list); default: a healthy scan followed by a failing one")
    p.add_argument("--list", action="store_true", help="list the scenarios with one line on what each shows")
    p.add_argument("--speed", type=number("speed", 0), default=120.0, metavar="X",
                   help="log seconds per wall second (default 120)")
    p.add_argument("--max-gap", type=number("the longest silence in seconds", 0), default=1.5, metavar="S",
                   help="longest silence, in wall seconds")
    p.add_argument("--jsonl", action="store_true", help="no TUI: print the events as 'watch --jsonl' would")
    p.add_argument("--keep", action="store_true", help="keep the folder afterwards (its path is printed)")


# Commands that build millions of objects and free few until they exit: the cyclic collector's default
# (a young-generation pass every 700 allocations, each older pass walking everything kept so far)
# spent about a fifth of ``report``'s time finding nothing. 50,000 keeps it rare and still bounded.
_BULK = frozenset({"parse", "report"})
_BULK_THRESHOLD = (50_000, 20, 100)


def _tune_gc(command: str) -> None:
    """Freeze what start-up made (modules, rule tables: alive until exit, never worth walking again),
    and collect rarely during the bulk work of ``parse`` and ``report``."""
    import gc

    gc.freeze()
    if command in _BULK:
        gc.set_threshold(*_BULK_THRESHOLD)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    module: str | None = getattr(args, "module", None)
    if module is None:
        parser.print_help()
        return 2
    try:
        command = import_module(module)
        _tune_gc(args.command)
        code: int = command.run(args)
        sys.stdout.flush()  # here, not at exit: a closed pipe is then handled below
        return code
    except UsageError as exc:
        fail(f"sumtrace {args.command}", str(exc))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `sumtrace parse ... | head`: the reader has what it wanted
        from sumtrace.tui.term import discard_stdout

        discard_stdout()
        return 0
