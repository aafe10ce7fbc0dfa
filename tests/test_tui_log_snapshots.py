"""SVG snapshots of the Log view at 80x24 and 160x48: a one-day fixture over three hosts, and a log
over two days and three zones with a find count, a text highlight, a thread highlight and marks.

Deterministic as the Scan view's (tests/test_tui_snapshots.py): the logs are read before the app
starts, the clock is fixed, spinners and cursor blink are off, and nothing that notifies (a toast
would be in the picture) runs. Regenerate with ``--snapshot-update`` and look at the SVGs
(tests/__snapshots__/test_tui_log_snapshots/) before committing them.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from sumtrace.tui.app import SumtraceApp
from sumtrace.tui.logindex import R_MSG
from sumtrace.tui.widgets import LogView
from tests.test_tui_app import loaded
from tests.test_tui_logview import multiday_app
from tests.test_tui_snapshots import plain_environment

__all__ = ["plain_environment"]  # the autouse fixture that keeps the developer's settings out of the pictures

SIZES = [(80, 24), (160, 48)]


async def _settle(pilot: Pilot[int], app: SumtraceApp) -> None:
    await app.workers.wait_for_complete()
    await pilot.pause()
    app.refresh_now()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_log_view_one_day(snap_compare: Any, size: tuple[int, int]) -> None:
    app = loaded("wsus-401", theme="ansi-dark")

    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot, app)
        await pilot.press("2")
        await _settle(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "160x48"])
def test_log_view_days_zones_find_highlight_marks(snap_compare: Any, size: tuple[int, int]) -> None:
    app = multiday_app(theme="ansi-dark")

    async def run_before(pilot: Pilot[int]) -> None:
        await _settle(pilot, app)
        await pilot.press("2")
        await _settle(pilot, app)
        lv = app.query_one("#logview", LogView)
        msgs = [it[2][R_MSG] for it in lv.index.items]
        bar = app.query_one("#logbar", Input)
        await pilot.press("home")  # the find's first match is then below: no "wrapped around" toast
        for opener, text in (("h", "task"), ("slash", "scan")):
            await pilot.press(opener)
            bar.value = text
            await pilot.press("enter")
            await _settle(pilot, app)
        lv.go(msgs.index("Scan started"))
        await pilot.press("m", "t")
        lv.go(msgs.index("Update source changed"))
        await pilot.press("m")
        await _settle(pilot, app)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
