"""``replay --jsonl`` and ``report --json`` on a multi-client site of N and 4N clients: is replay linear, and how far from report?

Run: python tests/bench/bench_replay.py [--clients 50] [--seed 0] [--timeout 900]

Builds the multi-client set (tests/multiclient.py: one MP and one site server serving N clients,
their logs interleaved in one file per log) for N and 4N clients, then runs each command as a child
process, as a user would, and prints per size: records, facts, events written, CPU time (user +
system) and wall time and peak RSS of the child (from ``os.wait4``, which reports that child alone). Then the ratios the issue sets
targets for: 4N/N time for each command (linear: at most 4.5) and replay/report at each size (at
most 2). As a floor measured in the same run, a bare ``re.finditer`` of the parser's own CMTrace
record pattern over the decoded set (the least any reader of these files must do), and each
command's CPU time as a multiple of it.

``replay`` runs without ``--speed``, which the command's help gives as "as fast as possible"
(``--speed 0`` is refused: speeds are positive). A child that exceeds ``--timeout`` is killed and its time shown
as a lower bound. Not a test: no assertion on time; figures go to the README.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from sumtrace.parsers.formats import CM_RECORD  # noqa: E402
from tests.multiclient import write_set  # noqa: E402


@dataclass
class Run:
    seconds: float  # CPU (user + system) of the child alone: other work on the machine moves it less than wall time
    wall: float
    peak_rss_mb: float
    returncode: int | None  # None: killed at the timeout
    output: str


def run_child(cmd: list[str], out_path: str, timeout: float) -> Run:
    """Run ``cmd`` with stdout to ``out_path``; wall time and the child's own peak RSS (``os.wait4``)."""
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, cwd=ROOT)
        killed = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                os.kill(proc.pid, signal.SIGKILL)
                _, status, usage = os.wait4(proc.pid, 0)
                killed = True
                break
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path, encoding="utf-8", errors="replace") as fh:
        text = fh.read()
    return Run(usage.ru_utime + usage.ru_stime, elapsed, usage.ru_maxrss / 1024, None if killed else proc.returncode,
               text)


def regex_floor(root: str) -> tuple[float, int]:
    """CPU seconds for CM_RECORD.finditer over every log of the set, decoded as the parser decodes it (best of 5)."""
    texts = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            if not name.endswith(".log"):
                continue
            data = open(os.path.join(dirpath, name), "rb").read()
            texts.append(data[2:].decode("utf-16-le") if data.startswith(b"\xff\xfe") else data.decode("utf-8-sig"))
    best, matches = float("inf"), 0
    for _ in range(5):
        t = time.process_time()
        matches = sum(1 for text in texts for _ in CM_RECORD.finditer(text))
        best = min(best, time.process_time() - t)
    return best, matches


def facts_of(root: str) -> str:
    """Facts the tracker retains for the set (in this process; not timed)."""
    try:
        from sumtrace.tui.cmd_report import collect

        tracker, _, _ = collect([root])
        return f"{tracker.fact_count:,}"
    except (ImportError, AttributeError) as exc:  # the tracker's Python API is being rewritten
        return f"n/a ({exc})"


def measure(n: int, seed: int, timeout: float, tmp: str) -> dict[str, Any]:
    root = os.path.join(tmp, f"set-{n}")
    t = time.perf_counter()
    expected = write_set(root, n, seed)
    built = time.perf_counter() - t
    floor, matches = regex_floor(root)
    report = run_child([sys.executable, "-m", "sumtrace", "report", "--json", root], os.path.join(tmp, f"report-{n}.json"),
                       timeout)
    replay = run_child([sys.executable, "-m", "sumtrace", "replay", "--jsonl", root], os.path.join(tmp, f"replay-{n}.jsonl"),
                       timeout)
    records: int | str = "?"
    if report.returncode is not None:
        doc = json.loads(report.output)
        records = sum(f["entries"] for f in doc["files"])
    events = replay.output.count("\n")
    row = {"n": n, "records": records, "built": expected["records"], "facts": facts_of(root), "events": events,
           "report": report, "replay": replay, "floor": floor, "matches": matches, "build_s": built}
    read = f"{records:,}" if isinstance(records, int) else records
    print(f"N={n:4d}: {expected['records']:,} records written ({built:.1f} s to build), report read {read} "
          f"records, {row['facts']} facts, {expected['scans']} scans")
    for name in ("report", "replay"):
        r: Run = row[name]
        t_text = (f"{r.seconds:8.2f} s CPU ({r.wall:.2f} s wall)" if r.returncode is not None
                  else f"> {r.seconds:6.0f} s CPU (killed)")
        extra = f", {events:,} events" if name == "replay" else ""
        print(f"   {name:6} {t_text}  peak RSS {r.peak_rss_mb:6.1f} MB  exit {r.returncode}{extra}  = "
              f"{r.seconds / floor:,.0f}x the floor")
    print(f"   floor  {floor * 1000:8.1f} ms  CM_RECORD.finditer over the decoded set ({matches:,} CMTrace records)")
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=50, help="N (the larger run has 4N clients)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--timeout", type=float, default=900, help="kill a child after this many seconds")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sumtrace-bench-replay-") as tmp:
        small = measure(args.clients, args.seed, args.timeout, tmp)
        big = measure(4 * args.clients, args.seed, args.timeout, tmp)
    print()
    print(f"records 4N/N: {big['built'] / small['built']:.2f}")
    for name in ("replay", "report"):
        a, b = small[name], big[name]
        bound = ">= " if b.returncode is None else ""
        print(f"{name:6} 4N/N time: {bound}{b.seconds / a.seconds:.2f} (target <= 4.5)"
              + ("" if a.returncode is not None else "  [N run was killed: ratio unreliable]"))
    for row in (small, big):
        rep, rp = row["report"], row["replay"]
        bound = ">= " if rp.returncode is None else ""
        print(f"replay/report at N={row['n']}: {bound}{rp.seconds / rep.seconds:.2f} (target <= 2)")


if __name__ == "__main__":
    main()
