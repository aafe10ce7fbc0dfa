"""The merged log: a line-API view over a :class:`sumtrace.tui.logindex.LogIndex`, one row per record.

Only the rows on screen are rendered (strips cached by record, not by position, because positions
move as records merge in). The cursor is a row; it is remembered as a ``(key, seq)`` anchor so
it stays on the same record while records are inserted before it or the oldest are dropped.
Following pins the cursor to the last record; any move away stops following and counts what
arrives below ("+N new").

A row reads like CMTrace's with lnav's gutter: a mark (``●``), the date when the log spans more
than one day, the local time as written and its zone (``+01:00``, ``zone?``), the severity as one
letter, the host when there are several, the log, thread and component as the width allows, and
the message. The thread highlight and the text highlight colour the whole row; an error or
warning row keeps its colours (they matter more) and is underlined instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual import events
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sumtrace.tui.anchorset import AnchorSet
from sumtrace.tui.keys import list_bindings
from sumtrace.tui.logindex import (
    R_COMP,
    R_FILE,
    R_LOCAL,
    R_MSG,
    R_SEV,
    R_SEVINF,
    R_THREAD,
    Anchor,
    LogIndex,
    Rec,
    base_of,
)
from sumtrace.tui.logquery import TextMatch
from sumtrace.tui.logtime import ZONE_UNKNOWN, zone_label
from sumtrace.tui.render import DIM, ID_STYLE, MATCH_STYLE, SEVERITY_STYLE, cell, hms_ms, safe
from sumtrace.tui.widgets.cursor import cursor_css


class LogView(ScrollView, can_focus=True):
    """One row per record of a :class:`LogIndex`; ``hosts`` (file → host) names other machines' files."""

    DEFAULT_CSS = cursor_css("LogView", "logview")
    COMPONENT_CLASSES = {"logview--cursor", "logview--cursor-blurred"}
    BINDINGS = list_bindings()

    class CursorMoved(Message):
        """The record under the cursor changed (coalesced: only the latest matters)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LogView.CursorMoved)

    class Jump(Message):
        """Enter on a record: show the step it is evidence of."""

        def __init__(self, entry: Rec) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, index: LogIndex, *, hosts: dict[str, str] | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.index = index
        self.cursor = -1
        self.follow = True
        self.new_below = 0
        self.hosts: dict[str, str] = hosts if hosts is not None else {}
        self.host_names: dict[str, str] = {}  # host id -> the machine's name, once the logs said it
        self.multi_host = False
        self.date_width = 0  # 0: one day (no date column), 5: MM-DD, 10: YYYY-MM-DD
        self.find: TextMatch | None = None
        self.highlight: TextMatch | None = None
        self.thread: int | None = None
        self.ids: re.Pattern[str] | None = None
        self.marks = AnchorSet()
        self._anchor: Anchor | None = None
        self._cache: LRUCache[tuple[int, bool, bool, int, int], Strip] = LRUCache(1024)
        self._gen = 0
        self._base = Style()

    # ------------------------------------------------------------------ data

    @property
    def entry(self) -> Rec | None:
        if 0 <= self.cursor < len(self.index):
            return self.index.items[self.cursor][2]
        return None

    def restyle(self) -> None:
        """Find text, thread or ID highlight changed: drop the cached strips."""
        self._gen += 1
        self._cache.clear()
        self.refresh()

    def set_index(self, index: LogIndex) -> None:
        """Show another index (a filter on/off), keeping the cursor near the same record."""
        anchor = self._anchor
        self.index = index
        self.new_below = 0
        if self.follow or anchor is None:
            self.cursor = len(index) - 1
        else:
            self.cursor = min(index.locate(anchor), len(index) - 1)
        self._sync(reveal=True)
        self.post_message(self.CursorMoved())

    def data_changed(self, added: int) -> None:
        """Records were merged into (or dropped from) the index."""
        n = len(self.index)
        before = self.cursor
        if self.follow:
            self.cursor = n - 1
        elif self._anchor is not None:
            self.cursor = min(self.index.locate(self._anchor), n - 1)
            self.new_below += added
        self._sync(reveal=self.follow)
        if self.cursor != before or self.follow:
            self.post_message(self.CursorMoved())

    def _sync(self, *, reveal: bool) -> None:
        n = len(self.index)
        self._anchor = self.index.anchor(self.cursor)
        self.virtual_size = Size(self.size.width, n)
        if reveal:
            self._reveal()
        self.refresh()

    def _reveal(self) -> None:
        height = max(1, self.size.height)
        top = int(self.scroll_offset.y)
        n = len(self.index)
        if self.follow:
            target = max(0, n - height)
            if target != top:
                self.scroll_to(y=target, animate=False, immediate=True)
            return
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True)

    def go(self, row: int, *, follow: bool | None = None) -> None:
        """Move the cursor to ``row`` (clamped); following stops unless it is the last row."""
        n = len(self.index)
        if n == 0:
            return
        row = max(0, min(n - 1, row))
        self.cursor = row
        self.follow = (row == n - 1) if follow is None else follow
        if self.follow:
            self.new_below = 0
        self._sync(reveal=True)
        if not self.follow:
            self._reveal()
        self.post_message(self.CursorMoved())

    def set_follow(self, follow: bool) -> None:
        self.follow = follow
        if follow:
            self.new_below = 0
            self.cursor = len(self.index) - 1
            self._sync(reveal=True)
            self.post_message(self.CursorMoved())

    # ------------------------------------------------------------------ rendering

    def render_lines(self, crop: Region) -> list[Strip]:
        # ``rich_style`` walks the DOM each time it is read: once per paint, not once per row.
        self._base = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.size.width
        base = self._base
        items = self.index.items
        if row >= len(items):
            return Strip.blank(width, base)
        k, seq, e = items[row]
        on = row == self.cursor
        key = (seq, on, on and self.has_focus, width, self._gen)
        strip = self._cache.get(key)
        if strip is None:
            cols = LogColumns(width, self.multi_host, self.date_width)
            host = self.hosts.get(e[R_FILE], "")
            t, fill = log_row(e, self.host_names.get(host) or host, cols, find=self.find, thread=self.thread,
                              ids=self.ids, highlight=self.highlight, marked=(k, seq) in self.marks)
            pad: Style = base if fill is None else base + fill
            if on:
                cur = self.get_component_rich_style("logview--cursor" if self.has_focus else "logview--cursor-blurred")
                t.stylize(cur)
                pad = base + cur
            t.stylize_before(base)
            strip = Strip(list(t.render(self.app.console))).crop_extend(0, width, pad)
            self._cache[key] = strip
        return strip.crop_extend(scroll_x, scroll_x + width, base) if scroll_x else strip

    def on_resize(self, event: events.Resize) -> None:
        self._cache.clear()
        self._sync(reveal=True)

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    # ------------------------------------------------------------------ keys and mouse

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self.follow = False  # scrolling back stops following, like any tail viewer

    def action_move(self, delta: int) -> None:
        if self.cursor < 0:
            self.go(len(self.index) - 1)
        else:
            self.go(self.cursor + delta)

    def action_page(self, delta: int) -> None:
        self.go(self.cursor + delta * max(1, self.size.height - 1))

    def action_edge(self, delta: int) -> None:
        if delta < 0:
            self.go(0, follow=False)
        else:
            self.go(len(self.index) - 1, follow=True)

    def action_open(self) -> None:
        """Enter: ask for the step this record is evidence of."""
        e = self.entry
        if e is not None:
            self.post_message(self.Jump(e))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = int(self.scroll_offset.y) + offset.y
        if 0 <= row < len(self.index):
            self.go(row)
            if event.chain == 2:
                self.action_open()


# Whole-row highlights (16 ANSI colours: they follow the terminal's palette, as every style here).
THREAD_ROW = Style(color="bright_white", bgcolor="blue")
HIGHLIGHT_ROW = Style(color="black", bgcolor="bright_magenta")
MARK_GLYPH = "●"
MARK_STYLE = Style(color="bright_cyan", bold=True)
SEVERITY_LETTER = {"error": "E", "warning": "W", "info": "I", "verbose": "V"}


@dataclass(slots=True)
class LogColumns:
    """Which columns a row shows at this width: thread from 100 columns, component from 150;
    the date when the log spans days (``date_width``), the host when there are several."""

    width: int
    multi_host: bool
    date_width: int = 0

    @property
    def thread(self) -> bool:
        return self.width >= 100

    @property
    def time_width(self) -> int:
        """``HH:MM:SS.mmm`` from 100 columns; narrower, ``HH:MM:SS`` (the record pane has the milliseconds)."""
        return 12 if self.width >= 100 else 8

    @property
    def day_width(self) -> int:
        """The date column: as wide as the log needs from 100 columns; narrower, ``MM-DD`` at most."""
        return min(self.date_width, 5) if self.width < 100 else self.date_width

    @property
    def host_width(self) -> int:
        if not self.multi_host:
            return 0
        return 14 if self.width >= 150 else 12 if self.width >= 100 else 8

    @property
    def file_width(self) -> int:
        return 16 if self.width >= 100 else 12

    @property
    def component(self) -> bool:
        return self.width >= 150

    @property
    def message_start(self) -> int:
        """The cell where the message starts (what the header and the tests line up with)."""
        n = 1 + (self.day_width + 1 if self.day_width else 0) + self.time_width + 1 + 7 + 2
        n += self.host_width + 1 if self.host_width else 0
        n += self.file_width + 1
        n += 7 if self.thread else 0
        n += 17 if self.component else 0
        return n


def severity_letter(e: Rec) -> str:
    """``E W I V`` from the record's own type; lower case when it was inferred from the text
    (a log without a type field, as CMTrace does for plain text)."""
    letter = SEVERITY_LETTER.get(e[R_SEV], "?")
    return letter.lower() if e[R_SEVINF] else letter


def log_row(e: Rec, host: str, cols: LogColumns, *, find: TextMatch | None = None, thread: int | None = None,
            ids: re.Pattern[str] | None = None, highlight: TextMatch | None = None,
            marked: bool = False) -> tuple[Text, Style | None]:
    """One merged-log row, and the style its padding to the right edge takes (the row's colour).

    Mark, [date], local time, zone, severity letter, [host], file, [thread], [component], and the
    message on one line.
    """
    sev = SEVERITY_STYLE.get(e[R_SEV]) if e[R_SEV] != "info" else None
    loud = e[R_SEV] in ("error", "warning")
    msg = safe(e[R_MSG])
    same_thread = thread is not None and e[R_THREAD] == thread
    lit = highlight is not None and highlight(msg)
    row: Style | None = SEVERITY_STYLE[e[R_SEV]] if loud else HIGHLIGHT_ROW if lit else THREAD_ROW if same_thread else None
    quiet = DIM if row is None and sev is None else ""
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(MARK_GLYPH if marked else " ", MARK_STYLE if marked else "")
    local = e[R_LOCAL]
    dw = cols.day_width
    if dw:
        day = "" if local is None else local.strftime("%m-%d" if dw == 5 else "%Y-%m-%d")
        t.append(f"{day:<{dw}} ", quiet)
    tw = cols.time_width
    t.append(f"{'—':^{tw}}" if local is None else hms_ms(local) if tw == 12 else local.strftime("%H:%M:%S"), "")
    t.append(" ")
    zone = zone_label(e)
    t.append(f"{zone:<6} ", quiet if zone != ZONE_UNKNOWN else Style(color="yellow") if row is None else "")
    t.append(severity_letter(e), quiet)
    t.append(" ")
    plain_name = Style(color="cyan") if row is None and sev is None else ""
    if cols.host_width:
        t.append_text(cell(safe(host), cols.host_width, plain_name))
        t.append(" ")
    t.append_text(cell(safe(base_of(e[R_FILE])), cols.file_width, plain_name))
    t.append(" ")
    if cols.thread:
        tid = "" if e[R_THREAD] is None else str(e[R_THREAD])
        t.append(f"{tid:>6}", Style(bold=True) if same_thread else quiet)
        t.append(" ")
    if cols.component:
        t.append_text(cell(safe(e[R_COMP]), 16, quiet))
        t.append(" ")
    start = t.cell_len
    t.append(msg)
    if sev is not None:
        t.stylize_before(sev)
    if row is not None and not loud:
        t.stylize_before(row)
    if loud and (same_thread or lit):
        t.stylize(Style(underline=True), 1)
    if ids is not None:
        for m in ids.finditer(msg):
            t.stylize(ID_STYLE, start + m.start(), start + m.end())
    if find is not None:
        for a, b in find.spans(msg):
            t.stylize(MATCH_STYLE, start + a, start + b)
    return t, row
