"""Log text is untrusted: make it inert before it reaches a terminal or a document.

A log line, an update title, a NetBIOS name or a file name can contain ANSI escapes (an OSC 52
clipboard write, a title change, a screen clear), carriage returns, bidi overrides that reorder
what the admin reads, or Rich markup like ``[bold]``. Every renderer in sumtrace passes such text
through :func:`printable` and builds Rich ``Text`` objects directly (never markup strings), so what
the log says is what the admin sees, literally. A Markdown document takes :func:`markdown` on top,
so log text cannot add a heading, a link, raw HTML or a table row either.

These are the one place where text is escaped: a call site never writes its own table.
"""

from __future__ import annotations

import re

# Everything a terminal or a text renderer may act on rather than show: C0 controls but tab and
# newline, DEL and the C1 controls (ESC, CSI, OSC...), and every Unicode format character (Cf:
# bidi marks, embeddings, overrides and isolates, zero-width characters, the BOM, tag characters),
# the line and paragraph separators, and lone surrogates (an undecodable file name byte, which
# would otherwise stop the output with an encoding error). The Cf ranges are Unicode 15's;
# tests/test_hostile_output.py checks them against the running Python's unicodedata.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff"
    "\U000110bd\U000110cd\U00013430-\U0001343f\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f]"
)


def _escape(m: re.Match[str]) -> str:
    cp = ord(m.group(0))
    if cp < 0x100:
        return f"\\x{cp:02x}"
    return f"\\u{cp:04x}" if cp < 0x10000 else f"\\U{cp:08x}"


def printable(text: str, *, keep_newlines: bool = True) -> str:
    """Escape control and format characters (ESC, CR, BEL, bidi overrides…) as visible ``\\xNN`` text.

    With ``keep_newlines`` False a newline becomes `` ⏎ ``, so the text stays on one line.
    """
    # Fast path: ``str.isprintable`` (one C pass) is False for every character _CONTROL matches
    # (all are Cc, Cf, Zl, Zp or Cs), so text it accepts has nothing to escape; it is also False for
    # tab and newline, which then take the regex like any other text.
    if text.isprintable():
        return text
    out = _CONTROL.sub(_escape, text)
    if not keep_newlines:
        out = out.replace("\n", " ⏎ ")
    return out


def one_line(text: str) -> str:
    """:func:`printable` for a field printed inside a line of a report: tabs and newlines escaped too.

    A field with a newline could otherwise forge the report's next line (``== host ==``, a status).
    """
    return printable(text).replace("\t", "\\t").replace("\n", "\\n")


# Inline syntax anywhere in a field; ``. - +`` only start a list, so only where the field starts.
_MD_SPECIAL = re.compile(r"[\\`*_{}\[\]()#!|~<>&]|^[-+]|^\d{1,9}\.")
_MD_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}


def _md_escape(m: re.Match[str]) -> str:
    ch = m.group(0)
    if len(ch) > 1:  # ``12.`` at the start: an ordered list's marker
        return ch[:-1] + "\\."
    return _MD_ENTITY.get(ch) or "\\" + ch


def markdown(text: str) -> str:
    """Log text as inert Markdown, for a table cell, a heading or a list item.

    It is made :func:`one_line` first (a newline cannot start a heading or break out of a table
    row), then ``< > &`` become HTML entities (no raw HTML: ``<iframe>``, ``<img onerror>``,
    ``<javascript:…>`` autolinks) and every other character Markdown acts on is backslash-escaped
    (no link, image, emphasis, code span, heading or table cell of the log's making; ``-``, ``+``
    and a number's ``.`` only at the start, where they would begin a list).
    """
    return _MD_SPECIAL.sub(_md_escape, one_line(text))
