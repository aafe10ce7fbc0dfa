"""``sumtrace parse``: every entry of the given logs, merged in UTC order (or per file).

Its arguments are defined in :mod:`sumtrace.tui.cli`; this module runs when the command does.
Text output is coloured by severity with codes rendered once (:mod:`sumtrace.tui.term`), because a
bundle can hold millions of entries; ``--jsonl`` output loads no terminal library at all.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Mapping
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
    return LineFormatter(codes).line(e)


_CACHE_LIMIT = 4096  # components and file names repeat; hostile input may make each one new


class LineFormatter:
    """:func:`format_line` for a whole stream: what repeats from line to line is made once.

    The component column, the file name and the severity column come from small caches (bounded:
    they start over past 4,096 keys), and times are cut from ``isoformat`` instead of two
    ``strftime`` calls. Log text still goes through :func:`printable`, whose fast path returns it
    as is when it holds nothing to escape.
    """

    def __init__(self, codes: Mapping[str, tuple[str, str]]) -> None:
        self.codes = codes
        self._comp: dict[str, str] = {}
        self._name: dict[str, str] = {}
        self._sev: dict[str, tuple[str, str, str]] = {}

    def line(self, e: Entry) -> str:
        local = e.local
        when = local.isoformat(" ", "milliseconds")[:23] if local is not None else "-" * 23
        utc = e.utc
        if utc is None:
            zone = "         "
        elif e.time_source == "assumed-local":
            zone = "    zone?"
        else:
            zone = utc.isoformat()[11:19] + "Z"
        comp = self._comp.get(e.component)
        if comp is None:
            if len(self._comp) >= _CACHE_LIMIT:
                self._comp.clear()
            comp = self._comp[e.component] = printable(e.component)[:22].ljust(22)
        name = self._name.get(e.file)
        if name is None:
            if len(self._name) >= _CACHE_LIMIT:
                self._name.clear()
            name = self._name[e.file] = one_line(os.path.basename(e.file.split("!")[-1]))
        look = self._sev.get(e.severity)
        if look is None:
            before, after = self.codes.get(e.severity, _PLAIN)
            look = self._sev[e.severity] = (e.severity[:4].upper().ljust(4), before, after)
        sev, before, after = look
        msg = printable(e.message)
        if "\n" in msg:
            msg = msg.replace("\n", "\n" + " " * 8)
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
        from sumtrace.flows.jsontext import dumpb

        out.flush()
        # ASCII bytes straight to the binary stream, 512 lines a write (a stream without one, such
        # as a StringIO, takes the same text decoded).
        binary = getattr(out, "buffer", None)
        put: Callable[[bytes], Any] = binary.write if binary is not None else (lambda b: write(b.decode("ascii")))
        lines: list[bytes] = []
        for e in entries:
            lines.append(dumpb(e.to_json()))
            if len(lines) >= 512:
                lines.append(b"")
                put(b"\n".join(lines))
                lines = []
        if lines:
            lines.append(b"")
            put(b"\n".join(lines))
        if binary is not None:
            binary.flush()
    else:
        line = LineFormatter(severity_codes(out)).line
        batch: list[str] = []
        for e in entries:
            batch.append(line(e))
            if len(batch) >= 512:  # one write per batch: a write per line cost more than the line
                batch.append("")
                write("\n".join(batch))
                batch = []
        if batch:
            batch.append("")
            write("\n".join(batch))
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
