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
Format = Literal["cmtrace", "smstrace", "wu-legacy", "wu-etw", "wsus", "iis", "plain"]
FORMATS: Final[tuple[Format, ...]] = get_args(Format)

# How the UTC time was obtained.
TimeSource = Literal["bias", "utc", "banner", "host-bias", "assumed-local", "none"]
TIME_SOURCES: Final[tuple[TimeSource, ...]] = get_args(TimeSource)

Severity = Literal["verbose", "info", "warning", "error"]
SEVERITIES: Final[tuple[Severity, ...]] = get_args(Severity)
SEVERITY_RANK = {"verbose": 0, "info": 1, "warning": 2, "error": 3}

# Most records have no format-specific extras; they share this read-only empty mapping.
NO_EXTRA: Mapping[str, Any] = MappingProxyType({})


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

    def to_json(self) -> dict[str, Any]:
        """The stable JSON shape used by ``parse --jsonl`` and ``watch --entries``."""
        return {
            "file": self.file,
            "line": self.line,
            "offset": self.offset,
            "format": self.format,
            "local": self.local.isoformat(timespec="microseconds") if self.local else None,
            "utc": iso_utc(self.utc),
            "bias": self.bias,
            "time_source": self.time_source,
            "severity": self.severity,
            "severity_inferred": self.severity_inferred,
            "component": self.component,
            "thread": self.thread,
            "message": self.message,
        }


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 UTC with a trailing ``Z`` (or None), the one spelling used in every output."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
