"""The Files view: every file followed and its state (live, rotated, truncated, missing, error).

The top bar counts the same states; this view names the files, their host, how many records
each gave and what last happened to it (the detail of the last file event).
"""

from __future__ import annotations

from rich.text import Text

from sumtrace.tui.logindex import base_of
from sumtrace.tui.render import DIM, file_state_style, safe
from sumtrace.tui.view_base import TableView

_COLUMNS = (("state", "State"), ("host", "Host"), ("file", "File"), ("entries", "Records"), ("detail", "Detail"))

class FilesView(TableView):
    """The followed files, by host then path, with their state and record count."""

    NAME = "files"
    KEY = "4"
    TITLE = "Files"
    SUMMARY = "every file followed and its state"

    COLUMNS = _COLUMNS
    TABLE_ID = "files-table"

    def refresh_view(self, force: bool = False) -> None:
        state = self.state
        table = self.w_table
        files = state.files
        if not self.changed("files", (state.files_version, sum(fs.entries for fs in files.values())), force):
            return
        cursor = table.cursor_row
        table.clear()
        for fs in sorted(files.values(), key=lambda x: (x.host, x.path)):
            table.add_row(Text(fs.state, style=file_state_style(fs.state)), Text(safe(fs.host)),
                          Text(safe(base_of(fs.path) if fs.path != "(watcher)" else fs.path)),
                          Text(f"{fs.entries:,}"), Text(safe(fs.detail), style=DIM), key=fs.path)
        if files:
            table.move_cursor(row=min(cursor, len(files) - 1))
        table.border_title = Text(f"Files ({len(files)})")
