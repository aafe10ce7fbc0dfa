"""Grammars of every log format on the update path, and the builders that turn a match into an Entry.

Each builder receives the already-framed record text plus its position, so framing (which is
about bytes, chunks and encodings) stays in :mod:`sumtrace.parsers.stream` and this module is only about
what the text means: fields, local time, the UTC conversion rule of that format, and severity.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from typing import Any

from sumtrace.parsers.entry import DAMAGED, NO_EXTRA, Entry, Severity, TimeSource
from sumtrace.parsers.severity import infer_severity

UTC = timezone.utc
_DELTAS: dict[int, timedelta] = {}


def _delta(minutes: int) -> timedelta:
    d = _DELTAS.get(minutes)
    if d is None:
        d = _DELTAS[minutes] = timedelta(minutes=minutes)
    return d


def _micro(frac: str | None) -> int:
    """1–7 fraction digits → microseconds (7-digit .NET ticks are truncated, not rounded)."""
    if not frac:
        return 0
    return int(frac[:6].ljust(6, "0"))


_MAX_NUMBER_DIGITS = 20  # a thread, process id or status longer than this is not one (and int() of
# thousands of digits raises, or costs quadratic time)


def number_field(text: str, what: str, base: int = 10) -> int:
    """A numeric field of a record, or ValueError naming the field (the record then becomes an
    unparsed line with that reason). ``str.isdigit`` accepts ``²``, which ``int`` rejects."""
    if len(text) > _MAX_NUMBER_DIGITS:
        raise ValueError(f"{what} has {len(text)} digits")
    if base == 10 and not text.isdecimal():
        raise ValueError(f"{what} is not a number: {text!r}")
    return int(text, base)


def windows_bias_to_utc(local: datetime, bias: int) -> datetime:
    """CMTrace/SMS-trace bias is the Windows bias: UTC = local + bias minutes."""
    try:
        return (local + _delta(bias)).replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError(f"time {local.isoformat()} out of range with bias {bias}") from None


def iso_offset_to_utc(local: datetime, offset: int) -> datetime:
    """ISO offsets (WindowsUpdate.log banner) have the opposite sign: UTC = local - offset."""
    try:
        return (local - _delta(offset)).replace(tzinfo=UTC)
    except OverflowError:
        raise ValueError(f"time {local.isoformat()} out of range with offset {offset}") from None


def parse_bias(text: str | None) -> int | None:
    """A CMTrace bias field: ``+300``, ``-60``, ``+000``, the ``+-420`` writer bug, or a bare ``300``.

    ``+-420`` comes from scripts that print ``"+" + Win32_TimeZone.Bias``; Win32_TimeZone.Bias is
    local-minus-UTC (the opposite of the Windows bias), so the true Windows bias is +420.
    """
    if not text:
        return None
    text = text.strip()
    if text.startswith("+-"):
        return int(text[2:])
    return int(text)


# --------------------------------------------------------------------------- CMTrace

CM_START = "<![LOG["
CM_END = "]LOG]!>"

# The whole record: the message runs to the first end marker (an unrolled loop rather than a lazy
# ``.*?``: twice as fast on long messages). Built for finditer over a buffer.
CM_RECORD = re.compile(
    r'<!\[LOG\[([^\]]*(?:\](?!LOG\]!>)[^\]]*)*)\]LOG\]!><time="(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?'
    r'(?:([+-]-?\d{1,4})|\s(\d{1,4}))?"\s+date="(\d{1,2})-(\d{1,2})-(\d{4})"\s+component="([^"]*)"'
    r'\s+context="([^"]*)"\s+type="(\d*)"\s+thread="(\d*)"(?:\s+file="([^"]*)")?[^>]*>',
    re.DOTALL,
)
# Fallback for attribute blocks in an unusual order or with missing attributes.
CM_ATTRS_BLOCK = re.compile(r"<((?:\s*[A-Za-z_]+=\"[^\"]*\")+)\s*>")
CM_ATTR = re.compile(r'([A-Za-z_]+)="([^"]*)"')
CM_TIME = re.compile(r"(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?(?:([+-]-?\d{1,4})|\s(\d{1,4}))?$")
CM_DATE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4})$")

_CM_TYPE: dict[str, Severity] = {"0": "verbose", "1": "info", "2": "warning", "3": "error"}


def cm_severity(type_text: str, message: str) -> tuple[Severity, bool]:
    sev = _CM_TYPE.get(type_text)
    if sev is not None:
        return sev, False
    return infer_severity(message), True


def apply_zone(
    local: datetime | None, bias: int | None, host_bias: int | None
) -> tuple[datetime | None, int | None, TimeSource]:
    """UTC for a record: its own bias, else the host's (from sibling CMTrace logs), else assumed."""
    if local is None:
        return None, None, "none"
    if bias is not None:
        return windows_bias_to_utc(local, bias), bias, "bias"
    if host_bias is not None:
        return windows_bias_to_utc(local, host_bias), host_bias, "host-bias"
    return local.replace(tzinfo=UTC), None, "assumed-local"


