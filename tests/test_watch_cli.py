"""``sumtrace watch``: the headless JSONL process, its options, and the TUI dispatch."""

from __future__ import annotations

import argparse
import io
import json
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from sumtrace.live.jsonl import JsonlPrinter
from sumtrace.live.pipeline import Batch, FileEvent
from sumtrace.tui.args import parse_since
from sumtrace.tui.cli import build_parser, main
from tests.livekit import append, records
from tests.procs import read_until, stop, sumtrace_process

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_jsonl_subprocess_prints_file_and_entry_events_and_exits_0_on_sigterm(tmp_path: Path) -> None:
    folder = tmp_path / "PC01"
    folder.mkdir()
    log = folder / "ScanAgent.log"
    first, f_data = records("first", 0, 2)
    later, l_data = records("later", 2, 5)
    log.write_bytes(f_data)
    def entries(lines: list[dict[str, Any]]) -> list[str]:
        return [x["message"] for x in lines if x["event"] == "entry"]

    with sumtrace_process(["watch", str(tmp_path), "--jsonl", "--entries"]) as proc:
        got = read_until(proc, lambda ls: len(entries(ls)) >= 2, timeout=5)
        append(log, l_data[:77])  # a growing file, in two writes
        append(log, l_data[77:])
        got += read_until(proc, lambda ls: len(entries(got + ls)) >= 5, timeout=3)
        lines = got + stop(proc, timeout=5)
    assert entries(lines) == first + later
    files = [x for x in lines if x["event"] == "file"]
    assert files[0] == {"event": "file", "path": str(log), "host": "PC01", "change": "opened",
                        "detail": files[0]["detail"]}
    entry = next(x for x in lines if x["event"] == "entry")
    assert {"host", "file", "line", "offset", "utc", "severity", "component", "message"} <= set(entry)
    assert all(x["event"] in ("file", "entry", "step", "flow") for x in lines)


def test_parse_since() -> None:
    now = datetime(2026, 1, 20, 12, 0, tzinfo=timezone.utc)
    assert parse_since("2h", now) == now - timedelta(hours=2)
    assert parse_since("30m", now) == now - timedelta(minutes=30)
    assert parse_since("1d", now) == now - timedelta(days=1)
    assert parse_since("2026-01-20T10:00:00Z", now) == datetime(2026, 1, 20, 10, tzinfo=timezone.utc)
    assert parse_since("2026-01-20T10:00:00+02:00", now) == datetime(2026, 1, 20, 8, tzinfo=timezone.utc)
    naive = parse_since("2026-01-20T10:00:00", now)
    assert naive.tzinfo is timezone.utc
    with pytest.raises(ValueError):
        parse_since("yesterday", now)
    with pytest.raises(ValueError, match="too far"):
        parse_since("99999999999d", now)


def test_options_parse_and_exclusive_start_modes(capsys: pytest.CaptureFixture[str]) -> None:
    args = build_parser().parse_args(["watch", "a", "b", "--jsonl", "--entries", "--since", "2h",
                                      "--poll", "0.5", "--all-logs"])
    assert args.paths == ["a", "b"] and args.jsonl and args.entries and args.poll == 0.5 and args.all_logs
    assert isinstance(args.since, datetime) and args.since.tzinfo is not None
    with pytest.raises(SystemExit):
        build_parser().parse_args(["watch", "a", "--from-end", "--since", "2h"])
    with pytest.raises(SystemExit):
        build_parser().parse_args(["watch", "a", "--poll", "0"])
    capsys.readouterr()


def test_without_jsonl_dispatches_to_the_tui(monkeypatch: pytest.MonkeyPatch) -> None:
    import sumtrace.tui.app

    seen: list[argparse.Namespace] = []

    def fake_run_watch(args: argparse.Namespace) -> int:
        seen.append(args)
        return 0

    monkeypatch.setattr(sumtrace.tui.app, "run_watch", fake_run_watch)
    assert main(["watch", "somewhere", "--from-end"]) == 0
    assert seen and seen[0].from_end and seen[0].paths == ["somewhere"]


def test_printer_schema_and_broken_pipe() -> None:
    out = io.StringIO()
    stopped: list[bool] = []
    printer = JsonlPrinter(out, entries=False, on_broken_pipe=lambda: stopped.append(True))
    printer(Batch(files=[FileEvent("/l/ScanAgent.log", "PC01", "rotated", "renamed")]))
    assert json.loads(out.getvalue()) == {"event": "file", "path": "/l/ScanAgent.log", "host": "PC01",
                                          "change": "rotated", "detail": "renamed"}

    class Broken(io.StringIO):
        def write(self, s: str) -> int:
            raise BrokenPipeError

    printer = JsonlPrinter(Broken(), entries=True, on_broken_pipe=lambda: stopped.append(True))
    printer(Batch(files=[FileEvent("p", "h", "opened", "")]))
    printer(Batch(files=[FileEvent("p", "h", "opened", "")]))
    assert stopped == [True]
