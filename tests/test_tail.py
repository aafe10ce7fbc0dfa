"""parsers.tail: the pure state machine, driven by hand and by hypothesis over real files.

The tail is given the real file system (:class:`sumtrace.live.tailio.LocalFiles`), so these tests
cover the decisions and the I/O shell together, on real renames, truncations and replacements.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sumtrace.live.tailio as tailio
from sumtrace.parsers.entry import Entry
from sumtrace.parsers.stream import RecordParser
from sumtrace.parsers.tail import (
    HEAD_SIZE,
    Action,
    Data,
    Event,
    FileIdentity,
    FileStat,
    Flush,
    Start,
    Tail,
    fingerprint,
)
from tests.livekit import append, cm, records


def follow(path: str, *, known: os.stat_result | None = None, **options: Any) -> Tail:
    """A tail on the real file system, wired as :mod:`sumtrace.live.watcher` wires it."""
    return Tail(path, tailio.LocalFiles(), known=tailio.file_stat(known) if known is not None else None, **options)


class Consumer:
    """Applies actions the way the pipeline does: one parser per stream."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.parser: RecordParser | None = None
        self.entries: list[Entry] = []
        self.events: list[Event] = []
        self.base = (0, 0)

    def apply(self, actions: list[Action]) -> None:
        for a in actions:
            if isinstance(a, Start):
                assert self.parser is None, "a stream started before the previous one was flushed"
                self.parser = RecordParser(self.path)
                self.parser.feed(a.prefix)
                self.base = (a.offset - len(a.prefix) if a.offset else 0, a.lines or 0)
            elif isinstance(a, Data):
                assert self.parser is not None, "data outside a stream"
                self._add(self.parser.feed(a.data))
            elif isinstance(a, Flush):
                assert self.parser is not None, "flush outside a stream"
                self._add(self.parser.flush())
                self.parser = None
            else:
                self.events.append(a)

    def _add(self, entries: list[Entry]) -> None:
        for e in entries:
            e.offset += self.base[0]
            e.line += self.base[1]
        self.entries += entries

    def drain(self, tail: Tail) -> None:
        self.apply(tail.poll())
        while tail.behind:
            self.apply(tail.poll())

    def finish(self) -> None:
        if self.parser is not None:
            self._add(self.parser.flush())
            self.parser = None

    @property
    def messages(self) -> list[str]:
        return [e.message for e in self.entries]

    @property
    def changes(self) -> list[str]:
        return [e.change for e in self.events]


def test_appends_and_a_missing_file_reported_once(tmp_path: Path) -> None:
    log = tmp_path / "ScanAgent.log"
    t = follow(str(log))
    c = Consumer(str(log))
    c.drain(t)
    c.drain(t)
    assert c.changes == ["error"] and "no such file" in c.events[0].detail
    msgs, data = records("a", 0, 3)
    log.write_bytes(data[:10])
    c.drain(t)
    append(log, data[10:])
    c.drain(t)
    c.finish()
    assert c.messages == msgs
    assert c.changes == ["error", "opened"]
    assert t.offset == len(data)


def test_rotation_drains_remainder_then_new_file(tmp_path: Path) -> None:
    log, old = tmp_path / "ScanAgent.log", tmp_path / "ScanAgent.lo_"
    msgs, data = records("r", 0, 6)
    log.write_bytes(data[:300])
    t, c = follow(str(log)), Consumer(str(log))
    c.drain(t)
    os.rename(log, old)
    c.drain(t)  # path missing: the .lo_ is found and followed for its last flush
    assert t.draining == str(old)
    append(old, data[300:])
    c.drain(t)
    assert t.draining == str(old)  # the writer has not started the new file yet
    new_msgs, new_data = records("n", 6, 8)
    log.write_bytes(new_data)
    c.drain(t)
    c.finish()
    assert t.draining is None
    assert c.messages == msgs + new_msgs
    assert c.changes == ["opened", "rotated"]
    assert all(e.format == "cmtrace" for e in c.entries)


def test_record_split_across_rotation_is_flushed_not_dropped(tmp_path: Path) -> None:
    log = tmp_path / "ScanAgent.log"
    msgs, data = records("s", 0, 2)
    log.write_bytes(data + cm("cut in two")[:40])  # the writer died mid-record, then rotated
    t, c = follow(str(log)), Consumer(str(log))
    c.drain(t)
    os.rename(log, tmp_path / "ScanAgent.lo_")
    log.write_bytes(cm("fresh"))
    c.drain(t)
    c.finish()
    assert c.messages[:2] == msgs
    assert c.entries[2].unparsed and c.entries[2].message.startswith("<![LOG[cut in two")
    assert c.messages[3:] == ["fresh"]


