"""``python -m tui`` is the same as the ``sumtrace`` command."""

from tui.cli import main

raise SystemExit(main())
