"""Following one log file across appends, rotation, truncation, deletion and replacement.

:class:`Tail` is the pure, synchronous state machine under ``sumtrace watch``: each
:meth:`Tail.poll` looks at the path, reads what is new, and returns the ordered :data:`Action`
list that says what happened since the previous poll. It decides; it does no I/O of its own. Every
stat, read and directory listing goes through the :class:`FileSystem` it is given, so the
decisions (identity, rotation, truncation, replacement) can be read and tested apart from the
operating system, and the real implementation (:mod:`sumtrace.live.tailio`, with its Windows
share-mode open) lives in the I/O layer. Anything asynchronous (change notifications, threads,
timers) lives in the shell (:mod:`sumtrace.live.watcher`).

Invariant: **no file handle is kept between reads.** :meth:`FileSystem.read` is one open, seek,
read, close. On Windows a handle opened without ``FILE_SHARE_DELETE`` stops CcmExec from renaming
its log at 250 KB, which would break the very rotation we want to follow; on every platform it
also means a deleted file is never pinned on disk by us. The tests check this through
``/proc/self/fd``.

Identity of the file we follow is ``(dev, ino)`` when the platform reports an inode or Windows
file index (``ino != 0``), plus a fingerprint: the first :data:`HEAD_SIZE` bytes we read,
re-checked on every read so a file truncated and rewritten past our offset between two polls (or a
re-created file that reused the inode number) is still noticed. Where ``ino`` is 0 (some network
shares, FAT) the fingerprint alone decides; a differing creation time proves a different file, but
an equal one proves nothing (NTFS "tunnelling" gives a file re-created under the same name within
15 s the old file's creation time, exactly the rotation case).

Rotation (ConfigMgr renames ``X.log`` to ``X.lo_`` or ``X-YYYYMMDD-HHMMSS.log`` and starts a new
``X.log``): when the path vanishes or holds another file, the siblings with the same base name
are searched for our identity. If found, the remainder of the old file is read from our offset
under its new name (the writer may still flush to it after the rename) until the new ``X.log``
has its first bytes and the old one is at its end; then the stream is flushed and the new file is
read from byte 0. The caller feeds one parser per stream, so a record split across the rename is
reassembled when the remainder completes it, and otherwise flushed as an unparsed entry.

The stream protocol the caller follows: ``Start`` opens a stream (create a parser), ``Data``
feeds it, ``Flush`` ends it (flush and drop the parser); ``Event`` is a file event to report.
Reads are bounded by ``read_limit`` per poll; :attr:`Tail.behind` says more is waiting.
"""

from __future__ import annotations

import errno
import hashlib
import os.path
from dataclasses import dataclass
from typing import Protocol

from sumtrace.parsers.files import base_name
from sumtrace.parsers.stream import line_breaks

READ_LIMIT = 4 * 1024 * 1024
HEAD_SIZE = 1024
LINE_COUNT_LIMIT = 64 * 1024 * 1024
CHANGES = ("opened", "rotated", "truncated", "deleted", "error")


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class Start:
    """A new stream begins: create a fresh parser.

    ``offset`` is where the first byte of the stream sits in the file (non-zero when existing
    content was skipped with ``from_end``); ``lines`` is the number of line breaks skipped
    (None when the skipped part was too large to count); ``prefix`` is the file's byte-order
    mark, to prime the decoder when the stream does not start at byte 0.
    """

    offset: int = 0
    lines: int | None = 0
    prefix: bytes = b""


@dataclass(frozen=True, slots=True)
class Data:
    """Bytes read from ``path`` (the renamed old file while draining a rotation) at ``offset``."""

    data: bytes
    offset: int
    path: str


@dataclass(frozen=True, slots=True)
class Flush:
    """The stream ended (rotation finished, truncation, deletion): flush the parser and drop it."""


@dataclass(frozen=True, slots=True)
class Event:
    """A file event to report: ``change`` is one of :data:`CHANGES`."""

    change: str
    detail: str


Action = Start | Data | Flush | Event


# --------------------------------------------------------------------------- identity


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """What a stat can say about which file a path points to."""

    dev: int
    ino: int  # 0 when the platform or file system gives no inode / file index
    birth: float | None  # creation time where reported (Windows, macOS)

    def same_file(self, other: FileIdentity) -> bool | None:
        """True/False when stat decides it, None when only the content can tell."""
        if self.ino and other.ino:
            return self.dev == other.dev and self.ino == other.ino
        if self.birth is not None and other.birth is not None and self.birth != other.birth:
            return False
        return None


