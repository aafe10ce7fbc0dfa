"""The one-row bars: the top bar (views on the left, live state on the right) and the key bar (footer)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget


class TopBar(Widget):
    """``1 Scan 2 Log …`` then the status text, right-aligned; click a view name to switch."""

    DEFAULT_CSS = """
    TopBar {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    class ViewClicked(Message):
        def __init__(self, view: str) -> None:
            super().__init__()
            self.view = view

    def __init__(self, views: Sequence[tuple[str, str, str]], *, id: str | None = None) -> None:
        """``views`` are (name, key label, title), in the order they are listed."""
        super().__init__(id=id)
        self.views = list(views)
        self.view = self.views[0][0] if self.views else ""
        self.parts: list[tuple[int, Text]] = []
        self._hits: list[tuple[int, int, str]] = []

    @property
    def status(self) -> Text:
        """Every status part, whatever fits (tests and the command palette read this)."""
        return _join([t for _, t in self.parts])

    def set_state(self, view: str, parts: list[tuple[int, Text]]) -> None:
        """``parts`` are (priority, text); when the bar is narrow the lowest priorities go first."""
        if view != self.view or [(p, t.plain, t.spans) for p, t in parts] != [
                (p, t.plain, t.spans) for p, t in self.parts]:
            self.view = view
            self.parts = parts
            self.refresh()

    def render(self) -> Text:
        width = self.size.width
        roomy = width >= 120
        left = Text(no_wrap=True)
        hits: list[tuple[int, int, str]] = []
        for view, key, name in self.views:
            on = view == self.view
            start = left.cell_len
            left.append(f" {key} {name} " if (on or roomy) else f"{key} {name}", "reverse bold" if on else "")
            hits.append((start, left.cell_len, view))
            left.append(" " if roomy or not on else "")
        self._hits = hits
        room = width - left.cell_len - 1
        parts = list(self.parts)
        status = _join([t for _, t in parts])
        while status.cell_len > room and parts:
            lowest = min(range(len(parts)), key=lambda i: parts[i][0])
            del parts[lowest]
            status = _join([t for _, t in parts])
        if status.cell_len > room:
            status.truncate(max(0, room), overflow="ellipsis")
        line = left + Text(" " * max(1, width - left.cell_len - status.cell_len)) + status
        line.no_wrap = True
        return line

    def on_click(self, event: events.Click) -> None:
        for start, end, view in self._hits:
            if start <= event.x < end:
                self.post_message(self.ViewClicked(view))
                return


class KeyBar(Widget):
    """The footer: the app's main keys (the key table's ``show`` keys), drawn once.

    Textual's ``Footer`` rebuilds itself (a widget per key, restyled) on every focus change; here
    that cost 50-150 ms per view switch on a busy loop, for a row that does not change. The app
    hands it (key, label, action) items with the user's own keys; the last one sits at the right
    edge (the command palette). Click a key to run its action.
    """

    DEFAULT_CSS = """
    KeyBar {
        height: 1;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._items: list[tuple[str, str, str]] = []
        self._tail: tuple[str, str, str] | None = None
        self._hits: list[tuple[int, int, str]] = []

    def set_keys(self, items: Sequence[tuple[str, str, str]], tail: tuple[str, str, str] | None = None) -> None:
        """(key as shown, label, app action) for each key, and the one drawn at the right edge."""
        if list(items) == self._items and tail == self._tail:
            return
        self._items = list(items)
        self._tail = tail
        self.refresh()

    def render(self) -> Text:
        key_style = Style(bold=True, color="magenta")
        line = Text(no_wrap=True, overflow="ellipsis")
        hits: list[tuple[int, int, str]] = []
        for key, label, action in self._items:
            start = line.cell_len
            line.append(f" {key}", key_style)
            line.append(f" {label} ")
            hits.append((start, line.cell_len, action))
        if self._tail is not None:
            key, label, action = self._tail
            tail = Text.assemble((f" {key}", key_style), f" {label} ")
            pad = self.size.width - line.cell_len - tail.cell_len
            if pad > 0:
                line.append(" " * pad)
                start = line.cell_len
                line.append_text(tail)
                hits.append((start, line.cell_len, action))
        self._hits = hits
        return line

    async def on_click(self, event: events.Click) -> None:
        for start, end, action in self._hits:
            if start <= event.x < end:
                await self.app.run_action(action if "." in action else f"app.{action}")
                return


def _join(texts: list[Text]) -> Text:
    out = Text(no_wrap=True)
    for t in texts:
        if out.plain:
            out.append("  ")
        out.append_text(t)
    out.append(" ")
    return out
