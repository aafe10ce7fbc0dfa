"""Hostile bytes for every format: no exception, every record kept, cost linear in size.

Inputs are built from the pieces real formats are made of (CMTrace heads and trailers with their
attributes in any order, SMS-trace stamps, WindowsUpdate.log columns, IIS fields), raw bytes and
every line ending (LF, CRLF, lone CR), then parsed under every log name that selects a format.
Each test arms a hard timeout (SIGALRM), so a super-linear path fails instead of hanging CI.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sumtrace.parsers.stream import parse_bytes

# The log names that select each format (by name, then by content).
NAMES = ("ScanAgent.log", "WindowsUpdate.log", "u_ex140120.log", "SoftwareDistribution.log", "WCM.log",
         "SUPSetup.log", "Other.log")

ATTRS = ('time="11:05:12.770+300"', 'date="01-20-2014"', 'component="ScanAgent"', 'context=""', 'type="1"',
         'thread="4012"', 'file="x.cpp:1"', 'time="99:99:99.9+-9999"', 'date="13-45-99999"', 'thread="²"',
         'thread="' + "9" * 60 + '"', 'type="x"')
PIECES = (
    "<![LOG[", "]LOG]!>", "<", ">", "text", " ", "~", "\t", "$$<SMS_STATE_SYSTEM>", "<01-20-2014 11:05:12.770+300>",
    "<thread=4012 (0xFAC)>", "<99-99-9999 99:99:99.999+-99>", "STATMSG: ID=6702 SEV=I LEV=M SOURCE=\"SMS Server\"",
    "2014-01-20\t11:05:12:770\t 1234\t 5678\tAgent\t", "2022/06/29 17:29:33.7350519 5384  14960 Agent           ",
    "2014-01-20 17:18:52 10.0.0.5 POST /ClientWebService/client.asmx - 8530 - 10.0.0.9 Windows-Update-Agent - ²00 0 0 1",
    "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
    "cs(Referer) sc-status sc-substatus sc-win32-status time-taken",
    "<Sat May 18 21:22:29 2024> ", "*FAILED* [8024000E]", "0x80244017", "\x00", "\x1b]52;c;aGk=\x07", "\u202e",
)
ENDINGS = ("\n", "\r\n", "\r")


@st.composite
def hostile_text(draw: st.DrawFn) -> bytes:
    parts: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=40))):
        kind = draw(st.integers(min_value=0, max_value=3))
        if kind == 0:
            parts.append(draw(st.sampled_from(PIECES)))
        elif kind == 1:  # a CMTrace trailer with its attributes in any order, some malformed
            attrs = draw(st.permutations(ATTRS))[: draw(st.integers(min_value=0, max_value=len(ATTRS)))]
            parts.append("]LOG]!><" + " ".join(attrs) + ">")
        elif kind == 2:
            parts.append(draw(st.sampled_from(ENDINGS)))
        else:
            parts.append(draw(st.text(max_size=12)))
    data = "".join(parts).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=24))
    return data


@contextmanager
def hard_timeout(seconds: int) -> Iterator[None]:
    """Fail (instead of hanging) when the block runs longer than ``seconds``."""
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@settings(max_examples=150, deadline=None)
@given(hostile_text(), st.sampled_from(NAMES))
def test_random_pieces_parse_without_exception_and_keep_every_record(data: bytes, name: str) -> None:
    with hard_timeout(20):
        entries = parse_bytes(name, data)
    offsets = [e.offset for e in entries]
    assert offsets == sorted(offsets), "entries come out in file order"
    assert all(0 <= o < max(len(data), 1) for o in offsets), "every entry starts inside the input"
    if _records_in(data):
        assert entries, "non-blank input is never silently dropped: it is entries or unparsed lines"


_DIRECTIVES = ("#Fields:", "#Software:", "#Version:", "#Date:", "#Remark:", "#Start-Date:", "#End-Date:")


def _records_in(data: bytes) -> bool:
    """Whether ``data`` holds anything but blanks and W3C directives: an IIS log's ``#Fields:``
    line is its schema (it names the columns of the records after it), not a record."""
    text = data.decode("utf-8", "replace").replace("\x00", "").replace("\ufeff", "")
    return any(ln.strip() and not ln.startswith(_DIRECTIVES) for ln in re.split(r"\r\n|\r|\n", text))


def _cost(name: str, data: bytes) -> float:
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        parse_bytes(name, data)
        best = min(best, time.perf_counter() - t0)
    return best


@pytest.mark.parametrize("name", NAMES)
@settings(max_examples=8, deadline=None)
@given(block=hostile_text())
def test_cost_is_linear_in_size(name: str, block: bytes) -> None:
    """The same hostile block repeated n and 4n times costs at most ~4x (9x with a loaded machine's
    noise), never the 16x a quadratic path costs. Measured twice; the better ratio counts."""
    block = block + b"\n"
    small, large = block * max(1, 40_000 // len(block)), block * max(4, 160_000 // len(block))
    ratios = []
    with hard_timeout(90):
        for _ in range(2):
            t_small = _cost(name, small)
            t_large = _cost(name, large)
            if t_large < 0.02:
                return  # too fast to tell: nothing super-linear at this size
            ratios.append(t_large / max(t_small, 1e-4) / (len(large) / len(small)) * 4)
            if ratios[-1] <= 9.0:
                return
    raise AssertionError(f"{name}: 4x the input cost {min(ratios):.1f}x (quadratic would be 16x)")


def test_the_date_and_bias_caches_stay_bounded() -> None:
    """Every record with a new date and bias (hostile input) must not grow the parser's caches."""
    from sumtrace.parsers import formats

    lines = []
    for i in range(3 * formats.CACHE_LIMIT):
        day, year, bias = 1 + i % 28, 1900 + i // 28, i % 2000 - 1000
        lines.append(f'<![LOG[r{i}]LOG]!><time="11:05:12.{i % 1000:03d}{bias:+d}" date="01-{day:02d}-{year}" '
                     f'component="ScanAgent" context="" type="1" thread="1" file="x.cpp:1">\n')
    entries = parse_bytes("ScanAgent.log", "".join(lines).encode())
    assert len(entries) == len(lines)
    assert len(formats._DATE_CACHE) <= formats.CACHE_LIMIT
    assert len(formats._BIAS_CACHE) <= formats.CACHE_LIMIT
