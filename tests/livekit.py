"""Helpers for the live-tailing tests: record writers, a fake tracker, and a watcher harness.

The harness runs a real :class:`sumtrace.live.LiveWatcher` over real files in ``tmp_path`` inside the
test's event loop and records every batch the pipeline publishes, so a test can write, wait for
the watcher to catch up, and compare what was delivered with what was written.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sumtrace.flows.model import FlowEvent, StepEvent
from sumtrace.live.pipeline import Batch, FileEvent, Pipeline
from sumtrace.live.watcher import LiveWatcher, WatchOptions
from sumtrace.parsers.entry import Entry


def cm(msg: str, i: int = 0, comp: str = "ScanAgent") -> bytes:
    """One CMTrace record with its CRLF, as ConfigMgr writes it (UTF-8)."""
    return (f'<![LOG[{msg}]LOG]!><time="12:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}+000" '
            f'date="01-20-2026" component="{comp}" context="" type="1" thread="{3000 + i % 7}" '
            f'file="scanagent.cpp:{100 + i}">\r\n').encode()


def records(prefix: str, start: int, stop: int) -> tuple[list[str], bytes]:
    """Messages and bytes of records ``start``..``stop-1`` (with non-ASCII text in them)."""
    msgs = [f"{prefix} {i} é 日本 ScanJob({{{i:08d}-0000-0000-0000-000000000000}})" for i in range(start, stop)]
    return msgs, b"".join(cm(m, i) for i, m in zip(range(start, stop), msgs, strict=True))


def append(path: str | os.PathLike[str], data: bytes) -> None:
    with open(path, "ab") as fh:
        fh.write(data)


class FakeTracker:
    """Counts what it is given; ``update`` reports nothing (the real tracker has its own tests)."""

    def __init__(self) -> None:
        self.added: list[tuple[str, int]] = []
        self.updates = 0
        self.noted: list[str] = []

    def add(self, entries: list[Entry], host_hint: str) -> None:
        self.added.append((host_hint, len(entries)))

    def note_file(self, path: str, host_hint: str) -> None:
        self.noted.append(path)

    def update(self, now: datetime) -> Sequence[StepEvent | FlowEvent]:
        self.updates += 1
        return []


class Harness:
    """``async with Harness([...]) as h:`` runs a watcher; ``h.messages(path)`` is what arrived."""

    def __init__(self, paths: Sequence[str | os.PathLike[str]], *, tracker: Any = None,
                 since: datetime | None = None, **options: Any) -> None:
        defaults: dict[str, Any] = {"sweep": 0.2, "rescan": 0.5, "fallback_poll": 0.1, "tick": 0.05,
                                    "idle_tick": 0.5}
        defaults.update(options)
        self.tracker = tracker if tracker is not None else FakeTracker()
        self.pipeline = Pipeline(self.tracker, since=since)
        self.batches: list[Batch] = []
        self.pipeline.subscribe(self.batches.append)
        self.watcher = LiveWatcher(self.pipeline, WatchOptions([os.fspath(p) for p in paths], **defaults))
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Harness:
        self._task = asyncio.create_task(self.watcher.run())
        ready = asyncio.create_task(self.watcher.ready.wait())
        done, _ = await asyncio.wait({ready, self._task}, timeout=3, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            self._task.result()  # raise what went wrong
        assert ready in done, "watcher did not become ready"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.watcher.stop()
        assert self._task is not None
        done, _ = await asyncio.wait({self._task}, timeout=1.0)
        if not done:
            self._task.cancel()
            raise AssertionError("the watcher did not stop within 1 s of stop()")
        self._task.result()

    # ------------------------------------------------------------------ what arrived

    def entries(self, path: str | os.PathLike[str] | None = None) -> list[Entry]:
        want = os.fspath(path) if path is not None else None
        return [e for b in self.batches if want is None or b.path == want for e in b.entries]

    def messages(self, path: str | os.PathLike[str] | None = None) -> list[str]:
        return [e.message for e in self.entries(path)]

    def files(self, path: str | os.PathLike[str] | None = None) -> list[FileEvent]:
        want = os.fspath(path) if path is not None else None
        return [f for b in self.batches for f in b.files if want is None or f.path == want]

    def changes(self, path: str | os.PathLike[str] | None = None) -> list[str]:
        return [f.change for f in self.files(path)]

    # ------------------------------------------------------------------ waiting

    async def until(self, predicate: Callable[[], bool], timeout: float = 1.5, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or predicate}")
            await asyncio.sleep(0.005)

    async def caught_up(self, path: str | os.PathLike[str], timeout: float = 1.5) -> None:
        """Wait until the watcher has read ``path`` to its current size."""
        p = os.fspath(path)
        size = os.path.getsize(p)
        await self.until(lambda: self.watcher.offset(p) == size, timeout, f"{p} read to {size}")

    async def got(self, path: str | os.PathLike[str], expected: list[str], timeout: float = 1.5) -> None:
        await self.until(lambda: len(self.messages(path)) >= len(expected), timeout,
                         f"{len(expected)} entries of {path} (have {len(self.messages(path))})")
        await asyncio.sleep(0.02)  # anything extra (a duplicate) would arrive now
        assert self.messages(path) == expected
