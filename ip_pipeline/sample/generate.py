"""generate_sample: the whole landing zone, source by source, streaming."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

from tqdm import tqdm

from ..dates import today_in_yantai
from . import (
    awards,
    enforcement,
    enterprises,
    manifest,
    overseas_grants,
    patents,
    pledges,
    reference,
    survey,
    trademarks,
    transfers,
)
from .context import Context
from .dirt import Dirt, Outcome
from .schema import load
from .sink import SourceSink

# Order matters: patents and trademarks draw the links that later sources use.
MODULES = (patents, overseas_grants, awards, trademarks, pledges, enforcement, transfers, enterprises, survey)

_MAX_CSV_ROWS = 25_000
_MAX_XLSX_ROWS = 5_000


def dirt_for(ctx: Context, module, dirt_rate: float) -> Dirt:
    return Dirt(
        load(module.NAME),
        ctx.rng(f"{module.NAME}:dirt"),
        dirt_rate,
        conflict=getattr(module, "conflict", None),
        extras=dict(module.EXTRAS),
    )


def outcomes(ctx: Context, module, dirt: Dirt) -> Iterator[tuple[dict, Outcome]]:
    """Every record of a source with what dirt made of it (the record itself is the clean
    truth only when outcome.counts)."""
    for rec in module.records(ctx):
        yield rec, dirt.apply(rec)


def _check_replaceable(home: Path, landing: Path) -> None:
    """The generator replaces whole source folders; never do that to a landing zone that
    holds real exports (one without a sample manifest beside it)."""
    if (home / manifest.FILE_NAME).exists() or not landing.exists():
        return
    if any(p.is_file() for p in landing.rglob("*")):
        raise FileExistsError(
            f"{landing} holds files but no {manifest.FILE_NAME}: not a sample, not overwriting"
        )


def generate_sample(
    home: Path,
    scale: float = 1.0,
    seed: int = 20201231,
    end: dt.date | None = None,
    dirt_rate: float = 0.002,
    progress: bool = True,
) -> dict:
    home = Path(home)
    end = end or today_in_yantai()
    if scale <= 0:
        raise ValueError("scale must be positive")
    if end < dt.date(2005, 1, 1):
        raise ValueError("end must not be before 2005-01-01")
    landing = home / "landing"
    _check_replaceable(home, landing)
    ctx = Context(scale=scale, seed=seed, end=end)
    # Full-width digits are valid input, but only a dirty export has them.
    fullwidth = min(0.05, 5 * dirt_rate)
    stamp = f"{end.isoformat()}T00:00:00Z"
    total = sum(m.expected_rows(ctx) for m in MODULES)
    show = progress and sys.stderr.isatty()
    sources: dict[str, dict] = {}
    with tqdm(total=total, unit="row", disable=not show, file=sys.stderr, desc="sample") as bar:
        for module in MODULES:
            folder = landing / module.NAME
            if folder.exists():
                shutil.rmtree(folder)  # a snapshot is every file of the folder: start afresh
            bar.set_postfix_str(module.NAME)
            expected = max(1, module.expected_rows(ctx))
            part_rows = min(_MAX_CSV_ROWS, max(100, expected // 3))
            sink = SourceSink(
                landing,
                load(module.NAME),
                ctx.rng(f"{module.NAME}:format"),
                part_rows,
                min(part_rows, _MAX_XLSX_ROWS),
                fullwidth,
                stamp,
                bar.update,
            )
            dirt = dirt_for(ctx, module, dirt_rate)
            for _, outcome in outcomes(ctx, module, dirt):
                sink.emit(outcome)
            sink.close()
            sources[module.NAME] = manifest.source_entry(sink, dirt)
    ref_folder = landing / "reference"
    if ref_folder.exists():
        shutil.rmtree(ref_folder)
    ref_files = reference.write(landing, end)
    result = manifest.build(scale, seed, end, dirt_rate, sources, ref_files)
    manifest.write(home, result)
    return result
