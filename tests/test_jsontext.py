"""flows/jsontext: orjson where its text is the standard library's, the standard library everywhere else.

Every JSON output goes through it (issue 11), so what it writes must be ASCII only (issue 13: no raw
C1 control, bidi override or DEL reaches a terminal) and must not fail on a lone surrogate (an
undecodable file name byte) or a big integer; and both encoders must spell the same object the same.
"""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from sumtrace.flows.jsontext import document, dumpb, dumps, std_dumps, write_document

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.text(), st.text(alphabet=st.characters(max_codepoint=127)))
_JSON = st.recursive(_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                     max_leaves=20)


@given(_JSON)
def test_same_text_as_the_standard_library_and_ascii_only(obj: object) -> None:
    text = dumps(obj)
    assert text == std_dumps(obj) == document(obj) == json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
    assert text.isascii() and "\x7f" not in text
    assert dumpb(obj) == text.encode("ascii")
    assert json.loads(text) == obj


def test_hostile_text_is_escaped_not_refused() -> None:
    obj = {"file": "/logs/caf\udce9/\x1b]0;pwned\x07\u202eevil\x7f\x9b", "n": 2**70, "line": 3}
    text = dumps(obj)
    assert text.isascii()
    assert "\\udce9" in text and "\\u001b" in text and "\\u202e" in text and "\\u007f" in text and "\\u009b" in text
    assert json.loads(text) == obj
    assert dumpb(obj) == text.encode("ascii")


@given(st.dictionaries(st.text(max_size=8), st.one_of(_SCALARS, st.lists(_JSON, max_size=4)), max_size=5))
def test_a_streamed_document_is_the_document(doc: dict[str, object]) -> None:
    """report --json writes its document in pieces (lists element by element): the same text."""
    pieces: list[str] = []
    items = [(k, iter(v) if isinstance(v, list) else v) for k, v in doc.items()]
    write_document(items, pieces.append)
    assert "".join(pieces) == document(doc)
