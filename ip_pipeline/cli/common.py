"""Arguments, errors and output helpers shared by sub-commands.

Light on purpose (the standard library and paths.py): `doctor`, `accept`, `restore` and
`rebuild` import it without pandas, DuckDB or Dagster. The printing commands' pandas helpers
are in cli/output.py.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date

from ..paths import PROJECT_ROOT, Home

FORMATS = ("table", "csv", "json")


class CliError(Exception):
    """A one-line message for the user, exit code 2."""


def parse_as_of(text: str) -> date:
    """An `--as-of` argument: an ISO date, else argparse's one-line error."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


# The arguments of the command being run (set by `guard`), for what a command calls without
# them (e.g. cli/plans.py's `plans_in_force` under `progress`): its rows are filtered by
# --indicator/--district, its table gets --lang and the home's district names.
COMMAND_ARGS: ContextVar[argparse.Namespace | None] = ContextVar("ip_pipeline_cli_args", default=None)


def guard(
    func: Callable[[argparse.Namespace], int], errors: tuple[type[Exception], ...] = (CliError,)
) -> Callable[[argparse.Namespace], int]:
    """Run a command with its arguments in COMMAND_ARGS; one of `errors` (the user's to mend) is one
    line on stderr, exit 2."""

    def run(args: argparse.Namespace) -> int:
        COMMAND_ARGS.set(args)
        try:
            return func(args)
        except errors as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2

    run.__name__ = func.__name__
    return run


def add_home(p: argparse.ArgumentParser) -> None:
    p.add_argument("--home", default=None, help="data directory (default: $IP_PIPELINE_HOME, else ./data)")


def home_of(args: argparse.Namespace) -> Home:
    return Home.of(args.home)


def ui_command(home: Home) -> str:
    """The one command that opens the Dagster UI on this data directory (from any directory)."""
    return f"make -C {shlex.quote(str(PROJECT_ROOT))} ui HOME_DIR={shlex.quote(str(home.root))}"


def data_docs_index(home: Home):
    index = home.quality / "data_docs" / "index.html"
    return index if index.exists() else None


def print_written(files, home: Home, data_docs: bool = True) -> None:
    """The closing lines of a command that wrote files: how to open the UI on them, then each file
    (the last line is a path, so `… | tail -1` still gives one)."""
    listed = [f for f in files if f is not None]
    if data_docs and data_docs_index(home) is not None:
        listed.insert(0, data_docs_index(home))
    print(f"Open the Dagster UI on this data: {ui_command(home)}")
    if listed:
        print("Files written:")
        for f in listed:
            print(f"  {f}")
