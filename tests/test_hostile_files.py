"""Hostile files and arguments (issue 13): non-regular files, zip bombs and damaged bundles, nan/inf
numbers, a reader that goes away, exit codes for partial input.

Everything that could hang runs in a subprocess with a hard ``timeout=`` so a regression fails
instead of blocking the suite; cost bounds are ratios or counts, never absolute times.
"""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from sumtrace.parsers import files
from sumtrace.parsers.files import discover, read_source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CLIENT = FIXTURES / "healthy-rescan" / "client"
posix_only = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs and /dev/zero are POSIX")


def sumtrace(*args: str, timeout: float = 60, **kw: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sumtrace", *args], capture_output=True, text=True,
                          timeout=timeout, **kw)  # type: ignore[call-overload]


@pytest.fixture
def hostile_folder(tmp_path: Path) -> Path:
    """A client's logs where ScanAgent.log is a FIFO and WUAHandler.log a symlink to /dev/zero."""
    folder = tmp_path / "PC01"
    folder.mkdir()
    for log in CLIENT.glob("*.log"):
        if log.name not in ("ScanAgent.log", "WUAHandler.log"):
            (folder / log.name).write_bytes(log.read_bytes())
    os.mkfifo(folder / "ScanAgent.log")
    os.symlink("/dev/zero", folder / "WUAHandler.log")
    return folder


# --- 1. non-regular files ---------------------------------------------------------------------

@posix_only
@pytest.mark.parametrize("command", [["parse"], ["report"], ["replay", "--jsonl"]])
def test_fifo_and_device_are_refused_and_the_rest_is_read(hostile_folder: Path, command: list[str]) -> None:
    r = sumtrace(*command, str(hostile_folder), timeout=60)
    assert "ScanAgent.log: not a regular file (a named pipe (FIFO))" in r.stderr, r.stderr
    assert "WUAHandler.log: not a regular file (a device)" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "MemoryError" not in r.stderr
    assert r.stdout.strip(), "the regular logs beside them are still read"


@posix_only
@pytest.mark.parametrize("name", ["ScanAgent.log", "WUAHandler.log"])
def test_named_non_regular_file_is_an_input_error(hostile_folder: Path, name: str) -> None:
    r = sumtrace("parse", str(hostile_folder / name), timeout=30)
    assert r.returncode == 2 and "not a regular file" in r.stderr, r.stderr


@posix_only
def test_fifo_swapped_in_after_discovery_is_refused_on_open(tmp_path: Path) -> None:
    log = tmp_path / "ScanAgent.log"
    log.write_bytes((CLIENT / "ScanAgent.log").read_bytes())
    (src,) = discover([str(log)]).sources
    log.unlink()
    os.mkfifo(log)
    errors: list[str] = []
    assert list(read_source(src, {}, errors)) == []  # would block forever on open() without a writer
    assert errors == [f"{log}: not a regular file (a named pipe (FIFO)); skipped"]


