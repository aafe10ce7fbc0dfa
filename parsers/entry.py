"""The one record type every layer above the parsers speaks.

An :class:`Entry` is a single log record as written (local time, message) plus what we
derived from it (aware UTC time, severity) and *how* we derived it, so nothing is guessed
silently: ``time_source`` says whether UTC came from the record's own bias, an explicit UTC
stamp, a WindowsUpdate.log banner, a neighbouring CMTrace log's bias, or an assumption.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final, Literal, get_args

# Formats a record can come in. "plain" marks a line no format recognised (counted as unparsed).
# "setup" is the role setup logs' ``<Sat May 18 21:22:29 2024> text`` (SUPSetup.log).
Format = Literal["cmtrace", "smstrace", "wu-legacy", "wu-etw", "wsus", "iis", "setup", "plain"]
FORMATS: Final[tuple[Format, ...]] = get_args(Format)

# How the UTC time was obtained.
TimeSource = Literal["bias", "utc", "banner", "host-bias", "assumed-local", "none"]
TIME_SOURCES: Final[tuple[TimeSource, ...]] = get_args(TimeSource)

Severity = Literal["verbose", "info", "warning", "error"]
SEVERITIES: Final[tuple[Severity, ...]] = get_args(Severity)
SEVERITY_RANK = {"verbose": 0, "info": 1, "warning": 2, "error": 3}

# Most records have no format-specific extras; they share this read-only empty mapping.
NO_EXTRA: Mapping[str, Any] = MappingProxyType({})
# The extras of a torn CMTrace record (its head overwritten by another writer; see Entry.damaged).
DAMAGED: Mapping[str, Any] = MappingProxyType({"damaged": True})


@dataclass(slots=True)
class Entry:
    """One parsed log record.

    ``line`` is the 1-based physical line where the record starts and ``offset`` its byte
    offset in the file as stored (BOM included), so a viewer can jump to the raw text.
    ``local`` is the wall-clock time exactly as written (naive); ``utc`` is aware UTC or None.
    ``bias`` is the Windows bias in minutes (UTC = local + bias) when one applied.
    """

    file: str
    line: int
    offset: int
    format: Format
    local: datetime | None
    utc: datetime | None
    bias: int | None
    time_source: TimeSource
    severity: Severity
    severity_inferred: bool
    component: str
    thread: int | None
    message: str
    context: str = ""
    source: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def unparsed(self) -> bool:
        """True for a line that no format recognised."""
        return self.format == "plain"

    @property
    def damaged(self) -> bool:
        """A torn CMTrace record: another writer overwrote its head, its trailer survived.

        Its time, component, thread and type are the record's own; its message is only the text
        that survived (often the tail of the original message, or nothing). It is placed in time
        like any record and is not unparsed, but its message is not the whole record.
        """
        return bool(self.extra.get("damaged"))

    @property
    def zone_known(self) -> bool:
        """False when the UTC time is the local time taken as UTC because no zone is known."""
        return self.time_source != "assumed-local"

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape used by ``parse --jsonl`` and ``watch --entries``.

        ``utc`` is null when the zone is unknown (``time_source`` "assumed-local"): the time as
        written is in ``local``, and no UTC time is claimed for it. ``damaged`` marks a torn record.
        """
        # Written out flat (no iso_utc or property call): parse --jsonl builds one per record.
        utc = self.utc
        extra = self.extra
        return {
            "file": self.file,
            "line": self.line,
            "offset": self.offset,
            "format": self.format,
            "local": self.local.isoformat(timespec="microseconds") if self.local else None,
            "utc": utc.isoformat(timespec="milliseconds")[:23] + "Z"
            if utc is not None and self.time_source != "assumed-local" else None,
            "bias": self.bias,
            "time_source": self.time_source,
            "severity": self.severity,
            "severity_inferred": self.severity_inferred,
            "component": self.component,
            "thread": self.thread,
            "message": self.message,
            "damaged": False if extra is NO_EXTRA else bool(extra.get("damaged")),
        }


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 UTC with a trailing ``Z`` (or None), the one spelling used in every output."""
    if value is None:
        return None
    # isoformat is several times cheaper than strftime, and its first 23 characters are the same
    # text (``YYYY-MM-DDTHH:MM:SS.mmm``, milliseconds truncated), with the year always four digits.
    return value.isoformat(timespec="milliseconds")[:23] + "Z"


def iso_local(value: datetime | None) -> str | None:
    """ISO 8601 without a zone (``2022-06-29T17:29:33.735``): a local time whose zone is unknown.

    Times of zone-less logs are carried internally as their local time in a UTC-aware datetime
    (so they sort and subtract like any other); this prints that wall-clock time without ``Z``.
    """
    if value is None:
        return None
    return value.isoformat(timespec="milliseconds")[:23]


def iso_time(value: datetime | None, zone_known: bool = True) -> str | None:
    """:func:`iso_utc` when the zone is known, else :func:`iso_local`."""
    return iso_utc(value) if zone_known else iso_local(value)
