from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SUMTRACE_SHARED", ROOT.parent / "shared"))
REALLOGS = SHARED / "reallogs"
SEEDS = SHARED / "seeds"
FIXTURES = ROOT / "fixtures"


def cm(msg: str, time: str = "12:18:09.123+300", date: str = "01-20-2014", comp: str = "ScanAgent",
       typ: str = "1", thread: str = "3024", extra: str = ' file="cscanagent.cpp:123"') -> str:
    """One CMTrace record exactly as ConfigMgr writes it (without the line break)."""
    return (f'<![LOG[{msg}]LOG]!><time="{time}" date="{date}" component="{comp}" context="" '
            f'type="{typ}" thread="{thread}"{extra}>')


@pytest.fixture
def reallogs() -> Path:
    if not REALLOGS.is_dir():
        pytest.skip("shared/reallogs not available")
    return REALLOGS
