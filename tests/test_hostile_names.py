"""Non-UTF-8 file and folder names (legal on Linux, seen on mounted Windows shares) end to end.

Before, such a name truncated ``report --json`` (the encoder stopped at the lone surrogate Python
uses for the undecodable byte) and dropped that file's ``watch --jsonl`` events. Each command here
runs as a user runs it, in a subprocess, and its whole output must be JSON that names the file.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.livekit import records
from tests.procs import read_until, stop, sumtrace_process

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="names must be any bytes (Linux)")
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _folder(tmp_path: Path) -> tuple[bytes, list[str]]:
    folder = os.fsencode(tmp_path) + b"/PC\xff01"
    os.makedirs(folder)
    msgs, data = records("r", 0, 3)
    with open(folder + b"/ScanAgent.log", "wb") as fh:
        fh.write(data)
    return folder, msgs


def _named(path: str) -> bool:
    # The undecodable byte comes out as the escape of its surrogate or as U+FFFD, never dropped.
    return "PC\udcff01" in path or "PC\ufffd01" in path


def test_parse_jsonl_and_report_json_keep_every_record(tmp_path: Path) -> None:
    folder, msgs = _folder(tmp_path)
    parse = subprocess.run([sys.executable, "-m", "sumtrace", "parse", "--jsonl", os.fsdecode(folder)],
                           cwd=ROOT, env=ENV, capture_output=True, timeout=60)
    assert parse.returncode == 0, parse.stderr
    rows = [json.loads(x) for x in parse.stdout.splitlines()]
    assert [r["message"] for r in rows] == msgs and all(_named(r["file"]) for r in rows)
    report = subprocess.run([sys.executable, "-m", "sumtrace", "report", "--json", str(tmp_path)],
                            cwd=ROOT, env=ENV, capture_output=True, timeout=60)
    assert report.returncode in (0, 1), report.stderr
    doc = json.loads(report.stdout)  # the whole document: not cut at the name
    assert [f for f in doc["files"] if _named(f["path"])], doc["files"]


def test_watch_jsonl_delivers_the_files_events(tmp_path: Path) -> None:
    folder, msgs = _folder(tmp_path)
    def entries(lines: list[dict[str, Any]]) -> list[str]:
        return [x["message"] for x in lines if x["event"] == "entry"]

    with sumtrace_process(["watch", str(tmp_path), "--jsonl", "--entries"]) as proc:
        got = read_until(proc, lambda ls: len(entries(ls)) >= 3, timeout=10)
        stop(proc)
    assert entries(got) == msgs
    opened = [x for x in got if x["event"] == "file" and x["change"] == "opened"]
    assert opened and _named(opened[0]["path"])
    assert all(_named(x["file"]) for x in got if x["event"] == "entry")
