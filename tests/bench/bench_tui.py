"""TUI responsiveness under a 20,000 lines/s tail: key latency, refresh cost, event-loop lag.

Run: python tests/bench/bench_tui.py [--rate 20000] [--seconds 5] [--mode files|pipeline]

The app runs headless (Textual's test driver, 160x48) with a driver that produces realistic
ConfigMgr client records (mostly CcmExec/PolicyAgent/DataTransferService chatter, some scan
lines, 1% errors and 3% warnings, a few multi-line bodies):

* ``files`` (default): a writer thread appends to 8 log files in a temporary folder and a real
  :class:`sumtrace.live.watcher.LiveWatcher` follows them (reads in threads, parses in the loop, ticks
  the tracker at 10 Hz), i.e. exactly ``sumtrace watch``;
* ``pipeline``: the bytes go straight into :meth:`Pipeline.feed` from the loop (no file I/O).

While it runs, a key is sent every 100 ms, alternating "down"/"up" on the step list and "2"/"1"
(switch to the merged log and back, a full repaint of another view), and the time from posting
the key event to its action running is measured. Prints figures; not a test.

``--mode replay --lines 1000000 [--density 0.02 --density 0.6]`` instead runs ``sumtrace replay`` of a
zip bundle (tests/bench/replay_corpus.py: a multi-client site plus each client's everyday chatter, at the
given share of facts; 0.6 is the bare site, the worst case) as the CLI builds it, in a child
process per run, at the given size and a quarter of it: first screen, time until every record is
in the merged log and stitched (wall, and the process's CPU as a multiple of a floor measured in
the same run: the CMTrace record pattern over the same bytes), keys while loading and after (Home,
End, PageUp, a filter over everything, next error), the merged log's bytes per record (its arrays'
sizes; and by tracemalloc on 200k records merged the way the app does; and RSS growth), and the
4x/1x CPU ratio.

Knobs for comparisons (environment): BENCH_THREADED=0 runs the driver in the UI loop,
BENCH_FREEZE=0 skips the startup gc.freeze, BENCH_KEYS=down,up picks the keys, BENCH_RSS=1 prints
RSS every 10 s, BENCH_SPIKES=1 lists loop stalls over 50 ms, BENCH_OBJECTS=1 counts GC-tracked
objects, BENCH_DEBUG=1 logs asyncio callbacks slower than 50 ms, BENCH_SLICE sets the pipeline's
slice size.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

from textual import events  # noqa: E402

from sumtrace.flows.tracker import Tracker  # noqa: E402
from sumtrace.live.pipeline import Pipeline  # noqa: E402
from sumtrace.live.watcher import LiveWatcher, WatchOptions  # noqa: E402
from sumtrace.tui.app import SumtraceApp  # noqa: E402
from sumtrace.tui.widgets import BlockList  # noqa: E402

GUID = "{{{:08X}-4738-4032-9CD8-0160C06BB3FF}}"
NOISE = {
    "CcmExec": ["Notifying endpoint 'SrcUpdateMgr' of __InstanceModificationEvent",
                "*** Keep the system awake", "*** System is now free to go to sleep",
                "Raising event: instance of CCM_ServiceHost_CertificateOperationsFailure"],
    "PolicyAgent": ["Policy download is in progress for {g}", "Raising event: CCM_PolicyAgent_AssignmentsRequested",
                    "Requesting Machine policy assignments", "Received delta policy update with 3 assignments"],
    "DataTransferService": ["DTSJob {g} in state 'DownloadingData'.", "CDTSJob::JobTransferred for {g}",
                            "Persisted job {g}"],
    "CcmMessaging": ["Sending async message '{g}' to outgoing queue 'mp:[http]mp_policymanager'",
                     "OutgoingMessage(Queue='mp_[http]mp_policymanager', ID={g}): Delivered successfully to host "
                     "'PS1SITE.CONTOSO.COM'."],
    "StateMessage": ["StateMessage body: <?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<Report><ReportHeader>"
                     "<Identification><Machine><ClientInstalled>1</ClientInstalled></Machine></Identification>"
                     "</ReportHeader>\r\n<ReportBody><StateMessage MessageTime=\"20140120171904.000000+000\">"
                     "</StateMessage></ReportBody></Report>"],
    "ScanAgent": ["CScanAgent::ScanByUpdates- Expected Version 38, Received Version 38",
                  "Message received: '<?xml version='1.0' ?><UpdateSourceMessage><UpdateSourceId>{g}"
                  "</UpdateSourceId></UpdateSourceMessage>'"],
    "InventoryAgent": ["Collection: Namespace = \\\\.\\root\\cimv2; Query = SELECT * FROM Win32_Service; Timeout = 600 secs.",
                       "Inventory: Temp directory = C:\\WINDOWS\\CCM\\Inventory\\Temp\\"],
}
ERRORS = ["Failed to connect to policy endpoint. Error = 0x80072EE2.",
          "CCM_POST request failed with 0x87d00231 (E_ACCESSDENIED)."]
WARNINGS = ["Can't get the current user, using default.", "Retrying the message in 30 seconds."]


# Components whose lines the flow tracker keeps as facts (messaging, state messages, the scan):
# real clients write them in bursts around a scan, not continuously; --facts sets their share.
# (WUAHandler's lines each open a scan cycle: a scan every 50 ms would benchmark the tracker, not this.)
FLOW_COMPS = ("CcmMessaging", "StateMessage", "ScanAgent")


def record(comp: str, i: int, rng: random.Random) -> bytes:
    roll = rng.random()
    if roll < 0.01:
        msg, typ = rng.choice(ERRORS), 3
    elif roll < 0.04:
        msg, typ = rng.choice(WARNINGS), 2
    else:
        msg, typ = rng.choice(NOISE[comp]).format(g=GUID.format(i)), 1
    now = datetime.now(timezone.utc)
    return (f'<![LOG[{msg}]LOG]!><time="{now:%H:%M:%S}.{now.microsecond // 1000:03d}+000" '
            f'date="{now:%m-%d-%Y}" component="{comp}" context="" type="{typ}" thread="{3000 + i % 13}" '
            f'file="bench.cpp:{i % 900}">\r\n').encode()


class Producer:
    """Makes ``rate`` records per second in 50 ms slices, spread over the components' logs."""

    def __init__(self, rate: int, facts: float = 0.005) -> None:
        self.rate = rate
        self.facts = facts
        self.rng = random.Random(1)
        self.n = 0
        self.noise = [c for c in NOISE if c not in FLOW_COMPS]

    def slice(self) -> dict[str, bytes]:
        per = max(1, self.rate // 20)
        out: dict[str, list[bytes]] = {}
        for _ in range(per):
            if self.rng.random() < self.facts:
                comp = FLOW_COMPS[self.n % len(FLOW_COMPS)]
            else:
                comp = self.noise[self.n % len(self.noise)]
            out.setdefault(comp, []).append(record(comp, self.n, self.rng))
            self.n += 1
        return {c: b"".join(v) for c, v in out.items()}


def time_handlers(handled: list[float]) -> Callable[[], None]:
    """Record when a list move or a view switch is handled (the keys the benchmarks press);
    returns the function that puts the original handlers back."""
    original_move, original_view = BlockList.action_move, SumtraceApp.action_view

    def timed_move(self: BlockList, delta: int) -> None:
        handled.append(time.perf_counter())
        original_move(self, delta)

    def timed_view(self: SumtraceApp, name: str) -> None:
        handled.append(time.perf_counter())
        original_view(self, name)

    def untime() -> None:
        BlockList.action_move = original_move  # type: ignore[method-assign]
        SumtraceApp.action_view = original_view  # type: ignore[method-assign]

    BlockList.action_move = timed_move  # type: ignore[method-assign]
    SumtraceApp.action_view = timed_view  # type: ignore[method-assign]
    return untime


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(p / 100 * (len(s) - 1))))]


