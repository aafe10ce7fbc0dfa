"""The Scan view: hosts and their flows, the selected flow's steps, and the records behind the selected step.

Three panes: Flows (newest first; grouped under host headings when the terminal is wide),
Steps (the timeline of the selected flow, with the awaited step's due time and the error and
hint of a failed or stalled one) and Evidence (what the selected step means, then its raw
records from every file, merged in UTC order, with the flow's IDs highlighted). From 110 columns
the flows sit beside the timeline; below that, on top of it, taking only the rows they need.

Every pane redraws only when what it shows changed (a signature of the shown data), because
the tracker publishes a new snapshot on every update.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical

from sumtrace.flows.catalog import spec
from sumtrace.flows.model import Flow, Step
from sumtrace.tui.export import step_text, timeline_text
from sumtrace.tui.logindex import R_FILE, R_LINE, R_UTC, as_record
from sumtrace.tui.render import (
    ANNOUNCE_STYLE,
    BOLD,
    DIM,
    HEADER_STYLE,
    HINT_STYLE,
    NEXT_STYLE,
    ZONE_UNKNOWN_MARK,
    Block,
    Line,
    ago,
    cell,
    flow_ids,
    fmt_duration,
    glyph,
    hms,
    host_label,
    id_regex,
    overdue,
    record_block,
    record_name,
    safe,
    shown_status,
    style_status,
    when,
)
from sumtrace.tui.state import AppState
from sumtrace.tui.view_base import View
from sumtrace.tui.widgets import BlockList

WIDE = 110  # columns from which the flows list sits beside the timeline
EVIDENCE_MIN = 3  # rows the evidence pane keeps when the steps need the room (its title and two rows)
MAX_FLOWS_SHOWN = 300
MAX_EVIDENCE_SHOWN = 300
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
_MIN_UTC = datetime.min.replace(tzinfo=timezone.utc)


def _step_sig(st: Step | None) -> tuple[object, ...]:
    """What the timeline row and the evidence pane of a step show (cheap to compare)."""
    if st is None:
        return ()
    last = st.evidence[-1] if st.evidence else None
    return (st.key, st.signature(), st.ended, st.due, st.joined_by, len(st.evidence),
            (last.file, last.line) if last is not None else None)


def _flow_sig(f: Flow | None) -> tuple[object, ...]:
    if f is None:
        return ()
    return (f.id, f.status, f.label, f.host, f.host_name, f.started, f.ended, tuple(_step_sig(s) for s in f.steps))


class ScanView(View):
    """Flows, the selected flow's steps, the selected step's evidence; ``e`` walks the problem steps."""

    NAME = "scan"
    KEY = "1"
    TITLE = "Scan"
    SUMMARY = "hosts and their flows, the selected flow's steps, and the records behind the selected step"
    CSS = """
    /* Wide: flows on the left, steps over evidence on the right. */
    #scan.-wide {
        layout: horizontal;
    }
    #scan.-wide #flows {
        width: 34%;
        min-width: 46;
        max-width: 64;
        height: 1fr;
        border-right: vkey $primary;
    }
    #scan.-wide #scan-right {
        width: 1fr;
        height: 1fr;
    }
    #scan.-wide #timeline {
        height: 1fr;
    }
    #scan.-wide #evidence {
        height: 1fr;
    }
    /* Narrow (80 columns): flows on top, then steps, then evidence. */
    #scan.-narrow {
        layout: vertical;
    }
    #scan.-narrow #flows {
        height: 5;
    }
    #scan.-narrow #scan-right {
        height: 1fr;
    }
    #scan.-narrow #timeline {
        height: 1fr;
    }
    #scan.-narrow #evidence {
        height: 1fr;
        min-height: 3;
    }
    """

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.w_flows = BlockList(id="flows")
        self.w_timeline = BlockList(id="timeline")
        self.w_evidence = BlockList(id="evidence", cursor=False)
        self._evidence_drawn = 0.0
        self._expanded: set[str] = set()  # the fold rows the user opened (their group keys)
        self._folds: dict[str, str] = {}  # a fold row's flow id -> its group key

    def compose(self) -> ComposeResult:
        yield self.w_flows
        with Vertical(id="scan-right"):
            yield self.w_timeline
            yield self.w_evidence

    def on_mount(self) -> None:
        self.w_flows.border_title = "Flows"
        self.w_timeline.border_title = "Steps"
        self.w_evidence.border_title = "Evidence"
        self._layout()

    def focus_default(self) -> None:
        self.w_timeline.focus()

    def _layout(self) -> bool:
        wide = self.app.size.width >= WIDE
        self.set_class(not wide, "-narrow")
        self.set_class(wide, "-wide")
        return wide

    # ------------------------------------------------------------------ drawing

    def refresh_view(self, force: bool = False) -> None:
        state = self.state
        flows = state.flows
        now = state.now
        flows_w = self.w_flows
        timeline = self.w_timeline
        wide = self._layout()
        second = int(now.timestamp()) if now else 0
        # Elapsed times tick only for flows still going: redraw each second only then.
        ticking = any(f.status in ("running", "stalled") for f in flows)
        # Signatures from what is shown, not from "the tracker rebuilt": it rebuilds on every tick.
        records = 0 if flows else sum(fs.entries for fs in state.files.values())  # "waiting" only without them
        fsig: object = (tuple((f.id, f.status, f.label, f.started, f.ended, fold_key(f), f.host_name)
                              for f in flows[:MAX_FLOWS_SHOWN]), records,
                        len(flows), second if ticking else 0, state.selected_flow, state.follow_flow, wide,
                        flows_w.size.width, tuple(state.unseen), tuple(sorted(self._expanded)))
        if self.changed("flows", fsig, force):
            blocks = flow_blocks(flows, now, flows_w.size.width - 2, grouped=wide, keep=state.selected_flow,
                                 expanded=self._expanded, unseen=state.unseen, records=records)
            self._folds = {b.key: b.group for b in blocks if isinstance(b, FoldBlock)}
            flows_w.set_blocks(blocks, state.selected_flow)
            # 80 columns: the list on top takes only the rows it needs (up to 4). Set only on change:
            # a style change re-lays out (and repaints) the whole screen.
            height = str(min(4, max(1, len(blocks))) + 1) if not wide else "1fr"
            if self._sigs.get("flows-height") != height:
                self._sigs["flows-height"] = height
                flows_w.styles.height = height if wide else int(height)
            n = len(flows)
            title = Text(f"Flows ({n})")
            if state.follow_flow and n:
                title.append(" · following", DIM)
            flows_w.border_title = title
        f = state.flow()
        live = f is not None and f.status in ("running", "stalled")
        running = live and f is not None and any(s.status == "running" for s in f.steps)
        frame = state.frame // 2 if (state.animations and running) else -1
        sig = (_flow_sig(f), second if live else 0, state.selected_flow, state.selected_step, timeline.size.width,
               frame, self.size.height)
        if self.changed("timeline", sig, force):
            if f is None:
                timeline.set_blocks([])
                timeline.border_title = "Steps"
            else:
                blocks = timeline_blocks(f, now, timeline.size.width - 2, frame=frame, selected=state.selected_step)
                timeline.set_blocks(blocks, state.selected_step)
                timeline.border_title = flow_title(f, now)
            self._fit_timeline(wide)
        self._refresh_evidence(force)

    def _fit_timeline(self, wide: bool) -> None:
        """Narrow: the steps take the rows they need and the evidence gives way first (down to its
        title and two rows), so the selected failed step's error and hint read without scrolling."""
        timeline = self.w_timeline
        if wide:
            height: object = "1fr"
        else:
            flows_rows = int(self._sigs.get("flows-height", "2"))  # type: ignore[call-overload]
            room = self.size.height - flows_rows - EVIDENCE_MIN
            height = max(3, min(len(timeline.lines_text) + 1, room))
        if self._sigs.get("timeline-height") != height:
            self._sigs["timeline-height"] = height
            timeline.styles.height = height  # type: ignore[assignment]

    def _refresh_evidence(self, force: bool = False) -> None:
        state = self.state
        ev = self.w_evidence
        f, st = state.flow(), state.step()
        # A due time counts down ("in 1m20s"): only then does the pane change with the clock.
        counting = st is not None and st.due is not None and st.status in ("running", "pending", "stalled")
        second = int(state.now.timestamp()) if (state.now and counting) else 0
        sig = (_step_sig(st), f.id if f is not None else None, state.selected_step, ev.size.width, second)
        if not force and self._sigs.get("evidence") == sig:
            return
        # Records still pouring into the same step: redraw at most twice a second.
        old = self._sigs.get("evidence")
        same_place = isinstance(old, tuple) and old[1:4] == sig[1:4]
        mono = time.monotonic()
        if same_place and not force and mono - self._evidence_drawn < 0.5:
            return
        self._sigs["evidence"] = sig
        self._evidence_drawn = mono
        ev.set_blocks(evidence_blocks(f, st, state.now, ev.size.width - 1, state.hosts), reveal=False)
        if st is not None:
            title = Text(f"Evidence: {st.title}")
            if st.evidence:
                title.append(f" ({len(st.evidence)})", DIM)
            ev.border_title = title
        else:
            ev.border_title = "Evidence"
        where = (sig[1], sig[2])
        if where != self._sigs.get("evidence-step"):
            ev.scroll_to(y=0, animate=False)
        self._sigs["evidence-step"] = where

    # ------------------------------------------------------------------ the user picks

    @on(BlockList.Highlighted, "#flows")
    def _flow_picked(self, event: BlockList.Highlighted) -> None:
        self.state.select(event.key)
        self.refresh_view(force=True)

    @on(BlockList.Chosen, "#flows")
    def _flow_chosen(self, event: BlockList.Chosen) -> None:
        """Enter: a fold row opens (or closes) its repeated flows; a flow moves on to its steps."""
        group = self._folds.get(event.key)
        if group is not None:
            if group in self._expanded:
                self._expanded.discard(group)
            else:
                self._expanded.add(group)
            self.refresh_view(force=True)
            return
        self.w_timeline.focus()

    @on(BlockList.Highlighted, "#timeline")
    def _step_picked(self, event: BlockList.Highlighted) -> None:
        self.state.select_step(event.key)
        self._refresh_evidence(force=True)

    @on(BlockList.Chosen, "#timeline")
    def _step_chosen(self, event: BlockList.Chosen) -> None:
        self.w_evidence.focus()

    # ------------------------------------------------------------------ keys

    def copy_text(self) -> tuple[str, str] | None:
        """``c``: the Flows pane copies the flow's timeline; the steps and evidence, the step and its records."""
        state = self.state
        f, st = state.flow(), state.step()
        if f is None:
            return None
        if self.w_flows.has_focus or st is None:
            return f"the timeline of {f.label or f.id}", timeline_text(f, state.now)
        return f"the step {st.title} and its evidence", step_text(f, st, state.now, state.hosts)

    def action_pane(self, delta: int) -> None:
        """``←`` / ``→``: the flows pane, or the steps pane."""
        (self.w_flows if delta < 0 else self.w_timeline).focus()

    def action_error(self, direction: int) -> None:
        """``e`` / ``E`` here: the next (previous) failed, stalled or warning step of the flow."""
        state = self.state
        f = state.flow()
        if f is None:
            return
        bad = [s.key for s in f.steps if s.status in ("failed", "stalled", "warning")]
        if not bad:
            self.notify("No failed, stalled or warning step in this flow.", markup=False, timeout=2)
            return
        keys = [s.key for s in f.steps]
        cur = keys.index(state.selected_step) if state.selected_step in keys else -1
        ordered = [k for k in bad if (keys.index(k) > cur if direction > 0 else keys.index(k) < cur)]
        target = (ordered[0] if direction > 0 else ordered[-1]) if ordered else (bad[0] if direction > 0 else bad[-1])
        state.select_step(target)
        self.refresh_view(force=True)


