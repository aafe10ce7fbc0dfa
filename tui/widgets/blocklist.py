"""A line-API list of :class:`sumtrace.tui.render.Block` (flows, steps, evidence, help), with an optional cursor.

Blocks are laid out (cropped or wrapped to the width) once per change or resize; only visible rows
are rendered. A cursor sits on a selectable block; moving it by keyboard or mouse posts
:class:`BlockList.Highlighted` (programmatic moves through :meth:`BlockList.set_blocks` do not, so
the app can tell "the user picked this" from "the view followed the data").
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sumtrace.tui.keys import list_bindings
from sumtrace.tui.render import Block, Line
from sumtrace.tui.widgets.cursor import cursor_css

_GUTTER = "▌"


class BlockList(ScrollView, can_focus=True):
    """Blocks of text lines; ``cursor=False`` makes it a plain scrollable text pane."""

    DEFAULT_CSS = cursor_css("BlockList", "blocklist")
    COMPONENT_CLASSES = {"blocklist--cursor", "blocklist--cursor-blurred"}
    BINDINGS = list_bindings()

    class _BlockMessage(Message):
        def __init__(self, blocklist: BlockList, key: str) -> None:
            super().__init__()
            self.blocklist = blocklist
            self.key = key

        @property
        def control(self) -> BlockList:
            return self.blocklist

    class Highlighted(_BlockMessage):
        """The user moved the cursor to the block ``key``."""

    class Chosen(_BlockMessage):
        """Enter on the block ``key``."""

    def __init__(self, *, cursor: bool = True, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.cursor_enabled = cursor
        self._blocks: list[Block] = []
        self._rows: list[tuple[Text, int, Style | None]] = []
        self._spans: list[tuple[int, int]] = []  # rows of each block: [start, end)
        self._cursor = -1
        self._laid_width = -1
        self._strips: dict[tuple[int, bool, bool], Strip] = {}
        self._base = Style()

    # ------------------------------------------------------------------ data

    @property
    def cursor_key(self) -> str | None:
        if 0 <= self._cursor < len(self._blocks):
            return self._blocks[self._cursor].key
        return None

    @property
    def blocks(self) -> list[Block]:
        return self._blocks

    @property
    def lines_text(self) -> list[str]:
        """The laid-out rows as plain text (for tests and copy)."""
        return [t.plain.rstrip() for t, _, _ in self._rows]

    def set_blocks(self, blocks: list[Block], cursor_key: str | None = None, *, reveal: bool = True) -> None:
        """Replace the content; the cursor goes to ``cursor_key`` (else stays on its key, else the first)."""
        want = cursor_key if cursor_key is not None else self.cursor_key
        self._blocks = blocks
        self._cursor = -1
        if self.cursor_enabled:
            keys = [b.key for b in blocks]
            if want is not None and want in keys and blocks[keys.index(want)].selectable:
                self._cursor = keys.index(want)
            else:
                self._cursor = next((i for i, b in enumerate(blocks) if b.selectable), -1)
        self._layout()
        if reveal:
            self._reveal()

    def _content_width(self) -> int:
        w = self.scrollable_content_region.width or self.size.width
        return max(10, w - (1 if self.cursor_enabled else 0))

    def _layout(self) -> None:
        width = self._content_width()
        self._laid_width = width
        console = self.app.console
        rows: list[tuple[Text, int, Style | None]] = []
        spans: list[tuple[int, int]] = []
        for bi, block in enumerate(self._blocks):
            start = len(rows)
            for line in block.lines:
                for t in _fit(line, width, console):
                    rows.append((t, bi, line.fill))
            spans.append((start, len(rows)))
        self._rows = rows
        self._spans = spans
        self._strips.clear()
        self.virtual_size = Size(width, len(rows))
        self.refresh()

    def on_resize(self, event: events.Resize) -> None:
        if not self._blocks:
            return
        if self._content_width() != self._laid_width:
            self._layout()
        # Wider or shorter (a pane that gives way to another): the cursor's block stays in view.
        self._reveal()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

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
        if row >= len(self._rows):
            return Strip.blank(width, base)
        text, bi, fill = self._rows[row]
        on = self.cursor_enabled and bi == self._cursor
        key = (row, on, on and self.has_focus)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._render_row(text, fill, on, width)
        return strip.crop_extend(scroll_x, scroll_x + width, base) if scroll_x else strip

    def _render_row(self, text: Text, fill: Style | None, on: bool, width: int) -> Strip:
        base = self._base
        t = text.copy()
        pad = base + fill if fill is not None else base
        if self.cursor_enabled:
            if on:
                cur = self.get_component_rich_style(
                    "blocklist--cursor" if self.has_focus else "blocklist--cursor-blurred")
                t.stylize(cur)
                pad = base + cur
                t = Text(_GUTTER, style=cur) + t
            else:
                t = Text(" ") + t
        t.stylize_before(base)
        return Strip(list(t.render(self.app.console))).crop_extend(0, width, pad)

    # ------------------------------------------------------------------ movement

    def _selectable(self) -> list[int]:
        return [i for i, b in enumerate(self._blocks) if b.selectable]

    def _reveal(self) -> None:
        if not (0 <= self._cursor < len(self._spans)):
            return
        start, end = self._spans[self._cursor]
        top = int(self.scroll_offset.y)
        height = max(1, self.size.height)
        if start >= top and end <= top + height:
            return
        # Scroll so the block sits a third of the way down: the steps before it give context.
        lead = height // 3 if end - start <= height - height // 3 else 0
        self.scroll_to(y=max(0, start - lead), animate=False)

    def _go(self, index: int) -> None:
        if index == self._cursor or not (0 <= index < len(self._blocks)):
            return
        self._cursor = index
        self.refresh()
        self._reveal()
        self.post_message(self.Highlighted(self, self._blocks[index].key))

    def action_move(self, delta: int) -> None:
        if not self.cursor_enabled:
            self.scroll_to(y=self.scroll_offset.y + delta, animate=False)
            return
        sel = self._selectable()
        if not sel:
            return
        if self._cursor not in sel:
            self._go(sel[0])
            return
        i = sel.index(self._cursor) + delta
        self._go(sel[max(0, min(len(sel) - 1, i))])

    def action_page(self, delta: int) -> None:
        height = max(1, self.size.height - 1)
        if not self.cursor_enabled:
            self.scroll_to(y=self.scroll_offset.y + delta * height, animate=False)
            return
        if not (0 <= self._cursor < len(self._spans)):
            self.action_move(delta)
            return
        target_row = self._spans[self._cursor][0] + delta * height
        sel = self._selectable()
        best = min(sel, key=lambda i: abs(self._spans[i][0] - target_row))
        if best == self._cursor:
            self.action_move(delta)
        else:
            self._go(best)

    def action_edge(self, delta: int) -> None:
        if not self.cursor_enabled:
            self.scroll_to(y=0 if delta < 0 else self.max_scroll_y, animate=False)
            return
        sel = self._selectable()
        if sel:
            self._go(sel[0] if delta < 0 else sel[-1])

    def action_open(self) -> None:
        """Enter: the block under the cursor is chosen (the view decides what opening it means)."""
        key = self.cursor_key
        if key is not None:
            self.post_message(self.Chosen(self, key))

    def on_click(self, event: events.Click) -> None:
        if not self.cursor_enabled:
            return
        offset = event.get_content_offset(self)
        if offset is None:
            return
        row = int(self.scroll_offset.y) + offset.y
        if 0 <= row < len(self._rows):
            bi = self._rows[row][1]
            if self._blocks[bi].selectable:
                self._go(bi)
                if event.chain == 2:
                    self.action_open()


def _fit(line: Line, width: int, console: object) -> list[Text]:
    """Crop or wrap one logical line to ``width`` cells (hanging indent for the continuation rows)."""
    text = line.text
    if not line.wrap or text.cell_len <= width:
        if text.cell_len > width:
            t = text.copy()
            t.truncate(width, overflow="ellipsis")
            return [t]
        return [text]
    indent = min(line.indent, width // 2)
    avail = max(4, width - indent)
    plain = text.plain
    if plain.isascii():
        # One cell per character: cut at word boundaries ourselves (Rich's general wrap measures
        # every word and was most of the cost of laying out a few hundred evidence records).
        offsets = _breaks(plain, width, avail)
        parts = list(text.divide(offsets))
    else:
        first = text.wrap(console, width, no_wrap=False)[0]  # type: ignore[arg-type]
        rest = text[len(first.plain):]
        rest = rest[len(rest.plain) - len(rest.plain.lstrip(" ")):]  # the break's space ends the first row
        rest.no_wrap = False
        parts = [first]
        if rest.plain.strip():
            parts.extend(rest.wrap(console, avail, no_wrap=False))  # type: ignore[arg-type]
    out: list[Text] = []
    for i, part in enumerate(parts):
        part.rstrip()
        if i and indent:
            part = Text(" " * indent, style=line.fill or "") + part
        if i and not part.plain.strip():
            continue
        out.append(part)
    if line.max_lines and len(out) > line.max_lines:
        out = out[:line.max_lines]
        last = out[-1]
        if last.cell_len >= width:
            last.truncate(width - 1)
        last.append("…")
    return out


def _breaks(s: str, first: int, rest: int) -> list[int]:
    """Where to cut ``s``: rows of ``first`` then ``rest`` characters, after a space when one is near.

    A row may end with the space it was cut after (one cell past the width): it is stripped.
    """
    offsets: list[int] = []
    pos = 0
    width = first
    while len(s) - pos > width:
        space = s.rfind(" ", pos + width // 2, pos + width + 1)
        pos = space + 1 if space >= 0 else pos + width
        offsets.append(pos)
        width = rest
    return offsets
