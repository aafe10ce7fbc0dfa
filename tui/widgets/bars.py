"""The one-row top bar (views on the left, live state on the right) and the help screen."""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widget import Widget
from textual.widgets import Static

from sumtrace.tui.render import help_blocks
from sumtrace.tui.widgets.blocklist import BlockList

VIEWS: tuple[tuple[str, str, str], ...] = (
    ("scan", "1", "Scan"),
    ("log", "2", "Log"),
    ("updates", "3", "Updates"),
    ("files", "4", "Files"),
    ("lookup", "5", "Lookup"),
)


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

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = "scan"
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
        for view, key, name in VIEWS:
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
    """The footer: the app's main keys (bindings with ``show=True``), drawn once.

    Textual's ``Footer`` rebuilds itself (a widget per key, restyled) on every focus change; here
    that cost 50-150 ms per view switch on a busy loop, for a row that does not change. Click a
    key to run its action.
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
        self._hits: list[tuple[int, int, str]] = []

    def render(self) -> Text:
        app = self.app
        line = Text(no_wrap=True, overflow="ellipsis")
        hits: list[tuple[int, int, str]] = []
        bindings = [b for b in app.BINDINGS if isinstance(b, Binding) and b.show]
        for b in bindings:
            start = line.cell_len
            key = app.get_key_display(b)
            line.append(f" {key}", Style(bold=True, color="magenta"))
            line.append(f" {b.description} ")
            hits.append((start, line.cell_len, b.action))
        palette = app.get_key_display(Binding(app.COMMAND_PALETTE_BINDING, "command_palette"))
        tail = Text.assemble((f" {palette}", Style(bold=True, color="magenta")), " palette ")
        pad = self.size.width - line.cell_len - tail.cell_len
        if pad > 0:
            line.append(" " * pad)
            start = line.cell_len
            line.append_text(tail)
            hits.append((start, line.cell_len, "app.command_palette"))
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


class HelpScreen(ModalScreen[None]):
    """F1: keys, panes, the meaning of glyphs and colours."""

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > Vertical {
        width: 90%;
        max-width: 110;
        height: 90%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen BlockList {
        height: 1fr;
        background: $surface;
    }
    HelpScreen Static {
        height: 1;
        color: $text-muted;
    }
    """
    BINDINGS = [
        Binding("escape,f1,q,question_mark", "dismiss", "Close help", id="close_help"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical() as v:
            v.border_title = "Help"
            yield BlockList(cursor=False, id="help-text")
            yield Static(Text("Esc, F1 or q closes this help"))

    def on_mount(self) -> None:
        help_list = self.query_one("#help-text", BlockList)
        help_list.set_blocks(help_blocks())
        help_list.focus()
