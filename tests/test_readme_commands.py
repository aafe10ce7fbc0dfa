"""The README's "Use" commands work exactly as written (issue 12).

Each ``sumtrace …`` command of the table is run as a subprocess, its Windows paths mapped onto a
temporary folder laid out like the machines (``C/Windows/CCM/Logs``, ``C/Windows/WindowsUpdate.log``,
``C/Program Files/Microsoft Configuration Manager/Logs``, ``C/SMS_CCM/Logs``), its relative paths
(``./collected``, ``client-logs.zip``) made in the working folder. Commands that open the TUI run
with ``--jsonl`` (the same engine, headless); a watch is stopped with SIGTERM once its flows came.
"""

from __future__ import annotations

import json
import os
import re
import selectors
import shlex
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES, ROOT

SCENARIO = FIXTURES / "wsus-401"  # a failed scan: report exits 1, as the README says
WINDOWS = {
    r'"C:\Program Files\Microsoft Configuration Manager\Logs"': "C/Program Files/Microsoft Configuration Manager/Logs",
    r"C:\Windows\CCM\Logs": "C/Windows/CCM/Logs",
    r"C:\Windows\WindowsUpdate.log": "C/Windows/WindowsUpdate.log",
    r"C:\SMS_CCM\Logs": "C/SMS_CCM/Logs",
}


def use_commands() -> list[str]:
    """Every ``sumtrace …`` command in the README's Use table."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    table = text.split("## Use", 1)[1].split("\n\n", 2)[1]
    return [c for row in table.splitlines() for c in re.findall(r"`(sumtrace [^`]+)`", row)]


def _layout(top: Path) -> None:
    logs = top / "C" / "Windows" / "CCM" / "Logs"
    logs.mkdir(parents=True)
    for f in (SCENARIO / "client").iterdir():
        shutil.copy(f, logs / f.name)
    shutil.move(logs / "WindowsUpdate.log", top / "C" / "Windows" / "WindowsUpdate.log")
    shutil.copytree(SCENARIO / "server", top / "C" / "Program Files" / "Microsoft Configuration Manager" / "Logs")
    shutil.copytree(SCENARIO / "mp", top / "C" / "SMS_CCM" / "Logs")
    for host in ("client", "mp", "server"):
        shutil.copytree(SCENARIO / host, top / "collected" / host)
    with zipfile.ZipFile(top / "client-logs.zip", "w") as zf:
        for f in (SCENARIO / "client").iterdir():
            zf.write(f, f.name)


def _argv(command: str) -> tuple[list[str], str | None]:
    """The command's arguments (Windows paths mapped) and the file its stdout is redirected to."""
    for win, here in WINDOWS.items():
        command = command.replace(win, shlex.quote(here))
    out = None
    if " > " in command:
        command, out = (p.strip() for p in command.split(" > ", 1))
    return shlex.split(command), out


def _events(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _fold(events: list[dict[str, Any]]) -> dict[str, str]:
    """The flows a consumer holds after applying the events (removed flows go)."""
    flows: dict[str, str] = {}
    for e in events:
        if e["event"] == "flow":
            if e["status"] == "removed":
                flows.pop(e["flow"], None)
            else:
                flows[e["flow"]] = e["status"]
    return flows


def _watch(argv: list[str], cwd: Path, env: dict[str, str], done: Any) -> list[dict[str, Any]]:
    """Run a headless watch until ``done(events)`` (or 1.5 s without output after some), then SIGTERM it."""
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    buf = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            events = _events(buf.rsplit(b"\n", 1)[0].decode()) if b"\n" in buf else []
            if done is not None and done(events):
                break
            if not sel.select(1.5):
                if events and done is None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:
                break
            buf += chunk
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err.decode()
    return _events((buf + out).decode())


def test_the_use_table_lists_the_commands_checked_here() -> None:
    commands = use_commands()
    assert len(commands) >= 9 and all(c.startswith("sumtrace ") for c in commands)
    assert r"sumtrace watch C:\Windows\CCM\Logs C:\Windows\WindowsUpdate.log" in commands


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("command", use_commands())
def test_readme_use_command(command: str, tmp_path: Path) -> None:
    _layout(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT.parent), "COMPUTERNAME": "PC01", "NO_COLOR": "1"}
    argv, redirect = _argv(command)
    sub = argv[1]
    if sub in ("watch", "replay") and "--jsonl" not in argv or sub == "demo" and "--list" not in argv:
        argv.append("--jsonl")  # the TUI's engine, headless
    if sub == "demo" and "--list" not in argv:
        argv += ["--speed", "1000"]
    full = [sys.executable, "-m", "sumtrace", *argv[1:]]
    if sub == "watch":
        scan = "scan:PC01:2014-01-20T19:12:05.645Z"
        with_wu = "WindowsUpdate.log" in command

        def done(events: list[dict[str, Any]]) -> bool:
            return with_wu and _fold(events).get(scan) == "failed"

        events = _watch(full, tmp_path, env, done if with_wu else None)
        hosts = {e["host"] for e in events}
        assert hosts == {"PC01"}, hosts  # one machine: this computer, whatever the folders are called
        if with_wu:
            assert _fold(events) == {scan: "failed"}  # one scan, no phantom flow
            search = [e for e in events if e["event"] == "step" and e["key"] == "wua_search"]
            assert search and search[-1]["status"] == "failed"  # the 401 is the WUA search's own verdict
        return
    timeout = 120 if sub == "demo" and "--list" not in argv else 60
    r = subprocess.run(full, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in r.stderr, r.stderr
    if redirect:
        (tmp_path / redirect).write_text(r.stdout, encoding="utf-8")
    if sub == "report":
        assert r.returncode == 1, r.stderr  # the scan failed: exit 1, as the table says
        if "--json" in argv:
            doc = json.loads(r.stdout)
            assert {f["host"] for f in doc["flows"]} == {"client"}
        else:
            assert (tmp_path / "scan.md").read_text(encoding="utf-8").startswith("# sumtrace report")
        return
    assert r.returncode == 0, r.stderr
    if sub == "parse":
        assert len(_events(r.stdout)) > 100
    elif sub == "replay":
        assert {e["host"] for e in _events(r.stdout)} == {"client-logs"}  # the bundle's name
    elif sub == "demo" and "--list" in argv:
        assert "wsus-401" in r.stdout
    else:
        assert any(e.get("event") == "flow" for e in _events(r.stdout))
