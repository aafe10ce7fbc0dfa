"""What every view is: a widget that draws one part of :class:`~sumtrace.tui.state.AppState` and owns its keys.

A view is one module (``view_scan``, ``view_log``, ...) holding a :class:`View` subclass: its
widgets (``compose``), its stylesheet (``CSS``, loaded by the app for every registered view), how
it redraws (:meth:`View.refresh_view`, called by the app's refresh timer while the view is on
screen) and the ``action_*`` methods its keys run (the key table in :mod:`sumtrace.tui.keys`
routes a view key to the view on screen). Views never call each other: they change the shared
state and, to move the user elsewhere, post :class:`View.Show`.

Adding a view: write the module, then add its class to :data:`sumtrace.tui.views.VIEWS`. Its
switch key, top-bar entry, palette command, help line and README row follow from the class
attributes below.
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import Container
from textual.message import Message
from textual.widgets import DataTable

from sumtrace.tui.export import record_text
from sumtrace.tui.logindex import R_FILE, Item
from sumtrace.tui.state import AppState
from sumtrace.tui.widgets import LogView


class View(Container):
    """One view of the main screen (the app shows one at a time)."""

    NAME: ClassVar[str] = ""
    """The view's id, and the name its keys list it by (``views=("log",)``)."""
    KEY: ClassVar[str] = ""
    """The default key that shows it (binding id ``view_<NAME>``)."""
    TITLE: ClassVar[str] = ""
    """Its name in the top bar, the palette and the help."""
    SUMMARY: ClassVar[str] = ""
    """One line for the help screen and the README: what it shows."""
    CSS: ClassVar[str] = ""
    """Its layout rules; loaded at app level so they outrank the generic pane rules of ``app.tcss``."""

    class Show(Message):
        """A view asks the app to show another one (the Log view's "jump to step" shows the Scan view)."""

        def __init__(self, name: str) -> None:
            super().__init__()
            self.view = name

    def __init__(self, state: AppState) -> None:
        super().__init__(id=self.NAME)
        self.state = state
        self._sigs: dict[str, object] = {}

    # ------------------------------------------------------------------ what the app calls

    def refresh_view(self, force: bool = False) -> None:
        """Redraw what changed since the last call (everything when ``force``)."""
        raise NotImplementedError(f"{type(self).__name__} must say how it draws itself")

    def focus_default(self) -> None:
        """Put the focus where the user starts in this view."""
        raise NotImplementedError(f"{type(self).__name__} must say where the focus goes")

    def shown(self) -> None:
        """The view has just come on screen (after :meth:`focus_default`)."""

    def records_added(self, items: list[Item]) -> None:
        """Records were merged into the merged log (every view hears it, shown or not)."""

    def unseen(self) -> int:
        """Records that arrived out of sight in this view ("+N new" in the top bar)."""
        return 0

    def invalidate(self) -> None:
        """Forget what was drawn: the next :meth:`refresh_view` redraws every pane (after a resize)."""
        self._sigs.clear()

    # ------------------------------------------------------------------ helpers for subclasses

    def changed(self, pane: str, sig: object, force: bool) -> bool:
        """Whether ``pane`` must be redrawn: its signature moved (or ``force``); remembers it."""
        if not force and self._sigs.get(pane) == sig:
            return False
        self._sigs[pane] = sig
        return True

    # ------------------------------------------------------------------ keys every view has

    def copy_text(self) -> tuple[str, str] | None:
        """What ``c`` copies here: (what it is, the text), or None. The base copies the record under
        the cursor of a focused log."""
        focused = self.app.focused
        if isinstance(focused, LogView) and focused.entry is not None:
            rec = focused.entry
            return "the record", record_text(rec, self.state.hosts.get(rec[R_FILE], ""))
        return None

    def following(self) -> bool:
        """Whether the view follows what arrives (the footer's ``f`` says on or off): the current scan."""
        return self.state.follow_flow

    def action_escape(self) -> None:
        """Esc: leave what the view has open (an input, a bar). Nothing open: the key goes on."""
        raise SkipAction()

    def action_follow(self) -> None:
        """``f``: follow the current scan again (the Log view follows the end of the log instead)."""
        self.state.follow()
        self.notify("Following the current scan.", markup=False, timeout=2)
        self.refresh_view(force=True)


class TableView(View):
    """A view that is one table: its ``COLUMNS`` (key, label), a row cursor, focus on the table."""

    COLUMNS: ClassVar[tuple[tuple[str, str], ...]] = ()
    TABLE_ID: ClassVar[str] = ""

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.w_table: DataTable[Any] = DataTable(id=self.TABLE_ID, cursor_type="row")

    def compose(self) -> ComposeResult:
        yield self.w_table

    def on_mount(self) -> None:
        for key, label in self.COLUMNS:
            self.w_table.add_column(label, key=key)

    def focus_default(self) -> None:
        self.w_table.focus()
