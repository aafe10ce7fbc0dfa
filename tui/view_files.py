"""The Files view: every file followed and its state (live, rotated, truncated, missing, error).

The top bar counts the same states; this view names the files, their host, how many records
each gave, how big each is now and what last happened to it (the detail of the last file event).

Sizes are looked up while the view is on screen, at most once a second, in a worker thread: a
file on a share that does not answer holds that thread, never the screen, and no second look
starts while one is running. The tail's "following X (N bytes)" names the size when following
began, which a growing log leaves behind; it is shown as "following X since HH:MM:SS" instead.
"""

from __future__ import annotations

import os
import stat as stat_mod
import time
from collections.abc import Sequence

from rich.text import Text

from sumtrace.tui.logindex import base_of
from sumtrace.tui.render import DIM, file_state_style, safe
from sumtrace.tui.state import AppState, FileState
from sumtrace.tui.view_base import TableView

_COLUMNS = (("state", "State"), ("host", "Host"), ("file", "File"), ("entries", "Records"), ("size", "Size"),
            ("detail", "Detail"))
SIZE_EVERY = 1.0  # seconds between two looks at the sizes while the view is shown


def file_sizes(paths: Sequence[str]) -> dict[str, int | None]:
    """Each path's size now (None: gone, unreadable, a folder, or a zip member)."""
    out: dict[str, int | None] = {}
    for path in paths:
        try:
            st = os.stat(path)
        except (OSError, ValueError):
            out[path] = None
            continue
        out[path] = st.st_size if stat_mod.S_ISREG(st.st_mode) else None
    return out


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    value = float(size)
    for unit in ("KB", "MB", "GB", "TB"):
        value /= 1024
        if value < 1024 or unit == "TB":
            return f"{value:.1f} {unit}" if value < 100 else f"{value:,.0f} {unit}"
    return ""  # not reached


def detail_of(fs: FileState, now_wall: float, now_mono: float) -> str:
    """The last event's detail; once records came after ``opened``, since when, not the size it had then."""
    if fs.change == "opened" and fs.entries and fs.path != "(watcher)":
        since = time.strftime("%H:%M:%S", time.localtime(now_wall - (now_mono - fs.changed)))
        return f"following {fs.path} since {since}"
    return fs.detail


class FilesView(TableView):
    """The followed files, by host then path, with their state, record count and size."""

    NAME = "files"
    KEY = "4"
    TITLE = "Files"
    SUMMARY = "every file followed and its state"

    COLUMNS = _COLUMNS
    TABLE_ID = "files-table"

    def __init__(self, state: AppState) -> None:
        super().__init__(state)
        self._sizes: dict[str, int | None] = {}
        self._sizing = False
        self._sized_at = -1e9

    def refresh_view(self, force: bool = False) -> None:
        self._look_at_sizes()
        state = self.state
        table = self.w_table
        files = state.files
        # The host as a person knows it: its own name once its logs said it (the id stays the key).
        names = {f.host: f.host_name for f in state.flows if f.host_name}
        sig = (state.files_version, sum(fs.entries for fs in files.values()), tuple(sorted(names.items())),
               tuple(sorted(self._sizes.items())))
        if not self.changed("files", sig, force):
            return
        cursor = table.cursor_row
        table.clear()
        now_wall, now_mono = time.time(), time.monotonic()
        for fs in sorted(files.values(), key=lambda x: (names.get(x.host, x.host), x.path)):
            table.add_row(Text(fs.state, style=file_state_style(fs.state)), Text(safe(names.get(fs.host, fs.host))),
                          Text(safe(base_of(fs.path) if fs.path != "(watcher)" else fs.path)),
                          Text(f"{fs.entries:,}"), Text(human_size(self._sizes.get(fs.path))),
                          Text(safe(detail_of(fs, now_wall, now_mono)), style=DIM), key=fs.path)
        if files:
            table.move_cursor(row=min(cursor, len(files) - 1))
        table.border_title = Text(f"Files ({len(files)})")

    def _look_at_sizes(self) -> None:
        """Start a look at the files' sizes in a thread (one at a time, at most every SIZE_EVERY s)."""
        now = time.monotonic()
        if self._sizing or now - self._sized_at < SIZE_EVERY or not self.state.files:
            return
        self._sizing = True
        self._sized_at = now
        paths = [p for p in self.state.files if p != "(watcher)"]

        def look() -> None:
            sizes: dict[str, int | None] = {}
            try:
                sizes = file_sizes(paths)
            finally:
                try:
                    self.app.call_from_thread(self._got_sizes, sizes)
                except RuntimeError:  # the app closed meanwhile
                    pass

        self.run_worker(look, thread=True, group="file-sizes", exit_on_error=False)

    def _got_sizes(self, sizes: dict[str, int | None]) -> None:
        self._sizing = False
        self._sizes = sizes
        if self.is_on_screen:
            self.refresh_view()
