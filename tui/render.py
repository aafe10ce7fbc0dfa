"""What the panes show, as Rich ``Text`` built piece by piece (never markup), from tracker state.

No Textual here: every function takes plain data (flows, steps, entries, a width, "now") and
returns :class:`Block` lists or ``Text`` rows that the line-API widgets in :mod:`sumtrace.tui.widgets` draw.
Log text goes through :func:`sumtrace.tui.safe.printable` and into ``Text`` as plain strings, so ``[bold]``
or an ANSI escape in a log shows literally.

Colours are the 16 ANSI colours (they follow the terminal's palette, work over SSH and in
256-colour terminals, and Textual maps them to grey levels under ``NO_COLOR``). Glyphs avoid
emoji-capable code points (``✔ ▶ ⏸`` are drawn two cells wide by some terminals).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from rich.style import Style
from rich.text import Text

from sumtrace.flows.catalog import STEPS_BY_KIND, spec
from sumtrace.flows.diagnose import hint_for_code
from sumtrace.flows.errorcodes import ALL_CODES, ErrorInfo, describe, lookup, normalize_code
from sumtrace.flows.model import Flow, Step, UpdateRow
from sumtrace.flows.report import fmt_duration as _fmt_duration
from sumtrace.tui.logindex import (
    FILTER_HELP,
    R_BIAS,
    R_COMP,
    R_FILE,
    R_LINE,
    R_LOCAL,
    R_MSG,
    R_SEV,
    R_SEVINF,
    R_THREAD,
    R_TSRC,
    R_UTC,
    Rec,
    as_record,
    base_of,
)
from sumtrace.tui.safe import printable

GLYPH = {"ok": "✓", "warning": "▲", "failed": "✗", "running": "▸", "stalled": "‖", "pending": "·",
         "unobserved": "∅", "incomplete": "◐"}
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"

STATUS_STYLE: dict[str, Style] = {
    "ok": Style(color="green"),
    "warning": Style(color="yellow"),
    "failed": Style(color="red", bold=True),
    "running": Style(color="cyan", bold=True),
    "stalled": Style(color="magenta", bold=True),
    "pending": Style(dim=True),
    "unobserved": Style(dim=True, italic=True),
    "incomplete": Style(color="yellow"),
}
# CMTrace: errors are yellow on red, warnings black on yellow. Bold keeps errors apart under NO_COLOR.
SEVERITY_STYLE: dict[str, Style] = {
    "error": Style(color="bright_yellow", bgcolor="red", bold=True),
    "warning": Style(color="black", bgcolor="yellow"),
    "verbose": Style(dim=True),
}
DIM = Style(dim=True)
BOLD = Style(bold=True)
LABEL = Style(bold=True)
ID_STYLE = Style(color="bright_cyan", bold=True, underline=True)
MATCH_STYLE = Style(color="black", bgcolor="bright_cyan", bold=True)
THREAD_STYLE = Style(underline=True, bold=True)
NEXT_STYLE = Style(color="cyan")
HINT_STYLE = Style(color="bright_white")
HEADER_STYLE = Style(dim=True, bold=True)
_MIN_UTC = datetime.min.replace(tzinfo=timezone.utc)


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


def elapsed(flow: Flow, now: datetime) -> timedelta | None:
    if flow.started is None:
        return None
    end = flow.ended if flow.status not in ("running", "stalled") else now
    if end is None:
        end = now
    return max(end - flow.started, timedelta(0))


def style_status(status: str) -> Style:
    return STATUS_STYLE.get(status, Style())


# ------------------------------------------------------------------------------------ flows

MAX_FLOWS_SHOWN = 300
MAX_EVIDENCE_SHOWN = 300


def flow_blocks(flows: Sequence[Flow], now: datetime, width: int, *, grouped: bool,
                keep: str | None = None) -> list[Block]:
    """The Flows pane: hosts and their flows, newest first (grouped under host headings when wide).

    At most ``MAX_FLOWS_SHOWN`` (the newest, plus ``keep``, the selected one): a site server's
    logs can hold thousands over the retention window, and nobody scrolls through those here.
    """
    blocks: list[Block] = []
    older = 0
    if len(flows) > MAX_FLOWS_SHOWN:
        older = len(flows) - MAX_FLOWS_SHOWN
        shown = list(flows[:MAX_FLOWS_SHOWN])
        kept = next((f for f in flows[MAX_FLOWS_SHOWN:] if f.id == keep), None)
        if kept is not None:
            shown.append(kept)
            older -= 1
        flows = shown
    hosts: dict[str, list[Flow]] = {}
    for f in flows:
        hosts.setdefault(f.host, []).append(f)
    multi = len(hosts) > 1
    if not flows:
        blocks.append(Block("-empty", [Line(Text("No scan, policy or WSUS sync seen yet. Waiting for log records…",
                                                 style=DIM), wrap=True)], selectable=False))
        return blocks
    if grouped:
        for host, hflows in hosts.items():
            head = Text(safe(host) or "(unknown host)", style=HEADER_STYLE)
            blocks.append(Block(f"-host-{host}", [Line(head)], selectable=False))
            for f in hflows:
                blocks.append(_flow_block(f, now, width, host_col=0))
    else:
        hw = min(12, max(len(h) for h in hosts)) if multi else 0
        for f in flows:
            blocks.append(_flow_block(f, now, width, host_col=hw))
    if older:
        blocks.append(Block("-older", [Line(Text(f"… and {older:,} older flows (the merged log has their records)",
                                                 style=DIM))], selectable=False))
    return blocks


def _flow_block(f: Flow, now: datetime, width: int, *, host_col: int) -> Block:
    st = f.status
    sty = style_status(st)
    t = Text(no_wrap=True)
    t.append(GLYPH.get(st, "?") + " ", sty)
    if host_col:
        t.append_text(cell(safe(f.host), host_col, DIM))
        t.append(" ")
    label = safe(f.label or f.id)
    took = elapsed(f, now)
    right = Text()
    word = st
    right.append(f"{word:<10}", sty)
    if width >= 46:
        right.append(f"{hms(f.started):>8} ", DIM)
    right.append(f"{fmt_duration(took):>6}", sty if st == "running" else DIM)
    lw = max(8, width - 2 - (host_col + 1 if host_col else 0) - right.cell_len - 1)
    t.append_text(cell(label, lw, BOLD if st in ("running", "failed", "stalled") else ""))
    t.append(" ")
    t.append_text(right)
    return Block(f.id, [Line(t)])


# ------------------------------------------------------------------------------------ timeline

def _columns(width: int) -> dict[str, int]:
    wide = width >= 100
    return {"title": 30 if wide else 22, "status": 10, "utc": 8, "local": 8 if width >= 88 else 0,
            "took": 6, "joined": 1 if width >= 130 else 0}


def timeline_header(width: int) -> Block:
    c = _columns(width)
    t = Text(no_wrap=True, style=HEADER_STYLE)
    t.append("  " + f"{'step':<{c['title']}} {'status':<{c['status']}} {'UTC':<{c['utc']}} ")
    if c["local"]:
        t.append(f"{'local':<{c['local']}} ")
    t.append(f"{'took':>{c['took']}} detail")
    return Block("-header", [Line(t)], selectable=False)


def _frontier(flow: Flow) -> Step | None:
    """The step the flow waits for: running, or the first pending one with a due time."""
    for st in flow.steps:
        if st.status in ("running", "stalled"):
            return st
    for st in flow.steps:
        if st.status == "pending" and st.due is not None:
            return st
    return None


def timeline_blocks(flow: Flow, now: datetime, width: int, *, frame: int = -1) -> list[Block]:
    """One block per step of the flow's kind, in order. ``frame`` >= 0 animates the running step.

    Only a running flow's running step ticks (elapsed time, spinner): in a flow that already
    failed or finished, a step still marked running is not going anywhere.
    """
    c = _columns(width)
    live = flow.status == "running"
    blocks = [timeline_header(width)]
    awaited = _frontier(flow)
    shown_hints: set[str] = set()
    for st in flow.steps:
        sty = style_status(st.status)
        waiting = st is awaited and st.status == "pending"
        glyph = GLYPH.get(st.status, "?")
        if st.status == "running" and frame >= 0 and live:
            glyph = SPINNER[frame % len(SPINNER)]
        if waiting:
            glyph = "…"
        t = Text(no_wrap=True)
        t.append(glyph + " ", NEXT_STYLE if waiting else sty)
        t.append_text(cell(st.title, c["title"], BOLD if (waiting or st.status in ("running", "failed", "stalled"))
                           else ("" if st.status not in ("pending", "unobserved") else DIM)))
        t.append(" ")
        t.append_text(cell("next" if waiting else st.status, c["status"], NEXT_STYLE if waiting else sty))
        t.append(" ")
        t.append(f"{hms(st.at):<{c['utc']}} ")
        if c["local"]:
            loc = st.evidence[0].local if st.evidence else None
            t.append(f"{hms(loc):<{c['local']}} ", DIM)
        if st.status == "running" and st.at is not None and live:
            took = fmt_duration(max(now - st.at, timedelta(0)))
            t.append(f"{took:>{c['took']}}", sty)
        else:
            t.append(f"{fmt_duration(st.duration):>{c['took']}}", DIM)
        t.append(" ")
        detail = safe(st.detail)
        if (waiting or (st.status == "running" and live)) and st.due is not None:
            due = f"due {hms(st.due)} ({ago(st.due - now)})"
            detail = f"{due} · {detail}" if detail else due
        if st.status == "stalled" and st.due is not None:
            overdue = f"overdue since {hms(st.due)}"
            detail = f"{overdue} · {detail}" if detail else overdue
        t.append(detail, NEXT_STYLE if waiting else "")
        if c["joined"] and st.joined_by:
            t.append(f"  via {safe(st.joined_by)}", DIM)
        lines = [Line(t)]
        if st.error is not None and st.status in ("failed", "stalled", "warning"):
            e = Text(no_wrap=True)
            e.append("    ")
            e.append(f"{st.error.hex} {st.error.name}", sty)
            e.append(f"  {st.error.meaning}", DIM)
            lines.append(Line(e))
        if st.hint and st.status in ("failed", "stalled", "warning") and st.hint not in shown_hints:
            shown_hints.add(st.hint)
            h = Text()
            h.append("    → ", NEXT_STYLE)
            h.append(safe(st.hint), HINT_STYLE)
            lines.append(Line(h, wrap=True, indent=6, max_lines=1 if width < 100 else 3))
        blocks.append(Block(st.key, lines))
    return blocks


def default_step(flow: Flow) -> str | None:
    """The step to show when a flow is selected: what needs attention, else the last one seen."""
    cur = flow.current
    if cur is not None:
        return cur.key
    seen = [st for st in flow.steps if st.at is not None]
    if seen:
        return seen[-1].key
    return flow.steps[0].key if flow.steps else None


def flow_title(flow: Flow, now: datetime) -> Text:
    t = Text()
    t.append(GLYPH.get(flow.status, "?") + " ", style_status(flow.status))
    t.append(safe(flow.label or flow.id), BOLD)
    t.append(f" · {safe(flow.host)} · ")
    t.append(flow.status, style_status(flow.status))
    took = elapsed(flow, now)
    if took is not None:
        t.append(f" · {fmt_duration(took)}")
    return t


# ------------------------------------------------------------------------------------ evidence

def _highlight(t: Text, rx: re.Pattern[str] | None, style: Style = ID_STYLE) -> None:
    if rx is None:
        return
    for m in rx.finditer(t.plain):
        t.stylize(style, m.start(), m.end())


def record_name(e: Rec, host: str, show_host: bool) -> str:
    name = base_of(e[R_FILE])
    return f"{host}/{name}" if show_host and host else name


def record_block(e: Rec, host: str, width: int, *, key: str, show_host: bool, show_utc: bool,
                 ids: re.Pattern[str] | None, name_width: int = 0) -> Block:
    """One raw record, whole: local time, file, message (every line of a multi-line record)."""
    sev = SEVERITY_STYLE.get(e[R_SEV]) if e[R_SEV] in ("error", "warning") else None
    head = Text(no_wrap=True)
    if show_utc:
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
        _highlight(body, ids)
        t.append_text(body)
        if sev is not None:
            t.stylize_before(sev)
        lines.append(Line(t, wrap=True, indent=indent, fill=sev))
    return Block(key, lines, selectable=False)


def evidence_blocks(flow: Flow | None, step: Step | None, now: datetime, width: int,
                    hosts: dict[str, str]) -> list[Block]:
    """The Evidence pane: what the step means, its error and hint, then its raw records."""
    if flow is None or step is None:
        return [Block("-none", [Line(Text("Select a flow and a step to see the records behind it.", style=DIM),
                                     wrap=True)], selectable=False)]
    blocks: list[Block] = []
    sty = style_status(step.status)
    head = Text()
    head.append(f"{GLYPH.get(step.status, '?')} {step.title}", sty + BOLD)
    head.append(f" · {step.status}", sty)
    if step.at is not None:
        loc = step.evidence[0].local if step.evidence else None
        head.append(f" · {hms(step.at)} UTC")
        if loc is not None:
            head.append(f" (local {hms(loc)})", DIM)
    if step.duration:
        head.append(f" · took {fmt_duration(step.duration)}")
    lines = [Line(head, wrap=True, indent=2)]
    if step.detail:
        lines.append(Line(Text("  " + safe(step.detail)), wrap=True, indent=2))
    if step.error is not None:
        et = Text("  ")
        et.append(f"{step.error.hex} {step.error.name}", sty)
        et.append(f" ({step.error.family}): {step.error.meaning}")
        lines.append(Line(et, wrap=True, indent=2))
    if step.hint and step.status in ("failed", "stalled", "warning"):
        ht = Text("  Next: ", NEXT_STYLE + BOLD)
        ht.append(safe(step.hint), HINT_STYLE)
        lines.append(Line(ht, wrap=True, indent=2))
    if step.due is not None and step.status in ("running", "pending", "stalled"):
        dt = Text("  ")
        word = "Overdue since" if step.status == "stalled" else "Expected by"
        dt.append(f"{word} {hms(step.due)} UTC ({ago(step.due - now)})", NEXT_STYLE)
        if step.expected:
            dt.append(f"; this step normally takes up to {fmt_duration(step.expected)}", DIM)
        lines.append(Line(dt, wrap=True, indent=2))
    ids = [f"{k}={safe(str(v))}" for k, v in step.ids.items() if v]
    if step.joined_by or ids:
        jt = Text("  ", DIM)
        if step.joined_by:
            jt.append(f"joined by {safe(step.joined_by)}", DIM)
        if ids:
            jt.append(("; " if step.joined_by else "") + "IDs " + ", ".join(ids), DIM)
        lines.append(Line(jt, wrap=True, indent=2))
    try:
        sp = spec(flow.kind, step.key)
    except KeyError:
        sp = None
    if sp is not None and (not step.evidence or width >= 120):
        logs = ", ".join(sp.logs)
        lines.append(Line(Text(f"  {sp.description} (logs: {logs}; {sp.role})", style=DIM), wrap=True, indent=2))
    blocks.append(Block("-head", lines, selectable=False))
    if not step.evidence:
        blocks.append(Block("-norec", [Line(Text("  No records for this step yet.", style=DIM))], selectable=False))
        return blocks
    rx = id_regex(flow_ids(flow, None))
    records = sorted((as_record(e) for e in step.evidence),
                     key=lambda r: (r[R_UTC] is None, r[R_UTC] or _MIN_UTC, r[R_FILE], r[R_LINE]))
    # A record from another machine than the flow's own (the MP, the site server) says which one.
    # The flow's host may be the machine's name while files carry their folder's name: the
    # folder most of the flow's records come from is the flow's own.
    counts: dict[str, int] = {}
    for st in flow.steps:
        for e in st.evidence:
            h = hosts.get(e.file, "")
            counts[h] = counts.get(h, 0) + 1
    own = max(counts, key=lambda h: counts[h]) if counts else flow.host
    other = {r[R_FILE] for r in records if hosts.get(r[R_FILE], own) != own}
    names = [record_name(r, hosts.get(r[R_FILE], ""), r[R_FILE] in other) for r in records]
    name_width = min(max(len(n) for n in names), 24 if width >= 100 else 18)
    count = Text(f"── {len(records)} record{'s' if len(records) != 1 else ''} "
                 f"from {len({r[R_FILE] for r in records})} file(s), UTC order, local times ──", style=DIM)
    blocks.append(Block("-count", [Line(count)], selectable=False))
    if len(records) > MAX_EVIDENCE_SHOWN:
        hidden = len(records) - MAX_EVIDENCE_SHOWN
        blocks.append(Block("-more", [Line(Text(f"… {hidden:,} earlier records not shown here: the Log view has them "
                                                f"all (i filters it by this flow's IDs)", style=DIM), wrap=True)],
                            selectable=False))
        records = records[-MAX_EVIDENCE_SHOWN:]
    for i, r in enumerate(records):
        blocks.append(record_block(r, hosts.get(r[R_FILE], ""), width, key=f"r{i}", show_host=r[R_FILE] in other,
                                   show_utc=width >= 120, ids=rx, name_width=name_width))
    return blocks


# ------------------------------------------------------------------------------------ log rows

@dataclass(slots=True)
class LogColumns:
    width: int
    multi_host: bool

    @property
    def thread(self) -> bool:
        return self.width >= 100

    @property
    def file_width(self) -> int:
        if self.width >= 100:
            return 20 if self.multi_host else 16
        return 14

    @property
    def component(self) -> bool:
        return self.width >= 150


def log_row(e: Rec, host: str, cols: LogColumns, *, find: str = "", thread: int | None = None,
            ids: re.Pattern[str] | None = None) -> Text:
    """One merged-log row: UTC time, [host/]file, [thread], [component], the message on one line."""
    sev = SEVERITY_STYLE.get(e[R_SEV]) if e[R_SEV] != "info" else None
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(hms_ms(e[R_UTC]) if e[R_UTC] else "     —      ", DIM if sev is None else "")
    t.append(" ")
    name = base_of(e[R_FILE])
    if cols.multi_host and cols.width >= 100 and host:
        name = f"{host}/{name}"
    t.append_text(cell(safe(name), cols.file_width, Style(color="cyan") if sev is None else ""))
    t.append(" ")
    if cols.thread:
        tid = "" if e[R_THREAD] is None else str(e[R_THREAD])
        t.append(f"{tid:>6}", THREAD_STYLE if (thread is not None and e[R_THREAD] == thread) else DIM)
        t.append(" ")
    if cols.component:
        t.append_text(cell(safe(e[R_COMP]), 16, DIM if sev is None else ""))
        t.append(" ")
    start = t.cell_len
    msg = safe(e[R_MSG])
    t.append(msg)
    if sev is not None:
        t.stylize_before(sev)
    if thread is not None and e[R_THREAD] == thread:
        t.stylize(THREAD_STYLE, 0, 12)
    if ids is not None:
        for m in ids.finditer(msg):
            t.stylize(ID_STYLE, start + m.start(), start + m.end())
    if find:
        low = msg.lower()
        pos = low.find(find)
        while pos >= 0:
            t.stylize(MATCH_STYLE, start + pos, start + pos + len(find))
            pos = low.find(find, pos + max(1, len(find)))
    return t


def detail_blocks(e: Rec | None, host: str, width: int, step_ref: str | None,
                  ids: re.Pattern[str] | None) -> list[Block]:
    """The record under the Log cursor, whole, with where it comes from (the CMTrace info pane)."""
    if e is None:
        return [Block("-none", [Line(Text("No record selected.", style=DIM))], selectable=False)]
    meta = Text(style=DIM)
    meta.append(f"{safe(host) + '/' if host else ''}{safe(base_of(e[R_FILE]))}:{e[R_LINE]}")
    if e[R_UTC] is not None:
        meta.append(f" · {e[R_UTC].strftime('%Y-%m-%d %H:%M:%S.%f')[:-3]} UTC")
    if e[R_LOCAL] is not None:
        meta.append(f" · local {e[R_LOCAL].strftime('%Y-%m-%d %H:%M:%S.%f')[:-3]}")
    if e[R_BIAS] is not None:
        meta.append(f" (bias {e[R_BIAS]:+d} min)")
    if e[R_TSRC] not in ("bias", "utc"):
        meta.append(f" [time: {e[R_TSRC]}]")
    meta.append(f" · {e[R_SEV]}{' (inferred)' if e[R_SEVINF] else ''}")
    if e[R_COMP]:
        meta.append(f" · {safe(e[R_COMP])}")
    if e[R_THREAD] is not None:
        meta.append(f" · thread {e[R_THREAD]} (0x{e[R_THREAD]:X})")
    lines = [Line(meta, wrap=True, indent=2)]
    if step_ref:
        lines.append(Line(Text(f"evidence of {step_ref} (Enter: show it on the Scan view)", style=NEXT_STYLE),
                          wrap=True, indent=2))
    blocks = [Block("-meta", lines, selectable=False)]
    rec = record_block(e, host, width, key="rec", show_host=False, show_utc=False, ids=ids)
    blocks.append(rec)
    return blocks


# ------------------------------------------------------------------------------------ updates, lookup

def update_cells(u: UpdateRow) -> list[Text]:
    def yn(v: bool | None) -> Text:
        if v is None:
            return Text("?", style=DIM)
        return Text("yes", style=STATUS_STYLE["ok"]) if v else Text("no", style=STATUS_STYLE["failed"])

    state = Text(safe(u.state), style=Style(color="yellow") if u.state == "missing" else
                 (STATUS_STYLE["ok"] if u.state == "installed" else DIM))
    return [Text(safe(u.kb) or "—"), state, yn(u.recorded), yn(u.forwarded), yn(u.processed),
            Text(safe(u.title or u.update_id))]


def lookup_blocks(query: str) -> list[Block]:
    """Error lookup: any spelling of a code → name, meaning, family, hint; or names containing the text."""
    q = query.strip()
    if not q:
        return [Block("-help", [Line(Text("Type or paste a code in any spelling: 0x80244017, 80244017, [80244017], "
                                          "hr=8007000E, -2145107945, 2149859351, 12002 (WinHTTP), or part of a name "
                                          "like PT_HTTP or LOCATION.", style=DIM), wrap=True)], selectable=False)]
    infos: list[ErrorInfo] = []
    code: int | None = None
    if q.isdigit() and int(q) <= 0xFFFF:
        code = int(q)
        info = describe(code)
        infos.append(info)
    else:
        value = normalize_code(q)
        if value is not None:
            infos.append(describe(value))
        else:
            needle = q.upper().replace(" ", "_")
            infos = [i for i in ALL_CODES.values() if needle in i.name or q.lower() in i.meaning.lower()][:30]
            if not infos:
                return [Block("-none", [Line(Text(f"'{safe(q)}' is not a code sumtrace can read, and no known "
                                                  "name or meaning contains it.", style=STATUS_STYLE["warning"]),
                                             wrap=True)], selectable=False)]
    blocks: list[Block] = []
    for info in infos:
        known = lookup(info.code) is not None
        signed = info.code - (1 << 32) if info.code & 0x80000000 else info.code
        t = Text()
        t.append(info.hex, BOLD)
        t.append("  ")
        t.append(info.name, Style(color="red", bold=True) if known else DIM)
        lines = [Line(t, wrap=True, indent=2)]
        lines.append(Line(Text(f"  {info.meaning}"), wrap=True, indent=2))
        lines.append(Line(Text(f"  family {info.family} · decimal {info.code} · signed {signed} · "
                               f"{'in sumtrace’s table' if known else 'not in the table (described from its facility)'}",
                               style=DIM), wrap=True, indent=2))
        hint = hint_for_code(info.code)
        if hint:
            h = Text("  Next: ", NEXT_STYLE + BOLD)
            h.append(hint, HINT_STYLE)
            lines.append(Line(h, wrap=True, indent=2))
        lines.append(Line(Text("")))
        blocks.append(Block(info.hex, lines, selectable=False))
    return blocks


# ------------------------------------------------------------------------------------ help

KEYS: tuple[tuple[str, str], ...] = (
    ("F1 / ?", "this help"),
    ("1 2 3 4 5", "views: Scan, Log (merged), Updates, Files, Error lookup"),
    ("Tab / Shift+Tab", "next / previous pane"),
    ("↑ ↓ PgUp PgDn Home End", "move in a list; Enter opens (flow → steps, record → its step)"),
    ("p", "pause / resume (live: the tail keeps being read, the screen stops changing)"),
    ("s", "while paused: show what has arrived once (replay: one step)"),
    ("f", "follow: the current scan (Scan view) / the end of the log (Log view)"),
    ("/  n  N", "find in the merged log; next / previous match"),
    ("e  E", "next / previous error (Log view) or failed/stalled step (Scan view)"),
    ("&", "filter the merged log: " + FILTER_HELP),
    ("i", "filter the merged log by the IDs of the selected flow (again: off)"),
    ("t", "highlight the thread of the record under the cursor (again: off)"),
    ("Esc", "close the find/filter bar; clear the filter"),
    ("Ctrl+P", "command palette (every action by name)"),
    ("q / Ctrl+Q", "quit"),
)


def help_blocks() -> list[Block]:
    blocks: list[Block] = []
    blocks.append(Block("h0", [Line(Text("sumtrace: each step of a ConfigMgr software-update scan, live", style=BOLD)),
                               Line(Text("Scan view: flows (scan, policy, WSUS sync) per host, newest first; the "
                                         "timeline of the selected flow; the raw records behind the selected step. "
                                         "Log view: every record of every file, merged in UTC order. Updates: what "
                                         "the scan found per update and how far its state message got. Files: what "
                                         "is followed and its state. Error lookup: any code, any spelling."),
                                    wrap=True), Line(Text(""))], selectable=False))
    for i, (k, d) in enumerate(KEYS):
        t = Text()
        t.append(f"{k:<24}", BOLD)
        t.append(d)
        blocks.append(Block(f"k{i}", [Line(t, wrap=True, indent=24)], selectable=False))
    legend = Text("\nStatuses: ")
    for st in ("ok", "warning", "failed", "running", "stalled", "pending", "unobserved", "incomplete"):
        legend.append(f"{GLYPH[st]} {st}", style_status(st))
        legend.append("  ")
    blocks.append(Block("legend", [Line(legend, wrap=True, indent=10)], selectable=False))
    sev = Text("Records: ")
    sev.append(" error ", SEVERITY_STYLE["error"])
    sev.append(" ")
    sev.append(" warning ", SEVERITY_STYLE["warning"])
    sev.append("  IDs of the selected flow ")
    sev.append("like this", ID_STYLE)
    sev.append("  find matches ")
    sev.append("like this", MATCH_STYLE)
    blocks.append(Block("sev", [Line(sev, wrap=True)], selectable=False))
    blocks.append(Block("steps", [Line(Text("\nA step is 'next' while the flow waits for it, with the time it is "
                                            "due; past that it is 'stalled' and says what to check. 'unobserved' "
                                            "means the logs that show it are not loaded or rolled over.", style=DIM),
                                       wrap=True)], selectable=False))
    kinds = Text("\nSteps per flow kind: " + "; ".join(f"{k}: {len(v)}" for k, v in STEPS_BY_KIND.items()), style=DIM)
    blocks.append(Block("kinds", [Line(kinds, wrap=True)], selectable=False))
    return blocks
