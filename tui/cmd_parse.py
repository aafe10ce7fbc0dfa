"""``sumtrace parse``: every entry of the given logs, merged in UTC order (or per file)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO

from sumtrace.parsers.entry import Entry
from sumtrace.parsers.files import discover, read_source
from sumtrace.parsers.merge import merge_entries
from sumtrace.tui.safe import printable

EXAMPLES = """examples:
  sumtrace parse C:\\Windows\\CCM\\Logs\\ScanAgent.log C:\\Windows\\CCM\\Logs\\WUAHandler.log
  sumtrace parse ./collected-logs --jsonl > entries.jsonl
  sumtrace parse ./client-logs --by-file
"""


def register(sub: Any, formatter: type[argparse.HelpFormatter]) -> None:
    p = sub.add_parser("parse", help="print parsed entries of logs, merged in UTC order",
                       description="Parse log files, folders or .zip bundles and print every entry, "
                                   "merged across files in UTC order (a streaming merge: memory does not grow with size).",
                       epilog=EXAMPLES, formatter_class=formatter)
    p.add_argument("paths", nargs="+", metavar="PATH", help="log files, folders (every known log in them) or .zip bundles")
    p.add_argument("--jsonl", action="store_true", help="one JSON object per entry (schema in README)")
    p.add_argument("--by-file", action="store_true", help="keep file order instead of merging by time")
    p.add_argument("--all-logs", action="store_true", help="in folders, read every *.log/*.lo_, not only the known ones")
    p.set_defaults(handler=run)


_SEV_STYLE = {"error": "\x1b[1;31m", "warning": "\x1b[33m", "verbose": "\x1b[2m", "info": ""}


def _use_color(out: TextIO) -> bool:
    return out.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"


def format_line(e: Entry, color: bool) -> str:
    when = e.local.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if e.local else "-" * 23
    zone = f"{e.utc:%H:%M:%S}Z" if e.utc else "         "
    comp = printable(e.component)[:22].ljust(22)
    sev = e.severity[:4].upper().ljust(4)
    msg = printable(e.message).replace("\n", "\n" + " " * 8)
    name = os.path.basename(e.file.split("!")[-1])
    text = f"{when} {zone} {sev} {comp} {msg}  [{name}:{e.line}]"
    if color and _SEV_STYLE.get(e.severity):
        return f"{_SEV_STYLE[e.severity]}{text}\x1b[0m"
    return text


def run(args: argparse.Namespace) -> int:
    found = discover(args.paths, all_logs=args.all_logs)
    errors = list(found.errors)
    out = sys.stdout
    color = not args.jsonl and _use_color(out)
    stats: list[dict[str, Any]] = [{} for _ in found.sources]
    streams = [read_source(src, st, errors) for src, st in zip(found.sources, stats)]
    entries: Iterator[Entry]
    if args.by_file:
        entries = (e for s in streams for e in s)
    else:
        entries = merge_entries(streams)
    write = out.write
    if args.jsonl:
        dumps = json.JSONEncoder(ensure_ascii=False).encode
        for e in entries:
            write(dumps(e.to_json()))
            write("\n")
    else:
        for e in entries:
            write(format_line(e, color))
            write("\n")
    out.flush()
    for err in errors:
        print(f"sumtrace: {err}", file=sys.stderr)
    if not args.jsonl:
        total = sum(s.get("entries", 0) for s in stats)
        unparsed = sum(s.get("unparsed", 0) for s in stats)
        print(f"sumtrace: {total} entries from {len(found.sources)} files ({unparsed} unparsed lines)", file=sys.stderr)
    if errors:
        return 2 if not found.sources else 1
    return 0
