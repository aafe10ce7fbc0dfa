"""Which files in the watched folders to follow, and which machine each belongs to.

The same rules as ``sumtrace parse`` (:mod:`sumtrace.parsers.files`): the known ConfigMgr / Windows Update
/ WSUS / IIS logs, or every ``*.log``/``*.lo_`` with ``--all-logs``; the host is the folder name
(the parent of a ``Logs`` folder). One difference matters live: rolled generations (``X.lo_``,
``X-YYYYMMDD-HHMMSS.log``) are never *followed*, because the tail of ``X.log`` already reads the
remainder of its rotated self; those present at start are read once, as history, before ``X.log``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from sumtrace.parsers.files import (
    LOG_SUFFIXES,
    LogSource,
    assign_host_bias,
    base_name,
    is_known_log,
    is_rolled,
)
from sumtrace.parsers.files import host_of as host_hint  # one host rule for parse, report and watch

__all__ = ["FolderScan", "folder_biases", "followable", "history_order", "host_hint", "rolled_since", "scan_folder", "wanted"]


def wanted(name: str, all_logs: bool) -> bool:
    """A log we read at all (current or rolled)."""
    if all_logs:
        return name.lower().endswith(LOG_SUFFIXES)
    return is_known_log(name)


def followable(name: str, all_logs: bool) -> bool:
    """A log we follow live: wanted and not a rolled generation."""
    return wanted(name, all_logs) and not is_rolled(name)


@dataclass(slots=True)
class FolderScan:
    """What a walk of one watched folder found."""

    current: list[str] = field(default_factory=list)
    rolled: list[str] = field(default_factory=list)
    stats: dict[str, os.stat_result] = field(default_factory=dict)  # of ``current``, taken in the walk
    folders: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def scan_folder(root: str, all_logs: bool) -> FolderScan:
    """Walk ``root`` and its subfolders (sorted, so the order is stable).

    The current logs are stat-ed during the walk: their identity then is what lets a rotation
    that happens before the first read be followed (see ``parsers.tail.Tail(known=...)``).
    """
    found = FolderScan()

    def onerror(exc: OSError) -> None:
        found.errors.append(f"{exc.filename}: {exc.strerror or exc}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames.sort()
        found.folders.append(dirpath)
        for name in sorted(filenames):
            if not wanted(name, all_logs):
                continue
            full = os.path.join(dirpath, name)
            if is_rolled(name):
                found.rolled.append(full)
                continue
            found.current.append(full)
            try:
                found.stats[full] = os.stat(full)
            except OSError:
                pass
    return found


def history_order(paths: list[str]) -> list[str]:
    """Rolled files oldest first (by modification time, then name), so history reads in order."""
    def key(path: str) -> tuple[float, str]:
        try:
            return os.stat(path).st_mtime, path
        except OSError:
            return 0.0, path

    return sorted(paths, key=key)


def folder_biases(paths: list[str], root: str) -> dict[str, int | None]:
    """The Windows bias of each folder's machine, from its CMTrace logs (for zone-less logs)."""
    sources = [LogSource(p, host_hint(p, root)) for p in paths]
    assign_host_bias(sources)
    out: dict[str, int | None] = {}
    for src in sources:
        folder = os.path.dirname(src.path)
        if out.get(folder) is None:
            out[folder] = src.bias
    return out


def rolled_since(path: str, since: float, current: os.stat_result | None) -> list[str]:
    """Rotated generations of ``path`` written since ``since`` (epoch seconds), oldest first.

    ``current`` (the live file's stat) is excluded by identity, so a file that rotates while we
    look is not read twice: the tail of ``path`` follows it into its rotated name itself.
    """
    folder = os.path.dirname(path) or "."
    want = base_name(path)
    found: list[tuple[float, str]] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return []
    for name in names:
        if not is_rolled(name) or base_name(name) != want:
            continue
        full = os.path.join(folder, name)
        try:
            st = os.stat(full)
        except OSError:
            continue
        if current is not None and current.st_ino and (st.st_dev, st.st_ino) == (current.st_dev, current.st_ino):
            continue
        if st.st_mtime >= since - 2.0:  # slack for coarse file-system timestamps
            found.append((st.st_mtime, full))
    return [p for _, p in sorted(found)]
