"""A sorted set of merged-log anchors: the marks a user set, and the records a find matched.

No Textual here. Positions in the merged log move as records merge in and the oldest are
dropped, so both are kept as ``(key, seq)`` anchors (see :mod:`sumtrace.tui.logindex`), which
never move. A find over a million records can match most of them: the anchors live in two typed
arrays (16 bytes each) rather than a list of tuples (about 100 bytes each), and everything is a
bisection: whether a record is in the set, its rank ("match 3 of 17"), the next one after it.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right

from sumtrace.tui.logindex import Anchor


class AnchorSet:
    """Anchors in ``(key, seq)`` order (the merged log's order), each at most once."""

    __slots__ = ("keys", "seqs")

    def __init__(self) -> None:
        self.keys: array[float] = array("d")
        self.seqs: array[int] = array("q")

    def __len__(self) -> int:
        return len(self.keys)

    def _pos(self, a: Anchor) -> int:
        """How many anchors sort before ``a``."""
        keys = self.keys
        lo = bisect_left(keys, a[0])
        hi = bisect_right(keys, a[0], lo)
        return bisect_left(self.seqs, a[1], lo, hi) if hi > lo else lo

    def __contains__(self, a: object) -> bool:
        if not isinstance(a, tuple) or len(a) != 2:
            return False
        i = self._pos(a)
        return i < len(self.keys) and self.keys[i] == a[0] and self.seqs[i] == a[1]

    def at(self, i: int) -> Anchor:
        return (self.keys[i], self.seqs[i])

    def add(self, a: Anchor) -> bool:
        """Put ``a`` in; False if it was there. Appending past the last anchor costs nothing more."""
        keys = self.keys
        if not keys or a > (keys[-1], self.seqs[-1]):
            keys.append(a[0])
            self.seqs.append(a[1])
            return True
        i = self._pos(a)
        if i < len(keys) and keys[i] == a[0] and self.seqs[i] == a[1]:
            return False
        keys.insert(i, a[0])
        self.seqs.insert(i, a[1])
        return True

    def discard(self, a: Anchor) -> bool:
        """Take ``a`` out; False if it was not there."""
        i = self._pos(a)
        if i < len(self.keys) and self.keys[i] == a[0] and self.seqs[i] == a[1]:
            del self.keys[i]
            del self.seqs[i]
            return True
        return False

    def toggle(self, a: Anchor) -> bool:
        """Add ``a``, or take it out if it was there; True when it is in the set now."""
        return True if self.add(a) else not self.discard(a)

    def rank(self, a: Anchor) -> int:
        """How many anchors sort before ``a`` (``a``'s 0-based place if it is in the set)."""
        return self._pos(a)

    def after(self, a: Anchor) -> Anchor | None:
        """The first anchor after ``a`` (not ``a`` itself), or None."""
        i = self._pos(a)
        if i < len(self.keys) and self.keys[i] == a[0] and self.seqs[i] == a[1]:
            i += 1
        return self.at(i) if i < len(self.keys) else None

    def before(self, a: Anchor) -> Anchor | None:
        """The last anchor before ``a`` (not ``a`` itself), or None."""
        i = self._pos(a)
        return self.at(i - 1) if i > 0 else None

    def trim_before(self, a: Anchor) -> int:
        """Drop every anchor before ``a`` (its record left the bounded log); returns how many."""
        i = self._pos(a)
        if i:
            del self.keys[:i]
            del self.seqs[:i]
        return i

    def clear(self) -> None:
        del self.keys[:]
        del self.seqs[:]
