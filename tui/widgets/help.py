"""F1: the help screen. Every key (as the user has bound it), what each view shows, what glyphs and colours mean.

The screen is given its key list (the key table's rows with the user's keymap applied; the
view keys carry what each view shows), so it can never list a key the app does not have.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from sumtrace.flows.catalog import STEPS_BY_KIND
from sumtrace.tui.keys import help_bindings
from sumtrace.tui.render import (
    ANNOUNCE_STYLE,
    BOLD,
    DIM,
    HEADER_STYLE,
    ID_STYLE,
    MATCH_STYLE,
    NEXT_STYLE,
    SEVERITY_STYLE,
    Block,
    Line,
    glyph,
    style_status,
)
from sumtrace.tui.widgets.blocklist import BlockList
from sumtrace.tui.widgets.logview import HIGHLIGHT_ROW, MARK_GLYPH, MARK_STYLE, THREAD_ROW

# What each status means, in the words of the Scan view (one row each in the legend).
STATUS_MEANING: dict[str, str] = {
    "ok": "the step's own record says it succeeded",
    "warning": "done, with a warning (no alarm)",
    "failed": "its own record says it failed: error, meaning, what to check",
    "running": "started, no outcome yet",
    "stalled": "past its due time without an outcome: overdue by how long",
    "pending": "not started yet; 'next' while the flow waits for it, with its due time",
    "not reached": "after a failed step: the flow never got there",
    "unobserved": "the log that shows it is not loaded, or rolled over",
    "incomplete": "(a flow) its logs end before it does",
}
_LEGEND_STATUS = {"not reached": "pending"}  # drawn like pending; the word says why


def _heading(key: str, title: str) -> list[Block]:
    return [Block(f"{key}-gap", [Line(Text(""))], selectable=False),
            Block(key, [Line(Text(title, style=HEADER_STYLE))], selectable=False)]


def help_blocks(sections: Sequence[tuple[str, Sequence[tuple[str, str, str]]]]) -> list[Block]:
    """``sections`` are (where, rows) groups; a row is (keys, what it does, binding id), in the key
    table's order. Every line is its own :class:`Line` (no raw newline reaches the screen), so the
    list wraps and scrolls inside the dialog at any size."""
    rows = [r for _, rs in sections for r in rs]
    # Most keys fit the column (a longer one pushes its text along); no wider than the longest.
    column = min(12, max((len(k) for k, _, _ in rows), default=0) + 2)
    blocks = [Block("h0", [Line(Text("sumtrace: each step of a ConfigMgr software-update scan, live", style=BOLD),
                                wrap=True)], selectable=False)]
    n = 0
    for title, srows in sections:
        blocks.extend(_heading(f"s-{title}", title))
        for k, d, binding_id in srows:
            t = Text()
            t.append(f"{k:<{column - 1}}", BOLD)
            t.append(" ")
            t.append(d)
            if binding_id:
                t.append(f"  [{binding_id}]", DIM)
            blocks.append(Block(f"k{n}", [Line(t, wrap=True, indent=column)], selectable=False))
            n += 1
    blocks.append(Block("ids-gap", [Line(Text(""))], selectable=False))
    blocks.append(Block("ids", [Line(Text("[ids] name the keys in keymap.toml: see the README, 'The screen'.",
                                          style=DIM), wrap=True)], selectable=False))
    blocks.extend(_heading("legend", "Statuses (steps and flows)"))
    for st, meaning in STATUS_MEANING.items():
        look = _LEGEND_STATUS.get(st, st)
        t = Text()
        t.append(f"{glyph(look)} {st:<12}", style_status(look))
        t.append(meaning)
        blocks.append(Block(f"st-{st}", [Line(t, wrap=True, indent=14)], selectable=False))
    nxt = Text()
    nxt.append("… next        ", NEXT_STYLE)
    nxt.append("the step the flow waits for now (cyan), due at the time shown")
    blocks.append(Block("st-next", [Line(nxt, wrap=True, indent=14)], selectable=False))
    blocks.extend(_heading("colours", "Colours"))
    sev = Text()
    sev.append(" error ", SEVERITY_STYLE["error"])
    sev.append(" ")
    sev.append(" warning ", SEVERITY_STYLE["warning"])
    sev.append(" records, as CMTrace colours them")
    blocks.append(Block("sev", [Line(sev, wrap=True, indent=2)], selectable=False))
    marks = Text()
    marks.append("like this", ID_STYLE)
    marks.append(" the selected flow's IDs   ")
    marks.append("like this", MATCH_STYLE)
    marks.append(" find matches")
    blocks.append(Block("marks", [Line(marks, wrap=True, indent=2)], selectable=False))
    row_colours = Text()
    row_colours.append(" a row ", THREAD_ROW)
    row_colours.append(" the selected record's thread (t)   ")
    row_colours.append(" a row ", HIGHLIGHT_ROW)
    row_colours.append(" contains the highlighted text (h)   ")
    row_colours.append(MARK_GLYPH, MARK_STYLE)
    row_colours.append(" a marked record (m)")
    blocks.append(Block("rows", [Line(row_colours, wrap=True, indent=2)], selectable=False))
    top = Text()
    top.append(" ! new: 1 failed ", ANNOUNCE_STYLE)
    top.append(" (top bar) failures and stalls nobody has looked at yet; showing the flow clears it")
    blocks.append(Block("announce", [Line(top, wrap=True, indent=2)], selectable=False))
    kinds = Text("Steps per flow kind: " + "; ".join(f"{k}: {len(v)}" for k, v in STEPS_BY_KIND.items()), style=DIM)
    blocks.append(Block("kinds-gap", [Line(Text(""))], selectable=False))
    blocks.append(Block("kinds", [Line(kinds, wrap=True)], selectable=False))
    return blocks


class HelpScreen(ModalScreen[None]):
    """F1: keys, views, the meaning of glyphs and colours."""

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
    BINDINGS = help_bindings()

    def __init__(self, sections: Sequence[tuple[str, Sequence[tuple[str, str, str]]]],
                 closing: str = "Esc, F1 or q") -> None:
        super().__init__()
        self._blocks = help_blocks(sections)
        self._close_keys = closing

    def compose(self) -> ComposeResult:
        with Vertical() as v:
            v.border_title = "Help"
            yield BlockList(cursor=False, id="help-text")
            yield Static(Text(f"{self._close_keys} closes this help"))

    def on_mount(self) -> None:
        help_list = self.query_one("#help-text", BlockList)
        help_list.set_blocks(self._blocks)
        help_list.focus()
