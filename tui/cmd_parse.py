"""``sumtrace parse``: every entry of the given logs, merged in UTC order (or per file).

Its arguments are defined in :mod:`sumtrace.tui.cli`; this module runs when the command does.
Text output is coloured by severity with codes rendered once (:mod:`sumtrace.tui.term`), because a
bundle can hold millions of entries; ``--jsonl`` output loads no terminal library at all.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Mapping
from typing import Any

from sumtrace.flows.escape import one_line, printable
from sumtrace.flows.vocab import STATUS_LOOK
from sumtrace.parsers.entry import Entry
from sumtrace.parsers.files import discover, read_source
from sumtrace.parsers.merge import merge_entries

# A severity is drawn like the step status it corresponds to (one table of styles: flows.vocab).
SEVERITY_LOOK = {"error": "failed", "warning": "warning", "verbose": "pending"}
_PLAIN = ("", "")


def format_line(e: Entry, codes: Mapping[str, tuple[str, str]]) -> str:
    """One entry as a line (continuation lines indented), between its severity's escape codes."""
    when = e.local.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] if e.local else "-" * 23
    zone = ("    zone?" if e.time_source == "assumed-local" else f"{e.utc:%H:%M:%S}Z") if e.utc else "         "
    comp = printable(e.component)[:22].ljust(22)
    sev = e.severity[:4].upper().ljust(4)
    msg = printable(e.message).replace("\n", "\n" + " " * 8)
    name = one_line(os.path.basename(e.file.split("!")[-1]))
    before, after = codes.get(e.severity, _PLAIN)
    return f"{before}{when} {zone} {sev} {comp} {msg}  [{name}:{e.line}]{after}"


def severity_codes(out: Any) -> dict[str, tuple[str, str]]:
    """Escape codes around a line per severity, as the terminal behind ``out`` takes them (or none)."""
    from sumtrace.tui.term import palette_for

    palette = palette_for(out, {sev: STATUS_LOOK[status].style for sev, status in SEVERITY_LOOK.items()})
    return palette.codes


def run(args: argparse.Namespace) -> int:
    found = discover(args.paths, all_logs=args.all_logs)
    errors = list(found.errors)
    out = sys.stdout
    stats: list[dict[str, Any]] = [{} for _ in found.sources]
    streams = [read_source(src, st, errors) for src, st in zip(found.sources, stats)]
    entries: Iterator[Entry]
    if args.by_file:
        entries = (e for s in streams for e in s)
    else:
        entries = merge_entries(streams)
    write = out.write
    if args.jsonl:
        dumps = json.JSONEncoder(ensure_ascii=True).encode
        for e in entries:
            write(dumps(e.to_json()))
            write("\n")
    else:
        codes = severity_codes(out)
        for e in entries:
            write(format_line(e, codes))
            write("\n")
    out.flush()
    for err in errors:
        print(f"sumtrace: {one_line(err)}", file=sys.stderr)
    if not args.jsonl:
        total = sum(s.get("entries", 0) for s in stats)
        unparsed = sum(s.get("unparsed", 0) for s in stats)
        print(f"sumtrace: {total} entries from {len(found.sources)} files ({unparsed} unparsed lines)", file=sys.stderr)
    if errors:
        return 2 if not found.sources else 1
    return 0
