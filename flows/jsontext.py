"""JSON text for every machine-readable output (``report --json``, ``parse --jsonl``, the JSONL events).

One spelling everywhere: compact (no spaces after ``,`` and ``:``), keys in the order the objects
give them, and ASCII only, so C1 controls, bidi overrides, DEL and undecodable file names (lone
surrogates) reach a terminal as ``\\u`` escapes, never raw and never as an encoding error.

Encoding is on the hot path of ``parse --jsonl`` (one object per record) and ``report --json``
(every step's evidence). orjson encodes about five times faster than the standard library's C
encoder; where its output is not the ASCII-only text above (non-ASCII or DEL, which it writes raw)
or it refuses the object (a lone surrogate, an integer past 64 bits), the standard library encodes
it instead, with the same separators, so the two give byte-identical text (tests/test_jsontext.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import import_module
from typing import Any

_fast: Callable[[Any], bytes] | None
try:
    _fast = import_module("orjson").dumps
except ImportError:  # pragma: no cover - orjson is a dependency; the fallback keeps a bare install working
    _fast = None

_STD = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


def dumps(obj: Any) -> str:
    """``obj`` as ASCII-only compact JSON text."""
    if _fast is not None:
        try:
            data = _fast(obj)
        except TypeError:
            return _STD(obj)
        if data.isascii() and b"\x7f" not in data:
            return data.decode("ascii")
    return _STD(obj)


def dumpb(obj: Any) -> bytes:
    """:func:`dumps` as ASCII bytes, for writers that bypass the text layer."""
    if _fast is not None:
        try:
            data = _fast(obj)
        except TypeError:
            return _STD(obj).encode("ascii")
        if data.isascii() and b"\x7f" not in data:
            return data
    return _STD(obj).encode("ascii")


def std_dumps(obj: Any) -> str:
    """The standard library's spelling of :func:`dumps` (what it falls back to; tests compare the two)."""
    return _STD(obj)
