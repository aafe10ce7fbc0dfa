"""The Updates view: per update on the selected flow's host, what the scan found and how far its state message got.

One row per update: KB, state (missing, installed, ...), and whether its state message was
recorded (StateMessage), forwarded (to the MP) and processed (StateSys; ``?`` when no site
server log is loaded). The title comes last: at 80 columns it is what gets cut.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text

from sumtrace.flows.model import UpdateRow
from sumtrace.tui.render import DIM, host_label, safe, style_status
from sumtrace.tui.view_base import TableView

_COLUMNS = (("kb", "KB"), ("state", "State"), ("recorded", "Recorded"), ("forwarded", "Forwarded"),
           ("processed", "Processed"), ("title", "Title"))


class UpdatesView(TableView):
    """The updates of the selected flow's host (every host's, when nothing is selected yet: the first)."""

    NAME = "updates"
    KEY = "3"
    TITLE = "Updates"
    SUMMARY = "per update on the selected host: its KB, state, and how far its state message got"

    COLUMNS = _COLUMNS
    TABLE_ID = "updates-table"

    def refresh_view(self, force: bool = False) -> None:
        state = self.state
        table = self.w_table
        f = state.flow()
        first = state.updates[0] if state.updates else None
        host = f.host if f is not None else (first.host if first is not None else "")
        # Shown by the host's own name once its logs said it; rows are picked by the host id.
        name = host_label(f) if f is not None else ((first.host_name or first.host) if first is not None else "")
        if not self.changed("updates", (state.flows_version, host, name), force):
            return
        rows = [u for u in state.updates if u.host == host]
        cursor = table.cursor_row
        table.clear()
        for u in rows:
            table.add_row(*update_cells(u), key=f"{u.host}|{u.update_id}")
        if rows:
            table.move_cursor(row=min(cursor, len(rows) - 1))
        table.border_title = Text(f"Updates on {safe(name) or '(no host yet)'} ({len(rows)})")


def update_cells(u: UpdateRow) -> list[Text]:
    """One row's cells; yes/no in the ok/failed colours, ``?`` where nothing could know."""
    def yn(v: bool | None) -> Text:
        if v is None:
            return Text("?", style=DIM)
        return Text("yes", style=style_status("ok")) if v else Text("no", style=style_status("failed"))

    state = Text(safe(u.state), style=Style(color="yellow") if u.state == "missing" else
                 (style_status("ok") if u.state == "installed" else DIM))
    return [Text(safe(u.kb) or "—"), state, yn(u.recorded), yn(u.forwarded), yn(u.processed),
            Text(safe(u.title or u.update_id))]
