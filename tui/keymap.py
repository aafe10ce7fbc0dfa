"""The user's own keys: ``keymap.toml``, read once at start and handed to Textual's keymap.

Where it lives (the first that applies):

* ``$SUMTRACE_KEYMAP`` (a path; it must exist when set);
* Windows: ``%APPDATA%\\sumtrace\\keymap.toml``;
* Linux, macOS: ``$XDG_CONFIG_HOME/sumtrace/keymap.toml``, by default ``~/.config/sumtrace/keymap.toml``.

The format is one table of binding ids (the ids the help screen and the README list)::

    [keys]
    pause = "space"
    find = "ctrl+f,slash"

A file that cannot be read or parsed is ignored as a whole, with one warning: a half-applied
keymap would leave the user guessing which keys moved. An unknown id or a key name Textual would
never send is reported and skipped; the valid entries still apply. Nothing here raises.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.keys import Keys, format_key, key_to_character

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

ENV_VAR = "SUMTRACE_KEYMAP"
_MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
# Key names Textual sends, without modifiers ("f5", "pageup", "space", ...).
_NAMED = frozenset(k.value.rpartition("+")[2] for k in Keys if not k.value.startswith("<"))


def keymap_path(env: Mapping[str, str] | None = None, platform: str | None = None,
                home: Path | None = None) -> tuple[Path, bool]:
    """Where the keymap is read from, and whether the user named that path explicitly."""
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    explicit = env.get(ENV_VAR, "").strip()
    if explicit:
        return Path(explicit).expanduser(), True
    base_home = home if home is not None else Path.home()
    if platform.startswith("win"):
        appdata = env.get("APPDATA", "").strip()
        base = Path(appdata) if appdata else base_home / "AppData" / "Roaming"
    else:
        xdg = env.get("XDG_CONFIG_HOME", "").strip()
        # The XDG spec says a relative XDG_CONFIG_HOME is invalid and must be ignored.
        base = Path(xdg) if xdg and os.path.isabs(xdg) else base_home / ".config"
    return base / "sumtrace" / "keymap.toml", False


@dataclass(slots=True)
class Keymap:
    """What was read: the keys to apply (binding id → Textual key list) and what was wrong."""

    path: Path
    keys: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    ignored: bool = False  # the whole file was unusable: defaults everywhere

    @property
    def message(self) -> str:
        """One warning for the user (empty when all is well)."""
        if not self.problems:
            return ""
        head = f"Keymap {self.path}: "
        tail = " Using the default keys." if self.ignored else " The other keys apply."
        return head + "; ".join(self.problems) + "." + tail


def _key_name(part: str) -> str | None:
    """A key as Textual names it (modifiers and named keys lower case), or None if it cannot be sent."""
    *mods, name = part.split("+")
    mods = [m.strip().lower() for m in mods]
    name = name.strip()
    if not name or any(m not in _MODIFIERS for m in mods):
        return None
    if len(name) == 1 and set(mods) - {"shift"}:
        name = name.lower()  # a terminal sends ctrl+f for Ctrl+Shift+F too
    elif len(name) > 1:
        name = name.lower()
        if name not in _NAMED and key_to_character(name) is None and len(format_key(name)) != 1:
            return None
    return "+".join([*mods, name])


def _keys_value(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    parts = [p.strip() for p in value.split(",")]
    if not parts or any(not p for p in parts):
        return None
    names = [_key_name(p) for p in parts]
    if any(n is None for n in names):
        return None
    return ",".join(n for n in names if n is not None)


def load_keymap(path: Path, known: Collection[str], *, must_exist: bool = False) -> Keymap:
    """Read ``path``: the keys for ids in ``known``, and a readable list of what was wrong."""
    km = Keymap(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        if must_exist:
            km.problems.append(f"no such file (set by {ENV_VAR})")
            km.ignored = True
        return km
    except (OSError, UnicodeDecodeError) as exc:
        km.problems.append(f"cannot be read ({exc.__class__.__name__}: {exc})")
        km.ignored = True
        return km
    except tomllib.TOMLDecodeError as exc:
        km.problems.append(f"not valid TOML ({exc})")
        km.ignored = True
        return km
    table = data.get("keys")
    if not isinstance(table, dict):
        km.problems.append('no [keys] table (write: [keys] then binding_id = "key1,key2")')
        km.ignored = True
        return km
    unknown = sorted(k for k in table if k not in known)
    if unknown:
        km.problems.append("unknown binding id" + ("s " if len(unknown) > 1 else " ") + ", ".join(unknown)
                           + " (F1 lists the ids)")
    bad: list[str] = []
    for binding_id, value in table.items():
        if binding_id not in known:
            continue
        keys = _keys_value(value)
        if keys is None:
            bad.append(f"{binding_id} = {value!r}")
        else:
            km.keys[binding_id] = keys
    if bad:
        km.problems.append("not a key list: " + ", ".join(bad) + ' (write "key" or "key1,key2", e.g. "ctrl+f")')
    extra = sorted(k for k in data if k != "keys")
    if extra:
        km.problems.append("ignored: " + ", ".join(extra) + " (only [keys] is read)")
    return km


def read_keymap(known: Collection[str], env: Mapping[str, str] | None = None) -> Keymap:
    """The keymap at its usual place (see the module docstring)."""
    path, explicit = keymap_path(env)
    return load_keymap(path, known, must_exist=explicit)
