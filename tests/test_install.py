"""``pip install .`` from the checkout into a fresh virtual environment gives a working sumtrace.

Slow (it installs Textual and friends into a new venv), but it runs in CI: a missing package-data
rule or entry point would otherwise only show on a user's machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT


@pytest.mark.slow
def test_fresh_venv_install(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / ("python.exe" if os.name == "nt" else "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    install = subprocess.run([str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(ROOT)],
                             capture_output=True, text=True, env=env, timeout=900)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    exe = bindir / ("sumtrace.exe" if os.name == "nt" else "sumtrace")
    outside = tmp_path / "elsewhere"  # not the checkout: prove the installed package is what runs
    outside.mkdir()
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=env, cwd=outside, check=True)
    assert version.stdout.startswith("sumtrace 0.")
    report = subprocess.run([str(exe), "report", "--json", str(FIXTURES / "wsus-401")], capture_output=True, text=True,
                            env=env, cwd=outside, timeout=120)
    assert report.returncode == 1, report.stderr  # the scenario's scan fails: exit 1 by contract
    doc = json.loads(report.stdout)
    failed = [s for f in doc["flows"] for s in f["steps"] if s["status"] == "failed"]
    assert failed and failed[0]["error"]["code"] == "0x80244017"
    demo_list = subprocess.run([str(exe), "demo", "--list"], capture_output=True, text=True, env=env, cwd=outside, check=True)
    assert "healthy-first-scan" in demo_list.stdout
    shipped = subprocess.run([str(py), "-c", "import fixtures, os; d = os.path.dirname(fixtures.__file__); "
                              "print(os.path.exists(os.path.join(d, 'wsus-401', 'client', 'WUAHandler.log')))"],
                             capture_output=True, text=True, env=env, cwd=outside, check=True)
    assert shipped.stdout.strip() == "True"
    assert sys.version_info >= (3, 10)
