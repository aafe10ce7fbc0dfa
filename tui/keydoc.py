"""The README's key table, written from the key table so the two never drift.

The README holds the table between two marker comments; :func:`readme_block` renders it from
:func:`sumtrace.tui.keys.key_table` and :func:`replace_block` puts it in place. A test compares the
README with :func:`readme_block`; after changing a key, regenerate with::

    python -m sumtrace.tui.keydoc README.md          # rewrite the block in place
    python -m sumtrace.tui.keydoc --check README.md  # exit 1 if it is out of date
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sumtrace.tui.keys import KeySpec, key_label, key_table, keys_of
from sumtrace.tui.views import VIEWS

BEGIN = "<!-- keys: generated from tui/keys.py by `python -m sumtrace.tui.keydoc README.md`; do not edit -->"
END = "<!-- /keys -->"


def _where(spec: KeySpec, titles: dict[str, str]) -> str:
    if spec.where == "view" and spec.views:
        text = ", ".join(titles[v] for v in spec.views)
        return f"{text} (elsewhere: opens {titles[spec.reach]})" if spec.reach else text
    return {"list": "lists", "help": "help screen"}.get(spec.where, "everywhere")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def readme_block(table: Sequence[KeySpec] | None = None) -> str:
    """The block as it belongs in the README, markers included."""
    titles = {v.NAME: v.TITLE for v in VIEWS}
    rows = [BEGIN, "| key | id | where | what it does |", "|---|---|---|---|"]
    for spec in key_table(VIEWS) if table is None else table:
        keys = " ".join(f"`{key_label(k)}`" for k in keys_of(spec))
        binding_id = f"`{spec.id}`" if spec.rebindable else "(Textual's)"
        rows.append(f"| {keys} | {binding_id} | {_cell(_where(spec, titles))} | {_cell(spec.help)} |")
    rows.append(END)
    return "\n".join(rows)


def replace_block(text: str, block: str) -> str:
    """``text`` with the block between the markers replaced; ValueError if the markers are missing."""
    start = text.find(BEGIN)
    end = text.find(END, start + 1)
    if start < 0 or end < 0:
        raise ValueError(f"no key table markers ({BEGIN!r} ... {END!r})")
    return text[:start] + block + text[end + len(END):]


def current_block(text: str) -> str:
    """The block as the README has it now (markers included); ValueError if the markers are missing."""
    start = text.find(BEGIN)
    end = text.find(END, start + 1)
    if start < 0 or end < 0:
        raise ValueError(f"no key table markers ({BEGIN!r} ... {END!r})")
    return text[start:end + len(END)]


def main(argv: Sequence[str] | None = None) -> int:
    """Rewrite (or ``--check``) the README's block; 0 when it is current, 1 when stale, 2 without markers."""
    ap = argparse.ArgumentParser(prog="python -m sumtrace.tui.keydoc",
                                 description="Write the README's key table from the key table.")
    ap.add_argument("readme", type=Path, help="the README to update (its key table markers must be there)")
    ap.add_argument("--check", action="store_true", help="only check: exit 1 if the table is out of date")
    args = ap.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    try:
        new = replace_block(text, readme_block())
    except ValueError as exc:
        print(f"{args.readme}: {exc}", file=sys.stderr)
        return 2
    if new == text:
        return 0
    if args.check:
        print(f"{args.readme}: the key table is out of date; run python -m sumtrace.tui.keydoc {args.readme}",
              file=sys.stderr)
        return 1
    args.readme.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
