"""Announcements, toggles and the words of a failed or stalled flow (issue 12, part 5).

A failure that arrives while the admin looks elsewhere is told once (a notification) and counted
in the top bar until the flow is looked at; steps after a failed one read "not reached"; a stall
says how long it is overdue; the footer says what pressing a toggle would do now.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from textual.message import Message
from textual.notifications import Notify

from sumtrace.flows.model import Flow, Step
from sumtrace.flows.tracker import Tracker
from sumtrace.live.pipeline import Pipeline
from sumtrace.live.preload import preload
from sumtrace.parsers.files import discover
from sumtrace.parsers.stream import parse_bytes
from sumtrace.tui.app import SumtraceApp
from sumtrace.tui.render import overdue, shown_status
from sumtrace.tui.state import AppState
from sumtrace.tui.widgets import BlockList, KeyBar, TopBar
from tests.conftest import FIXTURES
from tests.test_tui_app import FixedClock, loaded, no_user_keymap, settle, text_of

__all__ = ["no_user_keymap"]

T0 = datetime(2014, 1, 20, 19, 0, tzinfo=timezone.utc)


def _flow(fid: str, status: str, *, steps: list[Step] | None = None, started: datetime = T0) -> Flow:
    return Flow(kind="scan", host="client", id=fid, status=status, started=started,  # type: ignore[arg-type]
                steps=steps or [Step("wua_search", "WUA searches WSUS", status=status, at=started)],  # type: ignore[arg-type]
                label=fid)


def test_not_reached_only_after_a_failed_step() -> None:
    failed = [Step("a", "A", "ok"), Step("b", "B", "failed"), Step("c", "C", "pending"), Step("d", "D", "unobserved")]
    f = _flow("s1", "failed", steps=failed)
    assert [shown_status(f, s) for s in f.steps] == ["ok", "failed", "not reached", "unobserved"]
    waiting = _flow("s2", "running", steps=[Step("a", "A", "ok"), Step("b", "B", "running"), Step("c", "C")])
    assert shown_status(waiting, waiting.steps[2]) == "pending"  # nothing failed: it may still come


def test_overdue_counts_from_the_due_time_and_the_injected_now() -> None:
    st = Step("mp_lookup", "MP looks up WSUS", "stalled", due=T0)
    assert overdue(st, T0 + timedelta(minutes=12)) == "overdue by 12m00s"
    assert overdue(st, T0 + timedelta(hours=2, minutes=5)) == "overdue by 2h05m"
    assert overdue(Step("x", "X", "running", due=T0), T0 + timedelta(hours=1)) == ""


def test_state_announces_a_new_failure_once_until_seen() -> None:
    state = AppState(mode="live", now=T0 + timedelta(minutes=1), max_entries=1000, animations=False)
    state.set_flows([_flow("s1", "running")], [])
    assert state.unseen == {} and state.take_news() == []
    state.set_flows([_flow("s1", "failed")], [])
    assert state.unseen == {"s1": "failed"} and [f.id for f in state.take_news()] == ["s1"]
    state.set_flows([_flow("s1", "failed")], [])  # the same failure again: no news
    assert state.take_news() == [] and state.unseen == {"s1": "failed"}
    state.mark_seen("s1")
    assert state.unseen == {}
    # An old failure (a week of logs read at start) is not news; a stall turning into a failure is.
    state.now = T0 + timedelta(days=7)
    state.set_flows([_flow("old", "failed"), _flow("s2", "stalled", started=state.now)], [])
    assert set(state.unseen) == {"s2"}
    state.set_flows([_flow("s2", "failed", started=state.now)], [])
    assert state.unseen == {"s2": "failed"} and [f.id for f in state.take_news()] == ["s2"]


def _split_app(scenario: str, cut_after: str) -> tuple[SumtraceApp, Pipeline, FixedClock, list[tuple[str, str, list]], datetime]:  # type: ignore[type-arg]
    """An app fed the scenario up to just before step ``cut_after`` of its scan ended; the rest is returned."""
    ref = Tracker(retention=None)
    preload(Pipeline(ref), [str(FIXTURES / scenario)])
    assert ref.newest is not None
    ref.update(ref.newest)
    scan = next(f for f in ref.flows if f.kind == "scan")
    at = scan.step(cut_after).at
    assert at is not None
    cut = at - timedelta(seconds=1)
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    clock = FixedClock(cut)
    app = SumtraceApp(pipeline, tracker, None, clock=clock, animations=False, gc_freeze=False)
    rest: list[tuple[str, str, list]] = []  # type: ignore[type-arg]
    for src in discover([str(FIXTURES / scenario)]).sources:
        entries = list(parse_bytes(src.path, b"".join(src.chunks()), host_bias=src.bias))
        before = [e for e in entries if e.utc is not None and e.utc <= cut]
        after = [e for e in entries if not (e.utc is not None and e.utc <= cut)]
        if before:
            pipeline.feed_entries(src.path, src.host_hint, before)
        if after:
            rest.append((src.path, src.host_hint, after))
    return app, pipeline, clock, rest, ref.newest


async def test_a_failure_arriving_out_of_sight_is_announced_and_counted_until_seen() -> None:
    app, pipeline, clock, rest, newest = _split_app("wsus-401", "wua_search")
    messages: list[Message] = []
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await settle(pilot, app)
        flow = app.flow()
        assert flow is not None and flow.status == "running"
        await pilot.press("2")  # the admin reads the log meanwhile
        await settle(pilot, app)
        for path, host, entries in rest:
            pipeline.feed_entries(path, host, entries)
        clock.now = newest
        await settle(pilot, app)
        await settle(pilot, app)
        flow = app.current_scan()
        assert flow is not None and flow.status == "failed"
        notes = [m.notification for m in messages if isinstance(m, Notify) and m.notification.title == "New failure"]
        assert len(notes) == 1 and notes[0].severity == "error"
        assert f"{flow.label} on client: failed at WUA searches WSUS (0x80244017)" in notes[0].message
        status = app.query_one("#topbar", TopBar).status.plain
        assert "! new: 1 failed" in status
        await pilot.press("1")  # looking at it
        await settle(pilot, app)
        assert app.state.selected_flow == flow.id
        assert "! new" not in app.query_one("#topbar", TopBar).status.plain
        assert sum(isinstance(m, Notify) and m.notification.title == "New failure" for m in messages) == 1


async def test_a_failure_on_screen_is_not_announced() -> None:
    messages: list[Message] = []
    app = loaded("wsus-401")
    async with app.run_test(size=(100, 30), message_hook=messages.append) as pilot:
        await settle(pilot, app)
        assert app.flow() is not None and app.flow().status == "failed"  # type: ignore[union-attr]
        assert not any(isinstance(m, Notify) and "New" in m.notification.title for m in messages)
        assert "! new" not in app.query_one("#topbar", TopBar).status.plain
        timeline = text_of(app.query_one("#timeline", BlockList))
        assert "Update states recorded not reached" in " ".join(timeline.split())


async def test_the_footer_says_what_the_toggles_do_now() -> None:
    app = loaded("healthy-first-scan")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot, app)
        bar = app.query_one(KeyBar)
        assert "p Pause" in bar.render().plain and "f Follow: on" in bar.render().plain
        await pilot.press("p")
        await settle(pilot, app)
        assert "p Resume" in bar.render().plain
        await pilot.press("p", "left", "down")  # resume; pick a flow by hand: following stops
        await settle(pilot, app)
        assert "p Pause" in bar.render().plain and "f Follow: off" in bar.render().plain
        await pilot.press("f")
        await settle(pilot, app)
        assert "f Follow: on" in bar.render().plain
        await pilot.press("2")  # the Log view: f is about following the end of the log
        await settle(pilot, app)
        assert "f Follow: on" in bar.render().plain
        await pilot.press("up")
        await settle(pilot, app)
        assert "f Follow: off" in bar.render().plain
