"""Headless runs end cleanly on SIGTERM and SIGHUP, not only on Ctrl+C (issue 13).

``watch --jsonl`` under a service manager or a dropped SSH session gets SIGTERM or SIGHUP; Python's
default for both is to die on the spot, losing the record the tail still holds and, for ``demo``,
leaving its temporary folder behind. These run the real command in a subprocess and signal it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.livekit import records
from tests.test_watch_cli import _read_until

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")


def _entries(lines: list[dict[str, Any]]) -> list[str]:
    return [x["message"] for x in lines if x["event"] == "entry"]


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_watch_jsonl_flushes_the_held_record_and_exits_0(tmp_path: Path, sig: signal.Signals) -> None:
    log = tmp_path / "ScanAgent.log"
    msgs, data = records("rec", 0, 3)
    log.write_bytes(data[:-2])  # the last record's line has no line end yet: the tail holds it
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "sumtrace", "watch", str(tmp_path), "--jsonl", "--entries"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        got = _read_until(proc, lambda ls: len(_entries(ls)) >= 2, timeout=10)
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
    lines = got + [json.loads(x) for x in out.splitlines() if x]
    assert _entries(lines) == msgs  # the held third record came out at the stop, once


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM], ids=["SIGHUP", "SIGTERM"])
def test_demo_jsonl_removes_its_folder_on_a_signal(tmp_path: Path, sig: signal.Signals) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "sumtrace", "demo", "--jsonl", "--speed", "5"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        _read_until(proc, lambda ls: len(ls) >= 1, timeout=15)
        assert [p.name for p in tmp_path.iterdir() if p.name.startswith("sumtrace-demo-")], "no demo folder"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("sumtrace-demo-")]
