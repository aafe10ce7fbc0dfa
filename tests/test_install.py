"""``pip install .`` into an environment that already has PyPI's ``fixtures``: both keep working.

sumtrace's checkout has a ``fixtures/`` folder of test data, and an earlier layout installed it as
a top-level ``fixtures`` package, overwriting the popular PyPI package of that name (and breaking
it again on uninstall). This test installs PyPI's ``fixtures`` into a fresh virtual environment
first, then sumtrace from the checkout, and checks that sumtrace added no top-level name to
site-packages but ``sumtrace`` and its metadata, that ``fixtures`` is untouched, and that the
installed command works from outside the checkout.

Slow (it installs Textual and friends into a new venv), but it runs in CI: a missing package-data
rule or entry point, or a stray top-level package, would otherwise only show on a user's machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import venv
from pathlib import Path

import pytest

from tests.conftest import FIXTURES, ROOT


def _run(args: list[str | Path], *, env: dict[str, str], cwd: Path | None = None, timeout: float = 120,
         check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout, check=check)


def _site_packages(py: Path, env: dict[str, str]) -> Path:
    r = _run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], env=env, check=True)
    return Path(r.stdout.strip())


def _owners(site: Path) -> dict[str, set[str]]:
    """Top-level names in site-packages → the distributions whose RECORD lists files under them."""
    owners: dict[str, set[str]] = {}
    for record in site.glob("*.dist-info/RECORD"):
        dist = record.parent.name.split("-")[0].lower()
        for line in record.read_text().splitlines():
            top = line.split(",")[0].split("/")[0]
            if top and top != "..":  # ".." is a script in bin/ or Scripts/
                owners.setdefault(top, set()).add(dist)
    return owners


def _tree_hash(folder: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(folder)).encode() + b"\0" + p.read_bytes())
    return h.hexdigest()


@pytest.mark.slow
def test_install_next_to_pypi_fixtures(tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    bindir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    py = bindir / ("python.exe" if os.name == "nt" else "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    pip = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    outside = tmp_path / "elsewhere"  # not the checkout: the installed package is what runs
    outside.mkdir()

    first = _run([*pip, "fixtures"], env=env, timeout=600)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    site = _site_packages(py, env)
    probe = ("import json, fixtures, importlib.metadata as m; "
             "print(json.dumps([m.version('fixtures'), fixtures.__file__, hasattr(fixtures, 'Fixture')]))")
    before_probe = json.loads(_run([py, "-c", probe], env=env, cwd=outside, check=True).stdout)
    assert before_probe[2], "PyPI's fixtures has a Fixture class"
    before = {p.name for p in site.iterdir()}
    before_tree = _tree_hash(site / "fixtures")

    install = _run([*pip, ROOT], env=env, timeout=900)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]

    # sumtrace's own files: only the sumtrace package, its metadata and the console script.
    owners = _owners(site)
    ours = {top for top, dists in owners.items() if "sumtrace" in dists}
    assert {t for t in ours if not re.fullmatch(r"sumtrace(-[^/]+\.dist-info)?", t)} == set(), ours
    assert "sumtrace" in ours
    # Every name that appeared belongs to sumtrace (as above) or to one of its dependencies.
    added = {p.name for p in site.iterdir()} - before
    assert {name for name in added if name not in owners and name != "__pycache__"} == set(), added
    assert "fixtures" not in ours and owners.get("fixtures") == {"fixtures"}

    # PyPI's fixtures is still there, unchanged, and both import.
    after_probe = json.loads(_run([py, "-c", probe], env=env, cwd=outside, check=True).stdout)
    assert after_probe == before_probe
    assert _tree_hash(site / "fixtures") == before_tree
    both = _run([py, "-c", "import fixtures, sumtrace, sumtrace.tui.cli; print(sumtrace.__file__)"],
                env=env, cwd=outside, check=True)
    assert Path(both.stdout.strip()).is_relative_to(site)

    exe = bindir / ("sumtrace.exe" if os.name == "nt" else "sumtrace")
    version = _run([exe, "--version"], env=env, cwd=outside, check=True)
    assert version.stdout.startswith("sumtrace 0.")
    report = _run([exe, "report", "--json", FIXTURES / "wsus-401"], env=env, cwd=outside, timeout=120)
    assert report.returncode == 1, report.stderr  # the scenario's scan fails: exit 1 by contract
    doc = json.loads(report.stdout)
    failed = [s for f in doc["flows"] for s in f["steps"] if s["status"] == "failed"]
    assert failed and failed[0]["error"]["code"] == "0x80244017"
    demo_list = _run([exe, "demo", "--list"], env=env, cwd=outside, check=True)
    assert "healthy-first-scan" in demo_list.stdout  # the scenarios ship inside sumtrace

    # Uninstalling sumtrace leaves PyPI's fixtures working.
    removed = _run([py, "-m", "pip", "uninstall", "--yes", "sumtrace"], env=env, timeout=300)
    assert removed.returncode == 0, removed.stderr
    assert json.loads(_run([py, "-c", probe], env=env, cwd=outside, check=True).stdout) == before_probe
    assert not (site / "sumtrace").exists()
