"""Which files in the watched folders to follow, and which machine each belongs to.

The same rules as ``sumtrace parse`` (:mod:`parsers.files`): the known ConfigMgr / Windows Update
/ WSUS / IIS logs, or every ``*.log``/``*.lo_`` with ``--all-logs``; the host is the folder name
(the parent of a ``Logs`` folder). One difference matters live: rolled generations (``X.lo_``,
``X-YYYYMMDD-HHMMSS.log``) are never *followed*, because the tail of ``X.log`` already reads the
remainder of its rotated self; those present at start are read once, as history, before ``X.log``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from parsers.files import LOG_SUFFIXES, LogSource, assign_host_bias, is_known_log, is_rolled
from parsers.files import _host_of as _files_host_of  # one host rule for parse and watch


def wanted(name: str, all_logs: bool) -> bool:
    """A log we read at all (current or rolled)."""
    if all_logs:
        return name.lower().endswith(LOG_SUFFIXES)
    return is_known_log(name)


def followable(name: str, all_logs: bool) -> bool:
    """A log we follow live: wanted and not a rolled generation."""
    return wanted(name, all_logs) and not is_rolled(name)


def host_hint(path: str, root: str) -> str:
    """The machine a file belongs to: its folder's name (a bundle has one folder per machine)."""
    return _files_host_of(path, root)


@dataclass(slots=True)
class FolderScan:
    """What a walk of one watched folder found."""

    current: list[str] = field(default_factory=list)
    rolled: list[str] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def scan_folder(root: str, all_logs: bool) -> FolderScan:
    """Walk ``root`` and its subfolders (sorted, so the order is stable)."""
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
            (found.rolled if is_rolled(name) else found.current).append(full)
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
