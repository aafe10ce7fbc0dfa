"""Read logs once, synchronously, through a :class:`~sumtrace.live.pipeline.Pipeline`.

The same road live data takes (parser → tracker → subscribers), without a watcher or an event
loop: used to open the TUI on a fixed set of logs deterministically (snapshot tests, benchmarks)
and by anything that wants the app's view of a folder without following it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sumtrace.live.pipeline import Pipeline
from sumtrace.parsers.files import discover


def preload(pipeline: Pipeline, paths: Iterable[str], *, all_logs: bool = False) -> list[str]:
    """Feed every log under ``paths`` (files, folders, .zip) through ``pipeline``; returns the errors."""
    found = discover(list(paths), all_logs=all_logs)
    errors = list(found.errors)
    for src in found.sources:
        pipeline.start_file(src.path, src.host_hint, bias=src.bias)
        try:
            for chunk in src.chunks():
                pipeline.feed(src.path, src.host_hint, chunk, bias=src.bias)
        except OSError as exc:
            errors.append(f"{src.path}: {exc.strerror or exc}")
        pipeline.flush_file(src.path)
    return errors
