"""Ending a headless run cleanly on a signal: SIGINT, SIGTERM and, where it exists, SIGHUP.

``watch --jsonl`` and ``demo --jsonl`` run under service managers, ``nohup``-less SSH sessions and
``timeout``: each of those ends a process with SIGTERM or SIGHUP, not Ctrl+C. Python's default for
both is to die on the spot, which loses the partial records the tail still holds and leaves the
demo's temporary folder behind. Here each of them calls ``stop`` in the event loop instead, so the
run ends the way Ctrl+C ends it: the tail is flushed, the tracker updated a last time, the output
flushed and the temporary files removed.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable
from typing import Any


def stop_signals() -> list[signal.Signals]:
    """The signals that mean "stop now, cleanly" on this platform (Windows has no SIGHUP)."""
    names = ("SIGINT", "SIGTERM", "SIGHUP")
    return [getattr(signal, n) for n in names if hasattr(signal, n)]


def install_stop_signals(stop: Callable[[], None]) -> Callable[[], None]:
    """Make every stop signal call ``stop`` in the running loop; returns a function that restores
    what was there before (so a second Ctrl+C during shutdown still interrupts)."""
    loop = asyncio.get_running_loop()
    installed: list[signal.Signals] = []
    previous: dict[signal.Signals, Any] = {}
    for sig in stop_signals():
        try:
            loop.add_signal_handler(sig, stop)
            installed.append(sig)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            try:
                previous[sig] = signal.signal(sig, lambda _s, _f: loop.call_soon_threadsafe(stop))
            except (ValueError, OSError):
                pass

    def restore() -> None:
        for sig in installed:
            loop.remove_signal_handler(sig)
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
