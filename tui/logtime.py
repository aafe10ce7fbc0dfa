"""Times as the Log view shows and reads them: a record's zone, a typed time, an elapsed time.

No Textual here. A row shows the time as the log wrote it (the machine's local time, what
CMTrace shows) with the zone that time is in, so records of machines in different zones read
right next to each other: ``10:02:11.123 +01:00``. The zone is what the parser established
(the record's bias, a UTC stamp, a WindowsUpdate.log banner, a neighbouring log's bias): it is
``local - utc``. A zone-less log with nothing to place it carries its local time as if it were
UTC (``time_source == "assumed-local"``): its zone reads ``zone?``, never ``+00:00``.

What a user types (go to a time, ``after:``/``before:``/``time:`` filter terms) is read by
:func:`parse_when`: a time of day, a date, or both, with an optional zone. Without a zone it is
a time as the rows show it (each record's own local time); with one (``Z``, ``+01:00``,
``UTC-5``) it is an instant. Its precision is kept: ``10:30`` is the whole minute.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Final

from sumtrace.tui.logindex import R_LOCAL, R_TSRC, R_UTC, Rec

ZONE_UNKNOWN: Final = "zone?"


def zone_offset(e: Rec) -> timedelta | None:
    """The record's zone as an offset from UTC (``+01:00`` → 1 h), or None when unknown or timeless."""
    local, utc = e[R_LOCAL], e[R_UTC]
    if local is None or utc is None or e[R_TSRC] in ("assumed-local", "none"):
        return None
    secs = (local - utc.replace(tzinfo=None)).total_seconds()
    return timedelta(minutes=round(secs / 60))


def fmt_offset(off: timedelta) -> str:
    """``+01:00``, ``-05:00``, ``+05:30``, ``+00:00``."""
    mins = round(off.total_seconds() / 60)
    sign = "-" if mins < 0 else "+"
    h, m = divmod(abs(mins), 60)
    return f"{sign}{h:02d}:{m:02d}"


def zone_label(e: Rec) -> str:
    """The zone column: ``+01:00``, ``zone?`` for a time of unknown zone, empty for a record without a time."""
    if e[R_LOCAL] is None:
        return ""
    if e[R_TSRC] == "assumed-local":
        return ZONE_UNKNOWN
    off = zone_offset(e)
    return fmt_offset(off) if off is not None else ZONE_UNKNOWN


def fmt_elapsed(seconds: float) -> str:
    """An elapsed time to the precision that matters at its size: ``0.250s``, ``13.412s``, ``2m13.4s``,
    ``1h02m13s``, ``2d03h``."""
    s = abs(seconds)
    if s < 60:
        return f"{s:.3f}s"
    if s < 3600:
        m, rest = divmod(s, 60)
        return f"{int(m)}m{rest:04.1f}s"
    whole = int(s)
    if whole < 86400:
        return f"{whole // 3600}h{(whole % 3600) // 60:02d}m{whole % 60:02d}s"
    return f"{whole // 86400}d{(whole % 86400) // 3600:02d}h"


# ------------------------------------------------------------------------------------ typed times

_WHEN: Final = re.compile(
    r"""\s*
    (?:(?:(?P<y>\d{4})-)?(?P<mo>\d{1,2})-(?P<d>\d{1,2})(?=[T\s]|$)[T\s]*)?     # [YYYY-]MM-DD, then T or blanks
    (?:(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,6}))?)?)?  # HH:MM[:SS[.fff]]
    \s*(?P<zone>Z|(?:UTC|GMT)?(?P<zs>[+-])(?P<zh>\d{1,2})(?::?(?P<zm>\d{2}))?|UTC|GMT)?
    \s*""",
    re.VERBOSE | re.IGNORECASE,
)

WHEN_HELP: Final = "HH:MM[:SS[.mmm]], [YYYY-]MM-DD, or both (2026-11-27T10:30); a zone (Z, +01:00, UTC-5) makes it an instant"


@dataclass(frozen=True, slots=True)
class When:
    """A time as typed: ``day`` None means a time of day on any day; ``offset`` None means local time
    (as each record shows it); ``unit`` is its precision (``10:30`` covers a minute)."""

    day: date | None
    clock: time
    offset: timedelta | None
    unit: timedelta
    text: str

    @property
    def tod(self) -> int:
        """The time of day in microseconds since midnight."""
        c = self.clock
        return ((c.hour * 60 + c.minute) * 60 + c.second) * 1_000_000 + c.microsecond

    def start(self) -> datetime:
        """The first instant it covers, naive, in its own frame (needs a day)."""
        assert self.day is not None
        return datetime.combine(self.day, self.clock)


def parse_when(text: str, year: int | None = None) -> When:
    """Read a typed time (see :data:`WHEN_HELP`). A date without a year takes ``year``.

    Raises ValueError with a readable message when it is not a time.
    """
    m = _WHEN.fullmatch(text)
    if m is None or (m["mo"] is None and m["h"] is None):
        raise ValueError(f"{text.strip() or 'nothing'} is not a time: use {WHEN_HELP}")
    day: date | None = None
    unit = timedelta(days=1)
    if m["mo"] is not None:
        y = int(m["y"]) if m["y"] else year
        if y is None:
            raise ValueError(f"{text.strip()}: give the year (YYYY-MM-DD)")
        try:
            day = date(y, int(m["mo"]), int(m["d"]))
        except ValueError as exc:
            raise ValueError(f"{text.strip()}: {exc}") from None
    clock = time()
    if m["h"] is not None:
        h, mi = int(m["h"]), int(m["mi"])
        s = int(m["s"]) if m["s"] else 0
        frac = m["f"] or ""
        if h > 23 or mi > 59 or s > 59:
            raise ValueError(f"{text.strip()} is not a time of day")
        clock = time(h, mi, s, int(frac.ljust(6, "0")) if frac else 0)
        if frac:
            unit = timedelta(microseconds=10 ** (6 - len(frac)))
        elif m["s"]:
            unit = timedelta(seconds=1)
        else:
            unit = timedelta(minutes=1)
    offset: timedelta | None = None
    if m["zone"]:
        if m["zs"]:
            zh, zm = int(m["zh"]), int(m["zm"] or 0)
            if zh > 14 or zm > 59:
                raise ValueError(f"{m['zone']} is not a time zone")
            offset = timedelta(hours=zh, minutes=zm) * (-1 if m["zs"] == "-" else 1)
        else:
            offset = timedelta(0)
    return When(day, clock, offset, unit, text.strip())
