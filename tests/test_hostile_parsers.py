"""Hostile input for the parsers and the error-code search (issue 13).

Regex and framing costs are checked as a ratio between two sizes (n and 4n): linear code stays
near 4, quadratic code near 16, cubic near 64. Never an absolute time. Each measurement runs in a
subprocess with a hard timeout, so a regression fails instead of hanging the run.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest


MAX_RATIO = 6.0
HARD_TIMEOUT = 60


def cost_ratio(setup: str, expr: str, n: int) -> float:
    """Time of ``expr`` at size 4n over its time at size n (best of 3 each), in a subprocess.

    ``setup`` is run once; ``expr`` is evaluated with ``n`` bound to the size.
    """
    code = textwrap.dedent(
        """
        import time
        {setup}
        def run(n):
            best = None
            for _ in range(3):
                t0 = time.perf_counter()
                {expr}
                dt = time.perf_counter() - t0
                best = dt if best is None else min(best, dt)
            return best
        run({n})  # warm-up (imports, caches)
        a = run({n})
        b = run({n4})
        print(b / max(a, 1e-6))
        """
    ).format(setup=textwrap.dedent(setup).replace("\n", "\n        "), expr=expr, n=n, n4=4 * n)
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=HARD_TIMEOUT)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{expr!r} took more than {HARD_TIMEOUT} s at n={n} / 4n: super-linear")
    assert out.returncode == 0, out.stderr
    return float(out.stdout.strip().splitlines()[-1])


def assert_linear(setup: str, expr: str, n: int) -> None:
    # One retry absorbs a scheduling hiccup on a loaded machine; a real regression fails both.
    ratio = cost_ratio(setup, expr, n)
    if ratio >= MAX_RATIO:
        ratio = cost_ratio(setup, expr, n)
    assert ratio < MAX_RATIO, f"cost ratio {ratio:.1f} for 4x the input (linear is ~4)"


# ---------------------------------------------------------------- item 1: error-code search


def test_find_codes_linear_in_a_run_of_blanks_after_a_label() -> None:
    # Was cubic: "hr" then three adjacent optional whitespace runs (1.5 KB took 25 s in report).
    assert_linear("from sumtrace.flows.errorcodes import find_codes",
                  "find_codes('hr' + ' ' * n + 'x'); find_codes('Error = ( ' * (n // 10))", 20000)


def test_find_codes_still_reads_labelled_codes() -> None:
    from sumtrace.flows.errorcodes import find_codes

    assert find_codes("hr=8007000E") == [0x8007000E]
    assert find_codes("error =  ( 2149859352") == [2149859352]
    assert find_codes("Result : 80244019 and hr  80070005") == [0x80244019, 0x80070005]
    assert find_codes("hr" + " " * 5000 + "80070005") == [0x80070005]
