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
from sumtrace.flows.vocab import STEP_STATUSES
from sumtrace.tui.keys import help_bindings
from sumtrace.tui.render import (
    BOLD,
    DIM,
    ID_STYLE,
    MATCH_STYLE,
    SEVERITY_STYLE,
    Block,
    Line,
    glyph,
    style_status,
)
from sumtrace.tui.widgets.blocklist import BlockList


def help_blocks(keys: Sequence[tuple[str, str, str]]) -> list[Block]:
    """``keys`` are (keys, what it does, binding id) rows, in the key table's order."""
    column = min(24, max((len(k) for k, _, _ in keys), default=0) + 2)  # every key fits, no wider
    blocks = [Block("h0", [Line(Text("sumtrace: each step of a ConfigMgr software-update scan, live", style=BOLD)),
                           Line(Text(""))], selectable=False)]
    for i, (k, d, binding_id) in enumerate(keys):
        t = Text()
        t.append(f"{k:<{column - 1}} ", BOLD)
        t.append(d)
        if binding_id:
            t.append(f"  [{binding_id}]", DIM)
        blocks.append(Block(f"k{i}", [Line(t, wrap=True, indent=column)], selectable=False))
    blocks.append(Block("ids", [Line(Text("\n[ids] name the keys in keymap.toml: see the README, 'The screen'.",
                                          style=DIM), wrap=True)], selectable=False))
    legend = Text("\nStatuses: ")
    for st in (*STEP_STATUSES, "incomplete"):
        legend.append(f"{glyph(st)} {st}", style_status(st))
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

    def __init__(self, keys: Sequence[tuple[str, str, str]], closing: str = "Esc, F1 or q") -> None:
        super().__init__()
        self._blocks = help_blocks(keys)
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
