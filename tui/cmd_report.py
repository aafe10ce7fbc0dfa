"""``sumtrace report``: read logs once, print every flow's timeline with diagnosis."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from sumtrace.flows.report import ASCII_GLYPH, exit_code, report_json, report_markdown, report_text
from sumtrace.flows.tracker import Tracker
from sumtrace.parsers.files import discover, read_source
from sumtrace.tui.safe import printable

EXAMPLES = """examples:
  sumtrace report C:\\Windows\\CCM\\Logs
  sumtrace report ./collected-logs/ ./site-server-logs/ --markdown > scan.md
  sumtrace report client-logs.zip --json | jq '.flows[] | select(.status != "ok")'

exit status: 0 every flow ok, 1 a flow failed or stalled, 2 usage or input errors.
"""

_COLOR = {"failed": "\x1b[1;31m", "stalled": "\x1b[35m", "warning": "\x1b[33m", "running": "\x1b[36m",
          "ok": "\x1b[32m", "unobserved": "\x1b[2m", "pending": "\x1b[2m", "incomplete": "\x1b[33m"}


def register(sub: Any, formatter: type[argparse.HelpFormatter]) -> None:
    p = sub.add_parser("report", help="stitch the logs into scan/policy/WSUS-sync timelines and diagnose them",
                       description="Read log files, folders (recursively) and .zip bundles, stitch every scan, "
                                   "policy delivery and WSUS sync into a timeline, and say what failed and what to check.",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="log files, folders or .zip bundles")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="one JSON document (schema in README)")
    fmt.add_argument("--markdown", action="store_true", help="Markdown, for tickets")
    p.add_argument("--all-logs", action="store_true", help="in folders, read every *.log/*.lo_")
    p.add_argument("--now", metavar="ISO", help="judge stalls as of this UTC time (default: newest entry)")
    p.set_defaults(handler=run)


def collect(paths: list[str], all_logs: bool = False) -> tuple[Tracker, list[dict[str, Any]], list[str]]:
    """Parse every source into a tracker; per-file stats and errors come back alongside."""
    found = discover(paths, all_logs=all_logs)
    errors = list(found.errors)
    tracker = Tracker(retention=None)
    files: list[dict[str, Any]] = []
    for src in found.sources:
        tracker.note_file(src.path, src.host_hint)  # loaded, even if it holds no entry
        stats: dict[str, Any] = {}
        tracker.add(read_source(src, stats, errors), src.host_hint)
        files.append(stats)
    return tracker, files, errors


def run(args: argparse.Namespace) -> int:
    from datetime import datetime, timezone

    tracker, files, errors = collect(args.paths, args.all_logs)
    for err in errors:
        print(f"sumtrace: {err}", file=sys.stderr)
    if not files:
        print("sumtrace: nothing to report", file=sys.stderr)
        return 2
    if args.now:
        now = datetime.fromisoformat(args.now.replace("Z", "+00:00"))
        if now.tzinfo is None:
            now = now.replace(tzinfo=timezone.utc)
    else:
        now = tracker.newest or datetime.now(timezone.utc)
    tracker.update(now)
    flows, updates = tracker.flows, tracker.updates
    if args.json:
        doc = report_json(flows, updates, files)
        doc["now"] = now.isoformat().replace("+00:00", "Z")
        json.dump(doc, sys.stdout, ensure_ascii=False, indent=1)
        sys.stdout.write("\n")
    elif args.markdown:
        sys.stdout.write(printable(report_markdown(flows, updates, files)))
    else:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        ascii_only = (sys.stdout.encoding or "").lower() not in ("utf-8", "utf8")

        def paint(status: str, text: str) -> str:
            return f"{_COLOR[status]}{text}\x1b[0m" if color and status in _COLOR else text

        print(printable(report_text(flows, updates, files, glyphs=ASCII_GLYPH if ascii_only else None), keep_newlines=True)
              if not color else report_text(flows, updates, files, glyphs=ASCII_GLYPH if ascii_only else None,
                                            style=lambda s, t: paint(s, printable(t))))
    if errors and not flows:
        return 2
    return exit_code(flows)
