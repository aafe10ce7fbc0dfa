"""What several panes share: blocks of Rich ``Text`` lines, the styles, and the helpers that build them.

No Textual here. Every function takes plain data (flows, records, a width) and returns
:class:`Block` lists or ``Text`` that the line-API widgets in :mod:`sumtrace.tui.widgets` draw; a
view's own rendering lives in its view module (``view_scan``, ``view_log``, ...). Log text goes
through :func:`sumtrace.flows.escape.printable` and into ``Text`` as plain strings, so ``[bold]`` or an
ANSI escape in a log shows literally.

Statuses are drawn from :data:`sumtrace.flows.vocab.STATUS_LOOK`, the one table the command line
uses too. Colours are the 16 ANSI colours (they follow the terminal's palette, work over SSH and
in 256-colour terminals, and Textual maps them to grey levels under ``NO_COLOR``). Glyphs avoid
emoji-capable code points (``✔ ▶ ⏸`` are drawn two cells wide by some terminals).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from rich.style import Style
from rich.text import Text

from sumtrace.flows.escape import printable
from sumtrace.flows.model import Flow, Step
from sumtrace.flows.report import fmt_duration as _fmt_duration
from sumtrace.flows.vocab import STATUS_LOOK
from sumtrace.tui.logindex import R_FILE, R_LOCAL, R_MSG, R_SEV, R_TSRC, R_UTC, Rec, base_of

# Parsed once: the table holds style strings because nothing below tui/ imports Rich.
_STATUS_STYLE: Final[dict[str, Style]] = {status: Style.parse(look.style) for status, look in STATUS_LOOK.items()}
# CMTrace: errors are yellow on red, warnings black on yellow. Bold keeps errors apart under NO_COLOR.
SEVERITY_STYLE: dict[str, Style] = {
    "error": Style(color="bright_yellow", bgcolor="red", bold=True),
    "warning": Style(color="black", bgcolor="yellow"),
    "verbose": Style(dim=True),
}
DIM = Style(dim=True)
BOLD = Style(bold=True)
ID_STYLE = Style(color="bright_cyan", bold=True, underline=True)
MATCH_STYLE = Style(color="black", bgcolor="bright_cyan", bold=True)
THREAD_STYLE = Style(underline=True, bold=True)
NEXT_STYLE = Style(color="cyan")
HINT_STYLE = Style(color="bright_white")
HEADER_STYLE = Style(dim=True, bold=True)
# The top bar's count of failures and stalls not yet looked at (reverse: it must catch the eye).
ANNOUNCE_STYLE = Style(color="bright_white", bgcolor="red", bold=True)


@dataclass(slots=True)
class Line:
    """One logical line of a block: cropped to the width, or wrapped with a hanging indent.

    ``fill`` is the style of the padding to the right edge (CMTrace colours the whole row).
    """

    text: Text
    wrap: bool = False
    indent: int = 0
    max_lines: int = 0
    fill: Style | None = None


@dataclass(slots=True)
class Block:
    """A unit of a list: a flow, a step, a record. ``key`` identifies it across rebuilds."""

    key: str
    lines: list[Line] = field(default_factory=list)
    selectable: bool = True


# ------------------------------------------------------------------------------------ helpers

def hms(dt: datetime | None) -> str:
    return dt.strftime("%H:%M:%S") if dt is not None else ""


# Marks a time whose zone is unknown (a zone-less log with no bias of its machine): the time is
# the host's local time as written, never a UTC time.
ZONE_UNKNOWN_MARK = "zone?"


def hms_ms(dt: datetime | None) -> str:
    if dt is None:
        return "            "
    return dt.strftime("%H:%M:%S.%f")[:-3]


def fmt_duration(d: timedelta | None) -> str:
    """The report's spelling (``47s``, ``1m20s``, ``2h05m``), in days past two days (``12d04h``):
    following old logs live makes spans of years, which must still fit a 6-cell column."""
    if d is not None and d >= timedelta(days=2):
        secs = int(d.total_seconds())
        if secs >= 100 * 86400:
            return f"{secs // 86400}d"
        return f"{secs // 86400}d{(secs % 86400) // 3600:02d}h"
    return _fmt_duration(d)


def ago(d: timedelta) -> str:
    """A signed span for due times: ``in 1m20s`` / ``2m05s ago``."""
    secs = d.total_seconds()
    if secs >= 0:
        return f"in {fmt_duration(d) or '0s'}"
    return f"{fmt_duration(-d) or '0s'} ago"


def cell(text: str | Text, width: int, style: Style | str = "", *, right: bool = False) -> Text:
    """Exactly ``width`` cells: cropped with an ellipsis or padded."""
    t = text.copy() if isinstance(text, Text) else Text(text, style=style)
    if width <= 0:
        return Text()
    if t.cell_len > width:
        t.truncate(width, overflow="ellipsis")
    elif right:
        t.pad_left(width - t.cell_len)
    else:
        t.pad_right(width - t.cell_len)
    return t


def safe(text: str) -> str:
    """Log-derived text on one line, inert."""
    return printable(text, keep_newlines=False)


def id_regex(ids: Iterable[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern matching any of ``ids`` (longest first), or None."""
    wanted = sorted({i for i in ids if i and len(i) >= 6}, key=len, reverse=True)
    if not wanted:
        return None
    return re.compile("|".join(re.escape(i) for i in wanted), re.IGNORECASE)


