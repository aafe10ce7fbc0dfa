"""Incremental framing: bytes of any chunk size in, complete entries out.

One :class:`RecordParser` per file. It sniffs the encoding from the first bytes, decodes
incrementally (so a UTF-8 character or a UTF-16 code unit split across chunks is fine), frames
CMTrace records on their markers (never on newlines) and every other format on lines, and holds
back a partial record until it completes or :meth:`RecordParser.flush` is called at end of file.
Whatever it cannot parse becomes a ``plain`` entry: nothing is dropped except NUL padding and
blank lines. Byte offsets and line numbers are tracked exactly, so the result of feeding a file
in any split equals the result of feeding it whole (a property test holds us to that).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterator
from typing import Any

from sumtrace.parsers import formats as F
from sumtrace.parsers.entry import Entry

_SURROGATE = re.compile("[\udc80-\udcff]")
# A line ends at LF, CRLF or a lone CR (classic Mac endings, and writers that emit bare CRs: with
# LF only, a CR-only SMS-trace or WindowsUpdate.log file was one merged entry).
_LINE_BREAK = re.compile("\r\n?|\n")


def line_breaks(buf: str, a: int, b: int, after_cr: bool = False) -> int:
    """Line breaks in ``buf[a:b]`` as records are numbered: CRLF, LF and a lone CR are one each.

    Counted in pieces as a buffer advances: ``after_cr`` says the piece before ended with CR, so an
    LF starting this one completes that CRLF and is not a second break. (The tail counts what
    ``--from-end`` skips with this too, so live line numbers match ``parse``.)
    """
    n = buf.count("\n", a, b)
    cr = buf.count("\r", a, b)
    if cr:
        n += cr - buf.count("\r\n", a, b)
    if after_cr and b > a and buf[a] == "\n":
        n -= 1
    return n
_BLANK = "\r\n\x00 \t\ufeff"  # what may separate records without being text
_SNIFF_BYTES = 64
DEFAULT_MAX_RECORD = 64 * 1024 * 1024


def sniff_encoding(head: bytes, final: bool) -> tuple[str, int] | None:
    """(encoding, BOM length) from the first bytes, or None while more bytes are needed."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8", 3
    if head.startswith(b"\xff\xfe"):
        return "utf-16-le", 2
    if head.startswith(b"\xfe\xff"):
        return "utf-16-be", 2
    if len(head) < 3 and not final:
        return None  # could still become a BOM
    if len(head) >= 2 and head[0] != 0 and head[1] != 0 and b"\x00" not in head[:_SNIFF_BYTES]:
        return "utf-8", 0
    if len(head) < _SNIFF_BYTES and not final:
        return None
    sample = head[:4096]
    half = len(sample) // 2
    if half:
        even_nul = sample[0::2].count(0)
        odd_nul = sample[1::2].count(0)
        if odd_nul > 0.4 * half and even_nul < 0.1 * half:
            return "utf-16-le", 0
        if even_nul > 0.4 * half and odd_nul < 0.1 * half:
            return "utf-16-be", 0
    return "utf-8", 0


def _cp1252_fallback(text: str) -> str:
    """Undo surrogateescape and decode the record as Windows-1252 (per-record fallback)."""
    return text.encode("utf-8", "surrogateescape").decode("cp1252", "replace")


