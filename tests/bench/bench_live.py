"""Live-tailing benchmark (a script, not a test): latency, loss, burst and idle cost.

    python tests/bench/bench_live.py              # the full run (about a minute)
    python tests/bench/bench_live.py --quick      # shorter phases, for a smoke check

A writer *process* appends realistic CMTrace records (ScanAgent / WUAHandler lines; every 250 ms
per file a scan: policy available, then ``ScanJob({fresh GUID}): CScanJob::Execute - successfully
requested Scan`` so the tracker emits a step event) to several files, at 10, 1,000 and 20,000
lines/s, rotating each file at ConfigMgr's default 250,000 bytes (``X.log`` → ``X.lo_``, the
next rotation overwrites it). Every record is stamped with its write time (the CMTrace time
field, ms precision) and a per-file sequence number, so the watcher side measures:

* write → entry delivered to a pipeline subscriber (p50/p95/p99),
* write → the tracker's ``scan_request`` step event for that scan (p50/p95/p99),
* lines written vs received, per file, by sequence number (lost / duplicated),
* the longest event-loop stall (a 10 ms heartbeat task),
* the process CPU while it runs (watcher, tracker and this harness's own subscriber/heartbeat),

then a 100,000-line burst (time to deliver it, longest stall, max RSS growth), and the CPU
seconds the process uses while idle-watching 150 files for 10 s (``time.process_time``, which
counts every thread: the watchdog observer, the worker threads and the loop).
Targets: p95 < 250 ms at 1,000 lines/s; no loss at 20,000 lines/s; idle CPU near zero.
"""

from __future__ import annotations

import argparse
import asyncio
import faulthandler
import multiprocessing as mp
import os
import re
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from sumtrace.flows.model import StepEvent  # noqa: E402
from sumtrace.flows.tracker import Tracker  # noqa: E402
from sumtrace.live.pipeline import Batch, Pipeline  # noqa: E402
from sumtrace.live.watcher import LiveWatcher, WatchOptions  # noqa: E402

ROTATE_AT = 250_000
SOURCE = "{C2D17964-BBDD-4339-B9F8-6D4C3E9D3A83}"
FILLER = {
    "ScanAgent": [
        "CScanAgent::ScanComplete- Scan completion received.",
        "Sending state message for update source " + SOURCE + ".",
        "CScanAgent::ProcessScanRequest- entered, request count 1",
        "Message received: '<?xml version='1.0' ?><UpdateSourceMessage><UpdateSourceID>" + SOURCE
        + "</UpdateSourceID><Priority>5</Priority></UpdateSourceMessage>'",
    ],
    "WUAHandler": [
        "Its a WSUS Update Source type (" + SOURCE + "), adding it.",
        "Entering CCMWUAUpdateSourceManager::GetUpdateSourceList",
        "Reading the update source list from the WUA datastore",
        "Async searching of updates using WUAgent started.",
        "Enumerating the WUA update collection, 84 updates in this page",
        "Setting the scan options: online scan, include superseded = false",
        "Update (Missing): 2026-01 Cumulative Update for Windows 11 Version 24H2 for x64-based Systems "
        "(KB5050009) (7d7c2a7e-5fa5-4a5f-9a1b-3a7c0c6f1b2d, 200)",
        "Update (Installed): Security Intelligence Update for Microsoft Defender Antivirus - KB2267602 "
        "(Version 1.421.1510.0) (0c6f1b2d-3a7c-4a5f-9a1b-7d7c2a7e5fa5, 200)",
    ],
}
_SEQ = re.compile(r" \[seq (\d+)\]$")


