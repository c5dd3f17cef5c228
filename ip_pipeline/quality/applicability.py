"""Which expectations of a suite apply to a snapshot: the `needs` of each expectation's `meta`.

Some rules only mean something for some snapshots. "Row count within 0.75x-3x of the previous
snapshot" needs a previous snapshot with rows to compare with: a source's first snapshot (also
one that arrives months after the other sources) has none. "All rows come from one snapshot",
a mean or a spread need at least one row: an empty source (never had data: no folder, an empty
folder, header-only files) has none. The suite says so, per expectation, in
`meta.needs` (a list of the names in NEEDS); this module decides, for one snapshot, which
expectations are left out and why. A left-out expectation is reported as not applicable, with
its reason, never as passed.
"""

from __future__ import annotations

from dataclasses import dataclass

ROWS = "rows"
PREVIOUS_SNAPSHOT = "previous_snapshot"
NEEDS = (ROWS, PREVIOUS_SNAPSHOT)


@dataclass(frozen=True)
class Snapshot:
    """What the applicability of an expectation depends on."""

    rows: int
    previous_rows: int | None  # staged rows of the previous snapshot; None: this is the first one

    def missing(self, need: str) -> str | None:
        """Why `need` is not met by this snapshot (None: it is met)."""
        if need == ROWS:
            return None if self.rows > 0 else "the snapshot has no rows"
        if need == PREVIOUS_SNAPSHOT:
            if self.previous_rows is None:
                return "first snapshot of the source: no previous snapshot to compare with"
            if self.previous_rows <= 0:
                return "the previous snapshot had no rows: nothing to compare with"
            return None
        raise ValueError(f"unknown need {need!r}")


def needs_of(exp: dict) -> list[str]:
    """The expectation's `meta.needs` as a list, each name checked against NEEDS."""
    raw = (exp.get("meta") or {}).get("needs") or []
    needs = [raw] if isinstance(raw, str) else list(raw)
    unknown = [n for n in needs if n not in NEEDS]
    if unknown:
        raise ValueError(f"{exp.get('type')}: meta.needs names {unknown}; known: {list(NEEDS)}")
    return needs


def not_applicable(suite: dict, snapshot: Snapshot) -> list[dict]:
    """The expectations of `suite` that do not apply to `snapshot`: one dict per expectation with
    its position in the suite file (`_position`), rule, severity, needs and the reason."""
    out = []
    for i, exp in enumerate(suite.get("expectations", [])):
        meta = exp.get("meta") or {}
        reasons = [r for r in (snapshot.missing(n) for n in needs_of(exp)) if r]
        if reasons:
            out.append(
                {
                    "position": meta.get("_position", i),
                    "expectation": exp["type"],
                    "rule": meta.get("rule") or exp["type"],
                    "severity": meta.get("severity"),
                    "needs": needs_of(exp),
                    "reason": "; ".join(reasons),
                }
            )
    return out


def applicable_suite(suite: dict, skipped: list[dict]) -> dict:
    """The suite without the expectations listed in `skipped` (positions kept in `meta`)."""
    gone = {s["position"] for s in skipped}
    kept = [
        e
        for i, e in enumerate(suite.get("expectations", []))
        if (e.get("meta") or {}).get("_position", i) not in gone
    ]
    return {**suite, "expectations": kept}


def describe(skipped: list[dict]) -> str:
    """One sentence for a check message: which rules were left out and why."""
    if not skipped:
        return ""
    by_reason: dict[str, list[str]] = {}
    for s in skipped:
        by_reason.setdefault(s["reason"], []).append(f"'{s['rule']}'")
    parts = [f"{', '.join(rules)} ({reason})" for reason, rules in by_reason.items()]
    return f" Not applicable, so not evaluated: {'; '.join(parts)}."
