"""The Lookup view: an error code in any spelling, or part of a name, to its name, meaning and hint.

Opening the view fills in the error of the selected step, if it has one. Codes are read the
way logs write them (``0x80244017``, ``80244017``, ``[80244017]``, ``hr=8007000E``, signed
decimal, a bare WinHTTP number); text that is not a code searches names and meanings.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual import on
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.widgets import Input

from sumtrace.flows.diagnose import hint_for_code
from sumtrace.flows.errorcodes import ALL_CODES, ErrorInfo, describe, lookup, normalize_code
from sumtrace.tui.render import BOLD, DIM, HINT_STYLE, NEXT_STYLE, Block, Line, safe, style_status
from sumtrace.tui.state import AppState
from sumtrace.tui.view_base import View
from sumtrace.tui.widgets import BlockList


class LookupView(View):
    """A code box and what sumtrace knows of the code; prefilled with the selected step's error."""

    NAME = "lookup"
    KEY = "5"
    TITLE = "Lookup"
    SUMMARY = "an error code in any spelling, or part of a name: its name, meaning and hint"
    CSS = """
    #lookup-input {
        margin: 0;
    }
    #lookup-result {
        height: 1fr;
    }
    """

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.w_input = Input(placeholder="error code in any spelling, or part of a name", id="lookup-input")
        self.w_result = BlockList(id="lookup-result", cursor=False)

    def compose(self) -> ComposeResult:
        yield self.w_input
        yield self.w_result

    def on_mount(self) -> None:
        self.w_result.border_title = "Error lookup"
        if not self.state.animations:
            self.w_input.cursor_blink = False

    def focus_default(self) -> None:
        self.w_input.focus()

    def refresh_view(self, force: bool = False) -> None:
        """Nothing here follows the data: the result changes only with what is typed."""

    def shown(self) -> None:
        """Prefill the selected step's error, selected: typing replaces it, Enter or → keeps it."""
        inp = self.w_input
        if not inp.value:
            st = self.state.step()
            if st is not None and st.error is not None:
                inp.value = st.error.hex
        inp.select_all()
        self._show(inp.value)

    def action_escape(self) -> None:
        """Esc: leave the input for the result (the app's keys work again); in the result: back to it."""
        if self.w_input.has_focus:
            self.w_result.focus()
        else:
            raise SkipAction()

    @on(Input.Submitted, "#lookup-input")
    def _submitted(self) -> None:
        """Enter: read the result (the app's keys work again there; Tab or 5 goes back to the input)."""
        self.w_result.focus()

    def copy_text(self) -> tuple[str, str] | None:
        """``c`` (out of the input): what the lookup says of the code, as shown."""
        text = "\n".join(line for line in self.w_result.lines_text).strip()
        return ("the lookup result", text) if self.w_input.value.strip() and text else None

    @on(Input.Changed, "#lookup-input")
    def _changed(self, event: Input.Changed) -> None:
        self._show(event.value)

    def _show(self, value: str) -> None:
        self.w_result.set_blocks(lookup_blocks(value))


def lookup_blocks(query: str) -> list[Block]:
    """Error lookup: any spelling of a code → name, meaning, family, hint; or names containing the text."""
    q = query.strip()
    if not q:
        return [Block("-help", [Line(Text("Type or paste a code in any spelling: 0x80244017, 80244017, [80244017], "
                                          "hr=8007000E, -2145107945, 2149859351, 12002 (WinHTTP), or part of a name "
                                          "like PT_HTTP or LOCATION.", style=DIM), wrap=True)], selectable=False)]
    infos: list[ErrorInfo] = []
    code: int | None = None
    if q.isdigit() and int(q) <= 0xFFFF:
        code = int(q)
        info = describe(code)
        infos.append(info)
    else:
        value = normalize_code(q)
        if value is not None:
            infos.append(describe(value))
        else:
            needle = q.upper().replace(" ", "_")
            infos = [i for i in ALL_CODES.values() if needle in i.name or q.lower() in i.meaning.lower()][:30]
            if not infos:
                return [Block("-none", [Line(Text(f"'{safe(q)}' is not a code sumtrace can read, and no known "
                                                  "name or meaning contains it.", style=style_status("warning")),
                                             wrap=True)], selectable=False)]
    blocks: list[Block] = []
    for info in infos:
        known = lookup(info.code) is not None
        signed = info.code - (1 << 32) if info.code & 0x80000000 else info.code
        t = Text()
        t.append(info.hex, BOLD)
        t.append("  ")
        t.append(info.name, Style(color="red", bold=True) if known else DIM)
        lines = [Line(t, wrap=True, indent=2)]
        lines.append(Line(Text(f"  {info.meaning}"), wrap=True, indent=2))
        lines.append(Line(Text(f"  family {info.family} · decimal {info.code} · signed {signed} · "
                               f"{'in sumtrace’s table' if known else 'not in the table (described from its facility)'}",
                               style=DIM), wrap=True, indent=2))
        hint = hint_for_code(info.code)
        if hint:
            h = Text("  Next: ", NEXT_STYLE + BOLD)
            h.append(hint, HINT_STYLE)
            lines.append(Line(h, wrap=True, indent=2))
        lines.append(Line(Text("")))
        blocks.append(Block(info.hex, lines, selectable=False))
    return blocks
