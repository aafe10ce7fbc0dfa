"""What the screen shows, held in one place: the tracker snapshot, the selection, the merged log, the files.

No Textual here. The app fills this from its driver (records, file events, the flows the tracker
published) and every view reads it, so the views never talk to each other: the Log view's
"jump to step" selects a flow here and the Scan view shows whatever is selected. Keeping it free
of widgets also lets the selection rules be tested without a terminal.

The selection has to survive the tracker's changes. Flow ids are stable, but a flow can
disappear from one snapshot to the next (merged into another, superseded, dropped by retention):
the selection then moves to the newest flow of the same host, else the newest flow, and never
points at nothing while flows exist.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sumtrace.flows.model import Flow, Step, UpdateRow
from sumtrace.flows.vocab import ALARMING
from sumtrace.live.pipeline import FileEvent
from sumtrace.parsers.entry import Entry
from sumtrace.tui.logindex import R_FILE, R_LINE, Item, LogIndex, Rec, as_record

Mode = Literal["live", "replay", "demo"]
ROTATED_SHOWN = 30.0  # seconds a rotation/truncation shows as such once records flow again
_CHANGE_STATE = {"opened": "live", "rotated": "rotated", "truncated": "truncated", "deleted": "missing"}
# A failure or stall is news when it happened this close to "now": starting on a week of logs must
# not announce every failure of the week (the Flows pane shows them), a replay announces as it goes.
ANNOUNCE_WINDOW = timedelta(minutes=30)
# A host whose zone is unknown has local times: "now" (UTC) may be up to 14 hours away from them.
ANNOUNCE_WINDOW_LOCAL = ANNOUNCE_WINDOW + timedelta(hours=14)


@dataclass(slots=True)
class FileState:
    """What the Files view and the top bar say about one followed file."""

    path: str
    host: str = ""
    state: str = "live"
    detail: str = ""
    entries: int = 0
    changed: float = 0.0  # monotonic time of the last file event
    change: str = ""  # what that event was (``opened``, ``rotated``, ...; see live.pipeline.FILE_CHANGES)


def alarm_time(flow: Flow) -> datetime | None:
    """When a failed or stalled flow went wrong: the failure's record, or the stalled step's due time."""
    for st in flow.steps:
        if st.status == "failed":
            return st.ended or st.at or flow.ended or flow.started
        if st.status == "stalled":
            return st.due or st.at or flow.started
    return flow.ended or flow.started


def default_step(flow: Flow) -> str | None:
    """The step to show when a flow is selected: what needs attention, else the last one seen."""
    cur = flow.current
    if cur is not None:
        return cur.key
    seen = [st for st in flow.steps if st.at is not None]
    if seen:
        return seen[-1].key
    return flow.steps[0].key if flow.steps else None


class AppState:
    """The data every view reads and the selection they share (UI thread only)."""

    def __init__(self, *, mode: Mode, now: datetime, max_entries: int, animations: bool) -> None:
        self.mode: Mode = mode
        self.animations = animations
        self.frame = 0  # spinner frame; advances once per refresh when animations are on
        self.max_entries = max_entries
        # the merged log (every record, UTC order) and its error records
        self.log_index = LogIndex(max_entries)
        self.error_index = LogIndex(max_entries)
        self._seq = 0
        self._last_key: dict[str, float] = {}
        # A pass over ``log_index.items`` (find, filter) is running in slices: merging waits for it.
        self.holds = 0
        # files and hosts
        self.hosts: dict[str, str] = {}
        self.files: dict[str, FileState] = {}
        self.files_version = 0
        # tracker snapshot (what the screen shows; frozen while a live view is paused)
        self.flows: list[Flow] = []
        self.updates: list[UpdateRow] = []
        self.flows_version = 0
        self.now = now
        # Whether the records so far carry a known zone: a lone Get-WindowsUpdateLog file has none,
        # and then the clock (taken from its records in a replay) is a local time, not UTC.
        self.zone_known_seen = False
        self.zone_unknown_seen = False
        self._ev_map: dict[tuple[str, int], tuple[str, str]] | None = None
        # selection
        self.selected_flow: str | None = None
        self.follow_flow = True
        self.selected_step: str | None = None
        self.follow_step = True
        self._selected_host: str | None = None
        self.replaced: tuple[str, str | None] | None = None  # (gone id, its stand-in): the app says so once
        # How each binding id's keys read (the user's keymap applied), for hints like "Enter: ...".
        self.key_names: dict[str, str] = {}
        # Announcements: alarming flows (failed, stalled) as last seen, the ones nobody has looked at
        # yet (flow id -> status; the top bar counts them), and the news the app has not told yet.
        self._alarming: dict[str, str] = {}
        self.unseen: dict[str, str] = {}
        self._fresh: list[str] = []

    def key(self, binding_id: str) -> str:
        """The keys of ``binding_id`` as the user has them (``Enter``, ``i``), for hints on screen."""
        return self.key_names.get(binding_id, binding_id)

    # ------------------------------------------------------------------ records and files

    @property
    def holding(self) -> bool:
        return self.holds > 0

    def merge(self, entries: list[Entry]) -> list[Item]:
        """Put records into the merged log (and its error index); returns the items added."""
        items: list[Item] = []
        errors: list[Item] = []
        seq = self._seq
        last = self._last_key
        for e in entries:
            u = e.utc
            if u is not None:
                k = u.timestamp()
                last[e.file] = k
                if e.time_source == "assumed-local":
                    self.zone_unknown_seen = True
                elif e.time_source != "none":
                    self.zone_known_seen = True
            else:  # a line without a time stays with the record before it in its file
                k = last.get(e.file, 0.0)
            seq += 1
            it = (k, seq, as_record(e))
            items.append(it)
            if e.severity == "error":
                errors.append(it)
        self._seq = seq
        self.log_index.add(items)
        self.error_index.add(errors)
        return items

    def count_records(self, path: str, host: str, n: int) -> None:
        """``n`` records arrived from ``path``: the file is followed and alive."""
        self.hosts[path] = host
        fs = self.files.get(path)
        if fs is None:
            fs = self.files[path] = FileState(path, host, "replay" if self.mode == "replay" else "live")
            self.files_version += 1
        fs.entries += n
        if fs.state in ("rotated", "truncated") and time.monotonic() - fs.changed > ROTATED_SHOWN:
            fs.state = "live"  # followed on across the rotation; the detail keeps what happened
            self.files_version += 1

    def file_event(self, fe: FileEvent) -> None:
        """The watcher said something about a file (opened, rotated, truncated, deleted, error)."""
        path = fe.path or "(watcher)"
        fs = self.files.get(path)
        if fs is None:
            fs = self.files[path] = FileState(path, fe.host)
        if fe.change == "error":
            fs.state = "missing" if "no such file" in fe.detail.lower() else "error"
        else:
            fs.state = _CHANGE_STATE.get(fe.change, fs.state)
        fs.detail = fe.detail
        fs.change = fe.change
        fs.host = fe.host or fs.host  # a watched folder that was missing has its machine once it is there
        fs.changed = time.monotonic()
        self.files_version += 1

    @property
    def multi_host(self) -> bool:
        return len(set(self.hosts.values())) > 1

    # ------------------------------------------------------------------ flows

    def set_flows(self, flows: Sequence[Flow], updates: Sequence[UpdateRow]) -> None:
        """A new tracker snapshot (newest flow first): keep the selection on something that exists."""
        self.flows = list(flows)
        self.updates = list(updates)
        self.flows_version += 1
        self._ev_map = None
        self.reselect()
        self._track_alarms()

    # ------------------------------------------------------------------ announcements

    def _track_alarms(self) -> None:
        """A flow that turned failed or stalled recently (or stalled -> failed) is news, unseen until selected."""
        now = self.now
        alarming: dict[str, str] = {}
        for f in self.flows:
            if f.status not in ALARMING:
                continue
            alarming[f.id] = f.status
            if self._alarming.get(f.id) == f.status:
                continue
            t = alarm_time(f)
            window = ANNOUNCE_WINDOW if f.zone_known else ANNOUNCE_WINDOW_LOCAL
            if t is None or abs(now - t) <= window:
                self.unseen[f.id] = f.status
                self._fresh.append(f.id)
        self._alarming = alarming  # a flow that recovers and fails again is news again
        self.unseen = {k: v for k, v in self.unseen.items() if alarming.get(k) == v}

    def mark_seen(self, flow_id: str | None) -> None:
        """The user is looking at this flow (selected on the Scan view): its news is no longer news."""
        if flow_id is not None:
            self.unseen.pop(flow_id, None)

    def take_news(self) -> list[Flow]:
        """The flows that became news since the last call and are still unseen (the app tells them once)."""
        fresh, self._fresh = self._fresh, []
        wanted = {i for i in fresh if i in self.unseen}
        return [f for f in self.flows if f.id in wanted]

    def current_scan(self) -> Flow | None:
        """The flow followed by default: the newest scan (else the newest flow)."""
        return next((f for f in self.flows if f.kind == "scan"), self.flows[0] if self.flows else None)

    def flow(self) -> Flow | None:
        sel = self.selected_flow
        return next((f for f in self.flows if f.id == sel), None) if sel is not None else None

    def step(self) -> Step | None:
        f = self.flow()
        if f is None:
            return None
        return next((s for s in f.steps if s.key == self.selected_step), None)

    def _stand_in(self) -> Flow | None:
        """The flow to show when the selected one is gone: the newest of its host, else the newest."""
        host = self._selected_host
        same = next((f for f in self.flows if f.host == host), None) if host is not None else None
        return same if same is not None else (self.flows[0] if self.flows else None)

    def reselect(self) -> None:
        """After the flows changed: follow the current scan, or keep (or replace) the user's pick."""
        sel = self.selected_flow
        if self.follow_flow:
            cur = self.current_scan()
            new = cur.id if cur is not None else None
            if new != sel:
                self.selected_flow = new
                self.follow_step = True
        elif self.flow() is None:
            # Merged into another flow or removed: stay on that host rather than jump elsewhere.
            sub = self._stand_in()
            cur = self.current_scan()
            self.selected_flow = sub.id if sub is not None else None
            self.follow_flow = sub is None or sub is cur
            self.follow_step = True
            if sel is not None:
                self.replaced = (sel, self.selected_flow)
        f = self.flow()
        if f is None:
            self.selected_step = None
            return
        self._selected_host = f.host
        keys = [s.key for s in f.steps]
        if self.follow_step or self.selected_step not in keys:
            self.selected_step = default_step(f)
            self.follow_step = True

    def select(self, flow_id: str | None, step_key: str | None = None) -> None:
        """Select a flow (and a step) as the user would; following stops unless it is the current scan.

        An id that is no longer there (the list on screen was a refresh behind) selects its stand-in.
        """
        cur = self.current_scan()
        self.selected_flow = flow_id
        self.follow_flow = cur is not None and flow_id == cur.id
        f = self.flow()
        if f is None and self.flows:
            self.follow_flow = False
            self.reselect()
            return
        if f is not None:
            self._selected_host = f.host
        if step_key is not None and f is not None and any(s.key == step_key for s in f.steps):
            self.selected_step = step_key
            self.follow_step = step_key == default_step(f)
        else:
            self.follow_step = True
            self.selected_step = default_step(f) if f is not None else None

    def select_step(self, key: str | None) -> None:
        """The user picked a step; it is followed again only if it is the one the flow would show anyway."""
        f = self.flow()
        self.selected_step = key
        self.follow_step = f is not None and key == default_step(f)

    def follow(self) -> None:
        """Follow the current scan again (and its step that needs attention)."""
        self.follow_flow = True
        self.follow_step = True
        self.reselect()

    # ------------------------------------------------------------------ evidence ↔ records

    def evidence_of(self, rec: Rec) -> tuple[Flow, Step] | None:
        """The (newest) flow step this record is evidence of."""
        if self._ev_map is None:
            m: dict[tuple[str, int], tuple[str, str]] = {}
            for fl in self.flows:
                for st in fl.steps:
                    for ev in st.evidence:
                        m.setdefault((ev.file, ev.line), (fl.id, st.key))
            self._ev_map = m
        hit = self._ev_map.get((rec[R_FILE], rec[R_LINE]))
        if hit is None:
            return None
        flow = next((f for f in self.flows if f.id == hit[0]), None)
        if flow is None:
            return None
        step = next((s for s in flow.steps if s.key == hit[1]), None)
        return (flow, step) if step is not None else None
