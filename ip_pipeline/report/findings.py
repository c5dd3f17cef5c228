"""A figure of a built report that does not reconcile: what the audits (report/audit*.py) return."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Finding:
    """One figure that does not reconcile: where it is (file and table, row) and what it should read."""

    table: str
    row: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.table} · {self.row}: expected {self.expected}, found {self.found}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)
