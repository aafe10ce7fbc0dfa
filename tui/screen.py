"""The main screen: the top bar, one view at a time (every registered view, composed once), the key bar.

The screen only arranges and switches; what a view shows and which keys it answers is the
view's own business, and the data and the refresh timer are the app's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import ContentSwitcher

from sumtrace.tui.state import AppState
from sumtrace.tui.view_base import View
from sumtrace.tui.widgets import KeyBar, TopBar


class MainScreen(Screen[None]):
    """Where the app lives (its default screen); help and the command palette open over it."""

    def __init__(self, state: AppState, views: Sequence[type[View]], view_keys: Sequence[str],
                 started: Callable[[], None]) -> None:
        """``view_keys`` are the keys that show each view, as the user has them (for the top bar);
        ``started`` runs once every view is mounted (the app starts its refresh and its driver)."""
        super().__init__()
        self._started = started
        self.views: dict[str, View] = {cls.NAME: cls(state) for cls in views}
        self._labels = [(cls.NAME, key, cls.TITLE) for cls, key in zip(views, view_keys)]
        self.current: View = next(iter(self.views.values()))
        self.topbar = TopBar(self._labels, id="topbar")
        self.keybar = KeyBar(id="keybar")

    def compose(self) -> ComposeResult:
        yield self.topbar
        with ContentSwitcher(initial=self.current.NAME, id="views"):
            yield from self.views.values()
        yield self.keybar

    def on_mount(self) -> None:
        self._started()

    def show(self, name: str) -> View | None:
        """Put the view ``name`` on screen with the focus where its user starts; None if there is no such view."""
        view = self.views.get(name)
        if view is None:
            return None
        self.current = view
        self.query_one("#views", ContentSwitcher).current = name
        view.focus_default()
        view.shown()
        return view

    async def on_top_bar_view_clicked(self, event: TopBar.ViewClicked) -> None:
        event.stop()
        await self.app.run_action(f"view('{event.view}')")
