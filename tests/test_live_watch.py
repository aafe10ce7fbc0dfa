"""The live watcher against real files written while it runs: nothing lost, nothing twice.

Every test writes records, lets the watcher catch up, and checks that the entries delivered for
each file equal the records written, in order; plus the file events a user would see.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path
from typing import Any

import pytest

import sumtrace.live.tailio as tailio
from tests.conftest import cm as cm_line
from tests.livekit import Harness, append, cm, records


def _cuts(data: bytes) -> list[int]:
    """Cut points inside multi-byte characters, inside markers, and plain odd sizes."""
    cuts = set(range(0, len(data), 37))
    for needle in ("é".encode(), "日".encode(), "本".encode(), b"]LOG]!>", b"<![LOG[", b"\r\n"):
        pos = data.find(needle)
        while pos != -1:
            cuts.add(pos + 1)
            pos = data.find(needle, pos + 1)
    return sorted(c for c in cuts if 0 < c < len(data))


async def test_appends_in_odd_chunks(tmp_path: Path) -> None:
    folder = tmp_path / "PC01"
    folder.mkdir()
    scan, wua = folder / "ScanAgent.log", folder / "WUAHandler.log"
    msgs, data = records("scan", 0, 12)
    wmsgs, wdata = records("wua", 0, 5)
    scan.write_bytes(b"")
    async with Harness([tmp_path]) as h:
        last = 0
        for n, cut in enumerate([*_cuts(data)[::3], len(data)]):
            append(scan, data[last:cut])
            last = cut
            if n % 4 == 0:  # let the watcher read a half record / half character now
                await h.caught_up(scan)
        append(wua, wdata)
        await h.got(scan, msgs)
        await h.got(wua, wmsgs)
    assert all(e.format == "cmtrace" for e in h.entries())
    assert {b.host for b in h.batches if b.entries} == {"PC01"}
    assert h.changes(scan) == ["opened"]
    assert h.changes(wua) == ["opened"]


async def test_rotation_to_lo_mid_scan_with_writes_on_both_sides(tmp_path: Path) -> None:
    log = tmp_path / "ScanAgent.log"
    old = tmp_path / "ScanAgent.lo_"
    before, b_data = records("before", 0, 6)
    tail_msgs, t_data = records("last-flush", 6, 9)
    after, a_data = records("after", 9, 15)
    async with Harness([tmp_path]) as h:
        writer = open(log, "ab")  # noqa: SIM115 - a writer that keeps its handle across the rename
        split = len(b_data) - 50  # the watcher reads half of the last record before the rename
        writer.write(b_data[:split])
        writer.flush()
        await h.caught_up(log)
        os.rename(log, old)
        await h.until(lambda: "rotated" in h.changes(log), what="rotation noticed")
        writer.write(b_data[split:] + t_data)  # the writer's last flush lands in the renamed file
        writer.close()
        await h.until(lambda: len(h.messages(log)) == 9, what="remainder of the .lo_")
        append(log, a_data[:100])
        append(log, a_data[100:])
        await h.got(log, before + tail_msgs + after)
    assert all(e.format == "cmtrace" for e in h.entries())
    assert h.changes(log) == ["opened", "rotated"]
    assert h.changes() == ["opened", "rotated"]  # the .lo_ is never followed on its own


async def test_dated_rotation(tmp_path: Path) -> None:
    log = tmp_path / "ScanAgent.log"
    dated = tmp_path / "ScanAgent-20260101-120000.log"
    before, b_data = records("before", 0, 5)
    after, a_data = records("after", 5, 9)
    log.write_bytes(b_data[:200])
    async with Harness([tmp_path]) as h:
        await h.caught_up(log)
        append(log, b_data[200:])
        os.rename(log, dated)  # rename and new file before the watcher looks again
        log.write_bytes(a_data)
        await h.got(log, before + after)
    assert h.changes(log) == ["opened", "rotated"]
    assert "ScanAgent-20260101-120000.log" in h.files(log)[1].detail
    assert all(os.path.basename(e.file) == "ScanAgent.log" for e in h.entries())


async def test_truncation_in_place(tmp_path: Path) -> None:
    log = tmp_path / "WUAHandler.log"
    first, f_data = records("first", 0, 6)
    second, s_data = records("second", 6, 8)
    log.write_bytes(f_data)
    async with Harness([tmp_path]) as h:
        await h.got(log, first)
        with open(log, "r+b") as fh:
            fh.truncate(0)
        await h.until(lambda: "truncated" in h.changes(log), what="truncation")
        append(log, s_data)
        await h.got(log, first + second)
    assert h.changes(log) == ["opened", "truncated"]
    assert [e.line for e in h.entries(log)] == [1, 2, 3, 4, 5, 6, 1, 2]


async def test_delete_and_recreate(tmp_path: Path) -> None:
    log = tmp_path / "LocationServices.log"
    first, f_data = records("first", 0, 4)
    second, s_data = records("second", 4, 7)
    log.write_bytes(f_data)
    async with Harness([tmp_path]) as h:
        await h.got(log, first)
        os.remove(log)
        await h.until(lambda: "deleted" in h.changes(log), what="deletion")
        await asyncio.sleep(0.05)
        log.write_bytes(s_data)
        await h.got(log, first + second)
    assert h.changes(log) == ["opened", "deleted", "opened"]


async def test_file_created_after_start(tmp_path: Path) -> None:
    folder = tmp_path / "PC01"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a log\n")
    (folder / "Unrelated.log").write_bytes(cm("not followed"))
    msgs, data = records("late", 0, 5)
    async with Harness([tmp_path]) as h:
        await asyncio.sleep(0.05)
        log = folder / "WUAHandler.log"
        log.write_bytes(data[:333])
        append(log, data[333:])
        append(folder / "Unrelated.log", cm("still not followed"))
        await h.got(log, msgs)
    assert h.changes() == ["opened"]
    assert h.files()[0].host == "PC01"
    assert str(folder / "Unrelated.log") not in h.watcher.followed


async def test_subfolder_created_after_start(tmp_path: Path) -> None:
    msgs, data = records("newhost", 0, 6)
    async with Harness([tmp_path]) as h:
        sub = tmp_path / "PC02"
        sub.mkdir()
        log = sub / "ScanAgent.log"
        log.write_bytes(data[:10])  # written at once: maybe before the folder is watched
        append(log, data[10:])
        await h.got(log, msgs)
        deeper = tmp_path / "PC03" / "Logs"
        deeper.mkdir(parents=True)
        msgs3, data3 = records("deeper", 0, 2)
        (deeper / "CAS.log").write_bytes(data3)
        await h.got(deeper / "CAS.log", msgs3)
    assert {b.host for b in h.batches if b.entries} == {"PC02", "PC03"}


async def test_permission_error_reported_once_and_others_continue(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "ScanAgent.log"
    other = tmp_path / "WUAHandler.log"
    msgs, data = records("locked", 0, 4)
    more, more_data = records("locked", 4, 6)
    omsgs, odata = records("other", 0, 3)
    locked.write_bytes(data)
    other.write_bytes(odata[:90])
    os.chmod(locked, 0)
    if os.access(locked, os.R_OK):  # running as root: chmod does not stop us, simulate it
        real_open = tailio._open_binary

        def deny(path: str):  # type: ignore[no-untyped-def]
            if os.path.abspath(path) == str(locked):
                raise PermissionError(13, "Permission denied", path)
            return real_open(path)

        monkeypatch.setattr(tailio, "_open_binary", deny)
    try:
        async with Harness([tmp_path]) as h:
            append(other, odata[90:])
            await h.got(other, omsgs)
            os.chmod(locked, 0)  # a metadata change: another look at the locked file
            await asyncio.sleep(0.3)  # several sweeps and notifications later...
            errors = [f for f in h.files(locked) if f.change == "error"]
            assert len(errors) == 1 and "permission denied" in errors[0].detail
            os.chmod(locked, 0o644)
            monkeypatch.undo()
            append(locked, more_data)
            await h.got(locked, msgs + more)
    finally:
        os.chmod(locked, 0o644)
    assert h.changes(locked) == ["opened", "error"]


async def test_missing_path_waits_and_reports_once(tmp_path: Path) -> None:
    folder = tmp_path / "not-yet"
    single = tmp_path / "elsewhere" / "UpdatesDeployment.log"
    msgs, data = records("appeared", 0, 3)
    async with Harness([folder, single]) as h:
        await asyncio.sleep(0.45)  # two sweeps
        assert h.changes(folder) == ["error"]
        assert h.changes(single) == ["error"]
        folder.mkdir()
        (folder / "ScanAgent.log").write_bytes(data)
        await h.got(folder / "ScanAgent.log", msgs)
        single.parent.mkdir()
        single.write_bytes(data)
        await h.got(single, msgs)
    assert h.changes(single) == ["error", "opened"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
async def test_no_descriptor_held_between_reads(tmp_path: Path) -> None:
    log = tmp_path / "ScanAgent.log"
    old = tmp_path / "ScanAgent.lo_"

    def held() -> set[str]:
        targets = set()
        for fd in os.listdir("/proc/self/fd"):
            try:
                targets.add(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                pass
        return targets & {str(log), str(old)}

    msgs, data = records("fd", 0, 10)
    async with Harness([tmp_path]) as h:
        for i in range(0, len(data), 301):
            append(log, data[i:i + 301])
            await h.caught_up(log)
            assert held() == set()
        os.rename(log, old)
        await h.until(lambda: "rotated" in h.changes(log))
        assert held() == set()
        append(log, cm("new file", 99))
        await h.got(log, [*msgs, "new file"])
        assert held() == set()


async def test_from_end_skips_existing_and_keeps_positions(tmp_path: Path) -> None:
    log = tmp_path / "ScanAgent.log"
    old_msgs, old_data = records("old", 0, 5)
    new_msgs, new_data = records("new", 5, 8)
    log.write_bytes(b"\xef\xbb\xbf" + old_data)
    async with Harness([tmp_path], from_end=True) as h:
        await h.caught_up(log)
        assert h.messages(log) == []
        append(log, new_data)
        await h.got(log, new_msgs)
        late = tmp_path / "WUAHandler.log"  # created after start: read from its beginning
        late.write_bytes(old_data)
        await h.got(late, old_msgs)
    got = h.entries(log)
    assert [e.line for e in got] == [6, 7, 8]
    assert got[0].offset == 3 + len(old_data)
    assert "skipping" in h.files(log)[0].detail


async def test_since_drops_older_entries(tmp_path: Path) -> None:
    from datetime import datetime, timezone

    log = tmp_path / "ScanAgent.log"
    msgs, data = records("t", 0, 10)  # 12:00:00 .. 12:00:09 UTC on 2026-01-20
    log.write_bytes(data)
    since = datetime(2026, 1, 20, 12, 0, 5, tzinfo=timezone.utc)
    async with Harness([tmp_path], since=since) as h:
        await h.got(log, msgs[5:])


async def test_forced_polling_follows_rotation(tmp_path: Path) -> None:
    log = tmp_path / "ScanAgent.log"
    before, b_data = records("before", 0, 4)
    after, a_data = records("after", 4, 7)
    log.write_bytes(b_data[:150])
    async with Harness([tmp_path], poll=0.03) as h:
        assert not h.watcher.notifications
        append(log, b_data[150:])
        await h.caught_up(log)
        os.rename(log, tmp_path / "ScanAgent.lo_")
        log.write_bytes(a_data)
        newcomer = tmp_path / "CAS.log"
        newcomer.write_bytes(b_data)
        await h.got(log, before + after)
        await h.got(newcomer, before)
    assert h.changes(log) == ["opened", "rotated"]


async def test_silent_notifications_switch_the_file_to_polling(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "ScanAgent.log"
    msgs, data = records("quiet", 0, 8)
    log.write_bytes(b"")
    async with Harness([tmp_path], sweep=0.1, fallback_poll=0.05) as h:
        await h.caught_up(log)
        assert h.watcher.mode(str(log)) == "events"
        monkeypatch.setattr(h.watcher, "notify", lambda *a: None)  # a share that sends nothing
        for i in range(0, len(data), len(data) // 8 + 1):
            append(log, data[i:i + len(data) // 8 + 1])
            await asyncio.sleep(0.06)
        await h.got(log, msgs, timeout=1.5)
        assert h.watcher.mode(str(log)) == "polling"


async def test_burst_does_not_block_the_loop(tmp_path: Path) -> None:
    """A 100,000-line burst is delivered in slices with the event loop turning between them.

    Checked by order, not by the clock: a heartbeat task and the deliveries leave marks in one
    sequence, and the heartbeat must run between the slices (a timed bound flaked on a loaded VM).
    """
    log = tmp_path / "ScanAgent.log"
    n = 100_000
    line = '<![LOG[burst {}]LOG]!><time="12:00:00.000+000" date="01-20-2026" component="ScanAgent" context="" type="1" thread="1">\n'
    log.write_bytes(b"")
    marks: list[str] = []

    async def heartbeat() -> None:
        while True:
            await asyncio.sleep(0)
            marks.append("beat")

    async with Harness([tmp_path], read_limit=1 << 20) as h:
        count = [0]

        def delivered(batch: Any) -> None:
            if batch.entries:
                count[0] += len(batch.entries)
                marks.append("slice")

        h.pipeline.subscribe(delivered)
        beat = asyncio.create_task(heartbeat())
        log.write_bytes("".join(line.format(i) for i in range(n)).encode())
        await h.until(lambda: count[0] >= n, timeout=30, what="burst delivered")
        beat.cancel()
    got = h.entries(log)
    assert len(got) == n and got[-1].message == f"burst {n - 1}"
    assert max(len(b.entries) for b in h.batches) < 5000  # delivered in slices
    during = marks[marks.index("slice"):len(marks) - marks[::-1].index("slice")]
    slices = during.count("slice")
    runs = [len(r) for r in "".join("s" if m == "slice" else "b" for m in during).split("b") if r]
    assert slices >= 20 and during.count("beat") >= slices // 4, "the loop turned while the burst was read"
    assert max(runs) <= 2, f"{max(runs)} slices in a row delivered without the loop turning"


async def test_a_file_whose_reads_hang_does_not_hold_up_the_others(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    slow = tmp_path / "ScanAgent.log"
    fast = tmp_path / "WUAHandler.log"
    slow.write_bytes(b"")
    fast.write_bytes(b"")
    smsgs, sdata = records("slow", 0, 2)
    fmsgs, fdata = records("fast", 0, 3)
    real_open = tailio._open_binary

    def sluggish(path: str):  # type: ignore[no-untyped-def]
        if os.path.abspath(path) == str(slow):
            import time

            time.sleep(0.6)  # a share that stopped answering for a while
        return real_open(path)

    async with Harness([tmp_path]) as h:
        monkeypatch.setattr(tailio, "_open_binary", sluggish)
        append(slow, sdata)
        await asyncio.sleep(0.05)
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        append(fast, fdata)
        await h.got(fast, fmsgs, timeout=0.4)
        assert loop.time() - t0 < 0.4
        await h.got(slow, smsgs, timeout=1.5)


async def test_a_log_created_and_rotated_between_two_looks_loses_nothing(tmp_path: Path) -> None:
    log = tmp_path / "StateSys.log"
    first, f_data = records("gen1", 0, 5)
    second, s_data = records("gen2", 5, 8)
    async with Harness([tmp_path], poll=0.25) as h:  # a share: nobody tells us, we look every 250 ms
        log.write_bytes(f_data)
        os.replace(log, tmp_path / "StateSys.lo_")
        log.write_bytes(s_data)
        await h.until(lambda: len(h.entries()) >= 8, timeout=1.5)
    assert h.messages() == first + second


async def test_a_windowsupdate_log_seen_first_waits_for_its_machines_bias(tmp_path: Path) -> None:
    """WindowsUpdate.log (Get-WindowsUpdateLog) carries no zone: its UTC comes from the machine's
    CMTrace logs. In a folder written as we watch, it may appear first; its records must not be
    timed as if the watching computer's zone were the client's."""
    async with Harness([tmp_path], poll=0.02, bias_wait=2.0) as h:
        wu = tmp_path / "PC01" / "WindowsUpdate.log"
        wu.parent.mkdir()
        wu.write_bytes(b"2014/01/20 12:18:04.6740000 1016  3024  ComApi          * START *   Federated Search "
                       b"ClientId = CcmExec (cV: x)\r\n")
        await asyncio.sleep(0.2)  # the watcher has seen it, and holds it
        scan_agent = tmp_path / "PC01" / "ScanAgent.log"
        scan_agent.write_bytes(("\ufeff" + cm_line("Inside CScanAgent::Notify()") + "\r\n").encode())
        await h.until(lambda: len(h.entries(wu)) == 1, 3.0, "the WindowsUpdate.log record")
        entry = h.entries(wu)[0]
        assert entry.time_source == "host-bias" and entry.bias == 300
        assert entry.utc is not None and entry.utc.hour == 17  # 12:18 local at UTC-5


async def test_a_missing_folder_that_appears_is_announced(tmp_path: Path) -> None:
    """The Files view and a log shipper learn the folder is there: it is no longer "missing"."""
    folder = tmp_path / "PC01"
    msgs, data = records("appeared", 0, 2)
    async with Harness([folder]) as h:
        await asyncio.sleep(0.3)
        assert h.changes(folder) == ["error"]
        folder.mkdir()
        (folder / "ScanAgent.log").write_bytes(data)
        await h.got(folder / "ScanAgent.log", msgs)
    assert h.changes(folder) == ["error", "opened"]
    assert "appeared" in h.files(folder)[-1].detail


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
async def test_a_fifo_and_a_zip_in_a_watched_folder_are_refused_once_with_a_message(tmp_path: Path) -> None:
    """Discovery refuses them with the same check (and words) as parse and report; the rest is followed.

    Opening a FIFO named like a log would wait for a writer; a .zip bundle does not grow and its
    compressed bytes are no log (replay and report read it)."""
    folder = tmp_path / "PC01"
    folder.mkdir()
    fifo = folder / "ScanAgent.log"
    os.mkfifo(fifo)
    bundle = folder / "logs.zip"
    bundle.write_bytes(b"PK\x05\x06" + b"\0" * 18)  # an empty zip
    good = folder / "WUAHandler.log"
    msgs, data = records("beside", 0, 3)
    good.write_bytes(data)
    async with Harness([tmp_path]) as h:
        await h.got(good, msgs)
        late = folder / "later.zip"
        late.write_bytes(b"PK\x05\x06" + b"\0" * 18)
        await h.until(lambda: bool(h.files(late)), 3.0, "the .zip that appeared")
        await asyncio.sleep(0.6)  # more rescans: each is said once
    assert [f.detail for f in h.files(fifo)] == [f"{fifo}: not a regular file (a named pipe (FIFO)); skipped"]
    assert str(fifo) not in h.watcher.followed
    for z in (bundle, late):
        assert h.changes(z) == ["error"] and "does not grow" in h.files(z)[0].detail
        assert str(z) not in h.watcher.followed


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
async def test_a_fifo_named_on_the_command_line_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "ScanAgent.log"
    os.mkfifo(fifo)
    async with Harness([fifo]) as h:
        await h.until(lambda: bool(h.files(fifo)), 2.0, "the refusal")
        await asyncio.sleep(0.3)
    assert [f.detail for f in h.files(fifo)] == [f"{fifo}: not a regular file (a named pipe (FIFO)); skipped"]
    assert h.watcher.followed == []
