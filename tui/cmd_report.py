"""``sumtrace report``: read logs once, print every flow's timeline with diagnosis.

Its arguments are defined in :mod:`sumtrace.tui.cli`; this module runs when the command does.
Text output draws each status with the glyph and style of :data:`sumtrace.flows.vocab.STATUS_LOOK`,
the table the TUI draws from too; ``--json`` and ``--markdown`` load no terminal library.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, TextIO

from sumtrace.flows.escape import one_line, printable
from sumtrace.flows.report import exit_code, report_json_items, report_markdown, report_text
from sumtrace.flows.tracker import Tracker
from sumtrace.flows.vocab import STATUS_LOOK
from sumtrace.parsers.files import discover, read_source

if TYPE_CHECKING:
    from sumtrace.flows.model import Flow, UpdateRow


def collect(paths: list[str], all_logs: bool = False) -> tuple[Tracker, list[dict[str, Any]], list[str]]:
    """Parse every source into a tracker; per-file stats and errors come back alongside."""
    found = discover(paths, all_logs=all_logs)
    errors = list(found.errors)
    tracker = Tracker(retention=None, host_clock=True)
    files: list[dict[str, Any]] = []
    for src in found.sources:
        tracker.note_file(src.path, src.host_hint)  # loaded, even if it holds no entry
        stats: dict[str, Any] = {}
        tracker.add(read_source(src, stats, errors), src.host_hint)
        files.append(stats)
    return tracker, files, errors


def styled_text(flows: list[Flow], updates: list[UpdateRow], files: list[dict[str, Any]], out: TextIO) -> str:
    """The text report for ``out``: status glyphs and colours as its terminal takes them, log text inert.

    :func:`~sumtrace.flows.report.report_text` lays the report out and calls back for each line
    it wants drawn in a status's style. Those lines hold log text (step details), so they are
    escaped before the codes go around them, and so is everything between them; to tell the two
    apart afterwards, the callback leaves a placeholder carrying a per-run random token, which no
    log line can contain by accident or design.
    """
    from sumtrace.tui.term import palette_for

    palette = palette_for(out, {status: look.style for status, look in STATUS_LOOK.items()})
    glyphs = {status: look.ascii if palette.ascii_only else look.glyph for status, look in STATUS_LOOK.items()}
    token = os.urandom(8).hex()
    painted: list[tuple[str, str]] = []

    def style(status: str, text: str) -> str:
        painted.append((status, text))
        return f"\x00{token}:{len(painted) - 1}\x00"

    raw = report_text(flows, updates, files, glyphs=glyphs, style=style)
    parts = re.split(f"\x00{token}:(\\d+)\x00", raw)
    for i in range(1, len(parts), 2):  # odd parts are the placeholders' numbers
        status, text = painted[int(parts[i])]
        parts[i] = palette.paint(status, printable(text))
    for i in range(0, len(parts), 2):
        parts[i] = printable(parts[i])
    return "".join(parts)


def run(args: argparse.Namespace) -> int:
    tracker, files, errors = collect(args.paths, args.all_logs)
    for err in errors:
        print(f"sumtrace: {one_line(err)}", file=sys.stderr)
    if not files:
        print("sumtrace: nothing to report", file=sys.stderr)
        return 2
    now: datetime = args.now or tracker.newest or datetime.now(timezone.utc)
    tracker.update(now)
    flows, updates = tracker.flows, tracker.updates
    if args.json:
        from sumtrace.flows.jsontext import write_document

        # Compact (indenting forced the standard library's pure-Python encoder) and streamed flow by flow.
        items = [*report_json_items(flows, updates, files), ("now", now.isoformat().replace("+00:00", "Z"))]
        write_document(items, sys.stdout.write)
        sys.stdout.write("\n")
    elif args.markdown:
        sys.stdout.write(printable(report_markdown(flows, updates, files)))
    else:
        sys.stdout.write(styled_text(flows, updates, files, sys.stdout) + "\n")
    code = exit_code(flows)
    if code == 0 and errors:  # "ok" only when every input was read; a failed or stalled flow stays 1
        return 2
    return code
