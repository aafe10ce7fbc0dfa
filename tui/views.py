"""The registry of views, in the order of their keys and of the top bar.

Adding a view is adding its module (a :class:`~sumtrace.tui.view_base.View` subclass) and one
entry here; the main screen composes every view listed, and the key table, the top bar, the
command palette, the help screen and the README's key table all list it from here.
"""

from __future__ import annotations

from typing import Final

from sumtrace.tui.view_base import View
from sumtrace.tui.view_files import FilesView
from sumtrace.tui.view_log import MergedLogView
from sumtrace.tui.view_lookup import LookupView
from sumtrace.tui.view_scan import ScanView
from sumtrace.tui.view_updates import UpdatesView

VIEWS: Final[tuple[type[View], ...]] = (ScanView, MergedLogView, UpdatesView, FilesView, LookupView)


def views_css(views: tuple[type[View], ...] = VIEWS) -> str:
    """Every view's stylesheet, for the app to load with its own."""
    return "\n".join(v.CSS for v in views if v.CSS)
