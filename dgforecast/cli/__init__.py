"""cli: the command line, the package's edge — parse, make one call, turn errors into one line and an exit code.

``main`` (exit codes, signals), the subcommands (``commands``) and their shared options and argument
types (``arguments``). Imports from every layer, inside the commands, so ``--help`` loads nothing heavy.
"""

from dgforecast.cli.main import build_parser, main

__all__ = ["build_parser", "main"]
