"""The Log view: every loaded record merged in UTC order, with find, filter, errors and thread highlight.

The merged log itself (:attr:`AppState.log_index`) belongs to the app; this view owns what is
done with it: the filtered index a filter builds and keeps up to date as records arrive, the
find text, the thread highlight, and the pane below the log that shows the record under the
cursor whole, with the step it is evidence of (Enter jumps there).

A find or a filter walks up to a million records: it runs in slices (``CHUNK`` records, then the
loop gets a turn), so keys stay live, and holds the merge meanwhile (``AppState.holds``) so the
list it walks does not change under it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from sumtrace.tui.logindex import (
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
    Item,
    LogIndex,
    Rec,
    base_of,
)
from sumtrace.tui.logquery import Query, both, id_filter, parse_query
from sumtrace.tui.render import (
    DIM,
    NEXT_STYLE,
    Block,
    Line,
    flow_ids,
    host_label,
    id_regex,
    record_block,
    safe,
)
from sumtrace.tui.state import AppState
from sumtrace.tui.view_base import View
from sumtrace.tui.widgets import BlockList, LogView

CHUNK = 20_000  # records per slice of a find or filter pass before yielding to the loop


class MergedLogView(View):
    """The merged log, the record under its cursor, and the find/filter bar."""

    NAME = "log"
    KEY = "2"
    TITLE = "Log"
    SUMMARY = "every record merged in UTC order, with find, filter, errors and thread highlight"
    CSS = """
    #logview {
        height: 1fr;
    }
    #detail {
        height: 30%;
        min-height: 5;
        max-height: 14;
    }
    #logbar {
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    """

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self._filtered: LogIndex | None = None
        self._text_filter: Query | None = None
        self._ids_filter: Query | None = None
        self._query: Query | None = None
        self.find_text = ""
        self._bar_mode = ""
        self.w_log = LogView(state.log_index, hosts=state.hosts, id="logview")
        self.w_detail = BlockList(id="detail", cursor=False)
        self.w_bar = Input(id="logbar", classes="-hidden")

    def compose(self) -> ComposeResult:
        yield self.w_log
        yield self.w_detail
        yield self.w_bar

    def on_mount(self) -> None:
        self.w_detail.border_title = "Record"
        if not self.state.animations:
            self.w_bar.cursor_blink = False

    def focus_default(self) -> None:
        (self.w_log if self.w_bar.has_class("-hidden") else self.w_bar).focus()

    # ------------------------------------------------------------------ records in

    def records_added(self, items: list[Item]) -> None:
        lv = self.w_log
        query = self._query
        if query is not None and self._filtered is not None:
            sub = [it for it in items if query(it[2])]
            self._filtered.add(sub)
            lv.data_changed(len(sub))
        else:
            lv.data_changed(len(items))
        multi = self.state.multi_host
        if multi != lv.multi_host:
            lv.multi_host = multi
            lv.restyle()

    def unseen(self) -> int:
        lv = self.w_log
        return 0 if lv.follow else lv.new_below

    # ------------------------------------------------------------------ drawing

    def refresh_view(self, force: bool = False) -> None:
        lv = self.w_log
        q = self._query
        title = Text("Merged log")
        total = len(self.state.log_index)
        if q is not None and self._filtered is not None:
            title.append(f" · {len(self._filtered):,} of {total:,} · filter: {safe(q.label)}")
        else:
            title.append(f" · {total:,} records")
        if self.find_text:
            title.append(f" · find: {safe(self.find_text)}")
        if lv.thread is not None:
            title.append(f" · thread {lv.thread}")
        title.append(" · following" if lv.follow else f" · not following ({self.state.key('follow')})", DIM)
        if self.changed("log-title", (title.plain, force), force):
            lv.border_title = title
        self._refresh_detail(force)

    def _refresh_detail(self, force: bool = False) -> None:
        state = self.state
        detail = self.w_detail
        e = self.w_log.entry
        if not self.changed("detail", (id(e), detail.size.width, state.flows_version), force):
            return
        ref = None
        rx = None
        if e is not None:
            hit = state.evidence_of(e)
            if hit is not None:
                fl, st = hit
                ref = f"{safe(fl.label or fl.id)} ({safe(host_label(fl))}) › {st.title}"
                rx = id_regex(flow_ids(fl))
        host = state.hosts.get(e[R_FILE], "") if e else ""
        detail.set_blocks(detail_blocks(e, host, detail.size.width - 1, ref, rx, state.key("open")))

    @on(LogView.CursorMoved)
    def _cursor_moved(self) -> None:
        if self.display:
            self._refresh_detail()

    @on(LogView.Jump)
    def _jump(self, event: LogView.Jump) -> None:
        hit = self.state.evidence_of(event.entry)
        if hit is None:
            self.notify("This record is not evidence of any step.", markup=False, timeout=3)
            return
        fl, st = hit
        self.state.select(fl.id, st.key)
        self.post_message(View.Show("scan"))

    # ------------------------------------------------------------------ the find/filter bar

    def _show_bar(self, mode: str, value: str, placeholder: str) -> None:
        bar = self.w_bar
        self._bar_mode = mode
        bar.placeholder = placeholder
        bar.value = value
        bar.remove_class("-hidden")
        bar.border_title = "Find" if mode == "find" else "Filter"
        bar.focus()

    def _hide_bar(self) -> None:
        self.w_bar.add_class("-hidden")
        self._bar_mode = ""
        self.w_log.focus()

    def action_find(self) -> None:
        """``/``: open the bar to type the find text (Enter finds the next match)."""
        nxt = f"{self.state.key('find_next')} / {self.state.key('find_prev')}"
        self._show_bar("find", self.find_text, f"find text (Enter: next match; {nxt} afterwards)")

    def action_filter(self) -> None:
        """``&``: open the bar with the current text filter to change it."""
        text = self._text_filter.text if self._text_filter is not None else ""
        self._show_bar("filter", text, "words  -exclude  comp:NAME  thread:N  sev:error  file:NAME  host:NAME")

    def action_escape(self) -> None:
        """Esc: close the bar if it is open, else drop the filters."""
        if not self.w_bar.has_class("-hidden"):
            self._hide_bar()
            return
        if self._text_filter is not None or self._ids_filter is not None:
            self._text_filter = None
            self._ids_filter = None
            self._apply_filter()
            self.notify("Filter cleared.", markup=False, timeout=2)

    @on(Input.Submitted, "#logbar")
    def _bar_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        if self._bar_mode == "find":
            self.find_text = value
            lv = self.w_log
            lv.find = value.lower()
            lv.restyle()
            self._hide_bar()
            if value:
                self.action_find_next(1)
        elif self._bar_mode == "filter":
            try:
                q = parse_query(value, self.state.hosts) if value else None
            except ValueError as exc:
                self.notify(str(exc), severity="error", markup=False)
                return
            self._text_filter = q if q is not None and not q.empty else None
            self._hide_bar()
            self._apply_filter()
        self.refresh_view(force=True)

    # ------------------------------------------------------------------ filters

    def action_filter_ids(self) -> None:
        """``i``: only the records carrying the selected flow's IDs or behind its steps; again: off."""
        if self._ids_filter is not None:
            self._ids_filter = None
        else:
            f = self.state.flow()
            if f is None:
                self.notify("No flow selected.", markup=False, timeout=2)
                return
            evidence = [(e.file, e.line) for s in f.steps for e in s.evidence]
            self._ids_filter = id_filter(flow_ids(f), evidence, f"{f.label or f.id} ({host_label(f)})")
            lv = self.w_log
            lv.ids = id_regex(flow_ids(f))
            lv.restyle()
        self._apply_filter()

    def _apply_filter(self) -> None:
        self._query = q = both(self._text_filter, self._ids_filter)
        lv = self.w_log
        if q is None:
            self._filtered = None
            if self._ids_filter is None and lv.ids is not None:
                lv.ids = None
                lv.restyle()
            lv.set_index(self.state.log_index)
            self.refresh_view(force=True)
            return
        self._build_filter(q)

    @work(exclusive=True, group="filter", exit_on_error=False, description="filtering the merged log")
    async def _build_filter(self, q: Query) -> None:
        state = self.state
        state.holds += 1
        try:
            src = state.log_index.items
            new = LogIndex(state.max_entries)
            out = new.items
            for i in range(0, len(src), CHUNK):
                out.extend(it for it in src[i:i + CHUNK] if q(it[2]))
                await asyncio.sleep(0)
            if self._query is not q:  # superseded by another filter meanwhile
                return
            self._filtered = new
            self.w_log.set_index(new)
        finally:
            state.holds -= 1
        self.refresh_view(force=True)

    # ------------------------------------------------------------------ find, errors, thread

    def action_find_next(self, direction: int) -> None:
        """``n`` / ``N``: the next (previous) match, wrapping around; asks for the text if there is none."""
        if not self.find_text:
            self.action_find()
            return
        self._search(direction, self.find_text.lower())

    @work(exclusive=True, group="search", exit_on_error=False, description="finding in the merged log")
    async def _search(self, direction: int, needle: str) -> None:
        lv = self.w_log
        index = lv.index
        items = index.items
        n = len(items)
        if n == 0:
            return
        self.state.holds += 1
        try:
            start = lv.cursor if lv.cursor >= 0 else (n - 1 if direction > 0 else 0)
            order: Iterable[int]
            if direction > 0:
                order = list(range(start + 1, n)) + list(range(0, start + 1))
            else:
                order = list(range(start - 1, -1, -1)) + list(range(n - 1, start - 1, -1))
            for count, i in enumerate(order):
                if needle in items[i][2][R_MSG].lower():
                    if lv.index is index:
                        lv.go(i, follow=False)
                        if (direction > 0 and i <= start) or (direction < 0 and i >= start):
                            self.notify("Search wrapped around.", markup=False, timeout=2)
                    return
                if count % CHUNK == CHUNK - 1:
                    await asyncio.sleep(0)
                    if lv.index is not index:
                        return
            self.notify(f"Not found: {needle}", markup=False, timeout=3)
        finally:
            self.state.holds -= 1

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A find or filter pass failed: say so and keep going (the merge resumes, the log stays)."""
        if event.state == WorkerState.ERROR:
            self.notify(f"{event.worker.name} failed: {event.worker.error}", severity="error", markup=False)

    def action_error(self, direction: int) -> None:
        """``e`` / ``E``: the next (previous) error record, within the filter if one is on."""
        lv = self.w_log
        index = lv.index
        error_index = self.state.error_index
        errors = error_index.items
        if not errors or not len(index):
            self.notify("No error records.", markup=False, timeout=2)
            return
        anchor = index.anchor(lv.cursor) or (float("-inf"), 0)
        pos = error_index.locate(anchor)
        if direction > 0:
            if pos < len(errors) and errors[pos][:2] == anchor:
                pos += 1
            candidates: Iterable[int] = range(pos, len(errors))
        else:
            candidates = range(pos - 1, -1, -1)
        q = self._query if self._filtered is not None else None
        for j in candidates:
            k, s, e = errors[j]
            if q is not None and not q(e):
                continue
            i = index.locate((k, s))
            if i < len(index) and index.items[i][1] == s:
                lv.go(i, follow=False)
                return
        self.notify("No more error records " + ("below." if direction > 0 else "above."), markup=False,
                    timeout=2)

    def action_thread(self) -> None:
        """``t``: underline every record of the cursor record's thread; again: off."""
        lv = self.w_log
        if lv.thread is not None:
            lv.thread = None
        else:
            e = lv.entry
            if e is None or e[R_THREAD] is None:
                self.notify("This record has no thread.", markup=False, timeout=2)
                return
            lv.thread = e[R_THREAD]
        lv.restyle()
        self.refresh_view(force=True)

    def action_follow(self) -> None:
        """``f`` here: follow the end of the log, or stop following it."""
        lv = self.w_log
        lv.set_follow(not lv.follow)
        self.refresh_view(force=True)