@dataclass(frozen=True, slots=True)
class FileStat:
    """The part of a stat the tail decides on: kind, size, last change and identity."""

    regular: bool  # a regular file (not a folder, device or pipe)
    size: int
    mtime_ns: int
    ident: FileIdentity


class FileSystem(Protocol):
    """The I/O a :class:`Tail` is given; :class:`sumtrace.live.tailio.LocalFiles` is the real one.

    Each call is complete in itself and keeps nothing open afterwards (the invariant in the
    module docstring). Failures are raised as ``OSError`` (``FileNotFoundError``,
    ``PermissionError``, ...), which the tail turns into file events.
    """

    def stat(self, path: str) -> FileStat:
        """The path's stat, following links."""
        ...

    def read(self, path: str, offset: int, size: int, head: bytes = b"",
             ident: FileIdentity | None = None) -> bytes | None:
        """Up to ``size`` bytes from ``offset``, in one open/seek/read/close.

        With ``head``, the file's first ``len(head)`` bytes are compared in the same open first
        and None is returned when they differ: the check and the read see the same file. With
        ``ident``, the identity of the opened handle (``fstat`` on it; on Windows its file index)
        is compared too, and None is returned when it is another file: a rotation between the
        tail's ``stat`` and this ``open`` can then never pass the new file off as the old one.
        """
        ...

    def listdir(self, folder: str) -> list[str]:
        """The names in ``folder`` (to find a rotated sibling)."""
        ...


def fingerprint(head: bytes) -> str | None:
    """Hash of the first :data:`HEAD_SIZE` bytes, once the file has that many (else None)."""
    if len(head) < HEAD_SIZE:
        return None
    return hashlib.blake2b(head[:HEAD_SIZE], digest_size=16).hexdigest()


_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


_UTF16 = {b"\xff\xfe": "utf-16-le", b"\xfe\xff": "utf-16-be"}  # byte-order mark -> codec


def _bom(head: bytes) -> bytes:
    for bom in _BOMS:
        if head.startswith(bom):
            return bom
    return b""


@dataclass(slots=True)
class _Followed:
    """The file behind one stream: identity, how far we read, and its first bytes."""

    path: str
    ident: FileIdentity
    offset: int
    head: bytes  # len(head) == min(offset, HEAD_SIZE) once anything was read
    size: int
    mtime_ns: int


def _describe(exc: OSError) -> tuple[str, str]:
    """(key, text) of an OS error; the key makes "report once" per kind of failure."""
    if isinstance(exc, PermissionError):
        return "permission", "permission denied"
    if isinstance(exc, FileNotFoundError):
        return "missing", "no such file or directory; waiting for it to appear"
    code = exc.errno if exc.errno is not None else 0
    return f"os{code}", exc.strerror or errno.errorcode.get(code, str(exc))


