"""Every key of the TUI, in one table: the bindings, the help screen and the README come from it.

A :class:`KeySpec` says which binding id a key has (the name a user rebinds it by in
``keymap.toml``), its default keys, what it does and where it applies. From the table:

* :func:`app_bindings` builds the App's ``BINDINGS``. A key of ``where="app"`` runs an App action
  everywhere. A key of ``where="view"`` is routed to the view on screen (``key('<id>')``): the
  view's own ``action_*`` method runs when the view is listed in ``views``; from another view
  the key first shows ``reach`` (find, filter and errors open the Log view), or passes on to
  the focused widget. App and view keys are priority bindings: they act when the key arrives,
  before the next key of the same burst is routed (see :mod:`sumtrace.tui.keygate`), except
  while an input has the focus and the key types or edits its text;
* :func:`list_bindings` and :func:`help_bindings` build the navigation keys of every list and
  the help screen's close key;
* :func:`help_rows` and :func:`help_sections` give the help screen its key list, grouped by
  where each key works (with the user's own keys), and
  :mod:`sumtrace.tui.keydoc` writes the README's key table.

The view-switching keys (``1``-``5``) are not in :data:`KEYS`: :func:`view_keys` makes them from
the view registry, so a new view brings its own key. Every binding carries its id, so Textual's
keymap (``App.set_keymap``) can rebind any of them; a key bound by Textual itself and kept as
it is (``where="textual"``) is listed for the reader only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal, Protocol

from textual.binding import Binding, BindingType
from textual.keys import format_key

from sumtrace.tui.logquery import FILTER_HELP

Where = Literal["app", "view", "list", "help", "textual"]


@dataclass(frozen=True, slots=True)
class KeySpec:
    """One key binding and its documentation.

    ``keys`` are Textual key names, comma-separated (``f1,question_mark``). ``description`` is the
    short label (footer, Textual's binding); ``help`` the sentence shown in the help screen, the
    README and the command palette. ``views`` (``where="view"`` only) are the views whose action
    runs, ``()`` meaning every view; ``reach`` is the view a key opens when pressed elsewhere.
    ``show`` puts the key in the footer; ``palette`` is its command-palette title (empty: none).
    """

    id: str
    keys: str
    action: str
    description: str
    help: str
    where: Where = "app"
    views: tuple[str, ...] = ()
    reach: str = ""
    show: bool = False
    display: str = ""
    palette: str = ""
    priority: bool = False

    @property
    def action_name(self) -> str:
        """The method the action calls, without its arguments (``error(1)`` → ``error``)."""
        return self.action.split("(", 1)[0]

    @property
    def rebindable(self) -> bool:
        """Textual's own keys (Tab) are listed for the reader; the keymap does not reach them."""
        return self.where != "textual"


class ViewInfo(Protocol):
    """What the key table needs to know of a view (the view classes provide it)."""

    NAME: str
    KEY: str
    TITLE: str
    SUMMARY: str



KEYS: Final[tuple[KeySpec, ...]] = (
    KeySpec("help", "f1,question_mark", "help", "Help", "help: keys, views, glyphs and colours",
            show=True, display="F1", palette="Help"),
    KeySpec("pause", "p", "pause", "Pause",
            "pause or resume (live: the tail keeps reading and only the screen holds; replay: the replay stops)",
            show=True, palette="Pause / resume"),
    KeySpec("step", "s", "step", "Step", "while paused: apply what has arrived once (replay: one record)",
            palette="Step"),
    KeySpec("follow", "f", "follow", "Follow", "follow the current scan, or (Log view) the end of the log",
            where="view", show=True, palette="Follow"),
    KeySpec("find", "slash", "find", "Find",
            "find text in the merged log (re:REGEX for a regex; the title counts the matches: 3/17)",
            where="view", views=("log",), reach="log", show=True, palette="Find in log"),
    KeySpec("find_next", "n", "find_next(1)", "Next match", "next match of the find text", where="view",
            views=("log",), reach="log", palette="Next match"),
    KeySpec("find_prev", "N", "find_next(-1)", "Previous match", "previous match of the find text",
            where="view", views=("log",), reach="log", palette="Previous match"),
    KeySpec("next_error", "e", "error(1)", "Next error", "next error record (Log), or failed or stalled step (Scan)",
            where="view", views=("scan", "log"), reach="log", show=True, palette="Next error"),
    KeySpec("prev_error", "E", "error(-1)", "Prev error",
            "previous error record (Log), or failed or stalled step (Scan)", where="view", views=("scan", "log"),
            reach="log", palette="Previous error"),
    # -- the Log view's CMTrace/lnav keys: highlight, go to a time, marks (issue 12) --
    KeySpec("highlight", "h", "highlight", "Highlight",
            "highlight every record containing a text (re:REGEX too; empty or Esc: off), like CMTrace's",
            where="view", views=("log",), reach="log", palette="Highlight text in log"),
    KeySpec("goto_time", "at", "goto_time", "Go to time",
            "go to the first record at or after a time (10:30, 11-27 10:30, 10:30Z)", where="view",
            views=("log",), reach="log", palette="Go to time in log"),
    KeySpec("mark", "m", "mark", "Mark",
            "mark the record under the cursor, or unmark it (the record pane shows the time from the nearest mark)",
            where="view", views=("log",), palette="Mark record"),
    KeySpec("next_mark", "u", "next_mark(1)", "Next mark", "next marked record", where="view", views=("log",),
            palette="Next mark"),
    KeySpec("prev_mark", "U", "next_mark(-1)", "Prev mark", "previous marked record", where="view",
            views=("log",), palette="Previous mark"),
    # -- end of the Log view's block --
    KeySpec("filter", "ampersand", "filter", "Filter", f"filter the merged log: {FILTER_HELP}", where="view",
            views=("log",), reach="log", show=True, palette="Filter log"),
    KeySpec("filter_ids", "i", "filter_ids", "Flow IDs",
            "filter the merged log by the selected flow's IDs and records (again: off)", where="view",
            views=("log",), reach="log", palette="Filter log by flow IDs"),
    KeySpec("thread", "t", "thread", "Thread", "highlight the thread of the record under the cursor (again: off)",
            where="view", views=("log",), palette="Highlight thread"),
    KeySpec("escape", "escape", "escape", "Close",
            "leave the input (Log: close the bar, else clear the filter, else the highlights)", where="view"),
    KeySpec("pane_left", "left", "pane(-1)", "Flows", "move to the flows pane", where="view", views=("scan",)),
    KeySpec("pane_right", "right", "pane(1)", "Steps", "move to the steps pane", where="view", views=("scan",)),
    KeySpec("palette", "ctrl+p", "command_palette", "Palette", "command palette: every action by name",
            priority=True),
    KeySpec("copy", "c", "copy", "Copy",
            "copy the selection to the clipboard: the log record, the step and its evidence, the flow "
            "(Flows pane), the lookup result", palette="Copy selection"),
    KeySpec("copy_flow", "C", "copy_flow", "Copy flow", "copy the selected flow's whole timeline to the clipboard",
            palette="Copy flow timeline"),
    KeySpec("export", "w", "export", "Export",
            "write the selected flow as Markdown (report --markdown's text) to a file in the current folder "
            "(or $SUMTRACE_EXPORT_DIR)", palette="Export flow as Markdown"),
    KeySpec("quit", "q", "quit", "Quit", "quit (Ctrl+Q quits too, even while typing)", show=True),
    KeySpec("interrupt", "ctrl+c", "interrupt", "Quit", "quit, even while typing: press twice (the first asks)"),
    KeySpec("cursor_up", "up,k", "move(-1)", "Up", "previous item", where="list"),
    KeySpec("cursor_down", "down,j", "move(1)", "Down", "next item", where="list"),
    KeySpec("page_up", "pageup", "page(-1)", "Page up", "a page up", where="list"),
    KeySpec("page_down", "pagedown", "page(1)", "Page down", "a page down", where="list"),
    KeySpec("first", "home,g", "edge(-1)", "First", "first item (Log: the oldest record)", where="list"),
    KeySpec("last", "end,G", "edge(1)", "Last", "last item (Log: the newest record, and follow)", where="list"),
    KeySpec("open", "enter", "open", "Open",
            "open: a flow shows its steps, a step its records, a log record the step it is evidence of",
            where="list"),
    KeySpec("close_help", "escape,f1,q,question_mark", "dismiss", "Close help", "close the help screen",
            where="help"),
    KeySpec("focus_next", "tab", "app.focus_next", "Next pane", "next pane", where="textual"),
    KeySpec("focus_previous", "shift+tab", "app.focus_previous", "Previous pane", "previous pane",
            where="textual"),
)


def view_keys(views: Iterable[ViewInfo]) -> tuple[KeySpec, ...]:
    """The keys that switch to each registered view (``view_scan`` on ``1``, ...)."""
    return tuple(KeySpec(f"view_{v.NAME}", v.KEY, f"view('{v.NAME}')", v.TITLE, f"{v.TITLE} view: {v.SUMMARY}",
                         palette=f"Show {v.TITLE}") for v in views)


def key_table(views: Iterable[ViewInfo]) -> tuple[KeySpec, ...]:
    """The whole table: the view keys first (they come first in the README), then :data:`KEYS`."""
    return (*view_keys(views), *KEYS)


# ------------------------------------------------------------------------------------ bindings

def _binding(spec: KeySpec, action: str, *, priority: bool = False) -> Binding:
    return Binding(spec.keys, action, spec.description, show=spec.show, key_display=spec.display or None,
                   priority=priority or spec.priority, tooltip=spec.help, id=spec.id)


def app_bindings(table: Iterable[KeySpec]) -> list[BindingType]:
    """The App's ``BINDINGS``: app keys run their action, view keys go through ``key('<id>')``.

    Every one is a priority binding, checked when the key arrives rather than after it went
    through the focused widget: a key that opens an input must act before the keys typed after
    it are routed (the App's key gate decides when an input keeps a key instead).
    """
    out: list[BindingType] = []
    for spec in table:
        if spec.where == "app":
            out.append(_binding(spec, spec.action, priority=True))
        elif spec.where == "view":
            out.append(_binding(spec, f"key('{spec.id}')", priority=True))
    return out


def list_bindings() -> list[BindingType]:
    """The keys of every cursor list (flows, steps, evidence, the merged log, help)."""
    return [_binding(s, s.action) for s in KEYS if s.where == "list"]


def help_bindings() -> list[BindingType]:
    """The help screen's own keys (it is modal: the app's keys do not reach past it)."""
    return [_binding(s, s.action) for s in KEYS if s.where == "help"]


# ------------------------------------------------------------------------------------ display

_LABELS: Final[dict[str, str]] = {
    "escape": "Esc", "enter": "Enter", "tab": "Tab", "space": "Space", "backspace": "Backspace",
    "delete": "Del", "insert": "Ins", "home": "Home", "end": "End", "pageup": "PgUp", "pagedown": "PgDn",
    "up": "↑", "down": "↓", "left": "←", "right": "→",
}
_FKEY = re.compile(r"f\d{1,2}")


def key_label(key: str) -> str:
    """How a Textual key name reads to a person: ``question_mark`` → ``?``, ``ctrl+p`` → ``Ctrl+P``."""
    *mods, name = key.strip().split("+")
    if name in _LABELS:
        label = _LABELS[name]
    elif _FKEY.fullmatch(name):
        label = name.upper()
    elif len(name) == 1:
        label = name.upper() if mods else name
    else:
        char = format_key(name)  # slash → /, question_mark → ?
        label = char if len(char) == 1 and char.isprintable() else name
    return "+".join([*(m.capitalize() for m in mods), label])


def keys_of(spec: KeySpec, keymap: Mapping[str, str] | None = None) -> list[str]:
    """The keys that run ``spec``: the user's (from ``keymap``) or the defaults."""
    raw = (keymap or {}).get(spec.id) if spec.rebindable else None
    return [k.strip() for k in (raw or spec.keys).split(",") if k.strip()]


def keys_label(spec: KeySpec, keymap: Mapping[str, str] | None = None, sep: str = " ") -> str:
    """Every key of ``spec`` as a person reads it, joined by ``sep``."""
    return sep.join(key_label(k) for k in keys_of(spec, keymap))


def conflicts(table: Sequence[KeySpec], keymap: Mapping[str, str]) -> list[str]:
    """What the user's keys take from other bindings, said plainly (Textual resolves it silently).

    App and view keys share one binding map: a rebound key wins there and the other binding loses
    it. App keys act when the key arrives, before a list's own keys (and Textual's Tab), so an
    app key equal to one of them takes it from every list (or pane).
    """
    if not keymap:
        return []
    out: list[str] = []
    app_level = [s for s in table if s.where in ("app", "view")]
    widget_level = [s for s in table if s.where in ("list", "textual")]
    for spec in app_level:
        if spec.id not in keymap:
            continue
        for key in keys_of(spec, keymap):
            label = key_label(key)
            for other in app_level:
                if other.id != spec.id and label in {key_label(k) for k in keys_of(other, keymap)}:
                    out.append(f"{label} is now {spec.id}; {other.id} loses it")
            for other in widget_level:
                if label in {key_label(k) for k in keys_of(other, keymap)}:
                    where = "lists" if other.where == "list" else "every pane"
                    out.append(f"{label} for {spec.id} takes it from {other.id} in {where}")
    return out


def help_rows(table: Sequence[KeySpec], keymap: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(keys, what it does, binding id) for the help screen, with the user's own keys."""
    return [(keys_label(s, keymap, " / "), s.help, s.id if s.rebindable else "") for s in table]


def help_section(spec: KeySpec, titles: Mapping[str, str]) -> str:
    """Where a key works, as the help screen heads its group (``titles``: view name → title)."""
    if spec.where == "app":
        return "Views" if spec.id.startswith("view_") else "Everywhere"
    if spec.where == "view":
        if not spec.views:
            return "Every view"
        return " and ".join(titles.get(v, v) for v in spec.views) + " view" + ("s" if len(spec.views) > 1 else "")
    return {"list": "Lists (flows, steps, records, the log)", "help": "This help",
            "textual": "Panes"}.get(spec.where, spec.where)


def help_sections(table: Sequence[KeySpec], keymap: Mapping[str, str] | None = None,
                  titles: Mapping[str, str] | None = None) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """The help screen's key groups, in the order each first appears in the table, rows as in
    :func:`help_rows` (the user's own keys)."""
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for spec, row in zip(table, help_rows(table, keymap)):
        groups.setdefault(help_section(spec, titles or {}), []).append(row)
    return list(groups.items())