# ------------------------------------------------------------------------------------ drawing: flows

def elapsed(flow: Flow, now: datetime) -> timedelta | None:
    """How long the flow took, or has taken so far while it is still going."""
    if flow.started is None:
        return None
    end = flow.ended if flow.status not in ("running", "stalled") else now
    if end is None:
        end = now
    return max(end - flow.started, timedelta(0))



def fold_key(flow: Flow) -> str | None:
    """What makes flows identical repeats (host, kind, status, every step's status and error): the
    2013 client's 23 "policy ok" in a row fold into one row. A flow still going never folds."""
    if flow.status in ("running", "stalled") or not flow.steps:
        return None
    steps = ",".join(f"{s.key}={s.status}{':' + s.error.hex if s.error else ''}" for s in flow.steps)
    return f"{flow.host}|{flow.kind}|{flow.status}|{steps}"


@dataclass(slots=True)
class FoldBlock(Block):
    """A fold row: the newest of ``count`` identical flows (``group`` is their :func:`fold_key`)."""

    group: str = ""
    count: int = 1


def flow_blocks(flows: Sequence[Flow], now: datetime, width: int, *, grouped: bool,
                keep: str | None = None, expanded: Set[str] = frozenset(),
                unseen: Mapping[str, str] | None = None, records: int = 0) -> list[Block]:
    """The Flows pane: hosts and their flows, newest first (grouped under host headings when wide).

    Without flows it says whether it waits for records or read ``records`` that hold none.

    Identical repeats (:func:`fold_key`) fold into their newest, with a count and that last start
    time; Enter opens the fold (its key in ``expanded``), and a fold holding ``keep`` (the
    selected flow) is open. ``unseen`` flows (news nobody has looked at) are marked. At most
    ``MAX_FLOWS_SHOWN`` (the newest, plus ``keep``): a site server's logs can hold thousands
    over the retention window, and nobody scrolls through those here.
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
    # A host is grouped by where its logs came from, and named by its own name once a flow knows it.
    names = {host: next((f.host_name for f in hflows if f.host_name), host) for host, hflows in hosts.items()}
    multi = len(hosts) > 1
    if not flows:
        empty = (f"No scan, policy or WSUS sync in the {records:,} log records read so far." if records
                 else "No scan, policy or WSUS sync seen yet. Waiting for log records…")
        blocks.append(Block("-empty", [Line(Text(empty, style=DIM), wrap=True)], selectable=False))
        return blocks
    marks = unseen or {}
    hw = 0 if grouped else (min(12, max(len(n) for n in names.values())) if multi else 0)
    for host, hflows in (hosts.items() if grouped else [("", list(flows))]):
        if grouped:
            head = Text(safe(names[host]) or "(unknown host)", style=HEADER_STYLE)
            blocks.append(Block(f"-host-{host}", [Line(head)], selectable=False))
        groups: dict[str, list[Flow]] = {}
        for f in hflows:
            k = fold_key(f)
            if k is not None:
                groups.setdefault(k, []).append(f)
        for f in hflows:
            k = fold_key(f)
            members = groups.get(k, []) if k is not None else []
            host_name = "" if grouped else names[f.host]
            if len(members) < 2:
                blocks.append(_flow_block(f, now, width, host=host_name, host_col=hw, unseen=f.id in marks))
                continue
            if f is not members[0]:
                continue  # shown under its fold row, when open
            assert k is not None
            # Open when asked, when it holds the selected flow, or when a repeat in it is news.
            opened = k in expanded or any(m.id == keep or m.id in marks for m in members[1:])
            row = _flow_block(f, now, width, host=host_name, host_col=hw, unseen=f.id in marks,
                              count=len(members), opened=opened)
            blocks.append(FoldBlock(row.key, row.lines, group=k, count=len(members)))
            if opened:
                for m in members[1:]:
                    blocks.append(_flow_block(m, now, width, host=host_name, host_col=hw, unseen=m.id in marks,
                                              member=True))
    if older:
        blocks.append(Block("-older", [Line(Text(f"… and {older:,} older flows (the merged log has their records)",
                                                 style=DIM))], selectable=False))
    return blocks


def _flow_block(f: Flow, now: datetime, width: int, *, host: str, host_col: int, unseen: bool = False,
                count: int = 1, opened: bool = False, member: bool = False) -> Block:
    """One flow row: glyph, [host], label (a fold's count), status, start date and time, elapsed."""
    st = f.status
    sty = style_status(st)
    t = Text(no_wrap=True)
    t.append(glyph(st) + " ", sty)
    if host_col:
        t.append_text(cell(safe(host), host_col, DIM))
        t.append(" ")
    label = ("  " if member else "") + safe(f.label or f.id)
    took = elapsed(f, now)
    right = Text()
    right.append(f"{st:<10}", ANNOUNCE_STYLE if unseen else sty)
    # The start date and time tell repeats apart; "?" after it: a local time, zone unknown.
    seconds = width >= 51
    stamp = when(f.started, seconds=seconds)
    right.append(f"{stamp:>{14 if seconds else 11}}{' ' if f.zone_known else '?'}", DIM)
    right.append(f"{fmt_duration(took):>6}", sty if st == "running" else DIM)
    tail = Text()
    if count > 1:
        tail.append(f" ×{count}{' ▾' if opened else ' ▸'}", BOLD)
    lw = max(8, width - 2 - (host_col + 1 if host_col else 0) - right.cell_len - 1)
    body = Text(label, BOLD if st in ("running", "failed", "stalled") else "")
    if body.cell_len + tail.cell_len > lw:
        body = cell(body, max(1, lw - tail.cell_len))
    body.append_text(tail)
    t.append_text(cell(body, lw))
    t.append(" ")
    t.append_text(right)
    return Block(f.id, [Line(t)])


# ------------------------------------------------------------------------------------ drawing: steps

def _columns(width: int) -> dict[str, int]:
    wide = width >= 100
    return {"title": 30 if wide else 22, "status": 11, "utc": 8, "local": 8 if width >= 88 else 0,
            "took": 6, "joined": 1 if width >= 130 else 0}


def timeline_header(width: int, zone_known: bool = True) -> Block:
    """Column heads; a flow whose zone is unknown has local times only: its time column says
    ``zone?`` and the separate local column is left empty."""
    c = _columns(width)
    t = Text(no_wrap=True, style=HEADER_STYLE)
    when = "UTC" if zone_known else ZONE_UNKNOWN_MARK
    t.append("  " + f"{'step':<{c['title']}} {'status':<{c['status']}} {when:<{c['utc']}} ")
    if c["local"]:
        t.append(f"{'local' if zone_known else '':<{c['local']}} ")
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


def timeline_blocks(flow: Flow, now: datetime, width: int, *, frame: int = -1,
                    selected: str | None = None) -> list[Block]:
    """One block per step of the flow's kind, in order. ``frame`` >= 0 animates the running step.

    Only a running flow's running step ticks (elapsed time, spinner): in a flow that already
    failed or finished, a step still marked running is not going anywhere. A step pending after
    a failed one reads ``not reached``; a stalled one says how long it is overdue. The
    ``selected`` step's error and hint are drawn whole (wrapped); the others' hints take one row
    when narrow.
    """
    c = _columns(width)
    live = flow.status == "running"
    blocks = [timeline_header(width, flow.zone_known)]
    awaited = _frontier(flow)
    shown_hints: set[str] = set()
    for st in flow.steps:
        sty = style_status(st.status)
        waiting = st is awaited and st.status == "pending"
        mark = glyph(st.status)
        if st.status == "running" and frame >= 0 and live:
            mark = SPINNER[frame % len(SPINNER)]
        if waiting:
            mark = "…"
        t = Text(no_wrap=True)
        t.append(mark + " ", NEXT_STYLE if waiting else sty)
        t.append_text(cell(st.title, c["title"], BOLD if (waiting or st.status in ("running", "failed", "stalled"))
                           else ("" if st.status not in ("pending", "unobserved") else DIM)))
        t.append(" ")
        word = "next" if waiting else shown_status(flow, st)
        t.append_text(cell(word, c["status"], NEXT_STYLE if waiting else sty))
        t.append(" ")
        t.append(f"{hms(st.at):<{c['utc']}} ")
        if c["local"]:
            loc = st.evidence[0].local if st.evidence and flow.zone_known else None
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
        late = overdue(st, now)
        if late:
            detail = f"{late} · {detail}" if detail else late
        t.append(detail, NEXT_STYLE if waiting else "")
        if c["joined"] and st.joined_by:
            t.append(f"  via {safe(st.joined_by)}", DIM)
        lines = [Line(t)]
        whole = st.key == selected
        if whole and detail and t.cell_len > width and (waiting or st.status in ("failed", "stalled", "warning")):
            # The row cuts the detail (narrow): a selected step that needs attention says it whole below.
            more = Text("    ")
            more.append(detail, NEXT_STYLE if waiting else "")
            lines.append(Line(more, wrap=True, indent=4))
        if st.error is not None and st.status in ("failed", "stalled", "warning"):
            e = Text(no_wrap=True)
            e.append("    ")
            e.append(f"{st.error.hex} {st.error.name}", sty)
            e.append(f"  {st.error.meaning}", DIM)
            lines.append(Line(e, wrap=whole, indent=4))
        if st.hint and st.status in ("failed", "stalled", "warning") and (whole or st.hint not in shown_hints):
            shown_hints.add(st.hint)
            h = Text()
            h.append("    → ", NEXT_STYLE)
            h.append(safe(st.hint), HINT_STYLE)
            lines.append(Line(h, wrap=True, indent=6, max_lines=0 if whole else (1 if width < 100 else 3)))
        blocks.append(Block(st.key, lines))
    return blocks


def flow_title(flow: Flow, now: datetime) -> Text:
    """The Steps pane's title: the flow, its host, status and how long it has taken."""
    t = Text()
    t.append(glyph(flow.status) + " ", style_status(flow.status))
    t.append(safe(flow.label or flow.id), BOLD)
    t.append(f" · {safe(host_label(flow))} · ")
    t.append(flow.status, style_status(flow.status))
    took = elapsed(flow, now)
    if took is not None:
        t.append(f" · {fmt_duration(took)}")
    return t


# ------------------------------------------------------------------------------------ drawing: evidence

def evidence_blocks(flow: Flow | None, step: Step | None, now: datetime, width: int,
                    hosts: dict[str, str]) -> list[Block]:
    """The Evidence pane: what the step means, its error and hint, then its raw records."""
    if flow is None or step is None:
        return [Block("-none", [Line(Text("Select a flow and a step to see the records behind it.", style=DIM),
                                     wrap=True)], selectable=False)]
    blocks: list[Block] = []
    sty = style_status(step.status)
    head = Text()
    head.append(f"{glyph(step.status)} {step.title}", sty + BOLD)
    head.append(f" · {shown_status(flow, step)}", sty)
    if step.at is not None and not flow.zone_known:
        head.append(f" · {hms(step.at)} local (zone unknown)")
    elif step.at is not None:
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
        zone = "UTC" if flow.zone_known else "local (zone unknown)"
        late = overdue(step, now)
        if late:
            dt.append(f"{late[:1].upper()}{late[1:]} (due {hms(step.due)} {zone})", NEXT_STYLE)
        else:
            dt.append(f"Expected by {hms(step.due)} {zone} ({ago(step.due - now)})", NEXT_STYLE)
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
