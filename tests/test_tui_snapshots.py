"""SVG snapshots at 80x24 and 160x48: the Scan view (a healthy, a failed and a stalled scan; the failed
one at 80x24 shows its step's error and whole hint), the Updates, Files and Lookup views, the help.

Deterministic: the fixture is read synchronously before the app starts, the clock is frozen at
the newest record, spinners and cursor blink are off. Regenerate with ``--snapshot-update`` and
look at the SVGs (tests/__snapshots__/test_tui_snapshots/) before committing them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from sumtrace.tui.app import SumtraceApp
from tests.test_tui_app import loaded

SCENARIOS = ["healthy-first-scan", "wsus-401", "location-reply-missing"]
SIZES = [(80, 24), (160, 48)]
SIZE_IDS = ["80x24", "160x48"]


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


def _on_view(keys: tuple[str, ...]) -> Any:
    async def run_before(pilot: Pilot[int]) -> None:
        app = pilot.app
        assert isinstance(app, SumtraceApp)
        await pilot.pause()
        app.refresh_now()
        await pilot.pause()
        await pilot.press(*keys)
        await app.workers.wait_for_complete()
        await pilot.pause()
        app.refresh_now()
        await pilot.pause()
    return run_before


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_updates_view(snap_compare: Any, size: tuple[int, int]) -> None:
    app = loaded("healthy-first-scan", theme="ansi-dark")
    assert snap_compare(app, terminal_size=size, run_before=_on_view(("3",)))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_files_view(snap_compare: Any, size: tuple[int, int]) -> None:
    app = loaded("healthy-first-scan", theme="ansi-dark")
    assert snap_compare(app, terminal_size=size, run_before=_on_view(("4",)))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_lookup_view(snap_compare: Any, size: tuple[int, int]) -> None:
    """Opened on the failed step: its code prefilled (selected), and what it means, out of the input."""
    app = loaded("wsus-401", theme="ansi-dark")
    assert snap_compare(app, terminal_size=size, run_before=_on_view(("5", "escape")))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_help_screen(snap_compare: Any, size: tuple[int, int]) -> None:
    app = loaded("wsus-401", theme="ansi-dark")
    assert snap_compare(app, terminal_size=size, run_before=_on_view(("f1",)))


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_help_screen_legend(snap_compare: Any, size: tuple[int, int]) -> None:
    """The end of the help: the status and colour legend, inside the dialog."""
    app = loaded("wsus-401", theme="ansi-dark")
    assert snap_compare(app, terminal_size=size, run_before=_on_view(("f1", "G")))