def host_label(flow: Flow) -> str:
    """The host as a person knows it: the machine's own name once the logs said it, else the folder's."""
    return flow.host_name or flow.host


def flow_ids(flow: Flow, step: Step | None = None) -> list[str]:
    """The correlating IDs of a flow (and a step): GUIDs, message IDs, SMX names, update IDs."""
    out: list[str] = []

    def add(v: object) -> None:
        if isinstance(v, str) and len(v) >= 6:
            out.append(v)
        elif isinstance(v, (list, tuple)):
            for x in v:
                add(x)

    for v in flow.ids.values():
        add(v)
    for st in flow.steps if step is None else [step]:
        for v in st.ids.values():
            add(v)
    return out


NOT_REACHED = "not reached"


def shown_status(flow: Flow, step: Step) -> str:
    """The status word a person reads: a step still pending after a failed one is ``not reached``.

    The tracker's vocabulary (``report --json``) keeps ``pending``: the flow will never get there,
    which is a reading of the timeline, not a new state of the step.
    """
    if step.status != "pending":
        return step.status
    for st in flow.steps:
        if st is step:
            return step.status
        if st.status == "failed":
            return NOT_REACHED
    return step.status


def overdue(step: Step, now: datetime) -> str:
    """``overdue by 12m`` for a stalled step with a due time (from the injected now), else ``""``."""
    if step.status != "stalled" or step.due is None:
        return ""
    return f"overdue by {fmt_duration(max(now - step.due, timedelta(0))) or '0s'}"


def when(dt: datetime | None, *, seconds: bool = True) -> str:
    """A flow's start as its row shows it: ``11-27 19:12:05`` (``11-27 19:12`` when narrow)."""
    if dt is None:
        return ""
    return dt.strftime("%m-%d %H:%M:%S" if seconds else "%m-%d %H:%M")


def style_status(status: str) -> Style:
    """The status's style from the shared table (plain for a word it does not know)."""
    if status == NOT_REACHED:
        status = "pending"
    return _STATUS_STYLE.get(status, Style())


# A followed file's state drawn like the status it amounts to (the Files view and the top bar).
FILE_STATE_LOOK: Final[dict[str, str]] = {"live": "ok", "replay": "ok", "rotated": "warning", "truncated": "warning",
                                          "missing": "stalled", "error": "failed"}


def file_state_style(state: str) -> Style:
    """A file state (live, rotated, missing, ...) in the colour of the status it amounts to."""
    return style_status(FILE_STATE_LOOK.get(state, ""))


def glyph(status: str) -> str:
    """The status's glyph from the shared table (``?`` for a word it does not know)."""
    look = STATUS_LOOK.get("pending" if status == NOT_REACHED else status)
    return look.glyph if look is not None else "?"


# ------------------------------------------------------------------------------------ records

def highlight(t: Text, rx: re.Pattern[str] | None, style: Style = ID_STYLE) -> None:
    """Style every match of ``rx`` in ``t`` (the selected flow's IDs, by default)."""
    if rx is None:
        return
    for m in rx.finditer(t.plain):
        t.stylize(style, m.start(), m.end())


def record_name(e: Rec, host: str, show_host: bool) -> str:
    """``WUAHandler``, or ``server/WUAHandler`` for a record from another machine than the flow's."""
    name = base_of(e[R_FILE])
    return f"{host}/{name}" if show_host and host else name


def record_block(e: Rec, host: str, width: int, *, key: str, show_host: bool, show_utc: bool,
                 ids: re.Pattern[str] | None, name_width: int = 0) -> Block:
    """One raw record, whole: local time, file, message (every line of a multi-line record)."""
    sev = SEVERITY_STYLE.get(e[R_SEV]) if e[R_SEV] in ("error", "warning") else None
    head = Text(no_wrap=True)
    if show_utc:
        if e[R_TSRC] == "assumed-local":  # no UTC time is known: say so rather than print a Z
            head.append(f"{ZONE_UNKNOWN_MARK:<13}", DIM)
        else:
            head.append((hms_ms(e[R_UTC]) + "Z") if e[R_UTC] else " " * 13, DIM if sev is None else "")
        head.append(" ")
    head.append(hms_ms(e[R_LOCAL]), "" if sev else BOLD)
    head.append(" ")
    name = record_name(e, host, show_host)
    fw = name_width or (16 if width >= 100 else 13)
    head.append_text(cell(safe(name), fw, "" if sev else Style(color="cyan")))
    head.append(" ")
    indent = head.cell_len
    msg_lines = printable(e[R_MSG]).split("\n") or [""]
    lines: list[Line] = []
    for i, raw in enumerate(msg_lines):
        t = head.copy() if i == 0 else Text(" " * indent)
        body = Text(raw.rstrip("\r"))
        highlight(body, ids)
        t.append_text(body)
        if sev is not None:
            t.stylize_before(sev)
        lines.append(Line(t, wrap=True, indent=indent, fill=sev))
    return Block(key, lines, selectable=False)
