"""``sumtrace parse`` and ``parse --jsonl`` as ratios to the regex floor, at two fact densities and two sizes.

Run: python tests/bench/bench_parse.py [--scale 1] [--rounds 3] [--presets realistic,worst]

For each corpus (tests/bench/corpus.py: "realistic", about 2 % of records are facts, and "worst",
about 60 %), at 1x and 4x the size, it prints the records, megabytes, the floor (``re.finditer`` of
the parser's CMTrace record pattern over the same bytes, building nothing, CPU time, best of 5) and
each command's CPU time (best of ``--rounds``, start-up included, output to /dev/null) as a multiple
of it; then 4x/1x, the cost of four times the input (linear: 4; the target: at most 4.5). The
issue's targets: parse at most 6x the floor, parse --jsonl at most 7x. Not a test: no assertion.
"""

from __future__ import annotations

import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from floor import ratio_table  # noqa: E402

COMMANDS = {"parse": ["parse"], "parse --jsonl": ["parse", "--jsonl"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0, help="size of the 1x corpus (1: about 134k records)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--presets", default="realistic,worst")
    ap.add_argument("--commands", default=",".join(COMMANDS))
    args = ap.parse_args()
    for name in args.presets.split(","):
        ratio_table(name, COMMANDS, args.commands.split(","), args.scale, args.rounds)

if __name__ == "__main__":
    main()