def test_truncated_and_rewritten_past_the_old_offset(tmp_path: Path) -> None:
    log = tmp_path / "WUAHandler.log"
    first, f_data = records("first", 0, 2)
    second, s_data = records("second-longer-content", 0, 5)
    log.write_bytes(f_data)
    t, c = follow(str(log)), Consumer(str(log))
    c.drain(t)
    with open(log, "r+b") as fh:  # same inode, new content longer than what we had read
        fh.truncate(0)
        fh.write(s_data)
    c.drain(t)
    c.finish()
    assert c.messages == first + second
    assert c.changes == ["opened", "truncated"]


def test_replaced_by_a_different_file(tmp_path: Path) -> None:
    log = tmp_path / "CAS.log"
    first, f_data = records("first", 0, 3)
    other, o_data = records("other", 0, 4)
    log.write_bytes(f_data)
    t, c = follow(str(log)), Consumer(str(log))
    c.drain(t)
    staged = tmp_path / "staged.tmp"
    staged.write_bytes(o_data)
    os.replace(staged, log)
    c.drain(t)
    c.finish()
    assert c.messages == first + other
    assert c.changes == ["opened", "deleted", "opened"]
    assert "replaced" in c.events[1].detail


def test_rotation_found_by_fingerprint_without_inodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where st_ino is 0 (some shares), the first bytes identify the renamed file."""
    real = tailio.identity_of
    monkeypatch.setattr(tailio, "identity_of", lambda st: FileIdentity(0, 0, None))
    log = tmp_path / "ScanAgent.log"
    msgs, data = records("fp", 0, 12)
    log.write_bytes(data[:HEAD_SIZE + 100])
    t, c = follow(str(log)), Consumer(str(log))
    c.drain(t)
    assert t.fingerprint == fingerprint(data[:HEAD_SIZE])
    append(log, data[HEAD_SIZE + 100:])
    os.rename(log, tmp_path / "ScanAgent-20260120-120000.log")
    new_msgs, new_data = records("nf", 12, 20)  # the new file is larger than our old offset
    log.write_bytes(new_data)
    c.drain(t)
    c.finish()
    assert c.messages == msgs + new_msgs
    assert c.changes == ["opened", "rotated"]
    assert real is not tailio.identity_of


def test_bounded_reads_hand_over_slices(tmp_path: Path) -> None:
    log = tmp_path / "ScanAgent.log"
    msgs, data = records("b", 0, 40)
    log.write_bytes(data)
    t, c = follow(str(log), read_limit=500), Consumer(str(log))
    polls = 0
    c.apply(t.poll())
    while t.behind:
        polls += 1
        c.apply(t.poll())
    c.finish()
    assert polls >= len(data) // 500 - 1
    assert c.messages == msgs


def test_from_end_places_the_stream(tmp_path: Path) -> None:
    log = tmp_path / "ReportingEvents.log"
    text = "line one\r\nline two\r\n"
    log.write_bytes(b"\xff\xfe" + text.encode("utf-16-le"))
    t, c = follow(str(log), from_end=True), Consumer(str(log))
    actions = t.poll()
    start = next(a for a in actions if isinstance(a, Start))
    assert start.offset == log.stat().st_size and start.lines == 2 and start.prefix == b"\xff\xfe"
    c.apply(actions)
    append(log, "third\r\n".encode("utf-16-le"))
    c.drain(t)
    c.finish()
    assert c.messages == ["third"]
    assert c.entries[0].line == 3 and c.entries[0].offset == 2 + len(text.encode("utf-16-le"))


def test_permission_error_once_then_recovers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "ScanAgent.log"
    msgs, data = records("p", 0, 3)
    log.write_bytes(data)
    real = tailio._open_binary

    def deny(path: str):  # type: ignore[no-untyped-def]
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(tailio, "_open_binary", deny)
    t, c = follow(str(log)), Consumer(str(log))
    for _ in range(3):
        append(log, b"")
        c.drain(t)
    assert c.changes == ["opened", "error"] and "permission denied" in c.events[1].detail
    monkeypatch.setattr(tailio, "_open_binary", real)
    c.drain(t)
    c.finish()
    assert c.messages == msgs


def test_non_regular_path(tmp_path: Path) -> None:
    d = tmp_path / "ScanAgent.log"
    d.mkdir()
    t = follow(str(d))
    assert [a.change for a in t.poll() if isinstance(a, Event)] == ["error"]
    assert t.poll() == []


# --------------------------------------------------------------------------- property

_MSG = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=30).filter(
    lambda s: "<![LOG[" not in s and "]LOG]!>" not in s and s.strip() == s and s != "")


@settings(max_examples=int(os.environ.get("SUMTRACE_TAIL_EXAMPLES", "60")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    old_msgs=st.lists(_MSG, min_size=1, max_size=8),
    new_msgs=st.lists(_MSG, min_size=0, max_size=6),
    cuts=st.lists(st.integers(min_value=1, max_value=97), min_size=1, max_size=12),
    polls=st.lists(st.booleans(), min_size=1, max_size=30),
    rename_at=st.integers(min_value=0, max_value=30),
    dated=st.booleans(),
    create_early=st.booleans(),
    limit=st.sampled_from([7, 64, 4096]),
)
def test_any_appends_and_one_rotation_yield_exactly_the_records(
        old_msgs: list[str], new_msgs: list[str], cuts: list[int], polls: list[bool], rename_at: int,
        dated: bool, create_early: bool, limit: int) -> None:
    old_data = b"".join(cm(m, i) for i, m in enumerate(old_msgs))
    new_data = b"".join(cm(m, i) for i, m in enumerate(new_msgs))
    chunks = _split(old_data, cuts)
    rename_at = max(1, min(rename_at, len(chunks)))
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "ScanAgent.log")
        rolled = os.path.join(tmp, "ScanAgent-20260120-101500.log" if dated else "ScanAgent.lo_")
        t, c = follow(log, read_limit=limit), Consumer(log)
        target = log
        seen = False  # the tail must have looked at X.log once before it is rotated away
        for i, chunk in enumerate(chunks):
            if i == rename_at:
                if not seen:
                    c.apply(t.poll())
                os.rename(log, rolled)
                target = rolled
                if create_early:  # an empty new file may appear before the writer's last flush
                    open(log, "ab").close()
            append(target, chunk)
            if polls[i % len(polls)]:
                c.apply(t.poll())
                seen = True
        if rename_at == len(chunks):
            if not seen:
                c.apply(t.poll())
            os.rename(log, rolled)
        for chunk in _split(new_data, cuts):
            append(log, chunk)
            if polls[-1]:
                c.apply(t.poll())
        open(log, "ab").close()  # the new file exists at the end, even if nothing was written to it
        c.drain(t)
        c.finish()
    assert c.messages == old_msgs + new_msgs
    assert all(not e.unparsed for e in c.entries)


def _split(data: bytes, cuts: list[int]) -> list[bytes]:
    out, pos, i = [], 0, 0
    while pos < len(data):
        step = cuts[i % len(cuts)]
        out.append(data[pos:pos + step])
        pos += step
        i += 1
    return out or [b""]


def test_rotation_between_discovery_and_first_poll(tmp_path: Path) -> None:
    log = tmp_path / "ScanAgent.log"
    msgs, data = records("k", 0, 4)
    log.write_bytes(data)
    t, c = follow(str(log), known=log.stat()), Consumer(str(log))
    os.rename(log, tmp_path / "ScanAgent.lo_")  # rotated before we ever read it
    new_msgs, new_data = records("k2", 4, 6)
    log.write_bytes(new_data)
    c.drain(t)
    c.finish()
    assert c.messages == msgs + new_msgs
    assert c.changes == ["opened", "rotated"]


# --------------------------------------------------------------------------- the interface alone


class MemoryFiles:
    """An in-memory :class:`~sumtrace.parsers.tail.FileSystem`: paths that exist nowhere on disk.

    It proves the tail does all its I/O through the interface it is given, and lets a test set
    up what no local disk shows: here a share without inode numbers (``ino`` 0).
    """

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.calls: list[str] = []

    def _data(self, path: str) -> bytes:
        if path not in self.files:
            raise FileNotFoundError(2, "No such file or directory", path)
        return self.files[path]

    def stat(self, path: str) -> FileStat:
        self.calls.append("stat")
        data = self._data(path)
        return FileStat(True, len(data), hash(data), FileIdentity(0, 0, None))  # new content, new mtime

    def read(self, path: str, offset: int, size: int, head: bytes = b"",
             ident: FileIdentity | None = None) -> bytes | None:
        self.calls.append("read")
        data = self._data(path)
        if head and data[:len(head)] != head:
            return None
        return data[offset:offset + size]

    def listdir(self, folder: str) -> list[str]:
        self.calls.append("listdir")
        return [p.rsplit("/", 1)[1] for p in self.files if p.rsplit("/", 1)[0] == folder]


def test_the_tail_does_its_io_through_the_file_system_it_is_given() -> None:
    fs = MemoryFiles()
    log, old = "/nowhere/ScanAgent.log", "/nowhere/ScanAgent.lo_"
    msgs, data = records("mem", 0, 14)
    assert len(data) > HEAD_SIZE + 200  # the fingerprint alone identifies the renamed file
    fs.files[log] = data[:HEAD_SIZE + 100]
    t, c = Tail(log, fs), Consumer(log)
    c.drain(t)
    fs.files[old] = fs.files.pop(log) + data[HEAD_SIZE + 100:]  # renamed, then its last flush
    new_msgs, new_data = records("mem-new", 14, 16)
    fs.files[log] = new_data
    c.drain(t)
    c.finish()
    assert c.messages == msgs + new_msgs
    assert c.changes == ["opened", "rotated"]
    assert {"stat", "read", "listdir"} <= set(fs.calls)


class _RotateBeforeRead(tailio.LocalFiles):
    """Rotates the log between the tail's ``stat`` and its ``open``, once: the race of issue 13.

    The new generation starts with the same bytes as the old one (the same first record), so
    only the identity of the opened handle can tell them apart.
    """

    def __init__(self, log: Path, new_data: bytes) -> None:
        self.log, self.new_data, self.armed = log, new_data, False

    def read(self, path: str, offset: int, size: int, head: bytes = b"",
             ident: FileIdentity | None = None) -> bytes | None:
        if self.armed and path == str(self.log):
            self.armed = False
            os.replace(self.log, self.log.with_suffix(".lo_"))
            self.log.write_bytes(self.new_data)
        return super().read(path, offset, size, head, ident)


def test_a_rotation_between_stat_and_open_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    """The identity is taken from the handle that is read: the old generation's rest is read from
    its new name, the new file from its start, each record once."""
    log = tmp_path / "ScanAgent.log"
    first, first_data = records("old", 0, 3)
    rest, rest_data = records("old", 3, 9)
    new, new_data = records("new", 9, 14)
    log.write_bytes(first_data)
    fs = _RotateBeforeRead(log, first_data + new_data)  # the new generation begins like the old one
    t, c = Tail(str(log), fs), Consumer(str(log))
    c.drain(t)
    append(log, rest_data)  # the old generation grows: the next poll stats it, then reads...
    fs.armed = True  # ...after the writer rotated it
    c.drain(t)
    c.drain(t)
    c.drain(t)
    c.finish()
    assert c.messages == first + rest + first + new  # the new generation's own copy of record 0 too
    assert "rotated" in c.changes


@pytest.mark.parametrize("ending", ["\r\n", "\n", "\r"], ids=["CRLF", "LF", "CR"])
@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_from_end_line_numbers_count_every_line_ending(tmp_path: Path, ending: str, codec: str) -> None:
    # Before, only LF was counted: after --from-end on a CR-only log every later line number was off.
    log = tmp_path / "WUAHandler.log"
    head = "".join(f"line {i}{ending}" for i in range(7))
    log.write_bytes(head.encode(codec))
    t, c = follow(str(log), from_end=True), Consumer(str(log))
    actions = t.poll()
    start = next(a for a in actions if isinstance(a, Start))
    assert start.lines == 7
    c.apply(actions)
    append(log, f"later{ending}after{ending}".encode("utf-16-le" if codec == "utf-16" else codec))
    c.drain(t)
    c.finish()
    assert c.messages == ["later", "after"]
    assert [e.line for e in c.entries] == [8, 9]


@given(st.lists(st.sampled_from(["a", "é", "\r", "\n", "\r\n", "\u0a0d"]), max_size=60),
       st.integers(min_value=1, max_value=9))
def test_line_breaks_in_pieces_match_splitlines(parts: list[str], cut: int) -> None:
    from sumtrace.parsers.stream import line_breaks

    text = "".join(parts)
    got, after_cr = 0, False
    for i in range(0, len(text), cut):  # in pieces, a CRLF split between two of them counted once
        got += line_breaks(text, i, min(i + cut, len(text)), after_cr)
        after_cr = text[min(i + cut, len(text)) - 1] == "\r"
    assert got == len(text.splitlines()) - (0 if text.endswith(("\r", "\n")) or not text else 1)