def write_files(folder: str, rate: int, facts: float, stop: Any, counter: Any) -> None:
    """The writer (another process, as ConfigMgr's): ``rate`` records/s appended in 50 ms slices."""
    producer = Producer(rate, facts)
    next_at = time.monotonic()
    while not stop.is_set():
        for comp, data in producer.slice().items():
            with open(os.path.join(folder, f"{comp}.log"), "ab") as fh:
                fh.write(data)
        counter.value = producer.n
        next_at += 0.05
        time.sleep(max(0.0, next_at - time.monotonic()))


async def bench(rate: int, seconds: float, mode: str, facts: float, max_entries: int) -> None:
    tracker = Tracker()
    pipeline = Pipeline(tracker, slice_bytes=int(os.environ.get("BENCH_SLICE", 256 * 1024)))
    producer = Producer(rate, facts)
    stop = multiprocessing.Event()
    tmp = tempfile.mkdtemp(prefix="sumtrace-bench-")
    host_dir = os.path.join(tmp, "PC01")
    os.makedirs(host_dir)
    produced = 0

    counter: Any = None
    if mode == "files":
        for comp in NOISE:
            open(os.path.join(host_dir, f"{comp}.log"), "wb").close()
        watcher = LiveWatcher(pipeline, WatchOptions([tmp], all_logs=True))

        counter = multiprocessing.Value("l", 0)
        thread = multiprocessing.Process(target=write_files, args=(host_dir, rate, facts, stop, counter),
                                         daemon=True)

        async def driver() -> None:
            await watcher.run()

        stop_driver = watcher.stop
    else:
        thread = None
        quit_event = asyncio.Event()

        async def driver() -> None:
            nonlocal produced
            next_at = time.monotonic()
            last_tick = 0.0
            while not quit_event.is_set():
                for comp, data in producer.slice().items():
                    await pipeline.afeed(os.path.join(host_dir, f"{comp}.log"), "PC01", data)
                produced = producer.n
                if time.monotonic() - last_tick > 0.1:
                    pipeline.tick(datetime.now(timezone.utc))  # as the watcher's ticker would
                    last_tick = time.monotonic()
                next_at += 0.05
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))

        stop_driver = quit_event.set

    app = SumtraceApp(pipeline, tracker, driver, stop=stop_driver, animations=False, max_entries=max_entries,
                      threaded=os.environ.get("BENCH_THREADED", "1") == "1",
                      gc_freeze=os.environ.get("BENCH_FREEZE", "1") == "1")
    handled: list[float] = []
    sent: list[float] = []
    untime = time_handlers(handled)
    lags: list[float] = []

    spikes: list[tuple[float, float]] = []

    async def lag_probe() -> None:
        while True:
            t = time.perf_counter()
            await asyncio.sleep(0.01)
            lag = time.perf_counter() - t - 0.01
            lags.append(lag)
            if lag > 0.05:
                spikes.append((t - start, lag))

    keys = os.environ.get("BENCH_KEYS", "down,up,2,1").split(",")
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause(0.3)
        if thread is not None:
            thread.start()
        start = time.perf_counter()
        probe = asyncio.ensure_future(lag_probe())
        app.refreshes = 0
        app.refresh_seconds = 0.0
        i = 0
        next_rss = start + 10
        while time.perf_counter() - start < seconds:
            if os.environ.get("BENCH_RSS") and time.perf_counter() > next_rss:
                next_rss += 10
                with open("/proc/self/statm") as fh:
                    pages = int(fh.read().split()[1])
                print(f"  t={time.perf_counter() - start:.0f}s RSS {pages * 4096 / 1e6:.0f} MB, "
                      f"{len(app.state.log_index):,} in the merged log", flush=True)
            key = keys[i % len(keys)]
            i += 1
            sent.append(time.perf_counter())
            # what the terminal driver does with a key press: post a Key event to the app
            app.post_message(events.Key(key, key if len(key) == 1 else None))
            await asyncio.sleep(0.1)
        elapsed = time.perf_counter() - start
        stop.set()
        if mode == "files":
            produced = counter.value
        await pilot.pause(0.5)
        probe.cancel()
        refreshes, refresh_s = app.refreshes, app.refresh_seconds
        shown = len(app.state.log_index)
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        if os.environ.get("BENCH_OBJECTS"):
            import collections
            import gc

            counts = collections.Counter(type(o).__name__ for o in gc.get_objects())
            print("GC-tracked objects:", sum(counts.values()), counts.most_common(12))
        await pilot.press("q")
    untime()

    lat = [(h - s) * 1000 for s, h in zip(sent, handled)]
    moves = [x for i, x in enumerate(lat) if keys[i % len(keys)] in ("down", "up")] or [float("nan")]
    views = [x for i, x in enumerate(lat) if keys[i % len(keys)] not in ("down", "up")] or [float("nan")]
    print(f"mode {mode}: {produced:,} records produced in {elapsed:.1f} s ({produced / elapsed:,.0f}/s), "
          f"{shown:,} in the merged log")
    print(f"key press → handled: n={len(lat)} p50 {percentile(lat, 50):.1f} ms, p95 {percentile(lat, 95):.1f} ms, "
          f"max {max(lat):.1f} ms (step list up/down: p50 {percentile(moves, 50):.1f}, max {max(moves):.1f}; "
          f"view switch: p50 {percentile(views, 50):.1f}, max {max(views):.1f})")
    print(f"refresh (merge + tracker + panes): {refreshes} in {elapsed:.1f} s, "
          f"mean {1000 * refresh_s / max(1, refreshes):.1f} ms, {100 * refresh_s / elapsed:.0f}% of the loop")
    lags_ms = [x * 1000 for x in lags]
    print(f"event-loop lag (10 ms probe): p50 {percentile(lags_ms, 50):.1f} ms, p95 {percentile(lags_ms, 95):.1f} ms, "
          f"max {max(lags_ms):.1f} ms")
    if os.environ.get("BENCH_SPIKES"):
        print("loop stalls > 50 ms (s since start, ms):", ", ".join(f"{t:.2f}:{d * 1000:.0f}" for t, d in spikes))
    print(f"tracker facts {tracker.fact_count:,}, flows {len(tracker.flows)}, peak RSS {rss:.0f} MB")
    if len(lat) != len(sent):
        print(f"WARNING: {len(sent) - len(lat)} keys not handled")


