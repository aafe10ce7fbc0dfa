"""SVG snapshots of the Scan view: a healthy, a failed and a stalled scan, at 80x24 and 160x48.

Deterministic: the fixture is read synchronously before the app starts, the clock is frozen at
the newest record, spinners and cursor blink are off. Regenerate with ``--snapshot-update`` and
look at the SVGs (tests/__snapshots__/test_tui_snapshots/) before committing them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.test_tui_app import loaded

SCENARIOS = ["healthy-first-scan", "wsus-401", "location-reply-missing"]


@pytest.fixture(autouse=True)
def plain_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The developer's NO_COLOR, theme or keymap must not change the pictures."""
    for name in ("NO_COLOR", "SUMTRACE_THEME", "SUMTRACE_MAX_LINES", "SUMTRACE_KEYMAP"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "config"))


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scan_view(snap_compare: Any, scenario: str, size: tuple[int, int]) -> None:
    app = loaded(scenario, theme="ansi-dark")  # not SUMTRACE_THEME / NO_COLOR from the environment

    async def run_before(pilot: Pilot[int]) -> None:
        await pilot.pause()
        app.refresh_now()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
