"""The JSON Lines stream of ``watch --jsonl``, ``replay --jsonl`` and ``demo --jsonl``.

One object per line, flushed after every batch so a log shipper sees each event as it happens.
The event schema is in the README ("Events"); entries are printed only when asked for.
"""

from __future__ import annotations

import asyncio
import select
from collections.abc import Callable
from typing import TextIO

from sumtrace.flows.jsontext import dumps
from sumtrace.live.pipeline import Batch


class JsonlPrinter:
    """Pipeline subscriber writing one JSON object per line; flushes after each batch."""

    def __init__(self, out: TextIO, *, entries: bool, on_broken_pipe: Callable[[], None]) -> None:
        self.out = out
        self.entries = entries
        self.on_broken_pipe = on_broken_pipe
        self.broken = False
        self._dumps = dumps

    def __call__(self, batch: Batch) -> None:
        if self.broken:
            return
        dumps = self._dumps
        lines: list[str] = []
        for fe in batch.files:
            lines.append(dumps(fe.to_json()))
        if self.entries:
            host = batch.host or ""
            for e in batch.entries:
                lines.append(dumps({"event": "entry", "host": host, **e.to_json()}))
        for ev in batch.events:
            lines.append(dumps(ev.to_json()))
        if not lines:
            return
        try:
            self.out.write("\n".join(lines) + "\n")
            self.out.flush()
        except BrokenPipeError:  # the reader went away (| head): stop quietly
            self.broken = True
            self.on_broken_pipe()


def reader_gone(out: TextIO) -> bool:
    """True when ``out`` is a pipe whose reader has closed it (``| head`` has had its lines).

    A write would tell too, but a paced replay or a quiet watch may not write for minutes; ``poll``
    reports POLLERR on a pipe's write end once its read end is closed. Where that cannot be
    asked (no ``fileno``, no ``poll``: Windows), it says False and the next write tells.
    """
    if not hasattr(select, "poll"):
        return False
    try:
        fd = out.fileno()
        poller = select.poll()
        poller.register(fd, 0)  # no events asked: POLLERR / POLLHUP are always reported
        return any(ev & (select.POLLERR | select.POLLNVAL) for _, ev in poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return False


async def watch_reader(printer: JsonlPrinter, interval: float = 0.25) -> None:
    """Stop ``printer``'s run once the reader of its stream goes away, even between writes."""
    while not printer.broken:
        await asyncio.sleep(interval)
        if reader_gone(printer.out):
            printer.broken = True
            printer.on_broken_pipe()