@posix_only
def test_watch_reports_a_fifo_and_stops_on_sigterm(hostile_folder: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-m", "sumtrace", "watch", "--jsonl", str(hostile_folder)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 30
        seen = ""
        while "ScanAgent.log: not a regular file" not in seen and time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
        assert "ScanAgent.log: not a regular file" in seen, seen[-2000:]
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- 2. zip bundles -----------------------------------------------------------------------------

def _bomb(path: Path, megabytes: int, name: str = "ScanAgent.log") -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, zf.open(name, "w") as fh:
        block = b"\0" * (1 << 20)
        for _ in range(megabytes):
            fh.write(block)


def test_zip_bomb_is_refused_with_a_size_message(tmp_path: Path) -> None:
    bundle = tmp_path / "bomb.zip"
    _bomb(bundle, 200)  # 200 MB of zeros in about 200 KB
    good = tmp_path / "PC01"
    good.mkdir()
    (good / "ScanAgent.log").write_bytes((CLIENT / "ScanAgent.log").read_bytes())
    r = sumtrace("report", str(bundle), str(good), timeout=60)
    assert "bomb.zip!ScanAgent.log: expands" in r.stderr and "zip bomb" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_zip_member_memory_does_not_grow_with_its_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Reading a member (bias pass and chunks) keeps a bounded window, whatever the member expands to."""
    monkeypatch.setattr(files, "MAX_MEMBER_RATIO", 10 ** 9)
    peaks = []
    for mb in (8, 32):
        bundle = tmp_path / f"z{mb}.zip"
        _bomb(bundle, mb)
        (src,) = discover([str(bundle)]).sources
        tracemalloc.start()
        src.head_tail()
        total = sum(len(c) for c in src.chunks())
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert total == mb << 20
        peaks.append(peak)
    assert peaks[1] < 1.5 * peaks[0] + (1 << 20), peaks  # today: the whole member, 4x


def test_member_and_archive_size_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "b.zip"
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in ("ScanAgent.log", "WUAHandler.log", "CAS.log"):
            zf.writestr(f"PC01/{name}", os.urandom(3000).hex())  # 6,000 bytes, incompressible
    monkeypatch.setattr(files, "MAX_MEMBER_BYTES", 5000)
    found = discover([str(bundle)])
    assert not found.sources and len(found.errors) == 3
    assert "6,000 bytes uncompressed, over the limit of 5,000 per zip member; skipped" in found.errors[0]
    monkeypatch.setattr(files, "MAX_MEMBER_BYTES", 1 << 30)
    monkeypatch.setattr(files, "MAX_ARCHIVE_BYTES", 13000)
    found = discover([str(bundle)])
    errors: list[str] = []
    read = [sum(1 for _ in read_source(src, {}, errors)) for src in found.sources]
    assert len(read) == 3 and errors == [f"{bundle}!PC01/WUAHandler.log: over the limit of 13,000 bytes read "
                                         "from one zip bundle; skipped"]


def _many_entries(path: Path, n: int) -> None:
    line = (CLIENT / "ScanAgent.log").read_bytes().splitlines(keepends=True)[0]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(n):
            zf.writestr(f"PC{i:05d}/ScanAgent.log", line)


def test_many_entries_open_the_archive_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "many.zip"
    _many_entries(bundle, 300)
    opened = []
    real_init = zipfile.ZipFile.__init__

    def counting_init(self: zipfile.ZipFile, *a: object, **kw: object) -> None:
        opened.append(1)
        real_init(self, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(zipfile.ZipFile, "__init__", counting_init)
    found = discover([str(bundle)])
    errors: list[str] = []
    entries = sum(1 for src in found.sources for _ in read_source(src, {}, errors))
    assert len(found.sources) == 300 and entries == 300 and not errors
    assert len(opened) == 1, f"{len(opened)} ZipFile opens for one bundle"


def test_many_entries_cost_is_linear(tmp_path: Path) -> None:
    costs = []
    for n in (500, 2000):
        bundle = tmp_path / f"m{n}.zip"
        _many_entries(bundle, n)
        t0 = time.perf_counter()
        r = sumtrace("parse", "--jsonl", str(bundle), timeout=120)
        costs.append(time.perf_counter() - t0)
        assert r.returncode == 0 and r.stdout.count("\n") == n, r.stderr[-500:]
    # start-up dominates the small run; quadratic (today: 64 s for 2,000) would be ~16x
    assert costs[1] < 6 * costs[0], costs


def _patch_member(data: bytearray, name: bytes, *, flag: int = 0, method: int | None = None) -> None:
    """Set a flag bit and/or the method in a member's local and central headers."""
    for sig, flag_at, method_at, name_len_at, head in ((b"PK\x03\x04", 6, 8, 26, 30), (b"PK\x01\x02", 8, 10, 28, 46)):
        at = 0
        while (at := data.find(sig, at)) != -1:
            (nlen,) = struct.unpack_from("<H", data, at + name_len_at)
            if bytes(data[at + head: at + head + nlen]) == name:
                (bits,) = struct.unpack_from("<H", data, at + flag_at)
                struct.pack_into("<H", data, at + flag_at, bits | flag)
                if method is not None:
                    struct.pack_into("<H", data, at + method_at, method)
            at += 4


def test_damaged_members_cost_that_member_only(tmp_path: Path) -> None:
    bundle = tmp_path / "damaged.zip"
    good = (CLIENT / "ScanAgent.log").read_bytes()
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("PC01/ScanAgent.log", good)
        zf.writestr("PC01/WUAHandler.log", good)  # CRC-corrupt below
        zf.writestr("PC01/CAS.log", good)  # encrypted
        zf.writestr("PC01/PolicyAgent.log", good)  # method 99
    data = bytearray(bundle.read_bytes())
    where = data.find(good, data.find(b"PC01/WUAHandler.log"))
    data[where + 100] ^= 0x55
    _patch_member(data, b"PC01/CAS.log", flag=0x1)
    _patch_member(data, b"PC01/PolicyAgent.log", method=99)
    bundle.write_bytes(bytes(data))
    for command in (["parse", "--jsonl"], ["report", "--json"], ["replay", "--jsonl", "--entries"]):
        r = sumtrace(*command, str(bundle), timeout=60)
        assert "Traceback" not in r.stderr, (command, r.stderr)
        assert "CAS.log: encrypted" in r.stderr and "PolicyAgent.log: compression method 99" in r.stderr, r.stderr
        assert "WUAHandler.log: cannot read this zip member (Bad CRC-32" in r.stderr, r.stderr
        assert "ScanAgent.log" in r.stdout


# --- 3. nan and inf ------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["watch", "--jsonl", "--poll", "nan"], ["watch", "--jsonl", "--poll", "inf"],
                                  ["replay", "--jsonl", "--speed", "nan"], ["replay", "--jsonl", "--speed", "inf"],
                                  ["replay", "--jsonl", "--speed", "1", "--max-gap", "nan"],
                                  ["demo", "--jsonl", "--speed=-inf"]])
