"""Bad arguments: one line on stderr naming the option, exit status 2, never a traceback.

Each case runs the real command in a subprocess, as a script calling ``sumtrace`` would.
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from sumtrace.tui.args import iso_time, number, one_line
from tests.conftest import FIXTURES, ROOT

FIXTURE = str(FIXTURES / "wsus-401")

BAD = [
    (["report", "--now", "garbage", FIXTURE], "sumtrace report: error: --now: 'garbage' is not an ISO 8601 time"),
    (["report", "--now", "0001-01-01T00:00:00+01:00", FIXTURE], "sumtrace report: error: --now: "),
    (["watch", "--since", "99999999999d", "somewhere"], "sumtrace watch: error: --since: "),
    (["watch", "--since", "999999d", "somewhere"], "sumtrace watch: error: --since: "),
    (["watch", "--since", "0001-01-01T00:00:00", "somewhere"], "sumtrace watch: error: --since: "),
    (["watch", "--since", "yesterday", "somewhere"], "sumtrace watch: error: --since: cannot read 'yesterday'"),
    (["watch", "--poll", "nan", "somewhere"], "sumtrace watch: error: --poll: 'nan' is not a finite number"),
    (["watch", "--poll", "-1", "somewhere"], "sumtrace watch: error: --poll: "),
    (["watch", "--poll", "often", "somewhere"], "sumtrace watch: error: --poll: 'often' is not a number"),
    (["watch", "--from-end", "--since", "2h", "somewhere"], "sumtrace watch: error: --since: not allowed with"),
    (["replay", "--speed", "inf", "somewhere"], "sumtrace replay: error: --speed: 'inf' is not a finite number"),
    (["replay", "--speed", "nan", "somewhere"], "sumtrace replay: error: --speed: 'nan' is not a finite number"),
    (["replay", "--speed", "0", "somewhere"], "sumtrace replay: error: --speed: speed must be positive"),
    (["replay", "--max-gap", "nan", "somewhere"], "sumtrace replay: error: --max-gap: 'nan' is not a finite"),
    (["demo", "--speed", "inf"], "sumtrace demo: error: --speed: 'inf' is not a finite number"),
    (["demo", "--max-gap", "nan"], "sumtrace demo: error: --max-gap: 'nan' is not a finite number"),
    (["demo", "--scenario", "no-such-scenario"], "sumtrace demo: error: --scenario: 'no-such-scenario' is not a scenario"),
    (["report"], "sumtrace report: error: the following arguments are required: PATH"),
    (["frobnicate"], "sumtrace: error: COMMAND: invalid choice: 'frobnicate'"),
]


@pytest.mark.parametrize(("argv", "start"), BAD, ids=[" ".join(a[:3]) for a, _ in BAD])
def test_a_bad_argument_gets_one_line_and_exit_2(argv: list[str], start: str) -> None:
    r = subprocess.run([sys.executable, "-m", "sumtrace", *argv], cwd=ROOT, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.endswith("\n"), r.stderr
    assert r.stderr.startswith(start), r.stderr
    assert r.stdout == ""


def test_number_checks_finite_and_range() -> None:
    speed = number("speed", 0)
    poll = number("the poll interval in seconds", 0.01, 3600)
    assert speed("60") == 60.0 and poll("0.5") == 0.5 and poll("3600") == 3600.0
    for bad in ("nan", "inf", "-inf", "1e999", "0", "-1", "x"):
        with pytest.raises(argparse.ArgumentTypeError):
            speed(bad)
    for bad in ("0.001", "3601", "NaN", "Infinity"):
        with pytest.raises(argparse.ArgumentTypeError):
            poll(bad)
    assert math.isfinite(speed("1e300"))


def test_iso_time_is_utc() -> None:
    assert iso_time("2014-01-20T18:00:00Z") == datetime(2014, 1, 20, 18, tzinfo=timezone.utc)
    assert iso_time("2014-01-20T18:00:00") == datetime(2014, 1, 20, 18, tzinfo=timezone.utc)
    when = iso_time("2014-01-20T20:00:00+02:00")
    assert when == datetime(2014, 1, 20, 18, tzinfo=timezone.utc) and when.tzinfo is timezone.utc
    with pytest.raises(argparse.ArgumentTypeError, match="ISO 8601"):
        iso_time("20th of January")


def test_one_line() -> None:
    assert one_line("argument --now: 'x' is\nnot a time") == "--now: 'x' is not a time"
    assert one_line("the following arguments are required: PATH") == "the following arguments are required: PATH"
