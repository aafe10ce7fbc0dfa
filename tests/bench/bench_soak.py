"""Tail soak under CPU contention (a script, not a test): rotations every ~150 ms, nothing lost.

    python tests/bench/bench_soak.py                   # 60 s, 7,000 lines/s, one burner per core
    python tests/bench/bench_soak.py --seconds 150     # the issue's soak length
    python tests/bench/bench_soak.py --burners 0       # the same soak without contention

Why: the tail once took a file's identity with ``stat`` and read it with a separate ``open``; a
rotation between the two made the new generation be read twice and the renamed one never. Without
contention the window is too short to hit; with every core busy the scheduler stretches it, and a
150 s soak lost 8.7 % and duplicated 1,049 records. The fix compares the identity of the handle
actually read (``fstat``; the file index on Windows); this soak is how it is checked at scale.

A writer *process* appends CMTrace records numbered ``[seq N]`` to ``ScanAgent.log`` and rotates it
the way ConfigMgr does at 250,000 bytes (``ScanAgent.log`` renamed over ``ScanAgent.lo_``, a new
``ScanAgent.log`` created); ``--burners`` processes spin on the CPU meanwhile. The real
:class:`~sumtrace.live.watcher.LiveWatcher` follows the folder in this process. At the end every
sequence number written is looked up: lost (never delivered), duplicated (delivered twice) and
unparsed counts are printed, with the rotations and the rate reached. A record can be lost
legitimately only if a generation is renamed over twice before the tail reads it; the run says
how many rotations came closer together than the poll interval, so a loss can be told apart.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import os
import re
import sys
import tempfile
import time
from datetime import datetime
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from sumtrace.live.pipeline import Batch, Pipeline  # noqa: E402
from sumtrace.live.watcher import LiveWatcher, WatchOptions  # noqa: E402

ROTATE_AT = 250_000
_SEQ = re.compile(r"\[seq (\d+)\]")
MSG = ("Sending state message for update source {C2D17964-BBDD-4339-B9F8-6D4C3E9D3A83} with "
       "RevisionID 200 and URL http://SUP01.corp.example:8530 [seq %d]")


def _record(seq: int, now: float) -> str:
    local = datetime.fromtimestamp(now)
    t = local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}+000"
    return (f'<![LOG[{MSG % seq}]LOG]!><time="{t}" date="{local.month:02d}-{local.day:02d}-{local.year}" '
            f'component="ScanAgent" context="" type="1" thread="4242" file="scanagent.cpp:1">\r\n')


def writer(path: str, rate: float, seconds: float, result: Any) -> None:
    """Append ``rate`` records/s for ``seconds``, rotating at ``ROTATE_AT`` bytes like ConfigMgr."""
    fh = open(path, "a", encoding="utf-8", newline="")  # noqa: SIM115
    size = seq = rotations = 0
    gaps: list[float] = []
    starts = [0]  # first sequence number of each generation
    last_rotation = start = time.time()
    while (now := time.time()) - start < seconds:
        due = int((now - start) * rate) - seq
        for _ in range(max(0, due)):
            text = _record(seq, now)
            seq += 1
            fh.write(text)
            size += len(text)
            if size >= ROTATE_AT:
                fh.close()
                os.replace(path, path[:-4] + ".lo_")
                fh = open(path, "a", encoding="utf-8", newline="")  # noqa: SIM115
                size = 0
                rotations += 1
                starts.append(seq)
                gaps.append(time.time() - last_rotation)
                last_rotation = time.time()
        fh.flush()
        time.sleep(0.005)
    fh.close()
    result.put({"written": seq, "rotations": rotations, "seconds": time.time() - start, "gaps": gaps,
                "starts": starts})


def burner(stop_at: float) -> None:
    """Contention: spin until ``stop_at`` (wall clock)."""
    x = 0
    while time.time() < stop_at:
        for i in range(10000):
            x += i * i


async def heartbeat(stalls: list[float]) -> None:
    """The watcher's event loop as the scheduler lets it run: how late each 10 ms tick came."""
    loop = asyncio.get_running_loop()
    last = loop.time()
    while True:
        await asyncio.sleep(0.01)
        now = loop.time()
        stalls.append(now - last - 0.01)
        last = now


