"""Text output: colour decided by Rich once, log text literal, and a closed pipe ends quietly.

Colour is checked on a real pseudo-terminal (the child sees a TTY, as at a console); the styles
expected are rendered here with Rich from :data:`sumtrace.flows.vocab.STATUS_LOOK`, the one table
the command line and the TUI share.
"""

from __future__ import annotations

import builtins
import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from rich.color import ColorSystem
from rich.style import Style

from sumtrace.flows.vocab import STATUS_LOOK
from sumtrace.tui import cli, cmd_report
from sumtrace.tui.term import Discard, palette_for
from tests.conftest import FIXTURES, ROOT, cm
from tests.livekit import append, records

SGR_COLOUR = ("[31m", "[32m", "[33m", "[35m", "[36m", "[1;31m", "[1;35m", "[1;36m")


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR", "TERM")}
    return {**env, **extra}


def codes(style: str) -> tuple[str, str]:
    before, _, after = Style.parse(style).render("\0", color_system=ColorSystem.EIGHT_BIT).partition("\0")
    return before, after


def on_a_terminal(argv: list[str], **env: str) -> tuple[int, str]:
    """Run sumtrace with stdout on a pseudo-terminal; returns the exit code and what it printed."""
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "sumtrace", *argv], cwd=ROOT, stdout=slave,
                            stderr=subprocess.DEVNULL, env=_env(TERM="xterm-256color", COLUMNS="200", **env))
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    return proc.wait(timeout=120), b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")


pty_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="needs a POSIX pseudo-terminal")


@pty_only
def test_report_on_a_terminal_draws_statuses_from_the_shared_table() -> None:
    code, out = on_a_terminal(["report", str(FIXTURES / "wsus-401")])
    assert code == 1
    failed, ok = STATUS_LOOK["failed"], STATUS_LOOK["ok"]
    before, after = codes(failed.style)
    assert f"{before}  {failed.glyph} wua_search" in out and after in out
    assert f"{codes(ok.style)[0]}  {ok.glyph} policy" in out


@pty_only
def test_parse_on_a_terminal_colours_by_severity_and_keeps_log_text_literal(tmp_path: Path) -> None:
    log = tmp_path / "WUAHandler.log"
    evil = "OnSearchComplete failed \x1b[31mred\x1b[0m [bold]markup[/bold] \x07 done"
    log.write_text(cm(evil, comp="WUAHandler", typ="3") + "\r\n" + cm("all fine", comp="WUAHandler") + "\r\n",
                   encoding="utf-8")
    code, out = on_a_terminal(["parse", str(log)])
    assert code == 0
    error_line = next(line for line in out.splitlines() if "OnSearchComplete" in line)
    before, after = codes(STATUS_LOOK["failed"].style)
    assert error_line.startswith(before) and error_line.endswith(after)
    inner = error_line[len(before):-len(after)]
    assert "\x1b" not in inner and "\x07" not in inner  # the log's own escapes are shown, not obeyed
    assert "\\x1b[31mred\\x1b[0m [bold]markup[/bold] \\x07 done" in inner
    plain = next(line for line in out.splitlines() if "all fine" in line)
    assert "\x1b" not in plain


@pty_only
def test_no_color_removes_colour_on_a_terminal() -> None:
    code, out = on_a_terminal(["report", str(FIXTURES / "wsus-401")], NO_COLOR="1")
    assert code == 1
    assert STATUS_LOOK["failed"].glyph in out
    assert not [sgr for sgr in SGR_COLOUR if sgr in out]


def test_piped_output_has_no_escape_codes() -> None:
    for argv in (["report", str(FIXTURES / "wsus-401")], ["parse", str(FIXTURES / "wsus-401")]):
        r = subprocess.run([sys.executable, "-m", "sumtrace", *argv], cwd=ROOT, capture_output=True,
                           env=_env(TERM="xterm-256color"), timeout=120)
        assert b"\x1b" not in r.stdout and r.stdout


def test_palette_takes_the_colour_system_from_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    styles = {"failed": STATUS_LOOK["failed"].style}
    for var in ("FORCE_COLOR", "TTY_COMPATIBLE", "NO_COLOR"):
        monkeypatch.delenv(var, raising=False)
    assert palette_for(io.StringIO(), styles).codes == {}  # not a terminal: decided without loading Rich...
    from rich.console import Console

    assert Console(file=io.StringIO()).color_system is None  # ... as Rich itself decides
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    forced = palette_for(io.StringIO(), styles)
    assert forced.paint("failed", "x") == "\x1b[1;31mx\x1b[0m" and forced.paint("other", "x") == "x"
    monkeypatch.setenv("NO_COLOR", "1")
    assert palette_for(io.StringIO(), styles).paint("failed", "x") == "\x1b[1mx\x1b[0m"  # bold stays, red goes
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setenv("TTY_COMPATIBLE", "0")
    assert palette_for(io.StringIO(), styles).codes == {}