def clean_message(msg: str) -> str:
    if "\r" in msg:
        msg = msg.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in msg:
        msg = msg.replace("\x00", "")
    return msg


_DATE_CACHE: dict[tuple[str, str, str], tuple[int, int, int]] = {}
_BIAS_CACHE: dict[str, int] = {}
_MS_CACHE: dict[str, int] = {}
# Real logs repeat a few dates and biases; hostile input can make every record a new one. The
# caches start over past this many keys, so they speed up the first and never grow with the second.
CACHE_LIMIT = 4096


def _ms(frac: str) -> int:
    if len(_MS_CACHE) >= CACHE_LIMIT:
        _MS_CACHE.clear()
    us = _MS_CACHE[frac] = int(frac.ljust(6, "0"))
    return us


def _bias_cached(text: str) -> int:
    b = _BIAS_CACHE.get(text)
    if b is None:
        if len(_BIAS_CACHE) >= CACHE_LIMIT:
            _BIAS_CACHE.clear()
        b = _BIAS_CACHE[text] = parse_bias(text) or 0
    return b


def _date_cached(yr: str, mon: str, day: str) -> tuple[int, int, int]:
    if len(_DATE_CACHE) >= CACHE_LIMIT:
        _DATE_CACHE.clear()
    ymd = _DATE_CACHE[(yr, mon, day)] = (int(yr), int(mon), int(day))
    return ymd


def cm_entry_from_match(
    m: re.Match[str], path: str, line: int, offset: int, host_bias: int | None
) -> Entry:
    """The hot path of the whole tool: kept flat, with small caches for dates and biases."""
    (msg, h, mi, s, frac, bias_s, bare_bias, mon, day, yr, comp, ctx, typ, thr, src) = m.groups()
    if "\r" in msg or "\x00" in msg:
        msg = clean_message(msg)
    ymd = _DATE_CACHE.get((yr, mon, day)) or _date_cached(yr, mon, day)
    if frac is None:
        us = 0
    elif len(frac) <= 3:
        us = _MS_CACHE.get(frac) or _ms(frac)
    else:
        us = int(frac[:6].ljust(6, "0"))
    y, mo, d = ymd
    hh, mm, ss = int(h), int(mi), int(s)
    try:
        local: datetime | None = datetime(y, mo, d, hh, mm, ss, us)
    except ValueError:
        local = None
    if bias_s and local is not None:
        bias: int | None = _BIAS_CACHE.get(bias_s)
        if bias is None:
            bias = _bias_cached(bias_s)
        try:
            utc: datetime | None = datetime(y, mo, d, hh, mm, ss, us, UTC) + (_DELTAS.get(bias) or _delta(bias))
        except OverflowError:
            raise ValueError(f"time {local.isoformat()} out of range with bias {bias}") from None
        source: TimeSource = "bias"
    else:
        utc, bias, source = apply_zone(local, int(bare_bias) if bare_bias else None, host_bias)
    sev = _CM_TYPE.get(typ)
    inferred = sev is None
    if sev is None:
        sev = infer_severity(msg)
    thread = _THREAD_CACHE.get(thr)
    if thread is None:
        thread = _thread_cached(thr) if thr else None
    return Entry(
        path, line, offset, "cmtrace", local, utc, bias, source, sev, inferred,
        comp, thread, msg, ctx, src or "", NO_EXTRA,
    )


