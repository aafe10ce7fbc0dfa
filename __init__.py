"""sumtrace: watch a ConfigMgr (SCCM/MECM) software-update scan happen.

This file, at the top of the checkout, is the root of the one import name the project installs
under. The code lives in the card's top-level folders, each mapped into this namespace by
``pyproject.toml``
(``[tool.setuptools.package-dir]``): ``parsers/`` → :mod:`sumtrace.parsers` (bytes → entries),
``flows/`` → :mod:`sumtrace.flows` (entries → facts → flows), ``live/`` → :mod:`sumtrace.live`
(the headless engine: discovery, tail, watcher, pipeline, replay, demo writer) and ``tui/`` →
:mod:`sumtrace.tui` (the command line and the Textual app). Installing sumtrace adds no other
top-level name to site-packages.
"""

from __future__ import annotations

__version__ = "0.2.0"
