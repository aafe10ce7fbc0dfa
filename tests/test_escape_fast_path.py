"""printable's fast path (``str.isprintable``) returns text only when the escaping regex would not change it.

The fast path is what makes ``parse`` affordable on millions of lines (issue 11); its safety rests on
one fact about Unicode, checked here on every code point of the running Python: no character the
escaping pattern acts on is printable.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from sumtrace.flows.escape import _CONTROL, _escape, one_line, printable


def _slow(text: str) -> str:
    return _CONTROL.sub(_escape, text)


def test_no_escaped_character_is_printable() -> None:
    printable_chars = "".join(chr(cp) for cp in range(0x110000) if chr(cp).isprintable())
    assert _CONTROL.search(printable_chars) is None


def test_every_code_point_escapes_as_the_regex_does() -> None:
    for cp in range(0x110000):
        ch = chr(cp)
        assert printable(ch) == _slow(ch), f"U+{cp:04X}"


@given(st.text())
def test_any_text_escapes_as_the_regex_does(text: str) -> None:
    assert printable(text) == _slow(text)
    assert printable(text, keep_newlines=False) == _slow(text).replace("\n", " ⏎ ")
    assert one_line(text) == _slow(text).replace("\t", "\\t").replace("\n", "\\n")