_THREAD_CACHE: dict[str, int] = {}  # a log has a few dozen threads; bounded like the other caches


def _thread_cached(text: str) -> int:
    number = number_field(text, "thread")  # raises on a malformed thread: nothing is cached then
    if len(_THREAD_CACHE) >= CACHE_LIMIT:
        _THREAD_CACHE.clear()
    _THREAD_CACHE[text] = number
    return number


def cm_entry_loose(
    msg: str, attrs_text: str, path: str, line: int, offset: int, host_bias: int | None
) -> Entry | None:
    """Parse a record whose attribute block the strict grammar rejected (order, missing fields)."""
    attrs = dict(CM_ATTR.findall(attrs_text))
    tm = CM_TIME.match(attrs.get("time", ""))
    dm = CM_DATE.match(attrs.get("date", ""))
    if not tm or not dm:
        return None
    h, mi, s, frac, bias_s, bare_bias = tm.groups()
    mon, day, yr = dm.groups()
    try:
        local: datetime | None = datetime(int(yr), int(mon), int(day), int(h), int(mi), int(s), _micro(frac))
    except ValueError:
        local = None
    bias = parse_bias(bias_s) if bias_s else (int(bare_bias) if bare_bias else None)
    utc, used_bias, source = apply_zone(local, bias, host_bias)
    msg = clean_message(msg)
    sev, inferred = cm_severity(attrs.get("type", ""), msg)
    thr = attrs.get("thread", "")
    return Entry(
        path, line, offset, "cmtrace", local, utc, used_bias, source, sev, inferred,
        attrs.get("component", ""), number_field(thr, "thread") if thr.isdigit() else None, msg,
        attrs.get("context", ""), attrs.get("file", ""),
    )


# A torn record: a second writer overwrote the head of a record (``<![LOG[`` and the start of its
# text), and only its trailer survives, possibly after the end of the overwritten text:
# ``…text]LOG]!><time="…" date="…" component="…" context="" type="1" thread="…" file="…">``.
# The attribute block must sit on one line (a real one never spans lines), so whether a trailer is
# complete is decided by the text up to the next line break: the same in any chunking.
CM_TRAILER = re.compile(r'\]LOG\]!><((?:[ \t]*[A-Za-z_]+="[^"\r\n]*")+)[ \t]*>')


def cm_entry_torn(
    fragment: str, attrs_text: str, path: str, line: int, offset: int, host_bias: int | None
) -> Entry | None:
    """A damaged record from a surviving trailer: its time, component, thread and type are real,
    its message is whatever text of the record survived (often a tail, sometimes nothing).

    Marked ``extra["damaged"] = True`` (:attr:`Entry.damaged`); it is not unparsed text. None when
    the trailer carries no valid time and date (then it stays unparsed).
    """
    entry = cm_entry_loose(fragment, attrs_text, path, line, offset, host_bias)
    if entry is None:
        return None
    entry.extra = DAMAGED
    return entry


# --------------------------------------------------------------------------- line formats