# ------------------------------------------------------------------------------------ drawing

def detail_blocks(e: Rec | None, host: str, width: int, step_ref: str | None,
                  ids: re.Pattern[str] | None, open_key: str = "Enter") -> list[Block]:
    """The record under the Log cursor, whole, with where it comes from (the CMTrace info pane)."""
    if e is None:
        return [Block("-none", [Line(Text("No record selected.", style=DIM))], selectable=False)]
    meta = Text(style=DIM)
    meta.append(f"{safe(host) + '/' if host else ''}{safe(base_of(e[R_FILE]))}:{e[R_LINE]}")
    unknown = e[R_TSRC] == "assumed-local"
    if e[R_UTC] is not None and not unknown:
        meta.append(f" · {e[R_UTC].strftime('%Y-%m-%d %H:%M:%S.%f')[:-3]} UTC")
    if e[R_LOCAL] is not None:
        meta.append(f" · local {e[R_LOCAL].strftime('%Y-%m-%d %H:%M:%S.%f')[:-3]}")
    if unknown:
        meta.append(" (zone unknown)")
    if e[R_BIAS] is not None:
        meta.append(f" (bias {e[R_BIAS]:+d} min)")
    if e[R_TSRC] not in ("bias", "utc", "assumed-local"):
        meta.append(f" [time: {e[R_TSRC]}]")
    meta.append(f" · {e[R_SEV]}{' (inferred)' if e[R_SEVINF] else ''}")
    if e[R_COMP]:
        meta.append(f" · {safe(e[R_COMP])}")
    if e[R_THREAD] is not None:
        meta.append(f" · thread {e[R_THREAD]} (0x{e[R_THREAD]:X})")
    lines = [Line(meta, wrap=True, indent=2)]
    if step_ref:
        lines.append(Line(Text(f"evidence of {step_ref} ({open_key}: show it on the Scan view)", style=NEXT_STYLE),
                          wrap=True, indent=2))
    blocks = [Block("-meta", lines, selectable=False)]
    rec = record_block(e, host, width, key="rec", show_host=False, show_utc=False, ids=ids)
    blocks.append(rec)
    return blocks
