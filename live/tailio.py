"""The tail's I/O on the real file system: stat, one-shot reads, directory listing.

:class:`sumtrace.parsers.tail.Tail` decides what happened to a file and asks a
:class:`~sumtrace.parsers.tail.FileSystem` to look; :class:`LocalFiles` is the one that looks at
this machine's disks (local folders, mapped drives, UNC shares). It keeps the tail's invariant:
every read is open, seek, read, close, and no handle outlives the call, so CcmExec can always
rename ``X.log`` to ``X.lo_`` and a deleted file is never pinned by us.

On Windows, CPython's ``open()`` does not pass ``FILE_SHARE_DELETE``, so a rename by CcmExec that
lands during one of our (short) reads would fail with a sharing violation. There the handle is
opened through ``CreateFileW`` with every share mode instead.
"""

from __future__ import annotations

import os
import stat as stat_mod
import sys
from typing import BinaryIO

from sumtrace.parsers.files import open_regular
from sumtrace.parsers.tail import FileIdentity, FileStat

__all__ = ["LocalFiles", "file_stat", "identity_of"]


def _open_binary(path: str) -> BinaryIO:
    """The one place files are opened (tests replace it to simulate permission errors or a slow share).

    Only a regular file is opened: a FIFO or a device put where a log was (or a symlink to one) is
    refused with an ``OSError`` saying so, checked on the open descriptor, and opening never waits
    for a FIFO's writer.
    """
    return os.fdopen(open_regular(path), "rb")


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    try:
        import ctypes
        import msvcrt
        from ctypes import wintypes

        _kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        _create_file = _kernel32.CreateFileW
        _create_file.argtypes = [wintypes.LPCWSTR, wintypes.DWORD, wintypes.DWORD, wintypes.LPVOID,
                                 wintypes.DWORD, wintypes.DWORD, wintypes.HANDLE]
        _create_file.restype = wintypes.HANDLE
        _INVALID_HANDLE = wintypes.HANDLE(-1).value
        _GENERIC_READ = 0x80000000
        _SHARE_ALL = 0x7  # FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE
        _OPEN_EXISTING = 3
        _FILE_ATTRIBUTE_NORMAL = 0x80

        def _open_shared(path: str) -> BinaryIO:
            handle = _create_file(path, _GENERIC_READ, _SHARE_ALL, None, _OPEN_EXISTING,
                                  _FILE_ATTRIBUTE_NORMAL, None)
            if handle is None or handle == _INVALID_HANDLE:
                code = ctypes.get_last_error()
                raise OSError(None, ctypes.FormatError(code), path, code)
            fd = msvcrt.open_osfhandle(handle, os.O_RDONLY | os.O_BINARY)
            return os.fdopen(fd, "rb")

        _open_binary = _open_shared  # noqa: F811
    except (ImportError, AttributeError, OSError):
        pass


def identity_of(st: os.stat_result) -> FileIdentity:
    """Device, inode (Windows: file index) and creation time, where the platform reports them."""
    birth = getattr(st, "st_birthtime", None)
    return FileIdentity(st.st_dev, st.st_ino, float(birth) if birth is not None else None)


def file_stat(st: os.stat_result) -> FileStat:
    """An ``os.stat`` result as the tail sees it (discovery's stats are handed over this way)."""
    return FileStat(stat_mod.S_ISREG(st.st_mode), st.st_size, st.st_mtime_ns, identity_of(st))


class LocalFiles:
    """:class:`~sumtrace.parsers.tail.FileSystem` on the operating system's files."""

    def stat(self, path: str) -> FileStat:
        return file_stat(os.stat(path))

    def read(self, path: str, offset: int, size: int, head: bytes = b"",
             ident: FileIdentity | None = None) -> bytes | None:
        with _open_binary(path) as fh:
            # The identity of what was opened, not of what the path named a moment before.
            if ident is not None and identity_of(os.fstat(fh.fileno())).same_file(ident) is False:
                return None
            if head and fh.read(len(head)) != head:
                return None
            fh.seek(offset)
            return fh.read(size)

    def listdir(self, folder: str) -> list[str]:
        return os.listdir(folder)
