"""The Log view's query language: what the filter bar accepts, parsed into predicates over records.

No Textual here, and nothing about how the merged log stores its records beyond the :data:`Rec`
accessors: a :class:`Query` is a list of predicates over one record, so the Log view can run it
over a million records in slices and over each batch as it arrives.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sumtrace.parsers.entry import SEVERITY_RANK
from sumtrace.tui.logindex import R_COMP, R_FILE, R_LINE, R_MSG, R_SEV, R_THREAD, Rec, base_of

Predicate = Callable[[Rec], bool]

_SEVERITY_WORDS = {"e": "error", "err": "error", "error": "error", "errors": "error",
                   "w": "warning", "warn": "warning", "warning": "warning", "warnings": "warning",
                   "i": "info", "info": "info", "v": "verbose", "verbose": "verbose"}

FILTER_HELP = ("words match the message (all of them; -word excludes; \"quoted phrase\"); "
               "comp:NAME  thread:N  sev:error|warning  file:NAME  host:NAME")


def _thread_value(text: str) -> int:
    t = text.strip().lower()
    return int(t, 16) if t.startswith("0x") else int(t)


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
    return lambda e: v in e[R_COMP].lower()


def _thread_is(tid: int) -> Predicate:
    return lambda e: e[R_THREAD] == tid


def _at_least(rank: int) -> Predicate:
    return lambda e: SEVERITY_RANK.get(e[R_SEV], 1) >= rank


def _in_file(v: str) -> Predicate:
    return lambda e: v in base_of(e[R_FILE]).lower()


def _on_host(v: str, host_of: dict[str, str]) -> Predicate:
    return lambda e: v in host_of.get(e[R_FILE], "").lower()


def _in_message(v: str) -> Predicate:
    return lambda e: v in e[R_MSG].lower()


def _negate(p: Predicate) -> Predicate:
    return lambda e: not p(e)


def parse_query(text: str, hosts: dict[str, str] | None = None) -> Query:
    """Parse the filter bar. Raises ValueError with a readable message on a bad term."""
    try:
        terms = shlex.split(text)
    except ValueError:  # an unbalanced quote: take the words as they are
        terms = text.split()
    preds: list[Predicate] = []
    host_of = hosts if hosts is not None else {}
    for raw in terms:
        neg = raw.startswith("-") and len(raw) > 1
        term = raw[1:] if neg else raw
        field_name, sep, value = term.partition(":")
        field_name = field_name.lower()
        pred: Predicate
        if sep and value and field_name in ("comp", "component", "c"):
            pred = _in_component(value.lower())
        elif sep and value and field_name in ("thread", "t", "tid"):
            try:
                pred = _thread_is(_thread_value(value))
            except ValueError:
                raise ValueError(f"thread:{value} is not a thread number (decimal or 0x hex)") from None
        elif sep and value and field_name in ("sev", "severity", "level"):
            sev = _SEVERITY_WORDS.get(value.lower())
            if sev is None:
                raise ValueError(f"sev:{value}: use error, warning, info or verbose")
            pred = _at_least(SEVERITY_RANK[sev])
        elif sep and value and field_name in ("file", "log", "f"):
            pred = _in_file(value.lower())
        elif sep and value and field_name in ("host", "h"):
            pred = _on_host(value.lower(), host_of)
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