# An SMS-trace line is ``message~~  $$<component><date time+bias><thread=N (0x..)>``. The grammar is
# only run from a literal ``$$<`` (SMS_TAIL, anchored there): a lazy ``(.*?)~*\s*`` in front of it
# retried every split of a long run of blanks or ``~`` (80k spaces: 13 s). SMS_LINE is that old
# whole-line grammar, kept as the reference the tests compare parse_sms against.
SMS_LINE = re.compile(
    r"^(.*?)~*\s*\$\$<([^>]*)><(\d{1,2})-(\d{1,2})-(\d{4}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?"
    r"([+-]-?\d{1,4})?><thread=(\d+)(?:\s*\(0x[0-9A-Fa-f]+\))?>\s*$",
    re.DOTALL,
)
SMS_MARK = "$$<"
SMS_TAIL = re.compile(
    r"\$\$<([^>]*)><(\d{1,2})-(\d{1,2})-(\d{4}) (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?"
    r"([+-]-?\d{1,4})?><thread=(\d+)(?:\s*\(0x[0-9A-Fa-f]+\))?>\s*$",
)
WU_LEGACY = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})\t(\d{1,2}):(\d{2}):(\d{2}):(\d{1,3})(?:([+-]\d{4}))?\t\s*(\d+)\t\s*([0-9A-Fa-f]+)\t([^\t]*)\t?(.*)$",
    re.DOTALL,
)
WU_BANNER_TZ = re.compile(r"Logging initialized \(build: [^,]*, tz: ([+-])(\d{2})(\d{2})\)")
WU_ETW = re.compile(
    r"^(\d{4})[/-](\d{2})[/-](\d{2}) (\d{1,2}):(\d{2}):(\d{2})\.(\d{1,7}) +(\d+) +(\d+) +(\S+)(?: +(.*))?$",
    re.DOTALL,
)
WSUS_LINE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2}) (\d{1,2}):(\d{2}):(\d{2})\.(\d{1,7}) UTC\t([^\t]*)\t([^\t]*)\t([^\t]*)\t?(.*)$",
    re.DOTALL,
)
# ConfigMgr role setup logs (SUPSetup.log, MPSetup.log, …): ``<Sat May 18 21:22:29 2024> text``, a
# C ``asctime`` stamp in local time with no zone. The day may be space-padded (``May  8``).
SETUP_LINE = re.compile(
    r"^<(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +(\d{1,2}) "
    r"(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))? (\d{4})> ?(.*)$",
    re.DOTALL,
)
_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                                      "Nov", "Dec"), 1)}
IIS_LINE = re.compile(r"^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) ")
IIS_DEFAULT_FIELDS = (
    "date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
    "cs(Referer) sc-status sc-substatus sc-win32-status time-taken"
).split()

_WU_MARKERS: tuple[tuple[str, Severity], ...] = (("FATAL:", "error"), ("*FAILED*", "error"), ("WARNING:", "warning"))


class LineState:
    """Per-file state the line formats need: WU banner offset, IIS field list, host bias."""

    __slots__ = ("host_bias", "wu_offset", "iis_fields", "is_iis_name", "stem")

    def __init__(self, host_bias: int | None, is_iis_name: bool, stem: str = "") -> None:
        self.host_bias = host_bias
        self.wu_offset: int | None = None
        self.iis_fields: list[str] | None = IIS_DEFAULT_FIELDS if is_iis_name else None
        self.is_iis_name = is_iis_name
        self.stem = stem  # the file's name without extension: the component of formats that name none


def _wu_severity(msg: str) -> tuple[Severity, bool]:
    for marker, sev in _WU_MARKERS:
        if marker in msg:
            return sev, False
    inferred = infer_severity(msg)
    return inferred, inferred != "info"


def sms_match(text: str) -> tuple[str, re.Match[str]] | None:
    """(message, tail match) of an SMS-trace line: what ``SMS_LINE.match`` gives, in linear time.

    The record is the first ``$$<`` from which the tail grammar matches to the end of the line. The
    component (``[^>]*``) runs to the next ``>``, so every ``$$<`` before that ``>`` shares the fate of
    the first one: after a failure the search resumes past that ``>``, and each character is
    scanned a bounded number of times. The message is the text before the marker without its
    trailing ``~`` and blanks.
    """
    pos = text.find(SMS_MARK)
    while pos != -1:
        m = SMS_TAIL.match(text, pos)
        if m is not None:
            return text[:pos].rstrip().rstrip("~").rstrip(), m
        close = text.find(">", pos + len(SMS_MARK))
        if close == -1:
            return None
        pos = text.find(SMS_MARK, close + 1)
    return None


_STATMSG_HEAD = re.compile(r"\bSTATMSG: ")
_STATMSG_SEV = re.compile(r"\bSEV=([EWI])\b")
_SEV_LETTER: dict[str, Severity] = {"E": "error", "W": "warning", "I": "info"}