class Tail:
    """Follows one path through ``fs``; see the module docstring for the protocol and the invariant.

    ``from_end`` skips the content that exists at the first poll (later files, and files that
    replace this one, are read from their start). ``read_limit`` bounds the bytes one poll
    returns so a burst is handed over in slices. ``known`` is the file's stat from discovery:
    if it rotates before the first poll, its content is then read from the rotated name
    instead of being skipped (without it, the first poll knows only the new file).
    """

    def __init__(self, path: str, fs: FileSystem, *, from_end: bool = False, read_limit: int = READ_LIMIT,
                 known: FileStat | None = None) -> None:
        if read_limit <= 0:
            raise ValueError("read_limit must be positive")
        self.path = path
        self.fs = fs
        self.from_end = from_end
        self.read_limit = read_limit
        self.behind = False
        self._cur: _Followed | None = None
        self._drain: _Followed | None = None
        self._polled = False
        self._skip_existing = from_end
        self._announce_next = True
        self._reported: set[str] = set()
        self._budget = 0
        self._pending_start = False
        if known is not None and not from_end and known.regular:
            self._cur = _Followed(path, known.ident, 0, b"", -1, -1)
            self._pending_start = True

    # ------------------------------------------------------------------ introspection

    @property
    def offset(self) -> int:
        """Bytes consumed from the file now at :attr:`path` (0 while none is followed)."""
        return self._cur.offset if self._cur is not None else 0

    @property
    def draining(self) -> str | None:
        """The rotated file whose remainder is still being read, if any."""
        return self._drain.path if self._drain is not None else None

    @property
    def fingerprint(self) -> str | None:
        return fingerprint(self._cur.head) if self._cur is not None else None

    def stale(self, st: FileStat) -> bool:
        """Whether a stat of :attr:`path` shows something a poll would act on (cheap check)."""
        cur = self._cur
        if cur is None or self._drain is not None:
            return True
        return (st.size != cur.offset or st.mtime_ns != cur.mtime_ns
                or st.ident.same_file(cur.ident) is False)

    # ------------------------------------------------------------------ polling

    def poll(self) -> list[Action]:
        """Look at the file once; return what happened since the last poll, in order."""
        out: list[Action] = []
        self._budget = self.read_limit
        self.behind = False
        st, err = self._stat(self.path)
        if not self._polled and st is None:
            self._skip_existing = False  # it did not exist at start: everything in it will be new
        self._polled = True
        if self._pending_start:  # the file known from discovery: its stream starts now
            self._pending_start = False
            size = st.size if st is not None else 0
            out.append(Event("opened", f"following {self.path} ({size} bytes)"))
            out.append(Start())
        for _attempt in range(4):
            if self._drain is not None:
                # The writer has moved on once the new file has bytes (an empty one may be created
                # before its last flush to the old file).
                self._step_drain(out, new_file_started=st is not None and st.size > 0)
                if self._drain is not None:
                    return out
            if st is None:
                if self._cur is not None:
                    self._lost_track(out, None)
                    continue
                if err is not None:
                    self._report(err, out)
                return out
            if not st.regular:
                self._report_key("notfile", "not a regular file", out)
                return out
            self._reported.discard("missing")
            self._reported.discard("notfile")
            cur = self._cur
            if cur is not None and (st.ident.same_file(cur.ident) is False or st.size < cur.offset):
                self._lost_track(out, st)
                continue
            if cur is None and not self._begin(st, out):
                return out
            if self._read_current(st, out):
                return out
            # The first bytes changed under us: the file was rewritten or replaced. Look again.
            st, err = self._stat(self.path)
        self.behind = True
        return out

    # ------------------------------------------------------------------ steps

    def _stat(self, path: str) -> tuple[FileStat | None, OSError | None]:
        try:
            return self.fs.stat(path), None
        except OSError as exc:
            return None, exc

    def _begin(self, st: FileStat, out: list[Action]) -> bool:
        """Start following the file now at the path; False if it could not be opened."""
        start = Start()
        head = b""
        if self._skip_existing and st.size > 0:
            try:
                head = self.fs.read(self.path, 0, min(HEAD_SIZE, st.size)) or b""
            except OSError as exc:
                self._report(exc, out)
                return False
            bom = _bom(head)
            start = Start(st.size, self._count_lines(self.path, st.size, bom), bom)
        self._skip_existing = False
        self._cur = _Followed(self.path, st.ident, start.offset, head, st.size, st.mtime_ns)
        if self._announce_next:
            how = ""
            if start.offset:
                lines = "?" if start.lines is None else str(start.lines)
                how = f", skipping {start.offset} existing bytes ({lines} lines)"
            out.append(Event("opened", f"following {self.path} ({st.size} bytes{how})"))
        self._announce_next = True
        out.append(start)
        return True

    def _read_current(self, st: FileStat, out: list[Action]) -> bool:
        """Read what is new in the followed file; False when its first bytes no longer match."""
        cur = self._cur
        assert cur is not None
        if st.size == cur.offset and st.mtime_ns == cur.mtime_ns:
            return True
        if self._budget <= 0:
            self.behind = True
            return True
        try:
            data = self.fs.read(self.path, cur.offset, self._budget, head=cur.head, ident=cur.ident)
        except FileNotFoundError:
            self.behind = True  # vanished between stat and open: the next poll sees why
            return True
        except OSError as exc:
            self._report(exc, out)
            return True
        if data is None:  # the first bytes or the handle's identity changed: rewritten, or another file
            self._lost_track(out, self._stat(self.path)[0], rewritten=True)
            return False
        self._reported.clear()
        self._accept(cur, data, out)
        cur.size = st.size
        cur.mtime_ns = st.mtime_ns
        return True

    def _accept(self, f: _Followed, data: bytes, out: list[Action]) -> None:
        if not data:
            return
        if len(f.head) < HEAD_SIZE and len(f.head) == f.offset:
            f.head += data[: HEAD_SIZE - f.offset]
        out.append(Data(data, f.offset, f.path))
        f.offset += len(data)
        self._budget -= len(data)
        if self._budget <= 0:
            self.behind = True

    def _lost_track(self, out: list[Action], st: FileStat | None, *, rewritten: bool = False) -> None:
        """The path vanished, shrank, changed its first bytes or holds another file: why?"""
        cur = self._cur
        assert cur is not None
        self._cur = None
        name = os.path.basename(self.path)
        moved = self._find_renamed(cur)
        if moved is not None:
            cur.path = moved
            self._drain = cur
            self._announce_next = False
            out.append(Event("rotated", f"{name} was renamed to {os.path.basename(moved)}; "
                                        "reading the rest of it, then the new file"))
            return
        out.append(Flush())
        if st is None:
            self._reported.add("missing")
            out.append(Event("deleted", f"{name} was deleted; waiting for it to be created again"))
            return
        same = st.ident.same_file(cur.ident)
        if same is False:
            out.append(Event("deleted", f"{name} was replaced by a different file; reading the new one"))
            return
        how = "rewritten from its start" if rewritten and st.size >= cur.offset else "truncated"
        out.append(Event("truncated", f"{name} was {how} ({cur.offset} → {st.size} bytes); "
                                      "reading it again from the start"))
        self._announce_next = False

    def _step_drain(self, out: list[Action], *, new_file_started: bool) -> None:
        """Read the rotated file's remainder; finish once the writer has moved to the new file."""
        old = self._drain
        assert old is not None
        st, _ = self._stat(old.path)
        if st is None or st.ident.same_file(old.ident) is False:
            moved = self._find_renamed(old)
            st = self._stat(moved)[0] if moved is not None else None
            if moved is None or st is None:
                self._drain = None
                out.append(Flush())
                out.append(Event("error", f"{os.path.basename(old.path)} vanished before the rest of it "
                                          f"(from byte {old.offset}) could be read"))
                return
            old.path = moved
        if st.size > old.offset:
            try:
                data = self.fs.read(old.path, old.offset, self._budget) or b""
            except OSError as exc:
                self._drain = None
                out.append(Flush())
                out.append(Event("error", f"cannot read the rest of {os.path.basename(old.path)}: "
                                          f"{_describe(exc)[1]}"))
                return
            self._accept(old, data, out)
            if self.behind:
                return
        if new_file_started:
            self._drain = None
            out.append(Flush())

    # ------------------------------------------------------------------ rotation and counting

    def _find_renamed(self, f: _Followed) -> str | None:
        """The sibling of :attr:`path` (same base name: ``.lo_``, dated) that is the file ``f`` was."""
        folder = os.path.dirname(self.path) or "."
        own = os.path.normcase(os.path.basename(self.path))
        want = base_name(self.path)
        try:
            names = sorted(self.fs.listdir(folder))
        except OSError:
            return None
        for name in names:
            if os.path.normcase(name) == own or base_name(name) != want:
                continue
            candidate = os.path.join(folder, name)
            st, _ = self._stat(candidate)
            if st is None or not st.regular or st.size < f.offset:
                continue
            same = st.ident.same_file(f.ident)
            if same is False:
                continue
            # Without an inode the first bytes decide; with one they guard against inode reuse.
            if (same is None or f.head) and not self._head_matches(candidate, f.head):
                continue
            return candidate
        return None

    def _head_matches(self, path: str, head: bytes) -> bool:
        if not head:
            return False  # nothing read yet: content cannot tell two files apart
        try:
            return self.fs.read(path, 0, len(head)) == head
        except OSError:
            return False

    def _count_lines(self, path: str, end: int, bom: bytes = b"", chunk: int = 1 << 20) -> int | None:
        """Line breaks in the first ``end`` bytes (for line numbers after ``from_end``); None if huge.

        Counted in bounded slices, each its own read, like every other read here, and the way the
        stream counts them (CRLF, LF and a lone CR), in the file's code units (``bom``).
        """
        codec = _UTF16.get(bom, "")
        chunk -= chunk % 4  # slices keep UTF-16 code units whole
        if end > LINE_COUNT_LIMIT:
            return None
        count = 0
        pos = 0
        after_cr = False
        while pos < end:
            try:
                data = self.fs.read(path, pos, min(chunk, end - pos))
            except OSError:
                return None
            if not data:
                break
            pos += len(data)
            if codec and pos == len(data):
                data = data[len(bom):]
            # Decoded as the stream decodes it, so only whole characters count (a byte search
            # would also find 0x0A inside UTF-16 characters); undecodable bytes are no break.
            text = data.decode(codec or "latin-1", errors="replace")
            count += line_breaks(text, 0, len(text), after_cr)
            after_cr = text.endswith("\r")
        return count

    # ------------------------------------------------------------------ errors

    def _report(self, exc: OSError, out: list[Action]) -> None:
        key, text = _describe(exc)
        self._report_key(key, text, out)

    def _report_key(self, key: str, text: str, out: list[Action]) -> None:
        if key in self._reported:
            return
        self._reported.add(key)
        out.append(Event("error", f"{self.path}: {text}"))
