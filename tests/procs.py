"""Running ``sumtrace`` as a user runs it, in a subprocess, for the tests that signal or pipe it.

One place for what every such test needs: the process started from the checkout, its JSON lines
read as they come (with a deadline, so a hang fails instead of blocking CI), a signal sent and
its output collected, and the process killed whatever happened, so no test leaves one behind.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def sumtrace_process(args: Sequence[str], *, env: Mapping[str, str] | None = None,
                     cwd: Path = ROOT) -> Iterator[subprocess.Popen[bytes]]:
    """``python -m sumtrace ARGS`` with piped output; killed on the way out if still running."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    proc = subprocess.Popen([sys.executable, "-m", "sumtrace", *args], cwd=cwd, env=full_env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def read_until(proc: subprocess.Popen[bytes], want: Callable[[list[dict[str, Any]]], bool],
               timeout: float) -> list[dict[str, Any]]:
    """Read JSON lines from the process until ``want(lines)`` is true (or its output ends)."""
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    lines: list[dict[str, Any]] = []
    buf = b""
    deadline = time.monotonic() + timeout
    while not want(lines):
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"timed out; got {lines}")
        if not sel.select(left):
            continue
        chunk = os.read(proc.stdout.fileno(), 65536)
        if not chunk:
            break
        buf += chunk
        *done, buf = buf.split(b"\n")
        lines += [json.loads(x) for x in done if x]
    return lines


def stop(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM, timeout: float = 10) -> list[dict[str, Any]]:
    """Send ``sig`` and wait; asserts a clean exit (0, no traceback) and returns the JSON lines
    printed after what was already read."""
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err.decode(errors="replace")
    assert b"Traceback" not in err
    return [json.loads(x) for x in out.splitlines() if x]