class RecordParser:
    """Turns the bytes of one log file, fed in order, into entries.

    ``host_bias`` is the Windows bias of the machine that wrote the file, used for records that
    carry no zone of their own (see :func:`sumtrace.parsers.files.folder_bias`); it may be set later.
    """

    def __init__(self, path: str, *, host_bias: int | None = None,
                 max_record: int = DEFAULT_MAX_RECORD) -> None:
        self.path = path
        self.max_record = max_record
        self.encoding: str | None = None
        self.entries = 0
        self.unparsed = 0
        self._head = b""
        self._decoder: codecs.IncrementalDecoder | None = None
        self._nbytes: Callable[[str], int] = len
        self._buf = ""
        self._mode = "lines"
        self._cur_pos = 0  # char position in _buf whose line/byte are known
        self._cur_line = 1
        self._cur_byte = 0
        self._line_scanned = 0  # chars of the pending line already known to hold no line break
        self._cur_after_cr = False  # the counted text ended with a CR (a CRLF may straddle the count)
        self._cm_wait_from: int | None = None
        self._cm_wait_line = False  # waiting for the line of an undecided trailer to end, not for an end marker
        self._held: Entry | None = None
        self._last_format: str | None = None
        self._surrogates = False
        base = path.replace("\\", "/").rsplit("/", 1)[-1].lower()
        stem = base_stem(path)
        self._lines = F.LineState(host_bias, base.startswith(("u_ex", "ex", "u_in", "u_nc")), stem)
        self._out: list[Entry] = []

    # ------------------------------------------------------------------ public API

    @property
    def host_bias(self) -> int | None:
        return self._lines.host_bias

    @host_bias.setter
    def host_bias(self, value: int | None) -> None:
        self._lines.host_bias = value

    @property
    def pending_bytes(self) -> int:
        """Bytes held back waiting for the end of a record (approximate for UTF-16)."""
        return len(self._head) + self._nbytes(self._buf[self._cur_pos:]) if self._buf else len(self._head)

    def feed(self, data: bytes) -> list[Entry]:
        """Parse a chunk; return the entries it completed."""
        self._out = []
        if data:
            self._push(data, final=False)
            self._frame(final=False)
        return self._collect()

    def flush(self) -> list[Entry]:
        """End of file: emit everything still held, partial records as unparsed text."""
        self._out = []
        self._push(b"", final=True)
        self._frame(final=True)
        if self._held is not None:
            self._emit(self._held)
            self._held = None
        return self._collect()

    # ------------------------------------------------------------------ decoding

    def _push(self, data: bytes, final: bool) -> None:
        if self._decoder is None:
            self._head += data
            found = sniff_encoding(self._head, final)
            if found is None:
                return
            enc, bom = found
            self.encoding = enc + ("-sig" if bom and enc == "utf-8" else "")
            self._decoder = codecs.getincrementaldecoder(enc)("surrogateescape" if enc == "utf-8" else "replace")
            if enc.startswith("utf-16"):
                self._nbytes = _utf16_len
            else:
                self._nbytes = _utf8_len
            self._cur_byte = bom
            data, self._head = self._head[bom:], b""
        text = self._decoder.decode(data, final)
        if text:
            if not self._surrogates and self.encoding and self.encoding.startswith("utf-8") and _SURROGATE.search(text):
                self._surrogates = True
            # Appended through a local holding the only reference, so CPython grows the string in
            # place instead of copying the whole pending buffer on every chunk (``self._buf += text``
            # copied: quadratic in the number of chunks of a record that does not close).
            buf, self._buf = self._buf, ""
            buf += text
            self._buf = buf

    # ------------------------------------------------------------------ positions

    def _where(self, pos: int) -> tuple[int, int]:
        """(line, byte offset) of char position ``pos`` in the buffer; positions only move forward."""
        if pos > self._cur_pos:
            span = self._buf[self._cur_pos:pos]
            self._cur_line += self._breaks(self._buf, self._cur_pos, pos)
            self._cur_byte += self._nbytes(span)
            self._cur_pos = pos
        return self._cur_line, self._cur_byte

    def _breaks(self, buf: str, a: int, b: int) -> int:
        """Line breaks in buf[a:b] (:func:`line_breaks`), given what was counted before ``a``."""
        n = line_breaks(buf, a, b, self._cur_after_cr)
        if b > a:
            self._cur_after_cr = buf[b - 1] == "\r"
        return n

    def _consume(self, pos: int) -> None:
        self._where(pos)
        self._buf = self._buf[pos:]
        self._cur_pos = 0
        if self._cm_wait_from is not None:
            self._cm_wait_from = max(0, self._cm_wait_from - pos)

    # ------------------------------------------------------------------ framing

    def _frame(self, final: bool) -> None:
        if self._decoder is None:
            return
        if self._mode == "lines":
            self._frame_lines(final)
        if self._mode == "cm":
            self._frame_cm(final)

    def _frame_lines(self, final: bool) -> None:
        buf = self._buf
        pos = 0
        n = len(buf)
        st = self._lines
        skip, self._line_scanned = self._line_scanned, 0
        while pos < n:
            brk = _LINE_BREAK.search(buf, pos + skip)
            skip = 0
            if brk is None or (brk.end() == n and buf[n - 1] == "\r" and not final):
                # No break yet, or a CR that may be the first half of a CRLF still to come:
                # decided by the next chunk (so any chunking gives the same lines). What was
                # searched is not searched again (a long line fed in small chunks was quadratic).
                if not final:
                    self._line_scanned = (n if brk is None else n - 1) - pos
                    break
                end = n if brk is None else brk.start()
                nxt = n
            else:
                end = brk.start()
                nxt = brk.end()
            raw = buf[pos:end]
            if F.CM_START in raw or (F.CM_END in raw and F.CM_TRAILER.search(raw)):
                # CMTrace from here on (a file may start with the trailer of a torn record).
                self._mode = "cm"
                self._consume(pos)
                return
            text = raw.rstrip("\r")
            if "\x00" in text:
                text = text.replace("\x00", "")
            if text.startswith("\ufeff"):
                text = text.lstrip("\ufeff")  # writers that append with a BOM each time (SUPSetup.log)
            if not text.strip():
                pos = nxt
                continue
            if F.iis_directive(text, st):
                pos = nxt
                continue
            line, offset = self._where(pos)
            entry = self._parse_line(text, line, offset)
            if entry is None:
                if self._held is not None:
                    self._held.message += "\n" + text
                else:
                    self._emit(F.parse_plain(text, self.path, line, offset))
            elif entry.format == "wsus":
                if self._held is not None:
                    self._emit(self._held)
                self._held = entry
            else:
                if self._held is not None:
                    self._emit(self._held)
                    self._held = None
                self._emit(entry)
            pos = nxt
        if len(buf) - pos > self.max_record and not final:
            line, offset = self._where(pos)
            self._emit(F.parse_plain(buf[pos:], self.path, line, offset))
            pos = len(buf)
            self._line_scanned = 0
        self._consume(pos)

    def _parse_line(self, text: str, line: int, offset: int) -> Entry | None:
        tried: set[str] = set()
        for name in (self._last_format, F.guess_line_format(text), *F.LINE_PARSERS):
            if name is None or name in tried:
                continue
            tried.add(name)
            try:
                entry = F.LINE_PARSERS[name](text, self.path, line, offset, self._lines)
            except ValueError as exc:  # the grammar matched but a field is malformed: this line only
                return self._bad_record(text, line, offset, exc)
            if entry is not None:
                self._last_format = name
                return entry
        return None

    def _frame_cm(self, final: bool) -> None:
        buf = self._buf
        if not final and self._cm_wait_from is not None:
            wait = self._cm_wait_from
            if self._cm_wait_line:
                # An undecided trailer is decided by the end of its line, or a record start after it
                # (re-framing on every chunk of a long line of end markers was quadratic).
                idle = buf.find("\n", wait) == -1 and buf.find(F.CM_START, wait) == -1
            else:
                idle = buf.find(F.CM_END, wait) == -1
            if idle and len(buf) <= self.max_record:
                self._cm_wait_from = max(wait, len(buf) - len(F.CM_START) + 1)
                return
        self._cm_wait_from = None
        self._cm_wait_line = False
        last = 0
        host_bias = self._lines.host_bias
        path = self.path
        emit = self._out.append
        build = F.cm_entry_from_match
        start_marker = F.CM_START
        ascii_buf = self._nbytes is _utf8_len and buf.isascii()
        end_marker = F.CM_END
        match = F.CM_RECORD.match
        pos = 0
        # Records are framed with literal searches, and the grammar is only run from the last
        # record start before an end marker: each character is scanned a bounded number of times,
        # whatever the input (a file of openers without an end no longer rescans to the end for
        # every opener). Same records as finditer: a record's message runs to the first end
        # marker, so every start before that marker shares its fate.
        # The position bookkeeping of _where() lives in locals for the loop (it runs once per record)
        # and is written back around the rare calls that use it (junk, loose records, non-ASCII).
        cur_pos, cur_line, cur_byte, after_cr = self._cur_pos, self._cur_line, self._cur_byte, self._cur_after_cr
        count = buf.count
        find = buf.find
        while True:
            first = find(start_marker, pos)
            if first == -1:
                break
            stop = find(end_marker, first + 7)  # len(CM_START)
            if stop == -1:
                break  # no later start can have an end either
            start = buf.rfind(start_marker, first, stop)
            m = match(buf, start)
            if m is None:
                pos = stop + 1
                continue
            end = pos = m.end()
            if start != first or (start > last and (start - last > 2 or buf[last:start] not in ("\r\n", "\n"))
                                  and buf[last:start].strip(_BLANK)):
                self._cur_pos, self._cur_line, self._cur_byte, self._cur_after_cr = cur_pos, cur_line, cur_byte, after_cr
                if start != first:
                    self._junk_or_loose(last, start)
                else:
                    self._junk(last, start)
                cur_pos, cur_line, cur_byte, after_cr = self._cur_pos, self._cur_line, self._cur_byte, self._cur_after_cr
            if ascii_buf and start >= cur_pos:
                # _where() and _breaks() inline for the common ASCII case.
                if start > cur_pos:
                    n = count("\n", cur_pos, start)
                    cr = count("\r", cur_pos, start)
                    if cr:
                        n += cr - count("\r\n", cur_pos, start)
                    if after_cr and buf[cur_pos] == "\n":
                        n -= 1
                    after_cr = buf[start - 1] == "\r"
                    cur_line += n
                    cur_byte += start - cur_pos
                    cur_pos = start
                line, offset = cur_line, cur_byte
            else:
                self._cur_pos, self._cur_line, self._cur_byte, self._cur_after_cr = cur_pos, cur_line, cur_byte, after_cr
                line, offset = self._where(start)
                cur_pos, cur_line, cur_byte, after_cr = self._cur_pos, self._cur_line, self._cur_byte, self._cur_after_cr
            try:
                emit(build(m, path, line, offset, host_bias))
            except ValueError as exc:  # one malformed field costs this record only
                emit(self._bad_record(buf[start:end], line, offset, exc))
            last = end
        self._cur_pos, self._cur_line, self._cur_byte, self._cur_after_cr = cur_pos, cur_line, cur_byte, after_cr
        if final:
            self._junk_or_loose(last, len(buf))
            self._consume(len(buf))
            return
        mark = buf.find(F.CM_START, last)
        if mark != -1:
            mark -= last
        if mark == -1:
            # Text after the last record: it may be (the start of) a torn record's surviving text,
            # whose trailer is still to come, so it is held until a trailer or a record start
            # bounds it (or the end of the file). Complete trailers found so far are emitted.
            cut, undecided = self._torn_cut(last)
            if len(buf) - last > self.max_record:
                cut, undecided = len(buf), None
            if cut > last:
                self._junk(last, cut)
            self._consume(cut)
            # Nothing can change until an end marker arrives (or the undecided one completes).
            rebased = self._buf
            self._cm_wait_from = (undecided - cut if undecided is not None
                                  else max(0, len(rebased) - len(F.CM_END) + 1))
            self._cm_wait_line = undecided is not None
            return
        if mark > 0:
            self._junk(last, last + mark)
        start = last + mark
        if buf.find(F.CM_END, start) == -1:
            self._cm_wait_from = max(start, len(buf) - len(F.CM_END) + 1)
        else:
            # Complete records the strict grammar rejects (attributes in another order) are read
            # now, not when the next record arrives: live, that was the end of the watch.
            done = self._loose_end(start)
            if done > start:
                self._junk_or_loose(start, done)
                start = done
        if len(buf) - start > self.max_record:
            self._junk(start, len(buf))
            self._consume(len(buf))
            return
        self._consume(start)

    def _loose_end(self, start: int) -> int:
        """The end of the last complete record (by the loose grammar: any attribute order) in the
        run of records that begins at ``start``, or ``start`` if the first is not complete yet.

        An attribute block counts only with its closing ``>``, so a record still arriving waits."""
        buf = self._buf
        done = start
        s = start
        while s != -1:
            e = buf.find(F.CM_END, s + len(F.CM_START))
            if e == -1:
                break
            am = F.CM_ATTRS_BLOCK.match(buf, e + len(F.CM_END))
            if am is None:
                break
            done = am.end()
            s = buf.find(F.CM_START, done)
        return done

    def _junk_or_loose(self, a: int, b: int) -> None:
        """Text between records: a record the strict grammar rejected, or unframed lines.

        A loop, not a recursion (a file of thousands of such records overflowed the stack), and
        it works on the buffer in place (no copy of the rest per record).
        """
        buf = self._buf
        while True:
            s = buf.find(F.CM_START, a, b)
            e = buf.find(F.CM_END, s + 1, b) if s != -1 else -1
            if s == -1 or e == -1:
                break
            am = F.CM_ATTRS_BLOCK.match(buf, e + len(F.CM_END), b)
            if am is None:
                break
            if s > a:
                self._junk(a, s)
            line, offset = self._where(s)
            try:
                entry = F.cm_entry_loose(buf[s + len(F.CM_START):e], am.group(1), self.path, line, offset,
                                         self._lines.host_bias)
            except ValueError as exc:
                entry = self._bad_record(buf[s:am.end()], line, offset, exc)
            if entry is None:
                a = s  # as before: this segment, from the record start, is junk
                break
            self._emit(entry)
            a = am.end()
        self._junk(a, b)

    def _torn_cut(self, a: int) -> tuple[int, int | None]:
        """Where the text from ``a`` (no record start in it) can be cut: just after its last
        complete torn-record trailer (else ``a``), and the position of an end marker whose
        attribute block may still be arriving (its line is not complete yet), if any."""
        buf = self._buf
        cut = a
        nl = -1  # the next line break at or after pos, once looked up (looked up once per line,
        # not once per end marker: a long line of markers made this quadratic)
        pos = buf.find(F.CM_END, a)
        while pos != -1:
            m = F.CM_TRAILER.match(buf, pos)
            if m is not None:
                cut = m.end()
            else:
                if nl < pos:
                    nl = buf.find("\n", pos)
                    if nl == -1:
                        return cut, pos  # the rest of this line may still complete the trailer
            pos = buf.find(F.CM_END, pos + 1)
        return cut, None

    def _junk(self, a: int, b: int) -> None:
        """Text between records, buf[a:b], complete: torn records, then unparsed plain lines.

        Each trailer (``]LOG]!><time=… …>``) left by a torn record becomes a damaged record,
        with the text before it (since the previous record or trailer) as its message. Every
        other non-blank line is emitted as an unparsed plain entry.
        """
        buf = self._buf
        pos = buf.find(F.CM_END, a, b)
        while pos != -1:
            m = F.CM_TRAILER.match(buf, pos, b)
            if m is not None:
                start = a
                while start < pos and buf[start] in _BLANK:
                    start += 1
                line, offset = self._where(start)
                fragment = buf[start:pos].replace("\x00", "").strip(_BLANK)
                try:
                    entry = F.cm_entry_torn(fragment, m.group(1), self.path, line, offset, self._lines.host_bias)
                except ValueError as exc:
                    entry = self._bad_record(buf[start:m.end()], line, offset, exc)
                if entry is not None:
                    self._emit(entry)
                else:  # a trailer without a valid time: text like any other
                    self._plain_lines(a, m.end())
                a = m.end()
            pos = buf.find(F.CM_END, pos + 1, b)
        self._plain_lines(a, b)

    def _plain_lines(self, a: int, b: int) -> None:
        """Emit each non-blank line of buf[a:b] as an unparsed plain entry."""
        buf = self._buf
        pos = a
        while pos < b:
            brk = _LINE_BREAK.search(buf, pos, b)
            end, nxt = (b, b) if brk is None else brk.span()
            text = buf[pos:end].replace("\x00", "")
            if text.strip(_BLANK):
                line, offset = self._where(pos)
                self._emit(F.parse_plain(text.lstrip("\ufeff"), self.path, line, offset))
            pos = nxt

    # ------------------------------------------------------------------ output

    def _bad_record(self, text: str, line: int, offset: int, exc: Exception) -> Entry:
        """A record whose grammar matched but one field could not be read (a thread number of
        thousands of digits, a date that overflows with its bias, ``thread="²"``): it becomes an
        unparsed entry of its own text, with the reason, and parsing carries on."""
        entry = F.parse_plain(text.replace("\x00", ""), self.path, line, offset)
        entry.extra = {"unparsed_reason": str(exc) or type(exc).__name__}
        return entry


    def _emit(self, entry: Entry) -> None:
        self._out.append(entry)

    def _collect(self) -> list[Entry]:
        out = self._out
        self._out = []
        if self._surrogates:
            for e in out:
                if _SURROGATE.search(e.message):
                    e.message = _cp1252_fallback(e.message)
                if _SURROGATE.search(e.component):
                    e.component = _cp1252_fallback(e.component)
        self.entries += len(out)
        self.unparsed += sum(1 for e in out if e.format == "plain")
        return out


