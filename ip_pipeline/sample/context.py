"""What all source generators share: the seed, scale and end date, the holder pool, and
the links drawn while patents and trademarks are generated (for pledges, overseas
families and awards). The links are small samples, not copies of a source."""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from dataclasses import dataclass, field
from functools import cached_property

from . import dates
from .names import HolderPool
from .volumes import interpolate

_FIRST_YEAR = 1990  # before every table's first year


@dataclass
class Links:
    pledge_patents: list[tuple[dt.date, str, int]] = field(default_factory=list)  # grant date, app no, holder
    overseas_families: list[tuple[dt.date, str, int]] = field(
        default_factory=list
    )  # filing date, app no, holder
    awardable: list[tuple[dt.date, str]] = field(default_factory=list)  # grant date, app no
    pledge_marks: list[tuple[dt.date, str, int]] = field(
        default_factory=list
    )  # registration date, reg no, holder


@dataclass
class Context:
    scale: float
    seed: int
    end: dt.date
    links: Links = field(default_factory=Links)

    def rng(self, name: str) -> random.Random:
        """An independent stream per purpose, so that adding draws to one source never
        changes another."""
        digest = hashlib.sha256(f"{self.seed}:{name}".encode()).digest()
        return random.Random(int.from_bytes(digest[:8], "big"))

    @cached_property
    def pool(self) -> HolderPool:
        return HolderPool(self.rng("holders"), max(60, min(40_000, int(7_000 * self.scale))))

    def count(self, table: dict[int, float], year: int) -> int:
        """Volume of `year` at this scale, cut at the end date. Rounding carries over from
        year to year, so that totals stay linear in the scale even for small sources."""
        return round(self._cumulative(table, year)) - round(self._cumulative(table, year - 1))

    def _cumulative(self, table: dict[int, float], year: int) -> float:
        return sum(
            interpolate(table, y) * self.scale * dates.year_fraction(y, self.end)
            for y in range(_FIRST_YEAR, year + 1)
        )

    def expected(self, table: dict[int, float], first: int) -> int:
        return round(self._cumulative(table, self.end.year)) - round(self._cumulative(table, first - 1))
