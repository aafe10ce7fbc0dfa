"""Shared test paths and helpers, and the rule that real-log tests never skip silently.

The real logs (``../shared/reallogs``, or ``$SUMTRACE_SHARED/reallogs``) are not in the
repository. Where they are missing, a test that needs them is skipped and the terminal summary
says how many did not run and why; with ``SUMTRACE_REQUIRE_REALLOGS=1`` (set by ``.ci/run``) a
missing folder is an error instead, so CI cannot pass without them.
"""

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


_NOT_RUN = pytest.StashKey[list[str]]()
WHY_MISSING = f"{REALLOGS} does not exist (set SUMTRACE_SHARED to the folder that holds reallogs/)"


def _required() -> bool:
    return os.environ.get("SUMTRACE_REQUIRE_REALLOGS", "") not in ("", "0")


@pytest.fixture
def reallogs() -> Path:
    if not REALLOGS.is_dir():
        if _required():
            pytest.fail(f"SUMTRACE_REQUIRE_REALLOGS is set but {WHY_MISSING}", pytrace=False)
        pytest.skip(f"real logs missing: {WHY_MISSING}")
    return REALLOGS


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note the real-log tests of this run (after -k and deselection) when their folder is missing."""
    if not REALLOGS.is_dir():
        session.config.stash[_NOT_RUN] = [item.nodeid for item in session.items
                                          if "reallogs" in getattr(item, "fixturenames", ())]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Required real logs that did not run fail the run, even where no fixture could say so.

    A test parametrized over the files in the folder gets an empty parameter set when the folder
    is missing, and pytest skips it before any fixture runs.
    """
    if _required() and session.config.stash.get(_NOT_RUN, []) and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, exitstatus: int,
                            config: pytest.Config) -> None:
    not_run = config.stash.get(_NOT_RUN, [])
    if not not_run:
        return
    tests = "test" if len(not_run) == 1 else "tests"
    terminalreporter.section("real logs", sep="-", yellow=True, bold=True)
    terminalreporter.write_line(f"{len(not_run)} real-log {tests} did not run: {WHY_MISSING}.")
    if _required():
        terminalreporter.write_line("SUMTRACE_REQUIRE_REALLOGS is set: this run fails.", red=True, bold=True)
    else:
        terminalreporter.write_line("CI sets SUMTRACE_REQUIRE_REALLOGS=1 and fails without them.")
