"""The Log view's query language: what the filter bar accepts, parsed into predicates over records.

No Textual here, and nothing about how the merged log stores its records beyond the :data:`Rec`
accessors: a :class:`Query` is a list of predicates over one record, so the Log view can run it
over a million records in slices and over each batch as it arrives.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Final

from sumtrace.parsers.entry import SEVERITY_RANK
from sumtrace.tui.components import components_named
from sumtrace.tui.logindex import (
    R_COMP,
    R_FILE,
    R_LINE,
    R_LOCAL,
    R_MSG,
    R_SEV,
    R_THREAD,
    R_TSRC,
    R_UTC,
    Rec,
    base_of,
)
from sumtrace.tui.logtime import When, parse_when

Predicate = Callable[[Rec], bool]

_SEVERITY_WORDS = {"e": "error", "err": "error", "error": "error", "errors": "error",
                   "w": "warning", "warn": "warning", "warning": "warning", "warnings": "warning",
                   "i": "info", "info": "info", "v": "verbose", "verbose": "verbose"}

REGEX_PREFIX: Final = "re:"

FILTER_HELP = ("words match the message (all of them; -term excludes; \"quoted phrase\"; re:REGEX); "
               "comp:NAME (StateSys, WCM... work)  thread:N  sev:error|warning  file:NAME  host:NAME  "
               "time:10:00..10:30  after:TIME  before:TIME")

FIND_HELP = "text (case-insensitive), or re:REGEX"


def _thread_value(text: str) -> int:
    t = text.strip().lower()
    return int(t, 16) if t.startswith("0x") else int(t)


# ------------------------------------------------------------------------------------ text matching

@dataclass(frozen=True, slots=True)
class TextMatch:
    """What find and highlight look for in a message: a literal (case-insensitive) or a regex.

    ``text`` is what the user typed (``re:`` prefix included). Matching a literal lower-cases the
    message once (the fast path for a pass over a million records); :meth:`spans` uses a pattern,
    so the spans are right on the message as shown whatever lower-casing does to its length.
    """

    text: str
    pattern: re.Pattern[str]
    needle: str  # the lower-cased literal; empty for a regex

    def __call__(self, message: str) -> bool:
        if self.needle:
            return self.needle in message.lower()
        return self.pattern.search(message) is not None

    def spans(self, message: str) -> Iterator[tuple[int, int]]:
        """Where it matches in ``message`` (empty matches skipped: nothing to draw)."""
        for m in self.pattern.finditer(message):
            if m.end() > m.start():
                yield m.start(), m.end()

    @property
    def is_regex(self) -> bool:
        return not self.needle


def text_match(typed: str) -> TextMatch | None:
    """``typed`` as a :class:`TextMatch` (``re:`` makes it a regex), None for nothing; ValueError for a bad regex."""
    if not typed:
        return None
    if typed.startswith(REGEX_PREFIX) and len(typed) > len(REGEX_PREFIX):
        return TextMatch(typed, _regex(typed[len(REGEX_PREFIX):]), "")
    return TextMatch(typed, re.compile(re.escape(typed), re.IGNORECASE), typed.lower())


def _regex(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"re:{pattern} is not a regular expression: {exc}") from None


# ------------------------------------------------------------------------------------ the filter

@dataclass(slots=True)
class Query:
    """A parsed filter: every term must hold. ``text`` is what the user typed."""

    text: str
    preds: list[Predicate] = field(default_factory=list)
    label: str = ""

    def __call__(self, e: Rec) -> bool:
        for p in self.preds:
            if not p(e):
                return False
        return True

    @property
    def empty(self) -> bool:
        return not self.preds


def _in_component(v: str) -> Predicate:
    """The component's own name, a name it is known by (its log's: ``StateSys``), or its file's name."""
    known = components_named(v)

    def pred(e: Rec) -> bool:
        comp = e[R_COMP].lower()
        return v in comp or comp in known or v in base_of(e[R_FILE]).lower()

    return pred


def _thread_is(tid: int) -> Predicate:
    return lambda e: e[R_THREAD] == tid


def _at_least(rank: int) -> Predicate:
    return lambda e: SEVERITY_RANK.get(e[R_SEV], 1) >= rank


def _in_file(v: str) -> Predicate:
    return lambda e: v in base_of(e[R_FILE]).lower()