def test_nan_and_inf_are_refused(args: list[str], tmp_path: Path) -> None:
    r = sumtrace(*args, str(tmp_path) if args[0] != "demo" else "--list", timeout=30)
    assert r.returncode == 2 and "not a finite number" in r.stderr and r.stderr.count("\n") == 1, r.stderr


# --- 4. a reader that goes away ------------------------------------------------------------------

@posix_only
@pytest.mark.parametrize("speed", [[], ["--entries", "--speed", "60"], ["--entries", "--speed", "1"]])
def test_replay_jsonl_into_head_exits(speed: list[str]) -> None:
    cmd = f"{sys.executable} -m sumtrace replay --jsonl {' '.join(speed)} {FIXTURES / 'healthy-rescan'} | head -1"
    t0 = time.monotonic()
    r = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, timeout=60)
    assert r.stdout.count("\n") == 1 and "Traceback" not in r.stderr and "BrokenPipe" not in r.stderr, r.stderr
    assert time.monotonic() - t0 < 30


# --- 5. exit codes and zips given to watch --------------------------------------------------------

def test_report_with_an_unreadable_input_exits_2(tmp_path: Path) -> None:
    folder = tmp_path / "PC01"
    folder.mkdir()
    for log in FIXTURES.glob("healthy-rescan/*/*.log"):
        (folder / log.name).write_bytes(log.read_bytes())
    assert sumtrace("report", str(folder), timeout=60).returncode == 0
    r = sumtrace("report", str(folder), str(tmp_path / "missing.log"), timeout=60)
    assert r.returncode == 2 and "missing.log: no such file or directory" in r.stderr, r.stderr


def test_watch_refuses_a_zip(tmp_path: Path) -> None:
    bundle = tmp_path / "logs.zip"
    with zipfile.ZipFile(bundle, "w") as zf:
        zf.writestr("ScanAgent.log", (CLIENT / "ScanAgent.log").read_bytes())
    r = sumtrace("watch", "--jsonl", str(bundle), timeout=30)
    assert r.returncode == 2 and "use sumtrace replay" in r.stderr and not r.stdout, r.stderr