_ROLLED_SUFFIX = re.compile(r"-\d{8}-\d{6}$")


def base_stem(path: str) -> str:
    """``C:\\Logs\\SUPSetup-20240518-212229.log`` → ``SUPSetup`` (case kept), ``x.lo_`` → ``x``."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1].rsplit("!", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return _ROLLED_SUFFIX.sub("", stem)


def _utf8_len(span: str) -> int:
    if span.isascii():
        return len(span)
    return len(span.encode("utf-8", "surrogateescape"))


def _utf16_len(span: str) -> int:
    return len(span.encode("utf-16-le", "surrogatepass"))


def parse_bytes(path: str, data: bytes, *, host_bias: int | None = None) -> list[Entry]:
    """Parse a whole file's bytes at once (tests and small inputs)."""
    p = RecordParser(path, host_bias=host_bias)
    return p.feed(data) + p.flush()


def iter_chunks(path: str, chunk_size: int = 1 << 20, start: int = 0) -> Iterator[bytes]:
    """Read a file in chunks, opening and closing it around every read.

    ConfigMgr renames its logs while writing them; on Windows an open handle without
    FILE_SHARE_DELETE would block that, so we never keep one between reads.
    """
    offset = start
    while True:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read(chunk_size)
        if not data:
            return
        offset += len(data)
        yield data


def parse_file(path: str, *, host_bias: int | None = None, chunk_size: int = 1 << 20,
               stats: dict[str, Any] | None = None) -> Iterator[Entry]:
    """Stream the entries of one file; fills ``stats`` (entries, unparsed, encoding) at the end."""
    p = RecordParser(path, host_bias=host_bias)
    for chunk in iter_chunks(path, chunk_size):
        yield from p.feed(chunk)
    yield from p.flush()
    if stats is not None:
        stats.update(entries=p.entries, unparsed=p.unparsed, encoding=p.encoding or "empty")
