"""The Files view: every file followed and its state (live, rotated, truncated, missing, error).

The top bar counts the same states; this view names the files, their host, how many records
each gave and what last happened to it (the detail of the last file event).
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import DataTable

from sumtrace.tui.logindex import base_of
from sumtrace.tui.render import DIM, file_state_style, safe
from sumtrace.tui.state import AppState
from sumtrace.tui.view_base import View

COLUMNS = (("state", "State"), ("host", "Host"), ("file", "File"), ("entries", "Records"), ("detail", "Detail"))

class FilesView(View):
    """The followed files, by host then path, with their state and record count."""

    NAME = "files"
    KEY = "4"
    TITLE = "Files"
    SUMMARY = "every file followed and its state"

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self.w_table: DataTable[Any] = DataTable(id="files-table", cursor_type="row")

    def compose(self) -> ComposeResult:
        yield self.w_table

    def on_mount(self) -> None:
        for key, label in COLUMNS:
            self.w_table.add_column(label, key=key)

    def focus_default(self) -> None:
        self.w_table.focus()

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
