"""Real-log tests never skip silently: the summary says so, and CI (SUMTRACE_REQUIRE_REALLOGS=1) fails.

Each case runs pytest in a subprocess on a small test file, with ``tests.conftest`` loaded as a
plugin and ``SUMTRACE_SHARED`` pointing at a folder with or without ``reallogs/``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

SAMPLE = '''
import pytest

def test_reads_real_logs(reallogs):
    assert reallogs.is_dir()

@pytest.mark.parametrize("name", [])  # what a test parametrized over the folder's files gets when it is missing
def test_each_real_log(reallogs, name):
    pass

def test_needs_no_real_logs():
    pass
'''


def run_pytest(tmp_path: Path, *, shared: Path, require: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(SAMPLE)
    env = {k: v for k, v in os.environ.items() if k not in ("SUMTRACE_REQUIRE_REALLOGS", "PYTEST_ADDOPTS")}
    env.update(PYTHONPATH=str(ROOT), SUMTRACE_SHARED=str(shared))
    if require:
        env["SUMTRACE_REQUIRE_REALLOGS"] = "1"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "tests.conftest", "-p", "no:cacheprovider",
                           "-rN", "test_sample.py"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=120)


def test_missing_real_logs_are_counted_in_the_summary(tmp_path: Path) -> None:
    shared = tmp_path / "empty-shared"
    shared.mkdir()
    r = run_pytest(tmp_path, shared=shared, require=False)
    assert r.returncode == 0, r.stdout
    assert "1 passed, 2 skipped" in r.stdout
    assert f"2 real-log tests did not run: {shared / 'reallogs'} does not exist" in r.stdout
    assert "CI sets SUMTRACE_REQUIRE_REALLOGS=1" in r.stdout


def test_required_real_logs_that_are_missing_fail_the_run(tmp_path: Path) -> None:
    shared = tmp_path / "empty-shared"
    shared.mkdir()
    r = run_pytest(tmp_path, shared=shared, require=True)
    assert r.returncode == 1, r.stdout
    assert "1 error" in r.stdout and "SUMTRACE_REQUIRE_REALLOGS is set but" in r.stdout
    assert "2 real-log tests did not run" in r.stdout and "this run fails" in r.stdout


def test_present_real_logs_run_and_the_summary_is_quiet(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    (shared / "reallogs").mkdir(parents=True)
    r = run_pytest(tmp_path, shared=shared, require=True)
    assert r.returncode == 0, r.stdout
    assert "2 passed, 1 skipped" in r.stdout  # only the empty parameter set skips
    assert "real-log" not in r.stdout
