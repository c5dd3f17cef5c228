"""What a validation says: each failed expectation (its rule, counts, a sample of offending
rows) and the verdict over a table, in words a data engineer reads in the check's message."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

from .suites import ERROR, WARN

SAMPLE_SIZE = 10


@dataclass
class ExpectationFailure:
    rule: str
    expectation: str
    column: str | None
    severity: str
    unexpected_count: int | None = None
    unexpected_percent: float | None = None
    observed: Any = None
    sample: list = field(default_factory=list)
    error: str | None = None
    position: int | None = None  # its place in the suite file (not stored: the rule names it)

    def describe(self) -> str:
        what = f"{self.expectation}" + (f" on {self.column}" if self.column else "")
        parts = [f"'{self.rule}' ({what})"]
        if self.error:
            parts.append(f"could not be evaluated: {self.error}")
        elif self.unexpected_count is not None:
            pct = f" ({self.unexpected_percent:.2f}%)" if self.unexpected_percent is not None else ""
            parts.append(f"{self.unexpected_count} unexpected rows{pct}")
        elif self.observed is not None:
            parts.append(f"observed {_short(self.observed)}")
        if self.sample:
            parts.append(f"e.g. {_examples(self.sample[:3])}")
        return ": ".join(parts[:1]) + (" — " + "; ".join(parts[1:]) if parts[1:] else "")

    def as_dict(self) -> dict:
        return {
            "rule": self.rule,
            "expectation": self.expectation,
            "column": self.column,
            "severity": self.severity,
            "unexpected_count": self.unexpected_count,
            "unexpected_percent": self.unexpected_percent,
            "observed": jsonable(self.observed),
            "sample": jsonable(self.sample),
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, d: dict) -> ExpectationFailure:
        return cls(**{k: d.get(k) for k in cls.__dataclass_fields__ if k != "position"})


@dataclass
class QualityResult:
    """The outcome of validating one table against its suite."""

    table: str
    passed: bool  # no failed error-severity expectation
    failures: list[ExpectationFailure]
    evaluated: int
    rows: int | None
    message: str
    data_docs: str | None = None
    duration_s: float = 0.0
    skipped: bool = False
    cache_key: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def errors(self) -> list[ExpectationFailure]:
        return [f for f in self.failures if f.severity == ERROR]

    @property
    def warnings(self) -> list[ExpectationFailure]:
        return [f for f in self.failures if f.severity == WARN]

    @property
    def not_applicable(self) -> list[dict]:
        """Expectations left out for this snapshot (their meta.needs unmet: applicability.py)."""
        return list((self.extra or {}).get("not_applicable") or [])

    @property
    def severity(self) -> str:
        """'ERROR' when an error rule failed, 'WARN' when only warn rules did, else 'OK'."""
        return "ERROR" if self.errors else ("WARN" if self.warnings else "OK")


def jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _examples(sample: Any, limit: int = 300) -> str:
    """Offending values in words for a message: a row as `column value` pairs, rows by `;`
    (the Dagster metadata shows the full sample as a table)."""
    if not isinstance(sample, list):
        return _short(sample, limit)
    parts = [
        ", ".join(f"{k} {v}" for k, v in jsonable(s).items()) if isinstance(s, dict) else _short(s, limit)
        for s in sample
    ]
    text = "; ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _short(value: Any, limit: int = 300) -> str:
    text = json.dumps(jsonable(value), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_message(table: str, failures: list[ExpectationFailure], rows: int | None, evaluated: int) -> str:
    errors = [f for f in failures if f.severity == ERROR]
    warns = [f for f in failures if f.severity == WARN]
    size = f"{rows:,} rows" if rows is not None else "the table"
    if not failures:
        return f"{table}: all {evaluated} expectations passed on {size}."
    head = (
        f"{table} FAILED {len(errors)} blocking rule(s) on {size}"
        if errors
        else f"{table} passed its blocking rules on {size} but {len(warns)} warning rule(s) failed"
    )
    details = "; ".join(f.describe() for f in (errors + warns)[:6])
    more = f"; and {len(failures) - 6} more" if len(failures) > 6 else ""
    tail = " Downstream assets are stopped until the data or the suite is fixed." if errors else ""
    return f"{head}: {details}{more}.{tail}"


def verdict(
    table: str, failures: list, evaluated: int, rows: int, docs: str | None, t0: float, extra: dict
) -> QualityResult:
    """A validation's result: failed if any ERROR expectation failed (a full and an incremental
    validation say it the same way)."""
    return QualityResult(
        table=table,
        passed=not any(f.severity == ERROR for f in failures),
        failures=failures,
        evaluated=evaluated,
        rows=rows,
        message=build_message(table, failures, rows, evaluated),
        data_docs=docs,
        duration_s=round(time.perf_counter() - t0, 3),
        extra=extra,
    )
