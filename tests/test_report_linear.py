"""The updates table's work is linear in a host's history (issue 11): an operation count, never a time.

A client that scans for months has rows for every update it ever saw. Building its table used to
revisit every row after every scan: four times the scans cost sixteen times as much. Here one
client with N and 4N scans (each finding five new updates and recording and forwarding their
state messages) is stitched, and its table rebuilt with rows that count every read of their
fields: 4N scans may read at most 4.5 times as much as N (the old table read 14 times as much
at these sizes, and the gap grows with N).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from sumtrace.flows.kinds import scan as scan_module
from sumtrace.flows.kinds.scan import ScanKind, updates_of
from sumtrace.flows.model import UpdateRow
from sumtrace.tui.cmd_report import collect

sys.path.insert(0, str(Path(__file__).parent / "bench"))
from corpus import build  # noqa: E402


class CountingRow(UpdateRow):
    """An update row that counts the reads of its fields (all rows together)."""

    __slots__ = ()
    reads = 0

    def __getattribute__(self, name: str) -> Any:
        CountingRow.reads += 1
        return object.__getattribute__(self, name)


def _shape(r: UpdateRow) -> tuple[object, ...]:
    return (r.update_id, r.state, r.revision, r.recorded, r.forwarded, r.processed)


def _table_reads(root: Path, scans: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, int]:
    """Field reads while rebuilding the updates table of a client with ``scans`` scans, and its rows."""
    corpus = build(str(root), scans, noise=0, fact_share=0.0)
    tracker, _, _ = collect([corpus.folder])
    assert tracker.newest is not None
    tracker.update(tracker.newest)
    kind = next(k for k in tracker._kinds if isinstance(k, ScanKind))
    (host,) = kind._pairs
    with monkeypatch.context() as m:
        m.setattr(scan_module, "UpdateRow", CountingRow)
        CountingRow.reads = 0
        rows = updates_of(host, kind._pairs[host], kind._joins, tracker._loaded)
        reads = CountingRow.reads
        assert [_shape(r) for r in rows] == [_shape(u) for u in tracker.updates]  # the table the report shows
    assert rows and all(r.recorded and r.forwarded for r in rows)
    return reads, len(rows)


def test_updates_table_is_linear_in_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    small, small_rows = _table_reads(tmp_path / "small", 20, monkeypatch)
    large, large_rows = _table_reads(tmp_path / "large", 80, monkeypatch)
    assert large_rows == 4 * small_rows  # every scan finds its own updates: the table grows with history
    assert large <= 4.5 * small, f"4x the scans read rows {large / small:.1f}x as often (linear 4, quadratic 16)"