def test_report_text_escapes_log_text_inside_and_outside_painted_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    """A log line that looks like the placeholder, or carries escapes, changes nothing but text."""

    def fake_report_text(flows: Any, updates: Any, files: Any, *, glyphs: dict[str, str],
                         style: Any) -> str:
        painted = style("failed", f"{glyphs['failed']} step \x1b[2J detail")
        return f"ids: \x1b]0;title\x07 \x00abc:0\x00\n{painted}\nnext: [bold]x[/bold]"

    monkeypatch.setattr(cmd_report, "report_text", fake_report_text)
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("NO_COLOR", raising=False)
    text = cmd_report.styled_text([], [], [], io.StringIO())
    lines = text.split("\n")
    assert lines[0] == "ids: \\x1b]0;title\\x07 \\x00abc:0\\x00"
    before, after = codes(STATUS_LOOK["failed"].style)
    assert lines[1] == f"{before}{STATUS_LOOK['failed'].glyph} step \\x1b[2J detail{after}"
    assert lines[2] == "next: [bold]x[/bold]"


# --------------------------------------------------------------------------- a reader that goes away


def _read_one_line_and_close(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    """``sumtrace ... | head -1``: read one line, close the pipe, and wait for the process to end."""
    proc = subprocess.Popen([sys.executable, "-m", "sumtrace", *argv], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=_env())
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()
    proc.stdout.close()
    try:
        err = proc.stderr.read()
        proc.wait(timeout=120)  # a guard against hanging, not a timing check
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(argv, proc.returncode, first, err)


def test_replay_jsonl_into_head_exits_quietly() -> None:
    # With --entries this replay prints about 260 KB: far more than a pipe holds, so it is still
    # writing when the reader goes away (it used to pause there for ever).
    r = _read_one_line_and_close(["replay", "--jsonl", "--entries", str(FIXTURES / "healthy-first-scan")])
    assert r.stdout.startswith(b"{")
    assert r.returncode == 0 and r.stderr == b"", r.stderr.decode()


def test_parse_into_head_exits_quietly() -> None:
    r = _read_one_line_and_close(["parse", str(FIXTURES)])  # about 1 MB of text
    assert r.stdout
    assert r.returncode == 0 and r.stderr == b"", r.stderr.decode()


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX pipes")
def test_watch_jsonl_ends_when_its_reader_goes_away(tmp_path: Path) -> None:
    log = tmp_path / "ScanAgent.log"
    _, data = records("first", 0, 3)
    log.write_bytes(data)
    proc = subprocess.Popen([sys.executable, "-m", "sumtrace", "watch", "--jsonl", "--entries", str(tmp_path)],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=_env())
    assert proc.stdout is not None and proc.stderr is not None
    try:
        assert proc.stdout.readline().startswith(b"{")
        proc.stdout.close()
        for i in range(3, 400):  # keep writing: the next event it prints finds the pipe closed
            append(log, records("more", i, i + 1)[1])
            try:
                proc.wait(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                continue
        err = proc.stderr.read()
        proc.wait(timeout=60)  # a guard against hanging, not a timing check
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0 and err == b"", err.decode()


def test_a_closed_stdout_is_discarded_without_opening_a_null_device(monkeypatch: pytest.MonkeyPatch) -> None:
    class Closed(io.StringIO):
        def write(self, s: str) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    opened: list[str] = []
    real_open, real_os_open = builtins.open, os.open

    def spy_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        opened.append(str(file))
        return real_open(file, *args, **kwargs)

    def spy_os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        opened.append(str(path))
        return real_os_open(path, *args, **kwargs)

    monkeypatch.setattr(sys, "stdout", Closed())
    monkeypatch.setattr(builtins, "open", spy_open)
    monkeypatch.setattr(os, "open", spy_os_open)
    assert cli.main(["parse", str(FIXTURES / "wsus-401")]) == 0
    assert isinstance(sys.stdout, Discard)
    print("after the pipe closed")  # goes nowhere, raises nothing
    assert opened and not [p for p in opened if p in (os.devnull, "/dev/null", "nul", "NUL")]


def test_a_legacy_code_page_gets_the_ascii_glyphs() -> None:
    r = subprocess.run([sys.executable, "-m", "sumtrace", "report", str(FIXTURES / "wsus-401")], cwd=ROOT,
                       capture_output=True, env=_env(PYTHONIOENCODING="cp1252"), timeout=120)
    assert r.returncode == 1
    failed = STATUS_LOOK["failed"]
    assert f"  {failed.ascii} wua_search".encode() in r.stdout
    assert failed.glyph.encode("utf-8") not in r.stdout
