"""The merged log: a line-API view over a :class:`sumtrace.tui.logindex.LogIndex`, one row per record.

Only the rows on screen are rendered (strips cached by record, not by position, because positions
move as records merge in). The cursor is a row; it is remembered as a ``(key, seq)`` anchor so
it stays on the same record while records are inserted before it or the oldest are dropped.
Following pins the cursor to the last record; any move away stops following and counts what
arrives below ("+N new").
"""

from __future__ import annotations

import re

from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sumtrace.tui.logindex import R_FILE, R_SEV, Anchor, LogIndex, Rec
from sumtrace.tui.render import SEVERITY_STYLE, LogColumns, log_row
from sumtrace.tui.widgets.cursor import NAV_BINDINGS, cursor_css


class LogView(ScrollView, can_focus=True):
    DEFAULT_CSS = cursor_css("LogView", "logview")
    COMPONENT_CLASSES = {"logview--cursor", "logview--cursor-blurred"}
    BINDINGS = [
        *NAV_BINDINGS,
        Binding("enter", "jump", "Go to step", show=False),
    ]

    class CursorMoved(Message):
        """The record under the cursor changed (coalesced: only the latest matters)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LogView.CursorMoved)

    class Jump(Message):
        """Enter on a record: show the step it is evidence of."""

        def __init__(self, entry: Rec) -> None:
            super().__init__()
            self.entry = entry

    def __init__(self, index: LogIndex, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.index = index
        self.cursor = -1
        self.follow = True
        self.new_below = 0
        self.hosts: dict[str, str] = {}
        self.multi_host = False
        self.find = ""
        self.thread: int | None = None
        self.ids: re.Pattern[str] | None = None
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
        _, seq, e = items[row]
        on = row == self.cursor
        key = (seq, on, on and self.has_focus, width, self._gen)
        strip = self._cache.get(key)
        if strip is None:
            cols = LogColumns(width, self.multi_host)
            t = log_row(e, self.hosts.get(e[R_FILE], ""), cols, find=self.find, thread=self.thread, ids=self.ids)
            pad: Style = base
            if on:
                cur = self.get_component_rich_style("logview--cursor" if self.has_focus else "logview--cursor-blurred")
                t.stylize(cur)
                pad = base + cur
            elif e[R_SEV] in ("error", "warning"):
                pad = base + SEVERITY_STYLE[e[R_SEV]]
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

    def action_jump(self) -> None:
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
                self.action_jump()
