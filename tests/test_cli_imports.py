"""Each command imports only what it needs (checked on ``sys.modules``, not on timing).

``report`` and ``parse`` run from scripts and scheduled jobs: they must never load the live
engine's event loop and file watcher, the Textual app or the demo scenario generator, and they
load Rich only when they might colour. ``--help`` loads no command at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT

FIXTURE = str(FIXTURES / "healthy-first-scan")


def forbidden(modules: set[str]) -> list[str]:
    """The event loop, the file watcher, the UI and the scenario generator, if loaded."""
    return sorted(m for m in modules if m.split(".")[0] in ("asyncio", "watchdog", "textual", "aiofiles")
                  or m == "sumtrace.live.scenarios")


# Runs the real entry point (``python -m sumtrace``) and writes sys.modules as it was at exit.
PROBE = """
import atexit, json, os, runpy, sys
def dump():
    with open(os.environ["PROBE_OUT"], "w") as fh:
        json.dump(sorted(sys.modules), fh)
atexit.register(dump)
sys.argv = ["sumtrace", *json.loads(os.environ["PROBE_ARGS"])]
runpy.run_module("sumtrace", run_name="__main__", alter_sys=True)
"""


def loaded(tmp_path: Path, argv: list[str], **env: str) -> tuple[int, set[str]]:
    out = tmp_path / "modules.json"
    clean = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR")}
    r = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=120,
                       env={**clean, **env, "PROBE_OUT": str(out), "PROBE_ARGS": json.dumps(argv)})
    assert "Traceback" not in r.stderr, r.stderr
    return r.returncode, set(json.loads(out.read_text()))


@pytest.mark.parametrize("argv", [
    ["report", FIXTURE],
    ["report", "--json", FIXTURE],
    ["report", "--markdown", FIXTURE],
    ["parse", FIXTURE],
    ["parse", "--jsonl", FIXTURE],
], ids=" ".join)
def test_report_and_parse_load_no_engine_ui_or_generator(tmp_path: Path, argv: list[str]) -> None:
    code, modules = loaded(tmp_path, argv)
    assert code == 0
    assert argv[0] in ("report", "parse") and f"sumtrace.tui.cmd_{argv[0]}" in modules  # the probe sees the run
    assert forbidden(modules) == []
    assert not [m for m in modules if m.startswith("sumtrace.live")]
    assert "rich" not in modules  # output to a pipe is never coloured: Rich is not even loaded


def test_report_to_a_forced_colour_terminal_loads_rich_and_still_no_engine(tmp_path: Path) -> None:
    code, modules = loaded(tmp_path, ["report", FIXTURE], FORCE_COLOR="1")
    assert code == 0
    assert "rich.console" in modules
    assert forbidden(modules) == []


@pytest.mark.parametrize("command", ["report", "parse", "watch", "replay", "demo"])
def test_help_loads_no_command(tmp_path: Path, command: str) -> None:
    code, modules = loaded(tmp_path, [command, "--help"])
    assert code == 0
    assert "sumtrace.tui.cli" in modules
    assert not [m for m in modules if m.startswith(("sumtrace.tui.cmd_", "sumtrace.flows", "sumtrace.live",
                                                     "sumtrace.parsers", "rich", "asyncio", "textual"))]
