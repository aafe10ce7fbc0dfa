"""Argument parsing shared by the sub-commands: one-line errors and checked argument types.

A script that calls ``sumtrace`` with a bad argument should get one line it can log (``sumtrace
report: error: --now: 'garbage' is not an ISO 8601 time``) and exit status 2, never a usage block
or a traceback. Every number is checked the same way (finite, in range: ``nan`` and ``inf`` parse
as floats but mean nothing as an interval or a speed), and every time is checked where it is read,
so a value that cannot work never reaches the code behind the command.

This module is imported on every start, before any command runs: it stays light (no sumtrace
engine, no Rich).
"""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import NoReturn


class UsageError(Exception):
    """A bad argument found only when the command runs (a scenario name, say); exits 2 like a parse error."""


def one_line(message: str) -> str:
    """argparse's ``argument --now: text`` as ``--now: text``, on one line."""
    message = " ".join(message.split())
    return message[len("argument "):] if message.startswith("argument ") else message


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line on stderr (``PROG: error: MESSAGE``) and exit 2.

    Sub-command parsers are created with the parent's class, so ``sumtrace report`` gets it too.
    """

    def error(self, message: str) -> NoReturn:
        fail(self.prog, message)


def fail(prog: str, message: str) -> NoReturn:
    """Print ``PROG: error: MESSAGE`` as one line and exit 2."""
    sys.stderr.write(f"{prog}: error: {one_line(message)}\n")
    raise SystemExit(2)


def number(what: str, low: float, high: float | None = None) -> Callable[[str], float]:
    """An argparse type: a finite number for ``what``, above ``low`` (exclusive when 0) and up to ``high``."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number ({what})") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number ({what})")
        if value < low or (low == 0 and value == 0) or (high is not None and value > high):
            span = f"between {low:g} and {high:g}" if high is not None else ("positive" if low == 0 else f"at least {low:g}")
            raise argparse.ArgumentTypeError(f"{what} must be {span}, not {text}")
        return value

    convert.__name__ = "number"  # argparse names the type in some messages
    return convert


def _read_iso(text: str) -> datetime | None:
    """An ISO 8601 time as written (``Z`` accepted), or None when the text is not one."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        return None


def iso_time(text: str) -> datetime:
    """An argparse type: an ISO 8601 time in UTC; a time without a zone is taken as UTC (``report --now``)."""
    when = _read_iso(text)
    if when is None:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO 8601 time (like 2026-01-20T14:00:00Z)")
    if when.tzinfo is None:
        return when.replace(tzinfo=timezone.utc)
    try:
        return when.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00+01:00 has no UTC time
        raise argparse.ArgumentTypeError(f"{text!r} is out of range") from None


_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """``2h``, ``30m``, ``1d``, ``45s`` before ``now``, or an ISO time (naive = this machine's local time).

    Raises ValueError with a message for the user, also for spans that reach before year 1.
    """
    m = _RELATIVE.match(text)
    if m:
        try:
            return now - timedelta(**{_UNITS[m.group(2).lower()]: float(m.group(1))})
        except OverflowError:
            raise ValueError(f"{text!r} reaches back too far") from None
    when = _read_iso(text)
    if when is None:
        raise ValueError(f"cannot read {text!r} as a time: use 30m, 2h, 1d or an ISO time like 2026-01-20T14:00")
    try:
        if when.tzinfo is None:
            when = when.astimezone()  # the local zone of this machine
        return when.astimezone(timezone.utc)
    except (OverflowError, OSError, ValueError):  # a local time at the very edge of the calendar
        raise ValueError(f"{text!r} is out of range") from None


def since(text: str) -> datetime:
    """An argparse type for ``watch --since``: :func:`parse_since` against the wall clock."""
    try:
        return parse_since(text, datetime.now(timezone.utc))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
