"""What the commands that print the warehouse share: read it (read-only, briefly), name its ids
for people (labels.py), and emit rows as a table, csv or json."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import pandas as pd

from ..exports import safe_cell
from ..labels import Labels
from ..ops.backups import open_for_reading
from ..paths import Home
from .common import COMMAND_ARGS, CliError
from .tables import render


def read(args: argparse.Namespace, work: Callable) -> pd.DataFrame:
    """Open, read into memory, close: a reader never holds the warehouse while it prints. While
    a run writes it, the newest backup is read instead (backups.open_for_reading says so)."""
    home = Home.of(args.home)
    path = home.warehouse
    if not path.exists():
        raise CliError(f"no warehouse at {path}: run the pipeline first (or pass --home)")
    try:
        reading = open_for_reading(home)
        con = reading.__enter__()
    except Exception as exc:  # noqa: BLE001  e.g. locked by a writer, and no backup yet
        raise CliError(f"cannot open {path} read-only: {str(exc).splitlines()[0]}") from None
    try:
        return work(con)
    finally:
        reading.__exit__(None, None, None)


def aligned(view: pd.DataFrame) -> str:
    """A DataFrame as a table aligned by display width."""
    return render(
        [str(c) for c in view.columns], view.astype(object).where(view.notna(), None).values.tolist()
    )


def flags_text(v) -> str:
    return ";".join(v) if v is not None and len(v) else ""


def emit(df: pd.DataFrame, fmt: str, table: Callable[[pd.DataFrame], str] | None = None) -> None:
    out = df.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d")
    if fmt == "csv":
        if "flags" in out.columns:
            out["flags"] = out["flags"].map(flags_text)
        for c in out.columns:
            if (
                out[c]
                .map(
                    lambda v: isinstance(v, (list, tuple)) or hasattr(v, "tolist") and not isinstance(v, str)
                )
                .any()
            ):
                out[c] = out[c].map(lambda v: flags_text(list(v)) if v is not None else "")
        out = out.map(safe_cell)  # no cell a spreadsheet would run as a formula
        sys.stdout.write(out.to_csv(index=False))
    elif fmt == "json":
        for c in out.columns:
            out[c] = out[c].map(
                lambda v: v.tolist() if hasattr(v, "tolist") and not isinstance(v, str) else v
            )
        records = json.loads(out.to_json(orient="records", force_ascii=False, date_format="iso"))
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    else:
        if out.empty:
            args = COMMAND_ARGS.get()
            sys.stdout.write("(无数据)\n" if getattr(args, "lang", "zh") != "en" else "(no rows)\n")
            return
        sys.stdout.write((table(out) if table else out.to_string(index=False)) + "\n")


def labels_for(args: argparse.Namespace) -> Labels:
    """Names of districts (from the warehouse's stg_districts), indicators, plans and statuses."""

    def work(con):
        return Labels.load(con, getattr(args, "lang", "zh"))

    try:
        return read(args, work)
    except CliError:
        return Labels.load(None, getattr(args, "lang", "zh"))


def current_labels(labels: Labels | None = None) -> Labels:
    """`labels`, else those of the command being run (its --home and --lang), else the defaults."""
    if labels is not None:
        return labels
    args = COMMAND_ARGS.get()
    return labels_for(args) if args is not None else labels_for(argparse.Namespace(home=None, lang="zh"))
