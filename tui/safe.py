"""Log text is untrusted: make it inert before it reaches a terminal.

A log line can contain ANSI escapes, carriage returns or Rich markup like ``[bold]``. Every
renderer in sumtrace passes text through :func:`printable` and builds Rich ``Text`` objects
directly (never markup strings), so what the log says is what the admin sees, literally.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """Escape control characters (ESC, CR, BEL, bidi overrides…) as visible ``\\xNN`` text."""
    out = _CONTROL.sub(_escape, text)
    if not keep_newlines:
        out = out.replace("\n", " ⏎ ")
    return out
