"""accept, restore and rebuild: getting a data directory back on its feet."""

from __future__ import annotations

import argparse
import sys

from ..ingest.contracts import SOURCE_NAMES
from ..ops.recovery import RecoveryError, accept_snapshot, reset_dagster_storage, restore_warehouse
from .common import add_home, guard, home_of


def cmd_accept(args: argparse.Namespace) -> int:
    home = home_of(args)
    a = accept_snapshot(home, args.source)
    drop = (a.previous_rows - a.rows) / a.previous_rows * 100 if a.previous_rows else 0.0
    print(
        f"Accepted the held {a.source} snapshot: {a.rows:,} rows where the previous one had {a.previous_rows:,} "
        f"({drop:.1f} % fewer; held {a.held_at:%Y-%m-%d %H:%M} UTC). The next run loads it "
        f"(as long as the files do not change again): ip-pipeline run --home {home.root}"
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    home = home_of(args)
    if args.dagster_storage:
        reset = reset_dagster_storage(home, force=args.force)
        if reset.moved_to is None:
            print(
                f"The Dagster storage under {home.dagster_home} reads back whole: nothing to do "
                f"(--force sets it aside anyway)."
            )
            return 0
        for p in reset.problems:
            print(f"damaged: {p.path}: {p.problem}")
        print(
            f"Set the Dagster storage aside in {reset.moved_to}; Dagster starts a new one. The warehouse is "
            f"unchanged; the next run recomputes every month: ip-pipeline run --home {home.root}"
        )
        return 0
    gen, checked, aside = restore_warehouse(home, args.generation)
    rows = (
        f"{checked.indicator_values:,} indicator values"
        if checked.indicator_values is not None
        else "no indicator values"
    )
    print(
        f"Restored backup generation {gen.number} ({gen.path.name}, made {gen.made_at:%Y-%m-%d %H:%M} UTC; "
        f"verified: {len(checked.tables)} tables, {rows}) as {home.warehouse}."
    )
    if aside:
        print(f"The file it replaced is kept as {aside}.")
    print(
        f"The next run reloads whatever changed in the landing zone since: ip-pipeline run --home {home.root}"
    )
    return 0


def cmd_rebuild(args: argparse.Namespace) -> int:
    from ..defs.rebuild import rebuild_warehouse  # here: Dagster loads only for `rebuild`

    home = home_of(args)
    print(f"Rebuilding {home.warehouse} from {home.landing} …", flush=True)
    r = rebuild_warehouse(home, verbose=args.debug)
    for note in r.notes:
        print(f"warning: {note}", file=sys.stderr)
    if r.set_aside:
        print(f"The previous warehouse is kept as {r.set_aside}.")
    if r.history_from:
        print(f"Published-values history: {r.history_rows:,} rows kept from {r.history_from}.")
    else:
        print(
            "Published-values history: none found (no good backup); revisions start afresh.", file=sys.stderr
        )
    out = r.outcome
    if not out.success:
        print("Rebuild failed. " + out.message(), file=sys.stderr)
        return 1
    print(f"Rebuild succeeded ({out.months[0]} … {out.months[1]}). Warehouse: {home.warehouse}")
    if out.report:
        print(f"Report: {out.report}")
    if out.backup:
        print(f"Backup: {out.backup} (verified)")
    for note in out.notes:
        print(f"warning: {note}", file=sys.stderr)
    return 0


def add_cli(sub) -> None:
    p = sub.add_parser("accept", help="accept a snapshot a run held because it shrank too much (max_shrink)")
    add_home(p)
    p.add_argument(
        "--source",
        required=True,
        choices=SOURCE_NAMES,
        metavar="NAME",
        help=f"the held source: {', '.join(SOURCE_NAMES)}",
    )
    p.set_defaults(func=guard(cmd_accept, (RecoveryError,)))

    p = sub.add_parser(
        "restore", help="put back the last good backup of the warehouse (or a new Dagster storage)"
    )
    add_home(p)
    p.add_argument(
        "--generation",
        type=int,
        default=None,
        metavar="N",
        help="backup generation to restore, 1 = the newest (default: the newest that reads back whole)",
    )
    p.add_argument(
        "--dagster-storage",
        action="store_true",
        help="instead: set a damaged Dagster storage aside and start a new one (the warehouse is untouched)",
    )
    p.add_argument(
        "--force", action="store_true", help="with --dagster-storage: set it aside even if it reads fine"
    )
    p.set_defaults(func=guard(cmd_restore, (RecoveryError,)))

    p = sub.add_parser(
        "rebuild", help="recompute the warehouse from the landing zone, keeping the published-values history"
    )
    add_home(p)
    p.set_defaults(func=guard(cmd_rebuild, (RecoveryError,)))
