"""Which keys the app takes, and keys held while the app catches up: no key lost when typing fast.

Over SSH a burst of keys (``&file:WUAHandler``, ``/policy``) reaches the app in one read. Textual
routes each key to the focused widget as it arrives, and a binding found by bubbling acts only
later; a key that opens an input acted after the keys typed behind it had already gone to the
old focus (``ile:WUAHandler``, and ``f`` toggled follow). So the app's keys are priority
bindings (they act on arrival, in order), and after one acted, the keys behind it are *held*
until what the action queued has run (Textual focuses a widget one callback later), then routed
to the new focus. Enter in an input holds the keys behind it the same way until the submission
is handled (the bar closes and the focus returns to the log), or :data:`HOLD_LIMIT` passed.

A priority binding would also steal the keys typed into an input: :func:`app_may_take` leaves
an input every key it types or edits with, and leaves a dialog (help, command palette) its own
keys; Ctrl+C and Ctrl+Q reach the app everywhere.
"""

from __future__ import annotations

from collections import deque
from typing import Final

from textual import events
from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Input

# Keys an input edits with (its own bindings: arrows, Home/End, Backspace, Ctrl+W, Enter...).
INPUT_KEYS: Final[frozenset[str]] = frozenset(
    key.strip() for b in Input.BINDINGS if isinstance(b, Binding) for key in b.key.split(","))
# Quitting works from anywhere, typing or not, dialog or not.
ALWAYS: Final[frozenset[str]] = frozenset({"ctrl+c", "ctrl+q"})
HOLD_LIMIT: Final[float] = 0.3  # seconds: held keys go on even if a submission was never seen
# A key sent on to a widget is handled within milliseconds, unless the machine is loaded; the
# limit only matters if a widget between stops it from bubbling, so it can be generous.
FORWARD_LIMIT: Final[float] = 1.0


def app_may_take(key: events.Key, focused: Widget | None, *, dialog: bool) -> bool:
    """Whether an app or view binding may act on ``key`` as it arrives.

    Not over a dialog (its own keys apply), and not while an input has the focus and the key
    types a character or is one of the input's editing keys. Anything else (Esc, F1, Ctrl+P)
    is the app's, typing or not.
    """
    if key.key in ALWAYS:
        return True
    if dialog:
        return False
    return not (isinstance(focused, Input) and (key.is_printable or key.key in INPUT_KEYS))


class KeyGate:
    """The app's key routing state: the key being routed, and the keys held behind an action."""

    def __init__(self) -> None:
        self.arriving: events.Key | None = None
        self.acted = False
        self.holding = False
        self.awaiting_submit = False
        self.held: deque[events.Key | events.Paste] = deque()
        # A key sent on to a widget (a list's j/k): the keys behind it wait until it has been
        # handled, by the widget or, bubbling, by the bindings of the focus chain at the app.
        self.in_flight: events.Key | None = None
        self.generation = 0

    def hold(self, *, until_submitted: bool = False) -> int:
        """Hold the keys that arrive from now on; returns the hold's number, which its release names
        (a late timer from an earlier hold must not end this one)."""
        self.holding = True
        self.awaiting_submit = until_submitted
        self.generation += 1
        return self.generation

    def release(self) -> None:
        self.holding = False
        self.awaiting_submit = False
        self.in_flight = None