def _on_host(v: str, host_of: Mapping[str, str], names: Mapping[str, str]) -> Predicate:
    """The file's host by its id or by the name the logs gave it (both maps are read live)."""
    def pred(e: Rec) -> bool:
        host = host_of.get(e[R_FILE], "")
        return v in host.lower() or v in names.get(host, "").lower()

    return pred


def _in_message(v: str) -> Predicate:
    return lambda e: v in e[R_MSG].lower()


def _matches(rx: re.Pattern[str]) -> Predicate:
    return lambda e: rx.search(e[R_MSG]) is not None


def _negate(p: Predicate) -> Predicate:
    return lambda e: not p(e)


# ------------------------------------------------------------------------------------ time terms

Frame = Callable[[Rec], Any]
"""A record's time in a typed time's frame, of the type its bounds compare with (None: no time)."""


def _local(e: Rec) -> Any:
    return e[R_LOCAL]


def _local_clock(e: Rec) -> Any:
    t = e[R_LOCAL]
    return None if t is None else t.time()


def _frame(w: When) -> Frame:
    """How to read a record's time against ``w``: its local time (``w`` has no zone), or its UTC time
    (``w`` is an instant), as a datetime (``w`` has a day) or a time of day. These read the record's
    fields and compare them as they are (no arithmetic per record but for an instant of day in a
    zone other than UTC): a filter runs over a million records. A zone-less record's wall time is
    taken to be in ``w``'s zone (nothing says otherwise)."""
    off = w.offset
    if off is None:
        return _local if w.day is not None else _local_clock
    if w.day is not None:
        def instant(e: Rec) -> Any:
            if e[R_TSRC] == "assumed-local":
                t = e[R_LOCAL]
                return None if t is None else (t - off).replace(tzinfo=timezone.utc)
            return e[R_UTC]

        return instant

    def clock(e: Rec) -> Any:
        if e[R_TSRC] == "assumed-local":
            return _local_clock(e)
        u = e[R_UTC]
        return None if u is None else (u + off).time() if off else u.time()

    return clock


def _edges(w: When) -> tuple[Any, Any]:
    """(start, end) of what ``w`` covers, comparable with :func:`_frame`'s values; the end of a time of
    day that reaches midnight is None (the rest of the day)."""
    if w.day is None:
        end = datetime.combine(date.min, w.clock) + w.unit
        return w.clock, (end.time() if end.date() == date.min else None)
    start = w.start()
    if w.offset is None:
        return start, start + w.unit
    utc = (start - w.offset).replace(tzinfo=timezone.utc)
    return utc, utc + w.unit


def time_range(lo: When | None, hi: When | None) -> Predicate:
    """Records from ``lo`` up to the end of ``hi`` (either may be open). Two times of day with
    ``lo`` after ``hi`` wrap around midnight (``time:23:00..01:00``)."""
    if lo is None and hi is None:
        raise ValueError("a time range needs a start or an end")
    get_lo = _frame(lo) if lo is not None else None
    get_hi = _frame(hi) if hi is not None else None
    start = _edges(lo)[0] if lo is not None else None
    end = _edges(hi)[1] if hi is not None else None
    if lo is not None and hi is not None and lo.offset == hi.offset and (lo.day is None) == (hi.day is None):
        get = _frame(lo)  # one frame for both bounds: read the record's time once
        if lo.day is None and lo.tod > hi.tod:
            def wraps(e: Rec) -> bool:
                t = get(e)
                return t is not None and (t >= start or (end is not None and t < end))

            return wraps

        def between(e: Rec) -> bool:
            t = get(e)
            return t is not None and t >= start and (end is None or t < end)

        return between

    def pred(e: Rec) -> bool:  # bounds in different frames (a time of day up to a date, say)
        if get_lo is not None:
            t = get_lo(e)
            if t is None or t < start:
                return False
        if get_hi is not None:
            t = get_hi(e)
            if t is None or (end is not None and t >= end):
                return False
        return True

    return pred


def _before(w: When) -> Predicate:
    """Records strictly before ``w`` begins (``before:10:30`` keeps 10:29:59.999, not 10:30:00)."""
    get = _frame(w)
    start = _edges(w)[0]

    def pred(e: Rec) -> bool:
        t = get(e)
        return t is not None and t < start

    return pred


