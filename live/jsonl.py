"""The JSON Lines stream of ``watch --jsonl``, ``replay --jsonl`` and ``demo --jsonl``.

One object per line, flushed after every batch so a log shipper sees each event as it happens.
The event schema is in the README ("Events"); entries are printed only when asked for.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from sumtrace.live.pipeline import Batch


class JsonlPrinter:
    """Pipeline subscriber writing one JSON object per line; flushes after each batch."""

    def __init__(self, out: TextIO, *, entries: bool, on_broken_pipe: Callable[[], None]) -> None:
        self.out = out
        self.entries = entries
        self.on_broken_pipe = on_broken_pipe
        self.broken = False
        self._dumps = json.JSONEncoder(ensure_ascii=False).encode

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