def replay_floor(bundle: str, rounds: int = 3) -> tuple[float, int, int]:
    """CPU seconds (best of ``rounds``) for the parser's CMTrace record pattern over the bundle's
    members' bytes, building nothing: the least any reader must do. Also (matches, bytes)."""
    import re
    import zipfile

    from sumtrace.parsers.formats import CM_RECORD

    pattern = re.compile(CM_RECORD.pattern.encode("ascii"), CM_RECORD.flags & ~re.UNICODE)
    with zipfile.ZipFile(bundle) as zf:
        blobs = [zf.read(n) for n in zf.namelist() if n.lower().endswith(".log")]
    best, matches = float("inf"), 0
    for _ in range(rounds):
        t = time.process_time()
        matches = sum(1 for data in blobs for _ in pattern.finditer(data))
        best = min(best, time.process_time() - t)
    return best, matches, sum(len(b) for b in blobs)


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


async def bench_replay_once(bundle: str, keys_every: float, size: tuple[int, int] = (160, 48)) -> dict[str, Any]:
    """``sumtrace replay BUNDLE`` as the CLI builds it (:func:`sumtrace.tui.cmd_replay.replay_app`),
    in Textual's headless driver: first screen, load time (wall and this process's CPU), keys
    while loading (one every ``keys_every`` seconds; 0: none, so the load's CPU is the replay's
    alone) and after, the merged log's bytes per record. Returns the figures."""
    from sumtrace.tui.cli import build_parser
    from sumtrace.tui.cmd_replay import replay_app

    rss0 = rss_mb()
    cpu0, t0 = time.process_time(), time.perf_counter()
    app, player, errors = replay_app(build_parser().parse_args(["replay", bundle]), install_signals=False,
                                     animations=False)
    assert app is not None and not errors, errors
    handled: list[float] = []
    untime = time_handlers(handled)
    out: dict[str, Any] = {}
    first: list[float] = []
    original_start = SumtraceApp._start

    def timed_start(self: SumtraceApp) -> None:
        original_start(self)
        self.call_after_refresh(lambda: first.append(time.perf_counter() - t0))

    SumtraceApp._start = timed_start  # type: ignore[method-assign]
    try:
        async with app.run_test(size=size) as pilot:
            keys = ["down", "up", "2", "1"]
            sent: list[float] = []
            i = 0
            while not app.driver_done or len(app.state.log_index) < player.played or app._pending:
                if keys_every:
                    key = keys[i % len(keys)]
                    i += 1
                    sent.append(time.perf_counter())
                    app.post_message(events.Key(key, None))
                await asyncio.sleep(keys_every or 0.05)
                if time.perf_counter() - t0 > 900:
                    break
            loaded_wall, loaded_cpu = time.perf_counter() - t0, time.process_time() - cpu0
            await pilot.pause(0.3)
            lat = [(h - s) * 1000 for s, h in zip(sent, handled)]
            out.update(first_screen=first[0] if first else float("nan"), wall=loaded_wall, cpu=loaded_cpu,
                       records=len(app.state.log_index), played=player.played, keys_loading=lat,
                       keys_lost=len(sent) - len(lat), facts=app.tracker.fact_count, flows=len(app.tracker.flows),
                       index_bytes=app.state.log_index.nbytes() + app.state.error_index.nbytes(),
                       rss_growth_mb=rss_mb() - rss0, refreshes=app.refreshes,
                       refresh_mean_ms=1000 * app.refresh_seconds / max(1, app.refreshes))

            async def timed(*keys: str) -> float:
                t = time.perf_counter()
                await pilot.press(*keys)
                await app.workers.wait_for_complete()
                return (time.perf_counter() - t) * 1000

            await timed("2")
            log_pane = app.main.views["log"]
            after = [("home", await timed("home")), ("end", await timed("end")),
                     ("pageup", await timed("pageup")), ("up", await timed("up"))]
            await pilot.press("ampersand")
            log_pane.w_bar.value = "sev:error"  # type: ignore[attr-defined]
            after.append(("filter sev:error (all records)", await timed("enter")))
            after.append(("clear filter", await timed("escape")))
            after.append(("e (next error)", await timed("home", "e")))
            out["keys_after"] = after
            await pilot.press("q")
    finally:
        untime()
        SumtraceApp._start = original_start  # type: ignore[method-assign]
    return out


