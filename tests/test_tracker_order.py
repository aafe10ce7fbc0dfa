"""The final flows do not depend on the order entries arrive in.

Any interleaving of the files (each file kept in its own order, as a tail delivers it), fed in
bursts with updates at arbitrary moments, yields the same flows as reading file after file.
"""

from __future__ import annotations

import json
from datetime import timedelta
from functools import cache

from hypothesis import given, settings
from hypothesis import strategies as st

from sumtrace.flows.tracker import Tracker
from sumtrace.parsers.entry import Entry
from sumtrace.parsers.files import discover
from sumtrace.parsers.stream import parse_file
from tests.conftest import FIXTURES

SCENARIOS = ("healthy-first-scan", "state-not-forwarded", "gpo-override", "timezones")


@cache
def files_of(name: str) -> tuple[tuple[str, tuple[Entry, ...]], ...]:
    found = discover([str(FIXTURES / name)])
    return tuple((src.host_hint, tuple(parse_file(src.path, host_bias=src.bias))) for src in found.sources)


def run(name: str, order: list[int], bursts: list[int], update_every: int) -> str:
    files = files_of(name)
    cursors = [0] * len(files)
    tracker = Tracker(retention=None)
    newest = max(e.utc for _, es in files for e in es if e.utc)
    step = 0
    for pick, burst in zip(order, bursts):
        i = pick % len(files)
        host, entries = files[i]
        chunk = list(entries[cursors[i]:cursors[i] + burst])
        cursors[i] += len(chunk)
        tracker.add(chunk, host)
        step += 1
        if update_every and step % update_every == 0 and tracker.newest:
            tracker.update(tracker.newest + timedelta(seconds=step))  # intermediate "nows" must not leak
    for i, (host, entries) in enumerate(files):
        tracker.add(list(entries[cursors[i]:]), host)
    tracker.update(newest)
    return json.dumps([f.to_json() for f in tracker.flows] + [u.to_json() for u in tracker.updates], sort_keys=True)


def baseline(name: str) -> str:
    n = len(files_of(name))
    return run(name, list(range(n)), [10**9] * n, 0)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(SCENARIOS), st.lists(st.integers(0, 50), min_size=1, max_size=200),
       st.lists(st.integers(1, 25), min_size=200, max_size=200), st.integers(0, 7))
def test_any_interleaving_yields_the_same_flows(name: str, order: list[int], bursts: list[int], every: int) -> None:
    assert run(name, order, bursts, every) == baseline(name)


def test_reverse_file_order_same_flows() -> None:
    for name in SCENARIOS:
        n = len(files_of(name))
        assert run(name, list(reversed(range(n))), [10**9] * n, 1) == baseline(name)