def _time_term(name: str, value: str, year: int | None) -> Predicate:
    if name == "after":
        return time_range(parse_when(value, year), None)
    if name == "before":
        return _before(parse_when(value, year))
    lo_text, dots, hi_text = value.partition("..")
    if not dots:
        w = parse_when(value, year)
        return time_range(w, w)
    lo = parse_when(lo_text, year) if lo_text.strip() else None
    hi = parse_when(hi_text, year) if hi_text.strip() else None
    if lo is None and hi is None:
        raise ValueError("time:..: give a start, an end or both (time:10:00..10:30)")
    return time_range(lo, hi)


# ------------------------------------------------------------------------------------ parsing

def split_terms(text: str) -> list[str]:
    """The terms of a filter: blank-separated, double quotes group (``"end search job"``); backslashes
    are kept as typed (regexes and Windows paths need them)."""
    lex = shlex.shlex(text, posix=True)
    lex.whitespace_split = True
    lex.escape = ""
    lex.commenters = ""
    lex.quotes = '"'  # an apostrophe is text ("it's"), not a quote
    try:
        return list(lex)
    except ValueError:  # an unbalanced quote: take the words as they are
        return text.split()


_FIELDS: Final = {"comp": "comp", "component": "comp", "c": "comp", "thread": "thread", "t": "thread",
                  "tid": "thread", "sev": "sev", "severity": "sev", "level": "sev", "file": "file", "log": "file",
                  "f": "file", "host": "host", "h": "host", "re": "re", "regex": "re", "time": "time",
                  "after": "after", "since": "after", "from": "after", "before": "before", "until": "before"}


def parse_query(text: str, hosts: Mapping[str, str] | None = None, *, host_names: Mapping[str, str] | None = None,
                year: int | None = None) -> Query:
    """Parse the filter bar (see :data:`FILTER_HELP`). ``hosts`` maps a file to its host and
    ``host_names`` a host to the name its logs gave it (both read live, as files arrive); ``year``
    completes a date typed without one. Raises ValueError with a readable message on a bad term."""
    preds: list[Predicate] = []
    host_of = hosts if hosts is not None else {}
    names = host_names if host_names is not None else {}
    for raw in split_terms(text):
        neg = raw.startswith("-") and len(raw) > 1
        term = raw[1:] if neg else raw
        field_name, sep, value = term.partition(":")
        kind = _FIELDS.get(field_name.lower(), "") if sep and value else ""
        pred: Predicate
        if kind == "comp":
            pred = _in_component(value.lower())
        elif kind == "thread":
            try:
                pred = _thread_is(_thread_value(value))
            except ValueError:
                raise ValueError(f"thread:{value} is not a thread number (decimal or 0x hex)") from None
        elif kind == "sev":
            sev = _SEVERITY_WORDS.get(value.lower())
            if sev is None:
                raise ValueError(f"sev:{value}: use error, warning, info or verbose")
            pred = _at_least(SEVERITY_RANK[sev])
        elif kind == "file":
            pred = _in_file(value.lower())
        elif kind == "host":
            pred = _on_host(value.lower(), host_of, names)
        elif kind == "re":
            pred = _matches(_regex(value))
        elif kind in ("time", "after", "before"):
            try:
                pred = _time_term(kind, value, year)
            except ValueError as exc:
                raise ValueError(f"{field_name}:{value}: {exc}") from None
        else:
            pred = _in_message(term.lower())
        preds.append(_negate(pred) if neg else pred)
    return Query(text, preds, text.strip())


def id_filter(ids: Iterable[str], evidence: Iterable[tuple[str, int]], label: str) -> Query:
    """Records that carry one of ``ids`` (case-insensitive) or are evidence of the flow's steps."""
    wanted = sorted({i for i in ids if i}, key=len, reverse=True)
    keys = set(evidence)
    rx = re.compile("|".join(re.escape(i) for i in wanted), re.IGNORECASE) if wanted else None

    def pred(e: Rec) -> bool:
        if (e[R_FILE], e[R_LINE]) in keys:
            return True
        return rx is not None and rx.search(e[R_MSG]) is not None

    return Query(f"ids of {label}", [pred], f"IDs of {label}")


def both(a: Query | None, b: Query | None) -> Query | None:
    """The conjunction of two optional filters."""
    if a is None or a.empty:
        return b if b is not None and not b.empty else None
    if b is None or b.empty:
        return a
    return Query(f"{a.text} & {b.text}", a.preds + b.preds, f"{a.label} & {b.label}")
