"""Argument types shared by the sub-commands, so every number is checked the same way."""

from __future__ import annotations

import argparse
from collections.abc import Callable


def number(what: str, low: float, high: float | None = None) -> Callable[[str], float]:
    """An argparse type: a number for ``what``, above ``low`` (exclusive when 0) and up to ``high``."""

    def convert(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number ({what})") from None
        if value < low or (low == 0 and value == 0) or (high is not None and value > high):
            span = f"between {low:g} and {high:g}" if high is not None else ("positive" if low == 0 else f"at least {low:g}")
            raise argparse.ArgumentTypeError(f"{what} must be {span}")
        return value

    return convert