def statmsg_severity(message: str) -> Severity | None:
    """The severity of an embedded ``STATMSG: ... SEV=E|W|I`` (same line), in one pass.

    Same answer as ``\\bSTATMSG: .*?\\bSEV=([EWI])\\b`` searched over the message, which retried from
    every ``STATMSG: `` to the end of its line (180 KB: 43 s): the first ``STATMSG: `` of a line
    sees every ``SEV=`` a later one on that line would, so each line is searched once.
    """
    if "STATMSG" not in message:
        return None
    head = _STATMSG_HEAD.search(message)
    while head is not None:
        eol = message.find("\n", head.end())
        if eol == -1:
            eol = len(message)
        sev = _STATMSG_SEV.search(message, head.end(), eol)
        if sev is not None:
            return _SEV_LETTER[sev.group(1)]
        head = _STATMSG_HEAD.search(message, eol)
    return None


def parse_sms(text: str, path: str, line: int, offset: int, st: LineState) -> Entry | None:
    found = sms_match(text)
    if found is None:
        return None
    msg, m = found
    comp, mon, day, yr, h, mi, s, frac, bias_s, thr = m.groups()
    msg = clean_message(msg)
    try:
        local: datetime | None = datetime(int(yr), int(mon), int(day), int(h), int(mi), int(s), _micro(frac))
    except ValueError:
        local = None
    utc, used_bias, source = apply_zone(local, parse_bias(bias_s), st.host_bias)
    sev = statmsg_severity(msg)
    inferred = sev is None
    if sev is None:
        sev = infer_severity(msg)
    return Entry(path, line, offset, "smstrace", local, utc, used_bias, source, sev, inferred,
                 comp, number_field(thr, "thread"), msg)


def parse_wu_legacy(text: str, path: str, line: int, offset: int, st: LineState) -> Entry | None:
    m = WU_LEGACY.match(text)
    if not m:
        return None
    yr, mon, day, h, mi, s, ms, inline_tz, pid, tid, comp, msg = m.groups()
    msg = clean_message(msg)
    banner = WU_BANNER_TZ.search(msg) if "Logging initialized" in msg else None
    if banner:
        sign, hh, mm = banner.groups()
        off = int(hh) * 60 + int(mm)
        st.wu_offset = off if sign == "+" else -off
    try:
        local: datetime | None = datetime(int(yr), int(mon), int(day), int(h), int(mi), int(s), int(ms.ljust(3, "0")) * 1000)
    except ValueError:
        local = None
    offset_min = st.wu_offset
    source: TimeSource = "banner"
    if inline_tz:
        offset_min = (1 if inline_tz[0] == "+" else -1) * (int(inline_tz[1:3]) * 60 + int(inline_tz[3:5]))
        source = "banner"
    utc: datetime | None
    bias: int | None
    if local is None:
        utc, bias, source = None, None, "none"
    elif offset_min is not None:
        utc, bias = iso_offset_to_utc(local, offset_min), -offset_min
    else:
        utc, bias, source = apply_zone(local, None, st.host_bias)
    sev, inferred = _wu_severity(msg)
    return Entry(path, line, offset, "wu-legacy", local, utc, bias, source, sev, inferred,
                 comp.strip(), number_field(tid, "thread", 16), msg, extra={"pid": number_field(pid, "process id")})


def parse_wu_etw(text: str, path: str, line: int, offset: int, st: LineState) -> Entry | None:
    m = WU_ETW.match(text)
    if not m:
        return None
    yr, mon, day, h, mi, s, frac, pid, tid, comp, msg = m.groups()
    msg = clean_message(msg or "")
    try:
        local: datetime | None = datetime(int(yr), int(mon), int(day), int(h), int(mi), int(s), _micro(frac))
    except ValueError:
        local = None
    utc, bias, source = apply_zone(local, None, st.host_bias)
    sev, inferred = _wu_severity(msg)
    return Entry(path, line, offset, "wu-etw", local, utc, bias, source, sev, inferred,
                 comp, number_field(tid, "thread"), msg, extra={"pid": number_field(pid, "process id")})


_WSUS_LEVEL: dict[str, Severity] = {"error": "error", "warning": "warning", "warn": "warning"}


