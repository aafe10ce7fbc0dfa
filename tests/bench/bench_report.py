"""``sumtrace report`` and ``report --json`` as ratios to the regex floor, their linearity and memory.

Run: python tests/bench/bench_report.py [--scale 1] [--rounds 3] [--presets realistic,worst]

For each corpus (tests/bench/corpus.py: "realistic", about 2 % of records are facts, and "worst",
about 60 %), at 1x and 4x the size (four times the scans and the filler), it prints the records,
megabytes, fact density, flows, the floor (``re.finditer`` of the parser's CMTrace record pattern
over the same bytes, building nothing, CPU time, best of 5) and each command's CPU time (best of
``--rounds``, start-up included, output to /dev/null) as a multiple of it, then 4x/1x (linear: 4;
the target: at most 4.5). The issue's targets: report at most 10x the floor, report --json at most 12x.

Memory: ``report``'s peak RSS (the child's own high-water mark) on the realistic corpus at 1x and
with four times the filler between the same scans (same flows, four times the records): the target
is at most 1.3x. Not a test: no assertion on time or memory.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from corpus import Corpus, preset  # noqa: E402
from floor import best_child, ratio_table  # noqa: E402

COMMANDS = {"report": ["report"], "report --json": ["report", "--json"]}


_CENSUS = ("import sys\n"
           "from sumtrace.tui.cmd_report import collect\n"
           "tracker, files, _ = collect([sys.argv[1]])\n"
           "tracker.update(tracker.newest)\n"
           "n = sum(f['entries'] for f in files)\n"
           "print(f'{tracker.fact_count / n:.1%} facts ({tracker.fact_count:,}), {len(tracker.flows):,} flows, '\n"
           "      f'{len(tracker.updates):,} update rows')\n")


def census(c: Corpus) -> str:
    """Fact density and flows of a corpus, from the tracker (in a child: this process stays small)."""
    return subprocess.run([sys.executable, "-c", _CENSUS, c.folder], capture_output=True, text=True,
                          check=True).stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0, help="size of the 1x corpus (1: about 134k records)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--presets", default="realistic,worst")
    ap.add_argument("--commands", default=",".join(COMMANDS))
    ap.add_argument("--no-memory", action="store_true")
    args = ap.parse_args()
    for name in args.presets.split(","):
        ratio_table(name, COMMANDS, args.commands.split(","), args.scale, args.rounds, census)
    if args.no_memory:
        return
    peaks = []
    for noise in (1, 4):
        with tempfile.TemporaryDirectory() as tmp:
            c = preset(tmp, "realistic", args.scale, noise_scale=noise)
            run = best_child(["report", c.folder], 1)
            peaks.append(run.peak_rss_mb)
            print(f"memory, realistic with {noise}x filler: {c.records:,} records, {c.bytes / 1e6:.1f} MB, "
                  f"{census(c)}; report peak RSS {run.peak_rss_mb:.0f} MB")
    print(f"memory: 4x the records between the same scans, peak RSS {peaks[1] / peaks[0]:.2f}x")


if __name__ == "__main__":
    main()
