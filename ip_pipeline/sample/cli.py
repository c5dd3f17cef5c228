"""`ip-pipeline sample`: write a sample landing zone (see ip_pipeline.sample)."""

from __future__ import annotations

import argparse
import datetime as dt

from ip_pipeline.paths import Home

from .manifest import FILE_NAME


def add_cli(subparsers) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "sample",
        help="generate a realistic sample landing zone",
        description="Write <home>/landing/<source>/… for every source, reference tables, "
        "and <home>/sample_manifest.json with what was injected.",
    )
    parser.add_argument(
        "--home", default=None, help="data directory (default: $IP_PIPELINE_HOME, else ./data)"
    )
    parser.add_argument("--scale", type=float, default=1.0, help="volume; 1 ≈ the real city (default 1)")
    parser.add_argument("--seed", type=int, default=20201231, help="random seed (default 20201231)")
    parser.add_argument(
        "--end",
        type=dt.date.fromisoformat,
        default=None,
        metavar="YYYY-MM-DD",
        help="last day covered (default: today)",
    )
    parser.add_argument(
        "--dirt-rate", type=float, default=0.002, help="share of rows with a problem (default 0.002)"
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)
    return parser


def run(args: argparse.Namespace) -> int:
    from . import generate_sample  # here: the generator loads only when `sample` runs

    home = Home.of(args.home)
    manifest = generate_sample(
        home.root,
        scale=args.scale,
        seed=args.seed,
        end=args.end,
        dirt_rate=args.dirt_rate,
        progress=not args.no_progress,
    )
    width = max(len(name) for name in manifest["sources"])
    print(
        f"sample data up to {manifest['end']} (scale {manifest['scale']}, seed {manifest['seed']}) in {home.landing}"
    )
    for name, entry in manifest["sources"].items():
        quarantine = sum(entry["expected_quarantine"].values())
        print(
            f"  {name:<{width}}  {entry['rows_written']:>9,} rows  {len(entry['files']):>3} files  "
            f"{quarantine:>5} for quarantine"
        )
    print(f"manifest: {home.root / FILE_NAME}")
    return 0