def _bias() -> int:
    off = datetime.now().astimezone().utcoffset()
    return -int(off.total_seconds() // 60) if off else 0


def _record(msg: str, comp: str, now: float, bias: int) -> str:
    local = datetime.fromtimestamp(now)
    t = local.strftime("%H:%M:%S.") + f"{local.microsecond // 1000:03d}{bias:+04d}"
    return (f'<![LOG[{msg}]LOG]!><time="{t}" date="{local.month:02d}-{local.day:02d}-{local.year}" '
            f'component="{comp}" context="" type="1" thread="{4000 + os.getpid() % 97}" file="bench.cpp:1">\r\n')


# --------------------------------------------------------------------------- writer process


def writer(paths: list[str], rate: float, seconds: float, result: Any) -> None:
    """Append ``rate`` lines/s spread over ``paths`` for ``seconds``; rotate like ConfigMgr."""
    bias = _bias()
    handles = {p: open(p, "a", encoding="utf-8", newline="") for p in paths}  # noqa: SIM115
    sizes = dict.fromkeys(paths, 0)
    seq = dict.fromkeys(paths, 0)
    next_scan = dict.fromkeys(paths, 0.0)
    rotations = 0
    start = time.time()
    written = 0
    step = 0.005
    while True:
        now = time.time()
        elapsed = now - start
        if elapsed >= seconds:
            break
        due = int(elapsed * rate) - written
        for i in range(max(0, due)):
            path = paths[(written + i) % len(paths)]
            comp = "WUAHandler" if "WUAHandler" in path else "ScanAgent"
            if comp == "ScanAgent" and now >= next_scan[path]:
                next_scan[path] = now + 0.25
                job = "{" + str(uuid.uuid4()).upper() + "}"
                msg = f"ScanJob({job}): CScanJob::Execute - successfully requested Scan, ScanType=1"
            else:
                lines = FILLER[comp]
                msg = lines[seq[path] % len(lines)]
            text = _record(f"{msg} [seq {seq[path]}]", comp, now, bias)
            seq[path] += 1
            fh = handles[path]
            fh.write(text)
            sizes[path] += len(text.encode("utf-8"))
            if sizes[path] >= ROTATE_AT:
                fh.close()
                os.replace(path, path[:-4] + ".lo_")
                handles[path] = open(path, "a", encoding="utf-8", newline="")  # noqa: SIM115
                sizes[path] = 0
                rotations += 1
        written += max(0, due)
        for fh in handles.values():
            fh.flush()
        time.sleep(step)
    for fh in handles.values():
        fh.close()
    result.put({"written": dict(seq), "rotations": rotations, "seconds": time.time() - start})


# --------------------------------------------------------------------------- watcher side


@dataclass
class Received:
    entry_lat: list[float] = field(default_factory=list)
    step_lat: list[float] = field(default_factory=list)
    seqs: dict[str, list[int]] = field(default_factory=dict)
    steps_seen: set[str] = field(default_factory=set)
    entries: int = 0
    unparsed: int = 0

    def __call__(self, batch: Batch) -> None:
        now = datetime.now(timezone.utc)
        if batch.entries:
            got = self.seqs.setdefault(batch.path or "", [])
            for e in batch.entries:
                self.entries += 1
                m = _SEQ.search(e.message)
                if m is None:
                    self.unparsed += 1
                    continue
                got.append(int(m.group(1)))
                if e.utc is not None:
                    self.entry_lat.append((now - e.utc).total_seconds())
        for ev in batch.events:
            if isinstance(ev, StepEvent) and ev.key == "scan_request" and ev.status == "ok" and ev.at:
                if ev.flow not in self.steps_seen:
                    self.steps_seen.add(ev.flow)
                    self.step_lat.append((now - ev.at).total_seconds())


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def _ms(values: list[float]) -> str:
    if not values:
        return "n/a"
    return (f"p50 {_pct(values, .50) * 1000:6.1f} ms  p95 {_pct(values, .95) * 1000:6.1f} ms  "
            f"p99 {_pct(values, .99) * 1000:6.1f} ms  (n={len(values)})")


async def _started(watcher: LiveWatcher, task: asyncio.Task[None]) -> None:
    """Wait for the watcher to be ready; surface its exception instead of waiting forever."""
    ready = asyncio.ensure_future(watcher.ready.wait())
    done, _ = await asyncio.wait({ready, task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task in done:
        task.result()
    if ready not in done:
        raise RuntimeError("the watcher did not start within 30 s")


async def _heartbeat(gaps: list[float]) -> None:
    loop = asyncio.get_running_loop()
    last = loop.time()
    while True:
        await asyncio.sleep(0.01)
        now = loop.time()
        gaps.append(now - last - 0.01)
        last = now


async def run_rate(rate: float, seconds: float, nfiles: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sumtrace-bench-") as tmp:
        paths = []
        for i in range(nfiles):
            host = os.path.join(tmp, f"PC{i // 2:02d}")
            os.makedirs(host, exist_ok=True)
            name = "ScanAgent.log" if i % 2 == 0 else "WUAHandler.log"
            paths.append(os.path.join(host, name))
            open(paths[-1], "w").close()
        rec = Received()
        pipeline = Pipeline(Tracker())
        pipeline.subscribe(rec)
        watcher = LiveWatcher(pipeline, WatchOptions([tmp]))
        task = asyncio.create_task(watcher.run())
        await _started(watcher, task)
        gaps: list[float] = []
        beat = asyncio.create_task(_heartbeat(gaps))
        ctx = mp.get_context("spawn")
        result = ctx.Queue()
        proc = ctx.Process(target=writer, args=(paths, rate, seconds, result))
        cpu0 = time.process_time()
        proc.start()
        while proc.is_alive():
            await asyncio.sleep(0.05)
        info = result.get(timeout=5)
        total = sum(info["written"].values())
        deadline = time.monotonic() + 15
        while sum(len(v) for v in rec.seqs.values()) < total and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # the last tracker update, and any duplicate, arrive now
        cpu = time.process_time() - cpu0
        beat.cancel()
        watcher.stop()
        await task
    lost = dup = 0
    for p in paths:
        got = rec.seqs.get(p, [])
        want = info["written"][p]
        seen = set(got)
        lost += sum(1 for s in range(want) if s not in seen)
        dup += len(got) - len(seen) + sum(1 for s in seen if s >= want)
    return {"rate": rate, "written": total, "received": sum(len(v) for v in rec.seqs.values()),
            "lost": lost, "dup": dup, "unparsed": rec.unparsed, "rotations": info["rotations"],
            "entry": rec.entry_lat, "step": rec.step_lat, "stall": max(gaps) if gaps else 0.0,
            "cpu": cpu, "seconds": info["seconds"]}


async def run_burst(lines: int) -> dict[str, Any]:
    import resource

    with tempfile.TemporaryDirectory(prefix="sumtrace-burst-") as tmp:
        path = os.path.join(tmp, "ScanAgent.log")
        open(path, "w").close()
        rec = Received()
        pipeline = Pipeline(Tracker())
        pipeline.subscribe(rec)
        watcher = LiveWatcher(pipeline, WatchOptions([tmp]))
        task = asyncio.create_task(watcher.run())
        await _started(watcher, task)
        bias = _bias()
        now = time.time()
        data = "".join(_record(f"{FILLER['ScanAgent'][i % 4]} [seq {i}]", "ScanAgent", now, bias)
                       for i in range(lines))
        rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        gaps: list[float] = []
        beat = asyncio.create_task(_heartbeat(gaps))
        t0 = time.monotonic()
        with open(path, "a", encoding="utf-8", newline="") as fh:
            fh.write(data)
        size = len(data.encode())
        del data
        while rec.entries < lines and time.monotonic() - t0 < 30:
            await asyncio.sleep(0.01)
        took = time.monotonic() - t0
        beat.cancel()
        rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        watcher.stop()
        await task
    return {"lines": lines, "bytes": size, "received": rec.entries, "seconds": took,
            "stall": max(gaps) if gaps else 0.0, "rss_growth_mb": (rss1 - rss0) / 1024}


async def run_idle(nfiles: int, seconds: float, poll: float | None) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sumtrace-idle-") as tmp:
        names = sorted(["ScanAgent", "WUAHandler", "UpdatesDeployment", "UpdatesHandler", "UpdatesStore",
                        "StateMessage", "LocationServices", "CcmMessaging", "PolicyAgent", "CAS"])
        bias = _bias()
        for i in range(nfiles):
            host = os.path.join(tmp, f"PC{i // len(names):02d}")
            os.makedirs(host, exist_ok=True)
            with open(os.path.join(host, names[i % len(names)] + ".log"), "w", encoding="utf-8", newline="") as fh:
                fh.write("".join(_record(f"existing line {j}", names[i % len(names)], time.time(), bias)
                                 for j in range(20)))
        pipeline = Pipeline(Tracker())
        watcher = LiveWatcher(pipeline, WatchOptions([tmp], poll=poll))
        task = asyncio.create_task(watcher.run())
        await _started(watcher, task)
        await asyncio.sleep(1.0)  # let the first tracker update and any settling pass
        followed = len(watcher.followed)
        cpu0, wall0 = time.process_time(), time.monotonic()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu0, time.monotonic() - wall0
        watcher.stop()
        await task
    return {"files": followed, "cpu": cpu, "wall": wall, "poll": poll}


async def main_async(args: argparse.Namespace) -> None:
    rates = [10.0, 1000.0, 20000.0]
    seconds = 2.0 if args.quick else args.seconds
    print(f"sumtrace live benchmark — {args.files} files, {seconds:g} s per rate, rotation at {ROTATE_AT} bytes,"
          f" python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print()
    for rate in rates:
        r = await run_rate(rate, seconds, args.files)
        ok = "OK" if r["lost"] == 0 and r["dup"] == 0 else "LOSS/DUP"
        print(f"{int(rate):>6} lines/s  written {r['written']:>7}  received {r['received']:>7}  lost {r['lost']}  "
              f"dup {r['dup']}  unparsed {r['unparsed']}  rotations {r['rotations']}  [{ok}]")
        print(f"               write → entry: {_ms(r['entry'])}")
        print(f"               write → step event: {_ms(r['step'])}")
        print(f"               longest loop stall {r['stall'] * 1000:.1f} ms, process CPU {r['cpu']:.2f} s "
              f"over {r['seconds']:.1f} s of writing")
    print()
    b = await run_burst(args.burst)
    print(f"burst: {b['lines']} lines ({b['bytes'] / 1e6:.1f} MB) written at once → delivered {b['received']} in "
          f"{b['seconds']:.2f} s; longest loop stall {b['stall'] * 1000:.1f} ms; max RSS grew {b['rss_growth_mb']:.1f} MB")
    print()
    idle_s = 3.0 if args.quick else 10.0
    for poll in (None, 1.0):
        i = await run_idle(150, idle_s, poll)
        mode = "change notifications" if poll is None else f"--poll {poll:g}"
        print(f"idle: {i['files']} files watched for {i['wall']:.1f} s ({mode}): CPU {i['cpu']:.3f} s "
              f"({100 * i['cpu'] / i['wall']:.2f}% of one core)")


def main() -> None:
    faulthandler.dump_traceback_later(900, exit=True)  # a hung phase prints where it hangs
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=4, help="files written concurrently (default 4)")
    ap.add_argument("--seconds", type=float, default=4.0, help="seconds per rate (default 4)")
    ap.add_argument("--burst", type=int, default=100_000, help="lines in the burst test")
    ap.add_argument("--quick", action="store_true", help="shorter phases")
    asyncio.run(main_async(ap.parse_args()))


if __name__ == "__main__":
    main()
