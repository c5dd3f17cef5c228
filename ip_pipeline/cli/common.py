"""Arguments and output helpers shared by sub-commands."""
from __future__ import annotations

import argparse

from ..paths import Home


def add_home(p: argparse.ArgumentParser) -> None:
    p.add_argument("--home", default=None,
                   help="data directory (default: $IP_PIPELINE_HOME, else ./data)")


def home_of(args: argparse.Namespace) -> Home:
    return Home.of(args.home)


def ui_command(home: Home) -> str:
    """The one command that opens the Dagster UI on this data directory (from any directory)."""
    import shlex

    from ..paths import PROJECT_ROOT

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
