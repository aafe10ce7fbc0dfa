"""End-to-end ``report`` throughput on a large generated multi-file corpus, and its memory.

Run: python tests/bench/bench_report.py [--scans 200] [--noise 5000]
Builds client logs holding ``scans`` scans (the healthy-first-scan fixture's records with fresh
GUIDs, two hours apart) with ``noise`` unrelated records per file between scans, then times
reading + classifying + stitching it all, and prints peak traced memory for two corpus sizes so
you can see memory follows the number of flows, not the number of lines.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import tracemalloc
import uuid
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from sumtrace.parsers.stream import parse_file  # noqa: E402
from sumtrace.tui.cmd_report import collect  # noqa: E402

FIXTURE = os.path.join(ROOT, "fixtures", "healthy-first-scan", "client")
IDS = ["9F78FA4F-D2F3-4FE6-ACD8-8F6689DC3941", "DBB19655-0AF4-4DBC-9412-ADAA6B949AED",
       "6795EB19-D40A-43E1-B6CA-03FCB3FAE269", "C7DA4CB5-8154-43D6-A7B4-F0D4C187A834",
       "B16D2D00-CA61-4530-89B3-7B916EA601E3"]


def record(msg: str, local, comp: str, thread: int | None, typ: str) -> str:  # type: ignore[no-untyped-def]
    return (f'<![LOG[{msg}]LOG]!><time="{local:%H:%M:%S}.{local.microsecond // 1000:03d}+300" '
            f'date="{local:%m-%d-%Y}" component="{comp}" context="" type="{typ}" thread="{thread or 0}" file="x.cpp:1">\r\n')


def build(out: str, scans: int, noise: int) -> int:
    lines = 0
    sev = {"info": "1", "warning": "2", "error": "3", "verbose": "0"}
    for name in sorted(os.listdir(FIXTURE)):
        if not name.endswith(".log") or name == "WindowsUpdate.log":
            continue
        entries = [e for e in parse_file(os.path.join(FIXTURE, name)) if e.format == "cmtrace"]
        comp = entries[0].component
        with open(os.path.join(out, name), "w", encoding="utf-8", newline="") as fh:
            for k in range(scans):
                shift = timedelta(hours=2 * k)
                base = entries[0].local
                for j in range(noise):
                    t = base + shift - timedelta(minutes=30) + timedelta(milliseconds=j * 10)
                    fh.write(record(f"CCcmExec::Idle - heartbeat {j} ok, nothing to do for {comp}", t, comp, 4242, "1"))
                for e in entries:
                    msg = e.message
                    for old in IDS:
                        msg = msg.replace(old, str(uuid.uuid5(uuid.NAMESPACE_OID, f"{old}{k}")).upper())
                    fh.write(record(msg, e.local + shift, e.component, e.thread, sev[e.severity]))
                lines += noise + len(entries)
    return lines


def measure(scans: int, noise: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = os.path.join(tmp, "PC01")
        os.makedirs(folder)
        lines = build(folder, scans, noise)
        t = time.perf_counter()
        tracker, files, _ = collect([folder])
        tracker.update(tracker.newest)  # type: ignore[arg-type]
        dt = time.perf_counter() - t
        tracemalloc.start()  # a second pass for memory: tracing slows Python several times over
        tracker2, _, _ = collect([folder])
        tracker2.update(tracker2.newest)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        n = sum(f["entries"] for f in files)
        print(f"{scans} scans, {lines:,} lines: {n / dt:,.0f} entries/s end to end ({dt:.2f} s), "
              f"{len(tracker.flows)} flows, {tracker.fact_count:,} facts, peak traced memory {peak / 1e6:.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scans", type=int, default=40)
    ap.add_argument("--noise", type=int, default=2000)
    args = ap.parse_args()
    measure(args.scans // 4, args.noise)
    measure(args.scans, args.noise)
    measure(args.scans // 4, args.noise * 4)


if __name__ == "__main__":
    main()
