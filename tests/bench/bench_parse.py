"""Parse throughput and memory: generate a large CMTrace corpus, parse it, print figures.

Run: python tests/bench/bench_parse.py [--lines 1000000]
Prints entries/s for single-line CMTrace records (parser only, and ``sumtrace parse --jsonl``
end to end into /dev/null) and peak RSS while streaming files of two sizes, to show memory does not
grow with file size. Not a test: figures go to the README.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from sumtrace.parsers.stream import parse_file  # noqa: E402

TEMPLATES = [
    "CScanJob::Execute - successfully requested Scan, ScanType=1",
    "Async searching of updates using WUAgent started.",
    "Update (Missing): Security Update for Windows (KB{n}) (505fda07-b4f3-45fb-83d9-{n:012d}, 200)",
    "Sending outgoing message '{{95F79010-D0EB-49A6-8A1E-{n:012d}}}'. Flags 0x200, sender account empty",
]


def write_corpus(path: str, lines: int) -> int:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        for i in range(lines):
            msg = TEMPLATES[i % len(TEMPLATES)].format(n=i)
            s, ms = divmod(i, 1000)
            fh.write(f'<![LOG[{msg}]LOG]!><time="{(s // 3600) % 24:02d}:{(s // 60) % 60:02d}:{s % 60:02d}.{ms:03d}+300" '
                     f'date="01-20-2014" component="WUAHandler" context="" type="1" thread="{3000 + i % 7}" '
                     f'file="cwuahandler.cpp:{i % 900}">\r\n')
    return os.path.getsize(path)


def peak_rss_of(cmd: list[str]) -> tuple[float, int]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    elapsed = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, proc.returncode if usage is None else usage.ru_maxrss


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=1_000_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "WUAHandler.log")
        size = write_corpus(big, args.lines)
        t = time.perf_counter()
        n = sum(1 for _ in parse_file(big))
        dt = time.perf_counter() - t
        print(f"parser only: {n:,} entries from {size / 1e6:.0f} MB in {dt:.2f} s = {n / dt:,.0f} entries/s")
        small = os.path.join(tmp, "small", "WUAHandler.log")
        os.makedirs(os.path.dirname(small))
        write_corpus(small, args.lines // 10)
        for label, path in (("1/10 size", small), ("full size", big)):
            code = ("import resource,sys; from sumtrace.parsers.stream import parse_file; "
                    f"n=sum(1 for _ in parse_file({path!r})); "
                    "print(n, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
            count, rss = out.stdout.split()
            print(f"streaming {label}: {int(count):,} entries, peak RSS {int(rss) / 1024:.0f} MB")
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "sumtrace", "parse", "--jsonl", big], stdout=subprocess.DEVNULL, check=True,
                       cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
        dt = time.perf_counter() - t
        print(f"sumtrace parse --jsonl end to end: {args.lines / dt:,.0f} entries/s")


if __name__ == "__main__":
    main()
