"""The ``sumtrace`` command line: one sub-command per job, each with examples in its --help.

Exit codes are part of the interface for scripts: 0 all good, 1 a flow failed or stalled
(``report``) or some input could not be read (``parse``), 2 usage or input errors.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib import metadata

from sumtrace.tui import cmd_parse

Handler = Callable[[argparse.Namespace], int]


class _Formatter(argparse.RawDescriptionHelpFormatter):
    pass


def _version() -> str:
    try:
        return metadata.version("sumtrace")
    except metadata.PackageNotFoundError:  # running from a source tree
        return "0.1.0+source"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sumtrace",
        description="Watch a ConfigMgr software-update scan happen, across client, MP, site server and WSUS logs.",
        formatter_class=_Formatter,
        epilog="Run 'sumtrace COMMAND --help' for each command's options and examples.",
    )
    parser.add_argument("--version", action="version", version=f"sumtrace {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        module.register(sub, _Formatter)
    return parser


def _command_modules() -> list:  # type: ignore[type-arg]
    mods = [cmd_parse]
    for name in ("cmd_report", "cmd_watch", "cmd_replay", "cmd_demo"):
        try:
            mods.append(__import__(f"sumtrace.tui.{name}", fromlist=["register"]))
        except ModuleNotFoundError as exc:
            if exc.name != f"tui.{name}":
                raise
    return mods


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        return handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `sumtrace parse ... | head`
        try:
            sys.stdout = open("/dev/null", "w")  # noqa: SIM115 - silence the flush at exit
        except OSError:
            pass
        return 0
