"""`ip-pipeline`: the command line of the Yantai IP indicators pipeline.

Each sub-command lives in the module of its domain and registers itself with
`add_cli(subparsers)`. Errors are one readable line (exit 2 for a usage or
input problem, 1 for a failed run); `--debug` shows the traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
import warnings

# Modules that contribute sub-commands, in the order `--help` lists them.
COMMAND_MODULES = (
    "ip_pipeline.cli.pipeline",  # run, demo, backfill, reconcile
    "ip_pipeline.sample.cli",  # sample
    "ip_pipeline.cli.indicators",  # indicators, progress, explain
    "ip_pipeline.cli.plans",  # plans, outcomes, progress --plan (after cli.indicators)
    "ip_pipeline.cli.report",  # report
    "ip_pipeline.cli.doctor",  # doctor
    "ip_pipeline.cli.recovery",  # accept, restore, rebuild
)


# Commands whose module is light: for these alone only their module is imported (every other
# module pulls in Dagster, pandas or matplotlib at import: seconds before `doctor` could start).
LIGHT_COMMANDS = {
    "doctor": "ip_pipeline.cli.doctor",
    "accept": "ip_pipeline.cli.recovery",
    "restore": "ip_pipeline.cli.recovery",
    "rebuild": "ip_pipeline.cli.recovery",
}


def build_parser(modules: tuple[str, ...] = COMMAND_MODULES) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ip-pipeline",
        description="烟台市知识产权强市指标 — ingest, check, compute and report the IP strategy's indicators.",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks and Dagster's own logs")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in modules:
        importlib.import_module(name).add_cli(sub)
    return parser


def _modules_for(argv: list[str] | None) -> tuple[str, ...]:
    words = [a for a in (sys.argv[1:] if argv is None else argv) if not a.startswith("-")]
    if words and words[0] in LIGHT_COMMANDS:
        return (LIGHT_COMMANDS[words[0]],)
    return COMMAND_MODULES


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")
    logging.getLogger("dagster").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(_modules_for(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not args.debug:
        _quiet()
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # here, so that a reader that left (`| head`) is noticed below
        return code
    except BrokenPipeError:
        return _reader_left()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: a sentence, not a traceback
        if args.debug:
            raise
        from ..ingest.database import mask_url  # here: it loads pyarrow, and only an error needs it

        print(
            f"error: {mask_url(f'{type(exc).__name__}: {exc}')} (run with --debug for details)",
            file=sys.stderr,
        )
        return 1


def _reader_left() -> int:
    """The reader of stdout closed it (`| head`): stop quietly, as `cat` does. What is still
    buffered goes to /dev/null, so the interpreter's own flush at exit raises nothing either."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


if __name__ == "__main__":
    sys.exit(main())
