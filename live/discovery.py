"""Which files in the watched folders to follow, and which machine each belongs to.

The same file rules as ``sumtrace parse`` (:mod:`sumtrace.parsers.files`): the known ConfigMgr /
Windows Update / WSUS / IIS logs, or every ``*.log``/``*.lo_`` with ``--all-logs``. One difference
matters live: rolled generations (``X.lo_``, ``X-YYYYMMDD-HHMMSS.log``) are never *followed*, because
the tail of ``X.log`` already reads the remainder of its rotated self; those present at start are
read once, as history, before ``X.log``.

Hosts (:mod:`sumtrace.parsers.hosts` has the rule for collected logs): what ``watch`` follows is
live, on this computer (or on the server of a UNC drive share). So a watched file, the logs in a
watched folder itself, and everything under a machine's log location (``C:\\Windows\\CCM\\Logs``)
belong to that one machine, whatever the folders are called: ``watch C:\\Windows\\CCM\\Logs
C:\\Windows\\WindowsUpdate.log`` is one host. The subfolders of any other watched folder are a
collection: each is a host, as in ``report``. Collection prefixes (``PC01_ScanAgent.log`` beside
``PC02_ScanAgent.log``) split a folder into machines in both cases. A host, once given to a file,
never changes.

Discovery refuses what is not a log to follow, with a message: a FIFO, a device or a socket named
like a log (the same check as ``parse`` and ``report``, :func:`sumtrace.parsers.files.not_regular`),
and a ``.zip`` bundle (it does not grow; ``replay`` and ``report`` read it).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from sumtrace.parsers.files import (
    LOG_SUFFIXES,
    LogSource,
    assign_host_bias,
    base_name,
    collection_prefix,
    is_known_log,
    is_rolled,
    not_regular,
)
from sumtrace.parsers.hosts import host_of, location_machine, path_parts, root_machine

__all__ = ["ZIP_REFUSED", "FolderScan", "folder_biases", "followable", "history_order", "live_hosts",
           "rolled_since", "scan_folder", "wanted", "watched_machine"]

ZIP_REFUSED = ("a .zip bundle does not grow and is not followed; "
               "read it with sumtrace replay or sumtrace report")


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
    refused: dict[str, str] = field(default_factory=dict)  # a log's name on no regular file → why
    zips: list[str] = field(default_factory=list)  # bundles: reported, never followed


def scan_folder(root: str, all_logs: bool) -> FolderScan:
    """Walk ``root`` and its subfolders (sorted, so the order is stable).

    The current logs are stat-ed during the walk: their identity then is what lets a rotation
    that happens before the first read be followed (see ``parsers.tail.Tail(known=...)``). The
    same stat refuses a FIFO, device or socket named like a log (opening a FIFO would wait for
    a writer; a device never ends).
    """
    found = FolderScan()

    def onerror(exc: OSError) -> None:
        found.errors.append(f"{exc.filename}: {exc.strerror or exc}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames.sort()
        found.folders.append(dirpath)
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if name.lower().endswith(".zip"):
                found.zips.append(full)
                continue
            if not wanted(name, all_logs):
                continue
            try:
                st = os.stat(full)
            except OSError:
                st = None  # vanished or unreadable: the tail says what, when it looks
            why = not_regular(st) if st is not None else None
            if why:
                found.refused[full] = why
                continue
            if is_rolled(name):
                found.rolled.append(full)
                continue
            found.current.append(full)
            if st is not None:
                found.stats[full] = st
    return found


def watched_machine(root: str, scan: FolderScan | None, local: str | None = None) -> str | None:
    """The machine every log under a watched path belongs to, or None when that depends on the log.

    ``scan`` is None for a watched file. A file, or a machine's log location (``C:\\Windows\\CCM\\Logs``,
    even empty, and whatever lies below it), is one machine's: this computer's, or a UNC drive
    share's server. Any other folder may hold per-machine subfolders (a collection): its own logs
    are this computer's, its subfolders' get the collected-logs rule (:func:`live_hosts`).
    """
    machine = root_machine(root, local)
    if machine is None or scan is None:
        return machine
    _, folders, name = path_parts(os.path.join(root, "x.log"))
    return machine if location_machine(folders, name)[0] else None


def live_hosts(paths: Iterable[str], root: str, machine: str | None, *,
               known: Mapping[str, str] | None = None, local: str | None = None) -> dict[str, str]:
    """The host of each of ``paths`` (logs found under the watched ``root``).

    ``machine`` is :func:`watched_machine`'s answer for the root. ``known`` maps files already
    followed to their hosts: a new file's folder is split by collection prefixes when, with them,
    it holds two prefixes or more, and a file followed before keeps its host.
    """
    paths = list(paths)
    known = known or {}
    top = os.path.normcase(os.path.abspath(root))
    prefixes: dict[str, set[str]] = {}
    for p in (*known, *paths):
        prefixes.setdefault(os.path.normcase(os.path.dirname(p)), set()).add(collection_prefix(p))
    out: dict[str, str] = {}
    for p in paths:
        if p in known:
            out[p] = known[p]
            continue
        folder = os.path.normcase(os.path.dirname(p))
        prefix = collection_prefix(p)
        if prefix and len(prefixes[folder] - {""}) >= 2:
            out[p] = prefix
        elif machine is not None:
            out[p] = machine
        elif folder == top:  # a log written straight into a watched collection: the root's own machine
            out[p] = root_machine(p, local) or host_of(p, local)
        else:
            out[p] = host_of(p, local)
    return out


def history_order(paths: list[str]) -> list[str]:
    """Rolled files oldest first (by modification time, then name), so history reads in order."""
    def key(path: str) -> tuple[float, str]:
        try:
            return os.stat(path).st_mtime, path
        except OSError:
            return 0.0, path

    return sorted(paths, key=key)


def folder_biases(hosts: Mapping[str, str]) -> dict[str, int | None]:
    """The Windows bias of each log's machine, from its CMTrace logs (for zone-less logs).

    ``hosts`` maps paths to their hosts: a log takes the bias of the CMTrace logs in its folder,
    else of its host's in another folder (``C:\\Windows\\WindowsUpdate.log`` from ``CCM\\Logs``).
    """
    sources = [LogSource(p, h) for p, h in hosts.items()]
    assign_host_bias(sources)
    return {src.path: src.bias for src in sources}


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
