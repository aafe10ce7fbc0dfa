"""The Log view: every loaded record merged in UTC order, with the table stakes of CMTrace and lnav.

The merged log itself (:attr:`AppState.log_index`) belongs to the app; this view owns what is
done with it: the filtered index a filter builds and keeps up to date as records arrive; the find
text and its matches (a count, "3/17"); the text highlight (CMTrace's Highlight) and the thread
highlight; the marks (lnav's bookmarks) and the elapsed time from one to the record under the
cursor; go to a time; and the pane below the log that shows the record under the cursor whole,
with the step it is evidence of (Enter jumps there). The query language is
:mod:`sumtrace.tui.logquery`, times as typed and shown are :mod:`sumtrace.tui.logtime`.

A find or a filter walks up to a million records: it runs in slices of at most ``SLICE_SECONDS``
(checked every ``CHUNK`` records; then the loop gets a turn), so keys stay live however slow or
busy the machine, and holds the merge meanwhile (``AppState.holds``) so the list it walks does
not change under it. Matches and marks are kept as anchors
(:class:`~sumtrace.tui.anchorset.AnchorSet`), so counting, ranking and jumping are bisections.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from itertools import chain

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from sumtrace.tui.anchorset import AnchorSet
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
    Anchor,
    Item,
    LogIndex,
    Rec,
    base_of,
)
from sumtrace.tui.logquery import FIND_HELP, Query, TextMatch, both, id_filter, parse_query, text_match
from sumtrace.tui.logtime import WHEN_HELP, When, fmt_elapsed, parse_when, zone_label, zone_offset
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

CHUNK = 2_000  # records a find or filter pass handles between looks at the clock
SLICE_SECONDS = 0.015  # then, past this much time, it gives the event loop (the keys) a turn


class Slicer:
    """Gives the event loop a turn once a slice of work has run ``SLICE_SECONDS``: the same pass costs
    20 ms a slice on an idle machine and several times that on a loaded one, so slices are cut by
    time, not by a record count."""

    __slots__ = ("_since",)

    def __init__(self) -> None:
        self._since = time.perf_counter()

    async def turn(self) -> bool:
        """Yield if the slice is used up; True when it did (the caller checks it was not superseded)."""
        if time.perf_counter() - self._since < SLICE_SECONDS:
            return False
        await asyncio.sleep(0)
        self._since = time.perf_counter()
        return True
_EDGE = 64  # records looked at from the start for a dated one

_BAR_TITLES = {"find": "Find", "filter": "Filter", "highlight": "Highlight", "goto": "Go to time"}


# ------------------------------------------------------------------------------------ the index, read

def record_at(index: LogIndex, i: int) -> Rec:
    """The record at position ``i`` (the one place this view reads the index's storage)."""
    return index.items[i][2]


def first_at_or_after(index: LogIndex, utc: datetime) -> int:
    """Position of the first record at or after ``utc`` (``len(index)`` if none): a bisection on the
    index's own order (UTC, then arrival), through its public :meth:`LogIndex.locate`."""
    return index.locate((utc.timestamp(), 0))


def date_width(first: datetime | None, last: datetime | None) -> int:
    """The date column records from ``first`` to ``last`` (local times) need: 0 on one day, 5
    (``MM-DD``) within a year, 10 (``YYYY-MM-DD``) across years."""
    if first is None or last is None or first.date() == last.date():
        return 0
    return 5 if first.year == last.year else 10


class MergedLogView(View):
    """The merged log, the record under its cursor, and the find/filter/highlight/go-to bar."""

    NAME = "log"
    KEY = "2"
    TITLE = "Log"
    SUMMARY = "every record merged in UTC order, with find, filter, highlight, marks and go to time"
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
        self._find: TextMatch | None = None
        self._matches: AnchorSet | None = None  # of the find, over the index shown; None while counting
        self._matches_of: LogIndex | None = None
        self._bar_mode = ""
        self._host_names: dict[str, str] = {}
        self._names_version = -1
        self._marks_gen = 0
        self._day_first: datetime | None = None
        self._day_last: datetime | None = None
        self.w_log = LogView(state.log_index, hosts=state.hosts, id="logview")
        self.w_log.host_names = self._host_names
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

    @property
    def marks(self) -> AnchorSet:
        """The marked records (anchors into the merged log; they survive filters and inserts)."""
        return self.w_log.marks

    # ------------------------------------------------------------------ records in

    def records_added(self, items: list[Item]) -> None:
        lv = self.w_log
        query = self._query
        shown = items
        if query is not None and self._filtered is not None:
            shown = [it for it in items if query(it[2])]
            self._filtered.add(shown)
        lv.data_changed(len(shown))
        first = self.state.log_index.anchor(0)
        if first is not None and self.marks.trim_before(first):
            self._marks_gen += 1
        matches, find = self._matches, self._find
        if matches is not None and find is not None and self._matches_of is lv.index:
            for k, s, e in shown:
                if find(e[R_MSG]):
                    matches.add((k, s))
            head = lv.index.anchor(0)
            if head is not None:
                matches.trim_before(head)
        restyle = False
        multi = self.state.multi_host
        if multi != lv.multi_host:
            lv.multi_host = multi
            restyle = True
        self._see_days(items)
        dw = date_width(self._day_first, self._day_last)
        if dw != lv.date_width:
            lv.date_width = dw
            restyle = True
        if restyle:
            lv.restyle()

    def _see_days(self, items: list[Item]) -> None:
        """The earliest and latest local times loaded. Not the first and last records: the log is in
        UTC order, and a machine ahead of UTC writes tomorrow's date before one behind it does."""
        lo, hi = self._day_first, self._day_last
        for _, _, e in items:
            t = e[R_LOCAL]
            if t is None:
                continue
            if lo is None or t < lo:
                lo = t
            if hi is None or t > hi:
                hi = t
        self._day_first, self._day_last = lo, hi

    def unseen(self) -> int:
        lv = self.w_log
        return 0 if lv.follow else lv.new_below

    # ------------------------------------------------------------------ drawing

    def _learn_host_names(self) -> None:
        """Hosts by the names their logs gave them (NetBIOS), as the flows learned them."""
        state = self.state
        if state.flows_version == self._names_version:
            return
        self._names_version = state.flows_version
        names = {f.host: f.host_name for f in state.flows if f.host_name}
        if names != self._host_names:
            self._host_names.clear()
            self._host_names.update(names)
            self.w_log.restyle()

    def _find_label(self) -> str:
        """``3/17`` on a match, ``17 matches`` elsewhere, ``counting`` while the pass runs."""
        matches = self._matches
        if matches is None or self._matches_of is not self.w_log.index:
            return "counting…"
        n = len(matches)
        if n == 0:
            return "no match"
        anchor = self.w_log.index.anchor(self.w_log.cursor)
        if anchor is not None and anchor in matches:
            return f"{matches.rank(anchor) + 1}/{n}"
        return f"{n:,} match{'es' if n != 1 else ''}"

    def refresh_view(self, force: bool = False) -> None:
        self._learn_host_names()
        lv = self.w_log
        q = self._query
        state = self.state
        title = Text("Merged log")
        total = len(state.log_index)
        filtered = q is not None and self._filtered is not None
        if filtered:
            assert self._filtered is not None
            title.append(f" · {len(self._filtered):,} of {total:,}")
        else:
            title.append(f" · {total:,} records")
        hosts = set(state.hosts.values())
        if len(hosts) == 1:
            only = next(iter(hosts))
            title.append(f" · {safe(self._host_names.get(only) or only)}")
        if self.find_text:  # before the filter's text: at 80 columns the count must stay in sight
            title.append(f" · find {self._find_label()}: {safe(self.find_text)}")
        if filtered:
            assert q is not None
            title.append(f" · filter: {safe(q.label)}")
        if lv.highlight is not None:
            title.append(f" · highlight: {safe(lv.highlight.text)}")
        if lv.thread is not None:
            title.append(f" · thread {lv.thread}")
        if len(self.marks):
            title.append(f" · {len(self.marks)} mark{'s' if len(self.marks) != 1 else ''}")
        title.append(" · following" if lv.follow else f" · not following ({state.key('follow')})", DIM)
        if self.changed("log-title", (title.plain, force), force):
            lv.border_title = title
        self._refresh_detail(force)

    def _elapsed(self, anchor: Anchor | None) -> str | None:
        """``Δ 2m13.4s from mark at 10:02:11``: from the nearest mark above the cursor record (below
        it if there is none above), in UTC, so records of different zones subtract right."""
        marks = self.marks
        if anchor is None or not len(marks):
            return None
        mark = marks.before(anchor)
        if mark is None:
            mark = marks.after(anchor)
        if mark is None:
            return "marked (mark another record: the time between them shows here)"
        idx = self.state.log_index
        i = idx.locate(mark)
        if i >= len(idx) or idx.anchor(i) != mark:
            return None
        rec = record_at(idx, i)
        local = rec[R_LOCAL]
        fmt = {0: "%H:%M:%S", 5: "%m-%d %H:%M:%S"}.get(self.w_log.date_width, "%Y-%m-%d %H:%M:%S")
        when = "—" if local is None else local.strftime(fmt)
        secs = anchor[0] - mark[0]
        if secs >= 0:
            return f"Δ {fmt_elapsed(secs)} from mark at {when}"
        return f"Δ -{fmt_elapsed(secs)} to mark at {when}"

    def _refresh_detail(self, force: bool = False) -> None:
        state = self.state
        detail = self.w_detail
        lv = self.w_log
        e = lv.entry
        if not self.changed("detail", (id(e), detail.size.width, state.flows_version, self._marks_gen), force):
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
        host = self._host_names.get(host) or host
        elapsed = self._elapsed(lv.index.anchor(lv.cursor)) if e is not None else None
        detail.set_blocks(detail_blocks(e, host, detail.size.width - 1, ref, rx, state.key("open"), elapsed=elapsed))

    @on(LogView.CursorMoved)
    def _cursor_moved(self) -> None:
        if self.display:
            self._refresh_detail()
            if self.find_text:
                self.refresh_view()

    @on(LogView.Jump)
    def _jump(self, event: LogView.Jump) -> None:
        hit = self.state.evidence_of(event.entry)
        if hit is None:
            self.notify("This record is not evidence of any step.", markup=False, timeout=3)
            return
        fl, st = hit
        self.state.select(fl.id, st.key)
        self.post_message(View.Show("scan"))

    # ------------------------------------------------------------------ the bar (find, filter, highlight, go to)

    def _show_bar(self, mode: str, value: str, placeholder: str) -> None:
        bar = self.w_bar
        self._bar_mode = mode
        bar.placeholder = placeholder
        bar.value = value
        bar.remove_class("-hidden")
        bar.border_title = _BAR_TITLES[mode]
        bar.focus()

    def _hide_bar(self) -> None:
        self.w_bar.add_class("-hidden")
        self._bar_mode = ""
        self.w_log.focus()

    def action_find(self) -> None:
        """``/``: open the bar to type the find text (Enter finds the next match)."""
        nxt = f"{self.state.key('find_next')} / {self.state.key('find_prev')}"
        self._show_bar("find", self.find_text, f"find: {FIND_HELP} (Enter: next match; {nxt} afterwards)")

    def action_filter(self) -> None:
        """``&``: open the bar with the current text filter to change it."""
        text = self._text_filter.text if self._text_filter is not None else ""
        self._show_bar("filter", text, "words -exclude re:REGEX comp:StateSys thread:N sev:error file: host: "
                                       "time:10:00..10:30 after: before:")

    def action_highlight(self) -> None:
        """``h``: open the bar to type a text: every record containing it is highlighted (empty: off)."""
        text = self.w_log.highlight.text if self.w_log.highlight is not None else ""
        self._show_bar("highlight", text, f"highlight rows containing: {FIND_HELP} (empty: off)")

    def action_goto_time(self) -> None:
        """``@``: open the bar to type a time; Enter goes to the first record at or after it."""
        self._show_bar("goto", "", f"go to: {WHEN_HELP}")

    def action_escape(self) -> None:
        """Esc: close the bar if it is open, else drop the filters, else the highlights."""
        if not self.w_bar.has_class("-hidden"):
            self._hide_bar()
            return
        if self._text_filter is not None or self._ids_filter is not None:
            self._text_filter = None
            self._ids_filter = None
            self._apply_filter()
            self.notify("Filter cleared.", markup=False, timeout=2)
            return
        lv = self.w_log
        if lv.highlight is not None or lv.thread is not None or self.find_text:
            lv.highlight = None
            lv.thread = None
            self._set_find("")
            lv.restyle()
            self.refresh_view(force=True)
            self.notify("Highlights cleared.", markup=False, timeout=2)

    @on(Input.Submitted, "#logbar")
    def _bar_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        mode = self._bar_mode
        try:
            if mode == "find":
                self._submit_find(value)
            elif mode == "filter":
                self._submit_filter(value)
            elif mode == "highlight":
                lv = self.w_log
                lv.highlight = text_match(value)
                lv.restyle()
                self._hide_bar()
            elif mode == "goto":
                if value:
                    self._goto(value)
                self._hide_bar()
        except ValueError as exc:  # a bad term, regex or time: say so and keep the bar open
            self.notify(str(exc), severity="error", markup=False)
            return
        self.refresh_view(force=True)

    def _submit_find(self, value: str) -> None:
        tm = text_match(value)  # a bad regex raises before anything changes
        self._set_find(value, tm)
        self._hide_bar()
        if tm is not None:
            self._count_matches(tm, jump=True)

    def _set_find(self, value: str, tm: TextMatch | None = None) -> None:
        self.find_text = value
        self._find = tm
        self._matches = None
        self._matches_of = None
        lv = self.w_log
        lv.find = tm
        lv.restyle()

    def _submit_filter(self, value: str) -> None:
        year = None
        n = len(self.state.log_index)
        if n:
            last = record_at(self.state.log_index, n - 1)[R_LOCAL]
            year = last.year if last is not None else None
        q = parse_query(value, self.state.hosts, host_names=self._host_names, year=year) if value else None
        self._text_filter = q if q is not None and not q.empty else None
        self._hide_bar()
        self._apply_filter()

    # ------------------------------------------------------------------ go to a time

    def _reference(self) -> Rec | None:
        """The record whose day and zone complete a typed time: the cursor's, else the first dated one."""
        lv = self.w_log
        e = lv.entry
        if e is not None and e[R_LOCAL] is not None:
            return e
        index = lv.index
        return next((r for r in (record_at(index, i) for i in range(min(len(index), _EDGE))) if r[R_LOCAL]), None)

    def _goto(self, text: str) -> None:
        """Go to the first record at or after ``text`` (a bisection: the log is in UTC order)."""
        lv = self.w_log
        ref = self._reference()
        if ref is None or ref[R_LOCAL] is None:
            raise ValueError("No dated record to go to.")
        w = parse_when(text, ref[R_LOCAL].year)
        utc = resolve_when(w, ref)
        index = lv.index
        i = first_at_or_after(index, utc)
        if i >= len(index):
            self.notify(f"No record at or after {w.text}: this is the last one.", markup=False, timeout=3)
            i = len(index) - 1
        lv.go(i, follow=False)

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
            self._recount()
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
            slicer = Slicer()
            for i in range(0, len(src), CHUNK):
                new.add([it for it in src[i:i + CHUNK] if q(it[2])])  # in order: appended, not merged
                if await slicer.turn() and self._query is not q:
                    return  # superseded by another filter meanwhile
            if self._query is not q:
                return
            self._filtered = new
            self.w_log.set_index(new)
        finally:
            state.holds -= 1
        self._recount()
        self.refresh_view(force=True)

    # ------------------------------------------------------------------ find: matches, count, next

    def _recount(self) -> None:
        """The index shown changed (a filter on or off): count the find's matches in it again."""
        if self._find is not None:
            self._matches = None
            self._matches_of = None
            self._count_matches(self._find, jump=False)

    @work(exclusive=True, group="matches", exit_on_error=False, description="counting find matches")
    async def _count_matches(self, tm: TextMatch, jump: bool) -> None:
        """Every match of ``tm`` in the index shown, in slices; then (``jump``) the next one after the cursor."""
        lv = self.w_log
        index = lv.index
        state = self.state
        found = AnchorSet()
        state.holds += 1
        try:
            items = index.items
            keys, seqs = found.keys, found.seqs
            slicer = Slicer()
            for i in range(0, len(items), CHUNK):
                for k, s, e in items[i:i + CHUNK]:
                    if tm(e[R_MSG]):
                        keys.append(k)
                        seqs.append(s)
                if await slicer.turn() and (self._find is not tm or lv.index is not index):
                    return  # superseded: another find, or another filter
            if self._find is not tm or lv.index is not index:
                return
        finally:
            state.holds -= 1
        self._matches = found
        self._matches_of = index
        if jump:
            self._step_match(1)
        self.refresh_view(force=True)

    def action_find_next(self, direction: int) -> None:
        """``n`` / ``N``: the next (previous) match, wrapping around; asks for the text if there is none."""
        if self._find is None:
            self.action_find()
            return
        if self._matches is not None and self._matches_of is self.w_log.index:
            self._step_match(direction)
            self.refresh_view(force=True)
        else:
            self._search(direction, self._find)

    def _step_match(self, direction: int) -> None:
        """Go to the next (previous) match from the cursor through the counted matches, wrapping around."""
        lv = self.w_log
        matches = self._matches
        if matches is None:
            return
        if not len(matches):
            self.notify(f"Not found: {self.find_text}", markup=False, timeout=3)
            return
        index = lv.index
        here = index.anchor(lv.cursor) if lv.cursor >= 0 else None
        if here is None:
            here = (float("inf"), 0) if direction > 0 else (float("-inf"), 0)
        target = matches.after(here) if direction > 0 else matches.before(here)
        if target is None:
            target = matches.at(0) if direction > 0 else matches.at(len(matches) - 1)
            if len(matches) > 1 or here not in matches:
                self.notify("Search wrapped around.", markup=False, timeout=2)
        lv.go(index.locate(target), follow=False)

    @work(exclusive=True, group="search", exit_on_error=False, description="finding in the merged log")
    async def _search(self, direction: int, tm: TextMatch) -> None:
        """The next match by walking from the cursor (while the matches are still being counted)."""
        lv = self.w_log
        index = lv.index
        items = index.items
        n = len(items)
        if n == 0:
            return
        self.state.holds += 1
        slicer = Slicer()
        try:
            start = lv.cursor if lv.cursor >= 0 else (n - 1 if direction > 0 else 0)
            order: Iterable[int]  # from the cursor to the end, then around (no list of a million positions)
            if direction > 0:
                order = chain(range(start + 1, n), range(0, start + 1))
            else:
                order = chain(range(start - 1, -1, -1), range(n - 1, start - 1, -1))
            for count, i in enumerate(order):
                if tm(items[i][2][R_MSG]):
                    if lv.index is index:
                        lv.go(i, follow=False)
                        if (direction > 0 and i <= start) or (direction < 0 and i >= start):
                            self.notify("Search wrapped around.", markup=False, timeout=2)
                    return
                if count % CHUNK == CHUNK - 1 and await slicer.turn() and lv.index is not index:
                    return
            self.notify(f"Not found: {tm.text}", markup=False, timeout=3)
        finally:
            self.state.holds -= 1

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A find or filter pass failed: say so and keep going (the merge resumes, the log stays)."""
        if event.state == WorkerState.ERROR:
            self.notify(f"{event.worker.name} failed: {event.worker.error}", severity="error", markup=False)

    # ------------------------------------------------------------------ errors, thread, marks

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
        """``t``: highlight every record of the cursor record's thread (the whole row); again: off."""
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

    def action_mark(self) -> None:
        """``m``: mark the record under the cursor, or unmark it."""
        lv = self.w_log
        anchor = lv.index.anchor(lv.cursor)
        if anchor is None:
            return
        self.marks.toggle(anchor)
        self._marks_gen += 1
        lv.restyle()
        self.refresh_view(force=True)

    def action_next_mark(self, direction: int) -> None:
        """``u`` / ``U``: the next (previous) marked record shown (within the filter if one is on)."""
        lv = self.w_log
        index = lv.index
        marks = self.marks
        here = index.anchor(lv.cursor)
        if here is None or not len(marks):
            self.notify("No marks (m marks the record under the cursor).", markup=False, timeout=2)
            return
        target = marks.after(here) if direction > 0 else marks.before(here)
        while target is not None:
            i = index.locate(target)
            if i < len(index) and index.anchor(i) == target:
                lv.go(i, follow=False)
                return
            target = marks.after(target) if direction > 0 else marks.before(target)
        self.notify("No more marks " + ("below." if direction > 0 else "above."), markup=False, timeout=2)

    def action_follow(self) -> None:
        """``f`` here: follow the end of the log, or stop following it."""
        lv = self.w_log
        lv.set_follow(not lv.follow)
        self.refresh_view(force=True)

    def following(self) -> bool:
        """The footer's ``f`` here: whether the log follows its end."""
        return self.w_log.follow


def resolve_when(w: When, ref: Rec) -> datetime:
    """A typed time as an instant (aware UTC). A time without a day is on ``ref``'s day; without a
    zone it is in ``ref``'s zone (a zone-less record's time stays as written, as its key does)."""
    local = ref[R_LOCAL]
    assert local is not None
    day = w.day if w.day is not None else local.date()
    at = datetime.combine(day, w.clock)
    off = w.offset if w.offset is not None else (zone_offset(ref) or timedelta(0))
    return (at - off).replace(tzinfo=timezone.utc)


# ------------------------------------------------------------------------------------ drawing

def detail_blocks(e: Rec | None, host: str, width: int, step_ref: str | None,
                  ids: re.Pattern[str] | None, open_key: str = "Enter", *, elapsed: str | None = None) -> list[Block]:
    """The record under the Log cursor, whole, with where it comes from (the CMTrace info pane), and
    ``elapsed``, the time from the nearest mark (CMTrace's status bar shows it between selections)."""
    if e is None:
        return [Block("-none", [Line(Text("No record selected.", style=DIM))], selectable=False)]
    meta = Text(style=DIM)
    meta.append(f"{safe(host) + '/' if host else ''}{safe(base_of(e[R_FILE]))}:{e[R_LINE]}")
    unknown = e[R_TSRC] == "assumed-local"
    if e[R_UTC] is not None and not unknown:
        meta.append(f" · {e[R_UTC].strftime('%Y-%m-%d %H:%M:%S.%f')[:-3]} UTC")
    if e[R_LOCAL] is not None:
        meta.append(f" · local {e[R_LOCAL].strftime('%Y-%m-%d %H:%M:%S.%f')[:-3]}")
        if not unknown:
            meta.append(f" {zone_label(e)}")
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
    if elapsed:
        lines.append(Line(Text(elapsed, style=NEXT_STYLE), wrap=True, indent=2))
    if step_ref:
        lines.append(Line(Text(f"evidence of {step_ref} ({open_key}: show it on the Scan view)", style=NEXT_STYLE),
                          wrap=True, indent=2))
    blocks = [Block("-meta", lines, selectable=False)]
    rec = record_block(e, host, width, key="rec", show_host=False, show_utc=False, ids=ids)
    blocks.append(rec)
    return blocks
