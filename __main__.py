"""``python -m sumtrace`` is the same as the ``sumtrace`` command."""

from sumtrace.tui.cli import main

raise SystemExit(main())