def index_bytes_traced(bundle: str, limit: int = 200_000) -> float:
    """Bytes per record of the merged log, by tracemalloc: ``limit`` records of the bundle parsed,
    then merged into an :class:`~sumtrace.tui.state.AppState` the way the app does, traced."""
    import gc
    import tracemalloc
    from datetime import datetime

    from sumtrace.parsers.files import discover
    from sumtrace.parsers.stream import parse_bytes
    from sumtrace.tui.state import AppState

    entries = []
    for src in discover([bundle]).sources:
        entries.extend(parse_bytes(src.path, b"".join(src.chunks()), host_bias=src.bias))
        if len(entries) >= limit:
            break
    entries = entries[:limit]
    state = AppState(mode="replay", now=datetime.now(timezone.utc), max_entries=10 * limit, animations=False)
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    for a in range(0, len(entries), 5000):
        state.merge(entries[a:a + 5000])
    gc.collect()
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return used / max(1, len(entries))


def replay_child(records: int, density: float, keys_every: float) -> dict[str, Any]:
    """One replay measured in a fresh process (its memory and GC start clean)."""
    import json
    import subprocess

    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--mode", "replay-one", "--lines", str(records),
                           "--density", str(density), "--keys-every", str(keys_every)],
                          capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("{"):
            return dict(json.loads(line))
    raise RuntimeError(f"the replay child failed: {proc.stderr[-2000:]}")


