"""JSON text for every machine-readable output (``report --json``, ``parse --jsonl``, the JSONL events).

One spelling everywhere: compact (no spaces after ``,`` and ``:``), keys in the order the objects
give them, and ASCII only, so C1 controls, bidi overrides, DEL and undecodable file names (lone
surrogates) reach a terminal as ``\\u`` escapes, never raw and never as an encoding error.

Streams of many objects (``parse --jsonl``: one per record) go through orjson, about five times
faster than the standard library's C encoder; where its output is not the ASCII-only text above
(non-ASCII or DEL, which it writes raw) or it refuses the object (a lone surrogate, an integer past
64 bits), the standard library encodes it instead, with the same separators, so the two give
byte-identical text (tests/test_jsontext.py). A single document (``report --json``) takes the
standard library's C encoder directly: orjson's import would cost more than it saves there.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from importlib import import_module
from typing import Any

_STD = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode


@cache
def _orjson_dumps() -> Callable[[Any], bytes] | None:
    """orjson's encoder, imported on first use: the import costs about 15 ms (it loads uuid and
    zoneinfo), more than a single report document takes to encode without it."""
    try:
        fast: Callable[[Any], bytes] = import_module("orjson").dumps
    except ImportError:  # pragma: no cover - orjson is a dependency; a bare install still works without it
        return None
    return fast


def document(obj: Any) -> str:
    """One document (``report --json``): the standard library's C encoder, no import to pay for."""
    return _STD(obj)


def write_document(items: Iterable[tuple[str, Any]], write: Callable[[str], object]) -> None:
    """Write the object whose keys and values ``items`` gives, as :func:`document` spells it, in pieces:
    a value that is an iterator (not a list or a scalar) is written one element at a time, so the
    whole text, and every element at once, is never held in memory."""
    write("{")
    for i, (key, value) in enumerate(items):
        write(("," if i else "") + _STD(key) + ":")
        if isinstance(value, Iterator):
            write("[")
            for j, element in enumerate(value):
                write(("," if j else "") + _STD(element))
            write("]")
        else:
            write(_STD(value))
    write("}")


def dumps(obj: Any) -> str:
    """``obj`` as ASCII-only compact JSON text, for a stream of many objects (JSON Lines)."""
    fast = _orjson_dumps()
    if fast is not None:
        try:
            data = fast(obj)
        except TypeError:
            return _STD(obj)
        if data.isascii() and b"\x7f" not in data:
            return data.decode("ascii")
    return _STD(obj)


def dumpb(obj: Any) -> bytes:
    """:func:`dumps` as ASCII bytes, for writers that bypass the text layer."""
    fast = _orjson_dumps()
    if fast is not None:
        try:
            data = fast(obj)
        except TypeError:
            return _STD(obj).encode("ascii")
        if data.isascii() and b"\x7f" not in data:
            return data
    return _STD(obj).encode("ascii")


def std_dumps(obj: Any) -> str:
    """The standard library's spelling of :func:`dumps` (what it falls back to; tests compare the two)."""
    return _STD(obj)
