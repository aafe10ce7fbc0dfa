"""How a data source plugs into the TUI: a driver coroutine, a clock, and a pause/step control.

Nothing here imports Textual, so a replay source can implement these without depending on the UI.

* A **driver** is ``Callable[[], Awaitable[None]]``: the app runs ``await driver()`` as a worker for
  its whole life. It feeds the :class:`sumtrace.live.pipeline.Pipeline` the app subscribed to
  (``LiveWatcher(pipeline, options).run`` live; a replay source's ``run`` for ``replay``/``demo``).
  If it raises, the app exits with the traceback and a non-zero code. If it returns, the app stays
  open on what it has (a finished replay).
* A **clock** is ``Callable[[], datetime]`` returning aware UTC "now": the wall clock live, the replay
  clock in a replay. The app uses it for elapsed times, due times and ``tracker.update(now)``.
* A **control** (:class:`DriverControl`) is what the ``p`` (pause/resume) and ``s`` (step) keys call.
  Live, the app uses :class:`ViewFreeze`: the tail keeps being read (nothing is lost), only the
  screen stops changing. A replay source implements the protocol itself to pause its own pacing;
  it may also offer ``describe() -> str`` (shown in the status bar, e.g. ``"x10 19:12:05Z"``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from typing import Protocol, runtime_checkable

Driver = Callable[[], Awaitable[None]]
Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    """Aware UTC now."""
    return datetime.now(timezone.utc)


@runtime_checkable
class DriverControl(Protocol):
    """Pause, resume and single-step a data source (or the view of it).

    ``freezes_view`` (optional attribute, default False): True means "pausing is the app's job":
    while paused the app keeps buffering what arrives but stops changing the screen, and
    :meth:`step` applies what has arrived once. A replay source leaves it False: it stops feeding,
    and the app keeps rendering normally.
    """

    @property
    def paused(self) -> bool: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def step(self) -> None: ...


class ViewFreeze:
    """The live control: pausing freezes the screen while the tail goes on being read."""

    freezes_view = True

    def __init__(self) -> None:
        self._paused = False
        self._steps = 0

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        self._steps = 0

    def step(self) -> None:
        """While paused: show what has arrived so far once, then stay paused."""
        if self._paused:
            self._steps += 1

    def take_step(self) -> bool:
        """The app asks whether a step was requested (and consumes it)."""
        if self._steps:
            self._steps -= 1
            return True
        return False

    def describe(self) -> str:
        return ""