def bench_replay(lines: int, densities: list[float], keys_every: float) -> None:
    """Per density: the corpus at ``lines`` and ``lines / 4`` records, each replayed in a child."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from replay_corpus import corpus

    for density in densities:
        big = corpus(lines, density)
        small = corpus(max(1000, lines // 4), density)
        floor, matches, nbytes = replay_floor(big.path)
        print(f"corpus {big.describe()}; zip {os.path.getsize(big.path) / 1e6:.0f} MB")
        print(f"  floor: CMTrace record pattern over the members' {nbytes / 1e6:.0f} MB: {floor:.2f} s CPU "
              f"({matches:,} matches)")
        runs = {}
        for c in (small, big):
            r = runs[c.records] = replay_child(c.records, density, 0)
            print(f"  {c.records:>9,} records: first screen {r['first_screen']:.2f} s; all indexed and stitched in "
                  f"{r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU (this process, all threads, no keys pressed) = "
                  f"{r['cpu'] / (floor * c.records / big.records):.1f}x the floor; {r['records']:,} in the log, "
                  f"{r['facts']:,} facts, {r['flows']:,} flows")
            print(f"             merged log {r['index_bytes'] / max(1, r['records']):.0f} B/record (its arrays, "
                  f"nbytes); RSS grew {r['rss_growth_mb']:.0f} MB = {r['rss_growth_mb'] * 1e6 / max(1, r['records']):.0f}"
                  f" B/record (everything: tracker, parse-ahead, Textual); refresh mean {r['refresh_mean_ms']:.0f} ms")
            print("             after loading: " + ", ".join(f"{k} {v:.0f} ms" for k, v in r["keys_after"]))
        a, b = runs[small.records], runs[big.records]
        print(f"  linear: {big.records / small.records:.2f}x the records took {b['cpu'] / a['cpu']:.2f}x the CPU "
              f"(target <= 4.5)")
        r = replay_child(big.records, density, keys_every)
        lat = r["keys_loading"] or [float("nan")]
        print(f"  keys while loading {big.records:,} records (down, up, 2, 1; one every {keys_every:g} s): n={len(lat)} "
              f"p50 {percentile(lat, 50):.0f} ms, p95 {percentile(lat, 95):.0f} ms, max {max(lat):.0f} ms "
              f"({r['keys_lost']} not handled by the end); load then took {r['wall']:.1f} s wall, {r['cpu']:.1f} s CPU")
        print(f"  merged log by tracemalloc (200k records merged as the app does): "
              f"{index_bytes_traced(big.path):.0f} B/record")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rate", type=int, default=20_000)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--mode", choices=("files", "pipeline", "replay", "replay-one"), default="files")
    ap.add_argument("--lines", type=int, default=1_000_000, help="replay mode: records in the corpus (and a 1/4 one)")
    ap.add_argument("--density", type=float, action="append",
                    help="replay mode: share of facts in the corpus (repeatable; default 0.02 and the worst case 0.6)")
    ap.add_argument("--keys-every", type=float, default=0.5, help="replay mode: seconds between keys while loading")
    ap.add_argument("--max-lines", type=int, default=1_000_000, help="the merged log's cap (SUMTRACE_MAX_LINES)")
    ap.add_argument("--facts", type=float, default=0.005,
                    help="share of records the flow tracker keeps (messaging, state messages, scan lines)")
    args = ap.parse_args()
    if os.environ.get("BENCH_DEBUG"):
        import logging

        logging.basicConfig(level=logging.WARNING)

        async def debug_run() -> None:
            loop = asyncio.get_running_loop()
            loop.set_debug(True)
            loop.slow_callback_duration = 0.05
            await bench(args.rate, args.seconds, args.mode, args.facts, args.max_lines)

        asyncio.run(debug_run())
        return
    if args.mode == "replay":
        bench_replay(args.lines, args.density or [0.02, 0.6], args.keys_every)
        return
    if args.mode == "replay-one":
        import json

        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from replay_corpus import corpus

        print(json.dumps(asyncio.run(bench_replay_once(corpus(args.lines, (args.density or [0.02])[0]).path,
                                                       args.keys_every))))
        return
    asyncio.run(bench(args.rate, args.seconds, args.mode, args.facts, args.max_lines))


if __name__ == "__main__":
    main()