def classify(lost: set[int], starts: list[int], written: int) -> dict[str, int]:
    """Where lost records sit in their generation.

    ``suffix``: the end of a generation (or all of it), the signature of a renamed file overwritten
    by the next rotation before the tail got to read it: the data was gone, as it is for any
    reader that was not scheduled in time. ``prefix``/``middle``: the tail read the wrong place
    of a file it did see, the signature of the identity race this soak exists to catch.
    """
    out = {"suffix": 0, "prefix": 0, "middle": 0}
    bounds = starts + [written]
    for g in range(len(starts)):
        a, b = bounds[g], bounds[g + 1]
        gone = [s for s in range(a, b) if s in lost]
        if not gone:
            continue
        run_to_end = all(s in lost for s in range(gone[0], b))
        if run_to_end:
            out["suffix"] += len(gone)
        elif gone[0] == a:
            out["prefix"] += len(gone)
        else:
            out["middle"] += len(gone)
    return out


class Seen:
    def __init__(self) -> None:
        self.seqs: list[int] = []
        self.unparsed = 0

    def __call__(self, batch: Batch) -> None:
        for e in batch.entries:
            m = _SEQ.search(e.message)
            if m is None:
                self.unparsed += 1
            else:
                self.seqs.append(int(m.group(1)))


async def soak(seconds: float, rate: float, burners: int, poll: float | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sumtrace-soak-") as tmp:
        path = os.path.join(tmp, "ScanAgent.log")
        open(path, "w").close()
        seen = Seen()
        pipeline = Pipeline(None)
        pipeline.subscribe(seen)
        watcher = LiveWatcher(pipeline, WatchOptions([tmp], poll=poll, update_tracker=False))
        task = asyncio.create_task(watcher.run())
        await asyncio.wait_for(watcher.ready.wait(), 30)
        stalls: list[float] = []
        beat = asyncio.create_task(heartbeat(stalls))
        ctx = mp.get_context("spawn")
        result = ctx.Queue()
        stop_at = time.time() + seconds + 2
        burn = [ctx.Process(target=burner, args=(stop_at,)) for _ in range(burners)]
        for b in burn:
            b.start()
        proc = ctx.Process(target=writer, args=(path, rate, seconds, result))
        proc.start()
        while proc.is_alive():
            await asyncio.sleep(0.1)
        info = result.get(timeout=10)
        deadline = time.monotonic() + 20
        while len(set(seen.seqs)) < info["written"] and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # any duplicate arrives now
        beat.cancel()
        watcher.stop()
        await task
        for b in burn:
            b.join()
    unique = set(seen.seqs)
    lost = set(range(info["written"])) - unique
    return {**info, "received": len(seen.seqs), "lost": len(lost), "where": classify(lost, info["starts"], info["written"]),
            "dup": len(seen.seqs) - len(unique), "unparsed": seen.unparsed,
            "stall_max": max(stalls, default=0.0), "stalls_250": sum(1 for x in stalls if x > 0.25)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--rate", type=float, default=7000.0, help="records per second (about 7 rotations/s)")
    ap.add_argument("--burners", type=int, default=os.cpu_count() or 2, help="busy processes (contention)")
    ap.add_argument("--poll", type=float, default=None, help="poll interval instead of change notifications")
    args = ap.parse_args()
    r = asyncio.run(soak(args.seconds, args.rate, args.burners, args.poll))
    gaps = sorted(r["gaps"])
    close = sum(1 for g in gaps if g < 0.05)
    print(f"tail soak: {r['seconds']:.0f} s, {args.burners} burner process(es) on {os.cpu_count()} core(s), "
          f"rotation at {ROTATE_AT:,} bytes")
    print(f"  written {r['written']:,} records ({r['written'] / r['seconds']:,.0f}/s), "
          f"{r['rotations']} rotations ({r['rotations'] / r['seconds']:.1f}/s; {close} less than 50 ms apart)")
    w = r["where"]
    print(f"  received {r['received']:,}: lost {r['lost']:,} ({100 * r['lost'] / max(1, r['written']):.2f} %: "
          f"{w['suffix']:,} ends of overwritten generations, {w['prefix'] + w['middle']:,} elsewhere), "
          f"duplicated {r['dup']:,}, unparsed {r['unparsed']:,}")
    print(f"  watcher loop: longest stall {r['stall_max'] * 1000:.0f} ms, {r['stalls_250']} stalls over 250 ms "
          f"(two rotations' time)")
    ok = w["prefix"] + w["middle"] == 0 and r["dup"] == 0 and r["unparsed"] == 0
    print(f"  [{'ok: nothing misread' if ok else 'MISREAD: loss inside a generation, or duplicates'}]")


if __name__ == "__main__":
    main()
