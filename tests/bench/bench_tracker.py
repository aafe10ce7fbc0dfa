"""Tracker cost with ~250,000 facts retained: one clock tick, and one batch of 1,000 new entries.

Run: python tests/bench/bench_tracker.py [--facts 250000] [--rounds 20] [--budget 120] [--seed 0]

A site server watching its MP and many clients holds hundreds of thousands of facts. The issue's
targets: a clock tick (``update(now)`` with no new facts, ``now`` one second later, as the live
loop does every second) under 20 ms, and a batch of 1,000 new entries then ``update(now)`` under
50 ms. The facts come from the multi-client set (tests/multiclient.py) at the size that yields the
requested count, parsed, and fed through ``Tracker.add`` per file; the newest ``rounds`` x 1,000
entries (in UTC order across all files, as a tail would deliver them) are held back to be the
batches. Only the tracker's public API is used (``add``, ``update``, ``fact_count``, ``newest``).

Printed: median and p95 per round of each measurement, the first full update after loading, the
fact count and RSS, and, as a floor measured in the same run, a bare loop that touches every
retained fact once (each figure is also shown as a multiple of it). A phase stops early once it
has run ``budget`` seconds and at least 3 rounds, so a slow tracker still finishes. Not a test: no
assertion on time; figures go to the README.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import math
import os
import resource
import statistics
import sys
import time
from collections.abc import Callable
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from sumtrace.flows.classify import Fact, classify  # noqa: E402
from sumtrace.flows.tracker import Tracker  # noqa: E402
from sumtrace.parsers.entry import Entry  # noqa: E402
from sumtrace.parsers.stream import parse_bytes  # noqa: E402
from tests.multiclient import build_set, set_tracks  # noqa: E402

Streams = list[tuple[str, list[Entry]]]


def parsed_set(n: int, seed: int) -> tuple[Streams, dict[str, object]]:
    """(host, entries) per file of an n-client set, parsed with the bias discovery would give each folder."""
    files, expected = build_set(n, seed)
    return [(t.host, parse_bytes(t.path, files[t.path], host_bias=t.bias)) for t in set_tracks(files)], expected


def calibrate(seed: int) -> tuple[float, float]:
    """Facts per client, and facts per entry, on a 20-client set."""
    streams, _ = parsed_set(20, seed)
    tracker = Tracker()
    for host, entries in streams:
        tracker.add(entries, host)
    return tracker.fact_count / 20, tracker.fact_count / max(1, sum(len(e) for _, e in streams))


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def peak_rss_mb() -> float:
    return max(rss_mb(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def rounds_of(step: Callable[[int], float | None], rounds: int, budget: float) -> list[float]:
    """Seconds per round; stops after ``rounds``, or once past ``budget`` with at least 3 rounds, or when ``step`` has no more."""
    out: list[float] = []
    started = time.perf_counter()
    for r in range(rounds):
        dt = step(r)
        if dt is None:
            break
        out.append(dt)
        if time.perf_counter() - started > budget and len(out) >= 3:
            break
    return out


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def show(label: str, values: list[float], floor: float, target_ms: float) -> None:
    if not values:
        print(f"{label}: no round ran")
        return
    med, top = statistics.median(values), p95(values)
    print(f"{label}: median {ms(med)}, p95 {ms(top)} over {len(values)} rounds (target < {target_ms:.0f} ms) "
          f"= {med / floor:,.3g}x / {top / floor:,.3g}x the floor")


def ms(seconds: float) -> str:
    return f"{seconds * 1e6:,.0f} µs" if seconds < 1e-3 else f"{seconds * 1000:,.1f} ms"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--facts", type=int, default=250_000, help="facts to retain (approximately)")
    ap.add_argument("--rounds", type=int, default=20, help="rounds per measurement")
    ap.add_argument("--budget", type=float, default=120, help="seconds after which a phase stops (after 3 rounds)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    per_client, per_entry = calibrate(args.seed)
    hold = args.rounds * 1000
    n = max(1, math.ceil((args.facts + hold * per_entry) / per_client))  # ~``facts`` retained once the batches are held back
    t = time.perf_counter()
    streams, expected = parsed_set(n, args.seed)
    entries_total = sum(len(e) for _, e in streams)
    print(f"set: {n} clients ({per_client:.0f} facts each), {expected['scans']} scans, {entries_total:,} entries, "
          f"built and parsed in {time.perf_counter() - t:.1f} s")

    # Hold back the newest rounds x 1,000 entries (UTC order across files) as the batches.
    order = sorted((e.utc, i, seq) for i, (_, entries) in enumerate(streams) for seq, e in enumerate(entries)
                   if e.utc is not None)
    held_keys = {(i, seq) for _, i, seq in order[-hold:]}
    held = [(streams[i][0], streams[i][1][seq]) for _, i, seq in order[-hold:]]
    del order

    tracker = Tracker()
    floor_src: list[tuple[str, Entry]] = []  # the entries of the facts fed (the tracker references them anyway)
    t = time.perf_counter()
    for i, (host, entries) in enumerate(streams):
        tracker.add([e for seq, e in enumerate(entries) if (i, seq) not in held_keys], host)
    load = time.perf_counter() - t
    for i, (host, entries) in enumerate(streams):
        floor_src += [(host, e) for seq, e in enumerate(entries)
                      if (i, seq) not in held_keys and classify(e, host, (e.file, e.line)) is not None]
    del streams, held_keys
    gc.collect()
    assert tracker.newest is not None
    now = tracker.newest
    t = time.perf_counter()
    tracker.update(now)
    first = time.perf_counter() - t
    print(f"tracker: {tracker.fact_count:,} facts retained; add() of {entries_total - hold:,} entries {load:.1f} s; "
          f"first update {ms(first)}; RSS {rss_mb():,.0f} MB (peak {peak_rss_mb():,.0f} MB)")

    def tick(_: int) -> float:
        nonlocal now
        now += timedelta(seconds=1)
        t0 = time.perf_counter()
        tracker.update(now)
        return time.perf_counter() - t0

    def batch(r: int) -> float | None:
        nonlocal now
        chunk = held[r * 1000:(r + 1) * 1000]
        if len(chunk) < 1000:
            return None
        newest = max(e.utc for _, e in chunk if e.utc is not None)
        now = max(now + timedelta(seconds=1), newest)
        t0 = time.perf_counter()
        for host, run in itertools.groupby(chunk, key=lambda he: he[0]):
            tracker.add([e for _, e in run], host)
        tracker.update(now)
        elapsed = time.perf_counter() - t0
        floor_src.extend((host, e) for host, e in chunk if classify(e, host, (e.file, e.line)) is not None)
        return elapsed

    ticks = rounds_of(tick, args.rounds, args.budget)
    batches = rounds_of(batch, args.rounds, args.budget)
    after = (tracker.fact_count, rss_mb(), peak_rss_mb())

    # Floor: the facts of every entry fed, touched once each.
    facts: list[Fact] = [f for host, e in floor_src if (f := classify(e, host, (e.file, e.line))) is not None]
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        seen = 0
        for f in facts:
            if f.utc is not None:
                seen += 1
        samples.append(time.perf_counter() - t0)
    floor = statistics.median(samples)
    print(f"floor: a loop touching each of {seen:,} facts once: {ms(floor)}")
    show("tick (update, now + 1 s, no new facts)", ticks, floor, 20)
    show("batch (add 1,000 entries + update)", batches, floor, 50)
    print(f"after the rounds: {after[0]:,} facts retained, RSS {after[1]:,.0f} MB (peak {after[2]:,.0f} MB)")


if __name__ == "__main__":
    main()