def parse_wsus(text: str, path: str, line: int, offset: int, st: LineState) -> Entry | None:
    m = WSUS_LINE.match(text)
    if not m:
        return None
    yr, mon, day, h, mi, s, frac, level, proc, method, msg = m.groups()
    try:
        local: datetime | None = datetime(int(yr), int(mon), int(day), int(h), int(mi), int(s), _micro(frac))
    except ValueError:
        local = None
    process, _, thread = proc.partition(".")
    sev = _WSUS_LEVEL.get(level.strip().lower(), "info")
    return Entry(path, line, offset, "wsus", local, local.replace(tzinfo=UTC) if local else None, 0 if local else None,
                 "utc" if local else "none", sev, False, process, number_field(thread, "thread") if thread.isdigit() else None,
                 clean_message(msg), source=method, extra={"level": level})


def parse_iis(text: str, path: str, line: int, offset: int, st: LineState) -> Entry | None:
    if st.iis_fields is None or not IIS_LINE.match(text):
        return None
    values = text.rstrip().split(" ")
    if len(values) != len(st.iis_fields):
        return None
    rec: dict[str, Any] = dict(zip(st.iis_fields, values))
    try:
        local = datetime.fromisoformat(f"{rec['date']} {rec['time']}")
    except (KeyError, ValueError):
        return None
    status = rec.get("sc-status", "-")
    sev: Severity = "info"
    if status.isdigit():
        code = number_field(status, "status")
        sev = "error" if code >= 500 else "warning" if code >= 400 else "info"
    msg = " ".join(v for k, v in rec.items() if k not in ("date", "time"))
    return Entry(path, line, offset, "iis", local, local.replace(tzinfo=UTC), 0, "utc", sev, False,
                 rec.get("cs-method", "IIS"), None, msg, extra=rec)


def iis_directive(text: str, st: LineState) -> bool:
    """W3C ``#`` directives are schema, not records; ``#Fields:`` may repeat mid-file."""
    if not text.startswith("#"):
        return False
    if text.startswith("#Fields:"):
        st.iis_fields = text[len("#Fields:"):].split()
        return True
    return text.startswith(("#Software:", "#Version:", "#Date:", "#Remark:", "#Start-Date:", "#End-Date:"))


def parse_setup(text: str, path: str, line: int, offset: int, st: LineState) -> Entry | None:
    """A role setup line; the component is the log's name (``SUPSetup``), the zone the host's if known."""
    m = SETUP_LINE.match(text)
    if not m:
        return None
    mon, day, h, mi, s, frac, yr, msg = m.groups()
    msg = clean_message(msg)
    try:
        local: datetime | None = datetime(int(yr), _MONTHS[mon], int(day), int(h), int(mi), int(s), _micro(frac))
    except ValueError:
        local = None
    utc, bias, source = apply_zone(local, None, st.host_bias)
    return Entry(path, line, offset, "setup", local, utc, bias, source, infer_severity(msg), True,
                 st.stem, None, msg)


def parse_plain(text: str, path: str, line: int, offset: int) -> Entry:
    msg = clean_message(text)
    sev = infer_severity(msg)
    return Entry(path, line, offset, "plain", None, None, None, "none", sev, True, "", None, msg)


LINE_PARSERS = {
    "smstrace": parse_sms,
    "wu-legacy": parse_wu_legacy,
    "wu-etw": parse_wu_etw,
    "wsus": parse_wsus,
    "iis": parse_iis,
    "setup": parse_setup,
}


def guess_line_format(text: str) -> str | None:
    """Cheap pre-check choosing which grammar to try first for a line."""
    if "$$<" in text:
        return "smstrace"
    if text.startswith("<") and len(text) > 26 and text[4] == " " and text[8] == " ":
        return "setup"
    if len(text) > 11 and text[4] in "-/" and text[0].isdigit():
        if text[10] == "\t":
            return "wu-legacy"
        if " UTC\t" in text[:32]:
            return "wsus"
        if len(text) > 20 and text[19] == ".":
            return "wu-etw"
        if len(text) > 20 and text[19] == " ":
            return "iis"
    return None
