"""Live tailing: the async shell (:mod:`sumtrace.live.watcher`) around the pure tail and parsers.

:mod:`sumtrace.live.pipeline` is what both live watching and replay drive; nothing here imports
Textual, so the headless ``sumtrace watch --jsonl`` and the TUI share it.
"""

from sumtrace.live.pipeline import Batch, FileEvent, Pipeline, TrackerLike
from sumtrace.live.watcher import LiveWatcher, WatchOptions

__all__ = ["Batch", "FileEvent", "LiveWatcher", "Pipeline", "TrackerLike", "WatchOptions"]
