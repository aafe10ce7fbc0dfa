"""Text output of the command line: colours decided once by Rich, applied as plain strings.

Whether and how to colour depends on the terminal: a pipe or a file gets none, ``NO_COLOR``
removes colour, ``FORCE_COLOR`` forces it, ``TERM=dumb`` and 16/256-colour terminals are honoured,
and a legacy Windows console cannot take escape codes at all. Rich's :class:`~rich.console.Console`
knows all of that, so it decides. But ``sumtrace parse`` can print millions of lines, and a Rich
call per line would cost more than parsing them; so the console renders each style once, around a
marker, and :class:`Palette` keeps the escape codes before and after it. Painting a line is then a
string join.

Log text is still the caller's to escape (:func:`sumtrace.flows.escape.printable`): nothing here
interprets markup, and the codes are only ever put around text, never taken from it.

Rich is loaded only when colour is possible at all: ``--json``/``--jsonl`` output never loads it,
and neither does text written to a pipe or a file with nothing forcing colour (:func:`_may_colour`),
where Rich would choose no colour anyway; a script running ``report`` or ``parse`` into a file
should not pay for a terminal library it cannot use.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Mapping
from typing import TextIO

_MARK = "\ue000sumtrace\ue001"  # private-use characters: no style's escape codes contain them


class Palette:
    """Escape codes to put around text, per key (a status, a severity); empty when not colouring."""

    def __init__(self, codes: Mapping[str, tuple[str, str]], *, ascii_only: bool = False) -> None:
        self.codes = dict(codes)
        self.ascii_only = ascii_only

    def paint(self, key: str, text: str) -> str:
        codes = self.codes.get(key)
        return f"{codes[0]}{text}{codes[1]}" if codes else text


def _may_colour(out: TextIO) -> bool:
    """Whether Rich could choose to colour ``out``: False only where it certainly would not.

    Rich colours a stream it takes for a terminal, and takes a stream for a terminal when it is a
    TTY or when ``FORCE_COLOR`` or ``TTY_COMPATIBLE`` says so. With neither variable set and no
    TTY, the answer is no without asking; in every other case Rich is asked.
    """
    if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
        return True
    try:
        return bool(out.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def _encoding(out: TextIO) -> str:
    return (getattr(out, "encoding", None) or "utf-8").lower()


def palette_for(out: TextIO, styles: Mapping[str, str]) -> Palette:
    """A palette for writing to ``out``: ``styles`` maps keys to Rich style strings (``"bold red"``).

    ``ascii_only`` is set when ``out`` cannot encode Unicode glyphs (a legacy code page).
    """
    if not _may_colour(out):
        return Palette({}, ascii_only=not _encoding(out).startswith("utf"))
    from rich.console import Console
    from rich.text import Text

    console = Console(file=out, highlight=False, markup=False, emoji=False, soft_wrap=True)
    codes: dict[str, tuple[str, str]] = {}
    if console.color_system is not None and not console.legacy_windows:
        for key, style in styles.items():
            with console.capture() as capture:
                console.print(Text(_MARK, style=style), end="")
            before, _, after = capture.get().partition(_MARK)
            if before or after:
                codes[key] = (before, after)
    return Palette(codes, ascii_only=not _encoding(out).startswith("utf"))


class Discard(io.TextIOBase):
    """A text stream that accepts and drops everything.

    Put in place of ``sys.stdout`` once the reader has gone (``sumtrace parse ... | head``), so
    later prints and the interpreter's flush at exit neither fail nor complain. It replaces
    opening ``os.devnull``, which is ``/dev/null`` on one platform and ``nul`` on another.
    """

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        return len(s)


def discard_stdout() -> None:
    """The reader of stdout went away: drop whatever is still written to it."""
    sys.stdout = Discard()
