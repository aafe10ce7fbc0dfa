"""Layout at the sizes admins use (issue 12, parts 6 and 7): the Flows pane's dates and folds, the failed
step readable at 80x24 and in view at 60x20, the help screen inside its dialog."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sumtrace.flows.model import Flow, Step
from sumtrace.flows.tracker import Tracker
from sumtrace.live.pipeline import Pipeline
from sumtrace.live.preload import preload
from sumtrace.tui.app import SumtraceApp
from sumtrace.tui.view_scan import FoldBlock, flow_blocks, fold_key
from sumtrace.tui.widgets import BlockList, HelpScreen
from tests.test_tui_app import FixedClock, loaded, no_user_keymap, settle

__all__ = ["no_user_keymap"]

T0 = datetime(2013, 10, 1, 5, 14, tzinfo=timezone.utc)


def _policy(i: int, status: str = "ok", *, host: str = "client") -> Flow:
    start = T0 + timedelta(hours=12 * i)
    steps = [Step("request", "Policy requested", status="ok", at=start, ended=start),
             Step("apply", "Policy applied", status=status, at=start, ended=start)]  # type: ignore[arg-type]
    return Flow(kind="policy", host=host, id=f"policy-{i}", status=status, started=start,  # type: ignore[arg-type]
                ended=start + timedelta(seconds=1), steps=steps, label=f"policy v{i}")


def _rows(blocks: list) -> list[str]:  # type: ignore[type-arg]
    return [b.lines[0].text.plain for b in blocks]


def test_identical_flows_fold_into_one_row_with_a_count_and_the_last_time() -> None:
    flows = [_policy(i) for i in range(23, 0, -1)]  # newest first, one every 12 hours
    flows.insert(5, _policy(99, "failed"))
    now = T0 + timedelta(days=20)
    blocks = flow_blocks(flows, now, 76, grouped=False)
    folds = [b for b in blocks if isinstance(b, FoldBlock)]
    assert len(blocks) == 2 and len(folds) == 1 and folds[0].count == 23
    assert folds[0].key == "policy-23"  # the newest: selecting the row selects it
    row = _rows(blocks)[0]
    newest = T0 + timedelta(hours=12 * 23)
    assert "policy v23 ×23 ▸" in row and newest.strftime("%m-%d %H:%M:%S") in row
    assert "failed" in _rows(blocks)[1]  # a different flow never folds in
    opened = flow_blocks(flows, now, 76, grouped=False, expanded={folds[0].group})
    assert len(opened) == 24 and "×23 ▾" in _rows(opened)[0]
    # every repeat is told apart by its start date and time
    stamps = [re.search(r"\d\d-\d\d \d\d:\d\d:\d\d", r) for r in _rows(opened)]
    assert all(stamps) and len({m.group(0) for m in stamps if m}) == 24
    # the selected flow inside a fold keeps the fold open
    kept = flow_blocks(flows, now, 76, grouped=False, keep="policy-7")
    assert "policy-7" in [b.key for b in kept]
    # so does one whose repeat is news nobody has seen
    news = flow_blocks(flows, now, 76, grouped=False, unseen={"policy-3": "failed"})
    assert "policy-3" in [b.key for b in news]


def test_what_makes_flows_identical() -> None:
    assert fold_key(_policy(1)) == fold_key(_policy(2))
    assert fold_key(_policy(1)) != fold_key(_policy(1, host="other"))
    assert fold_key(_policy(1)) != fold_key(_policy(1, "failed"))
    running = _policy(1)
    running.status = "running"
    assert fold_key(running) is None


async def test_flows_show_their_start_date_and_time_at_both_sizes() -> None:
    for size in ((80, 24), (160, 48)):
        app = loaded("healthy-first-scan")
        async with app.run_test(size=size) as pilot:
            await settle(pilot, app)
            rows = app.query_one("#flows", BlockList).lines_text
            for f in app.flows:
                assert f.started is not None
                assert any(f.started.strftime("%m-%d %H:%M") in r for r in rows), (size, f.id, rows)


def _visible(widget: BlockList) -> str:
    top = int(widget.scroll_offset.y)
    return " ".join(" ".join(widget.lines_text[top:top + widget.size.height]).split())


async def test_the_failed_steps_error_and_hint_read_without_scrolling_at_80x24() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        step = app.step()
        assert step is not None and step.status == "failed" and step.hint and step.error
        seen = _visible(app.query_one("#timeline", BlockList))
        assert f"{step.error.hex} {step.error.name}" in seen and step.error.meaning in seen
        assert " ".join(step.hint.split()) in seen  # the whole hint, not its first row
        evidence = app.query_one("#evidence", BlockList)
        assert evidence.size.height >= 2  # the evidence gave way, but is still there


async def test_the_failed_step_stays_in_view_at_60x20() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        seen = _visible(app.query_one("#timeline", BlockList))
        assert "WUA searches WSUS failed" in seen and "0x80244017" in seen
        await pilot.press("E", "e")  # walk away and back: it comes into view again
        await settle(pilot, app)
        assert app.state.selected_step == "wua_search"
        assert "WUA searches WSUS failed" in _visible(app.query_one("#timeline", BlockList))


async def test_help_fits_its_dialog_at_80x24_with_the_legend_inside() -> None:
    app = loaded("wsus-401")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, app)
        await pilot.press("f1")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, HelpScreen)
        text = screen.query_one("#help-text", BlockList)
        frame = screen.query_one("Vertical").region
        assert text.region.x >= frame.x and text.region.right <= frame.right
        assert text.region.bottom <= frame.bottom
        rows = text.lines_text
        assert all("\n" not in r for r in rows) and all(len(r) <= text.size.width for r in rows)
        joined = "\n".join(rows)
        for word in ("✗ failed", "‖ stalled", "not reached", "∅ unobserved", "… next", "Colours", "Everywhere",
                     "Log view", "Lists", "[interrupt]", "[copy]", "[export]"):
            assert word in joined, word
        await pilot.press("G")  # the legend is reached by scrolling inside the dialog
        assert "Steps per flow kind" in _visible(text)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_2013_clients_repeated_policies_fold_and_enter_opens_them(reallogs: Path) -> None:
    tracker = Tracker(retention=None)
    pipeline = Pipeline(tracker)
    files = sorted(str(p) for p in reallogs.glob("configmgr__iOS-CMLogTracer__*.log"))
    preload(pipeline, files)
    assert tracker.newest is not None
    app = SumtraceApp(pipeline, tracker, None, clock=FixedClock(tracker.newest), animations=False, gc_freeze=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot, app)
        flows_pane = app.query_one("#flows", BlockList)
        policies = [f for f in app.flows if f.kind == "policy"]
        folds = [b for b in flows_pane.blocks if isinstance(b, FoldBlock)]
        assert len(policies) >= 20 and folds and sum(b.count for b in folds) >= 20
        biggest = max(folds, key=lambda b: b.count)
        before = len(flows_pane.blocks)
        await pilot.press("left")
        for _ in range(len(flows_pane.blocks)):
            if flows_pane.cursor_key == biggest.key:
                break
            await pilot.press("down")
        assert flows_pane.cursor_key == biggest.key and app.state.selected_flow == biggest.key
        await pilot.press("enter")
        await settle(pilot, app)
        assert len(flows_pane.blocks) == before + biggest.count - 1
        await pilot.press("enter")
        await settle(pilot, app)
        assert len(flows_pane.blocks) == before


async def test_a_stalled_steps_overdue_time_reads_at_60x20() -> None:
    """The row cuts its detail at 60 columns: the selected step says it whole below the row."""
    app = loaded("location-reply-missing")
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot, app)
        step = app.step()
        assert step is not None and step.status == "stalled"
        seen = _visible(app.query_one("#timeline", BlockList))
        assert "overdue by 24m58s" in seen and "MP_Location.log on the MP" in seen
