"""The TUI's widgets: line-API lists and the merged log view, the top and key bars, the help screen."""

from sumtrace.tui.widgets.bars import KeyBar, TopBar
from sumtrace.tui.widgets.blocklist import BlockList
from sumtrace.tui.widgets.help import HelpScreen
from sumtrace.tui.widgets.logview import LogView

__all__ = ["BlockList", "HelpScreen", "KeyBar", "LogView", "TopBar"]
