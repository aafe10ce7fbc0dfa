"""The TUI's widgets: line-API lists and the merged log view, the top bar, the help screen."""

from sumtrace.tui.widgets.bars import VIEWS, HelpScreen, KeyBar, TopBar
from sumtrace.tui.widgets.blocklist import BlockList
from sumtrace.tui.widgets.logview import LogView

__all__ = ["VIEWS", "BlockList", "HelpScreen", "KeyBar", "LogView", "TopBar"]
