"""What the headless benchmarks measure against: a floor measured in the same run, and a child's CPU time.

The floor is the least any reader of a CMTrace corpus must do: ``re.finditer`` of the parser's own
record pattern over the files' bytes, building nothing. Commands run as child processes, as a user
runs them (start-up included), and are timed by their own CPU time (user + system, from
``os.wait4``, which reports that child alone), so other work on a shared machine moves the figures
less than wall time would; their peak RSS is the child's own high-water mark (VmHWM, read by the
child as it exits: a child's ru_maxrss would count the benchmark's own size at fork).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from sumtrace.parsers.formats import CM_RECORD  # noqa: E402

CM_RECORD_BYTES = re.compile(CM_RECORD.pattern.encode("ascii"), CM_RECORD.flags & ~re.UNICODE)


def log_files(folder: str) -> list[str]:
    return sorted(os.path.join(d, n) for d, _, names in os.walk(folder) for n in names if n.endswith(".log"))


def regex_floor(folder: str, rounds: int = 5) -> tuple[float, int]:
    """CPU seconds (best of ``rounds``) for CM_RECORD.finditer over every log's bytes, and the matches."""
    blobs = []
    for path in log_files(folder):
        with open(path, "rb") as fh:
            blobs.append(fh.read())
    best, matches = float("inf"), 0
    for _ in range(rounds):
        t = time.process_time()
        matches = 0
        for data in blobs:
            for _m in CM_RECORD_BYTES.finditer(data):
                matches += 1
        best = min(best, time.process_time() - t)
    return best, matches


@dataclass
class Child:
    cpu: float  # user + system seconds of the child alone
    wall: float
    peak_rss_mb: float  # the child's own high-water mark (VmHWM)
    returncode: int


# ``python -m sumtrace ARGS``, then the process's peak RSS on stderr. Read from /proc (VmHWM, which
# belongs to the process's own address space): ru_maxrss of a child counts the parent's size at fork.
_WRAP = ("import sys\n"
         "from sumtrace.tui.cli import main\n"
         "try:\n"
         "    code = main(sys.argv[1:])\n"
         "finally:\n"
         "    sys.stdout.flush()\n"
         "    with open('/proc/self/status') as fh:\n"
         "        hwm = [line.split()[1] for line in fh if line.startswith('VmHWM')]\n"
         "    sys.stderr.write('\\nVmHWM ' + (hwm[0] if hwm else '0') + '\\n')\n"
         "raise SystemExit(code)\n")


def run_child(args: list[str], out_path: str = os.devnull) -> Child:
    """``sumtrace ARGS`` in a child with stdout to ``out_path``; its own CPU time and peak RSS."""
    with open(out_path, "wb") as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", _WRAP, *args], stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").rsplit("VmHWM ", 1)
    peak_kb = int(tail[1].split()[0]) if len(tail) == 2 else 0
    return Child(usage.ru_utime + usage.ru_stime, wall, peak_kb / 1024, os.waitstatus_to_exitcode(status))


def best_child(args: list[str], rounds: int, out_path: str = os.devnull) -> Child:
    """The run with the least CPU time of ``rounds`` (peak RSS is the largest seen)."""
    runs = [run_child(args, out_path) for _ in range(rounds)]
    best = min(runs, key=lambda r: r.cpu)
    best.peak_rss_mb = max(r.peak_rss_mb for r in runs)
    return best


def ratio_table(name: str, commands: dict[str, list[str]], labels: list[str], scale: float, rounds: int,
                describe: Callable[[Any], str] | None = None) -> None:
    """Print each command's CPU time on preset ``name`` at 1x and 4x as a multiple of the floor,
    then 4x/1x (linear: 4). ``describe(corpus)`` adds a census of the corpus to its line."""
    from corpus import preset

    cpu: dict[tuple[str, int], float] = {}
    for size in (1, 4):
        with tempfile.TemporaryDirectory() as tmp:
            c = preset(tmp, name, scale * size)
            floor, matches = regex_floor(c.folder)
            extra = describe(c) if describe is not None else f"{matches:,} matched by the floor"
            print(f"{name} {size}x: {c.records:,} records, {c.bytes / 1e6:.1f} MB, {extra}; floor {floor:.3f} s")
            for label in labels:
                run = best_child([*commands[label], c.folder], rounds)
                cpu[(label, size)] = run.cpu
                print(f"  {label:<14} {run.cpu:7.2f} s CPU = {run.cpu / floor:5.1f}x floor  "
                      f"(wall {run.wall:.2f} s, peak RSS {run.peak_rss_mb:.0f} MB, exit {run.returncode})")
    for label in labels:
        print(f"  {name} {label}: 4x input costs {cpu[(label, 4)] / cpu[(label, 1)]:.2f}x the time")

