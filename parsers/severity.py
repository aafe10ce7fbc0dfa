"""Severity for formats that carry none (SMS trace, plain lines, WindowsUpdate.log).

CMTrace itself highlights any line containing "error" (red) or "warn" (yellow); the
reverse-engineered binary also treats "fail" (but not "failover") as an error. We do the same,
minus the classic false positives ("0 errors", "ErrorCode = 0", "Failed count: 0"), and the
caller marks the result as inferred so nobody mistakes a keyword guess for a logged severity.
"""

from __future__ import annotations

import re

from sumtrace.parsers.entry import Severity

_NEGATED = re.compile(
    r"\b(?:0|no) (?:errors?|failures?|failed)\b"
    r"|\berror(?:code)?\s*[=:]\s*(?:0x0+|0)\b"
    r"|\bfail(?:ed|ures?)?(?: count)?\s*[=:]\s*0\b"
    r"|\bexit code\s*=\s*0x0+\b"
    r"|\bfailover\b",
    re.IGNORECASE,
)


def infer_severity(message: str) -> Severity:
    """Keyword severity the way CMTrace colours lines, with common false positives removed."""
    low = message.lower()
    if "err" not in low and "fail" not in low and "warn" not in low and "fatal" not in low:
        return "info"
    cleaned = _NEGATED.sub(" ", low)
    if "error" in cleaned or "fail" in cleaned or "fatal" in cleaned:
        return "error"
    if "warn" in cleaned:
        return "warning"
    return "info"

