"""Sanity checks on the published indicators (`indicator_values`), evaluated on a DuckDB
connection; no Dagster here (the asset checks are ip_pipeline/defs/indicator_checks.py).

Which ids each rule applies to comes from the indicator definitions' `checks`
(assets/catalogue/indicators/<id>.yaml: range, city_is_sum_of_units, jumps,
within_invention_stock); expectations/indicator_values.json keeps the shared settings
(city code, tolerance, jump threshold). Rules:
- shares and scores within 0-100, counts not negative, growth rates not below -100%;
- the high-value patent numerator never exceeds the invention patents in force
  for the same unit and date (recomputed from stg_patents);
- the city's (city.CITY) count equals the sum of its units for count indicators;
- no unexplained jump of more than `max_share` (default 50%) between
  consecutive months: WARN, listed in the metadata, not silently published.

A run checks the as-of dates of its own partitions (the whole table when it
has none).
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..city import CITY
from ..indicators.catalogue import load_plans
from ..indicators.indicator_definitions import load_definitions
from ..paths import EXPECTATIONS_DIR
from . import warehouse_io as wio
from .failures import ExpectationFailure, QualityResult
from .suites import ERROR, WARN

INDICATOR_TABLE = "indicator_values"
RANGE_CHECK = "indicator_values_in_range"
HV_STOCK_CHECK = "hv_numerator_within_invention_stock"
CITY_SUM_CHECK = "city_equals_sum_of_units"
JUMP_CHECK = "no_unexplained_jumps"
SAMPLE_ROWS = 20


RANGE_LISTS = {
    "percent_0_100": "percent_0_100",
    "non_negative": "non_negative",
    "growth_rate": "growth_rate_not_below_minus_100",
}


def rules_of_definitions(definitions: dict | None = None) -> dict:
    """The per-id lists of the rules, from the definitions' `checks`."""
    defs = load_definitions() if definitions is None else definitions
    rng = {v: [] for v in RANGE_LISTS.values()}
    for i, d in defs.items():
        if d.checks.range:
            rng[RANGE_LISTS[d.checks.range]].append(i)
    return {
        "range": rng,
        "additive_counts": [i for i, d in defs.items() if d.checks.city_is_sum_of_units],
        "within_invention_stock": [i for i, d in defs.items() if d.checks.within_invention_stock],
        "basis": {i: d.checks.jumps for i, d in defs.items() if d.checks.jumps},
    }


def load_config(directory: Path | None = None, definitions: dict | None = None) -> dict:
    """The shared settings of expectations/indicator_values.json with the per-id lists of the
    indicator definitions (a list the file itself gives wins: a test's own configuration)."""
    with open(Path(directory or EXPECTATIONS_DIR) / "indicator_values.json", encoding="utf-8") as f:
        cfg = json.load(f)
    derived = rules_of_definitions(definitions)
    cfg["range"] = {**derived["range"], **(cfg.get("range") or {})}
    cfg.setdefault("additive_counts", derived["additive_counts"])
    cfg.setdefault("within_invention_stock", derived["within_invention_stock"])
    jumps = cfg.setdefault("jumps", {})
    jumps["basis"] = {**derived["basis"], **(jumps.get("basis") or {})}
    return cfg


def _ids(values) -> str:
    return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def _window(alias: str, start: date | None, end: date | None) -> str:
    if start is None:
        return "TRUE"
    return f"({alias}.as_of >= DATE '{start}' AND {alias}.as_of < DATE '{end}')"


@dataclass
class Violations:
    rows: list[dict]
    checked: int
    extra: dict


# --------------------------------------------------------------------------- rules (SQL)  # noqa: ERA001


def range_violations(con, cfg: dict, start=None, end=None) -> Violations:
    r = cfg["range"]
    w = _window("v", start, end)
    sql = f"""
        SELECT indicator_id, as_of, district_code, value, numerator,
               CASE WHEN isnan(value) OR isinf(value) THEN 'value is NaN or infinite'
                    WHEN list_contains({_ids(r["percent_0_100"])}, indicator_id) THEN 'share or score outside 0-100'
                    WHEN list_contains({_ids(r["growth_rate_not_below_minus_100"])}, indicator_id) THEN 'growth rate below -100%'
                    ELSE 'negative count or ratio' END AS rule
        FROM {INDICATOR_TABLE} v
        WHERE {w} AND (
              isnan(value) OR isinf(value)
           OR (list_contains({_ids(r["percent_0_100"])}, indicator_id) AND (value < 0 OR value > 100))
           OR (list_contains({_ids(r["non_negative"])}, indicator_id) AND (value < 0 OR numerator < 0))
           OR (list_contains({_ids(r["growth_rate_not_below_minus_100"])}, indicator_id) AND value < -100))
        ORDER BY as_of, indicator_id, district_code"""
    checked = con.execute(f"SELECT count(*) FROM {INDICATOR_TABLE} v WHERE {w}").fetchone()[0]
    return Violations(_records(con.execute(sql)), checked, {})


def hv_stock_violations(con, cfg: dict, start=None, end=None) -> Violations:
    city = cfg.get("city_code", CITY)
    w = _window("v", start, end)
    ids = _ids(cfg.get("within_invention_stock", ["hv_patents_per_10k"]))
    if not wio.table_exists(con, "stg_patents"):
        raise LookupError("stg_patents is missing: the invention stock cannot be recomputed")
    # Patents in force on D = granted by D minus those also lapsed by D; counted
    # from per-day event counts so millions of patents join only a few dates.
    sql = f"""
        WITH d AS (SELECT DISTINCT as_of FROM {INDICATOR_TABLE} v WHERE list_contains({ids}, indicator_id) AND {w}),
        inv AS (SELECT district_code, grant_date, lapse_date FROM stg_patents
                WHERE patent_type = 'invention' AND in_scope AND grant_date IS NOT NULL),
        g AS (SELECT district_code, grant_date AS dt, count(*) AS n FROM inv GROUP BY ALL),
        l AS (SELECT district_code, greatest(grant_date, lapse_date) AS dt, count(*) AS n FROM inv
              WHERE lapse_date IS NOT NULL GROUP BY ALL),
        ev AS (SELECT d.as_of, g.district_code, g.n FROM d JOIN g ON g.dt <= d.as_of
               UNION ALL SELECT d.as_of, l.district_code, -l.n FROM d JOIN l ON l.dt <= d.as_of),
        unit AS (SELECT as_of, district_code, sum(n) AS in_force FROM ev GROUP BY ALL),
        stock AS (SELECT * FROM unit UNION ALL SELECT as_of, '{city}', sum(in_force) FROM unit GROUP BY as_of)
        SELECT v.indicator_id, v.as_of, v.district_code, v.numerator AS hv_numerator,
               coalesce(s.in_force, 0) AS invention_patents_in_force
        FROM {INDICATOR_TABLE} v LEFT JOIN stock s ON s.as_of = v.as_of AND s.district_code = v.district_code
        WHERE list_contains({ids}, v.indicator_id) AND {w} AND v.numerator > coalesce(s.in_force, 0)
        ORDER BY v.as_of, v.district_code"""
    checked = con.execute(
        f"SELECT count(*) FROM {INDICATOR_TABLE} v WHERE list_contains({ids}, indicator_id) AND {w}"
    ).fetchone()[0]
    return Violations(_records(con.execute(sql)), checked, {})


def city_sum_violations(con, cfg: dict, start=None, end=None) -> Violations:
    city = cfg.get("city_code", CITY)
    tol = float(cfg.get("additive_tolerance", 1e-6))
    w = _window("v", start, end)
    sql = f"""
        WITH x AS (SELECT indicator_id, as_of, district_code, coalesce(numerator, value) AS n
                   FROM {INDICATOR_TABLE} v WHERE list_contains({_ids(cfg["additive_counts"])}, indicator_id) AND {w}),
        c AS (SELECT indicator_id, as_of, n AS city FROM x WHERE district_code = '{city}'),
        u AS (SELECT indicator_id, as_of, sum(n) AS units_sum, count(*) AS units FROM x
              WHERE district_code <> '{city}' GROUP BY ALL)
        SELECT indicator_id, as_of, c.city, u.units_sum, u.units
        FROM c FULL OUTER JOIN u USING (indicator_id, as_of)
        -- a city and units all NULL agree: an empty source's indicator has no data anywhere (no_data)
        WHERE (c.city IS NULL) <> (u.units_sum IS NULL)
           OR abs(c.city - u.units_sum) > {tol} * greatest(1.0, abs(c.city))
        ORDER BY as_of, indicator_id"""
    checked = con.execute(
        f"SELECT count(DISTINCT (indicator_id, as_of)) FROM {INDICATOR_TABLE} v "
        f"WHERE list_contains({_ids(cfg['additive_counts'])}, indicator_id) AND {w}"
    ).fetchone()[0]
    return Violations(_records(con.execute(sql)), checked, {})


def _kind_ids(kind: str) -> set[str]:
    """Indicators of every plan in the catalogue of one kind (`flow`: year-to-date, restarting each January)."""
    try:
        return {i.id for p in load_plans() for i in p.indicators + p.companions if i.kind == kind}
    except Exception:  # a broken catalogue is reported elsewhere; the configured bases still apply  # noqa: BLE001 (a failure here is reported, never raised)
        return set()


COUNT_UNITS = ("件", "家", "次")
AMOUNT_UNITS = ("万元",)
NOISE_SIGMAS = 3.0  # two counts a and b differ by chance by about √(a+b): within 3√(a+b) is not a jump
MATERIAL_SHARE = (
    0.02  # a unit's amount below 2% of the city's a year earlier is too small for a share to mean much
)
# An amount is the sum of a few events: with fewer than MIN_EVENTS in the two periods together (the companion
# count of the same unit and dates), one large pledge more or less is not a jump.
AMOUNT_EVENTS = {"pledge_amount_wan": "pledge_count"}
MIN_EVENTS = 20
EARLY_MONTHS = 2  # a year-to-date flow of one or two months is too short a period to call a jump


def jump_violations(con, cfg: dict, start=None, end=None) -> Violations:
    """Month-on-month (stocks) or year-on-year (year-to-date flows) changes above `max_share`.

    Not jumps: the January reset of a year-to-date flow (flows are compared with the same month a year
    earlier, and a flow checked month on month skips January); a flow's first `EARLY_MONTHS` months; a
    change of a count within `NOISE_SIGMAS`·√(previous count) (a district going from 3 to 7 grants).
    """
    j = cfg["jumps"]
    basis = dict(j.get("basis", {}))
    default = basis.pop("default", "mom")
    ids = [r[0] for r in con.execute(f"SELECT DISTINCT indicator_id FROM {INDICATOR_TABLE}").fetchall()]
    flows, rates = _kind_ids("flow"), _kind_ids("growth_rate")
    by_basis: dict[str, list[str]] = {"mom": [], "yoy": []}
    for i in ids:
        # growth rates swing on small bases (as configured for the pledge rates): not checked unless configured
        b = basis.get(i, "yoy" if i in flows else "none" if i in rates else default)
        if b in by_basis:
            by_basis[b].append(i)
    has_unit = "unit" in {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [INDICATOR_TABLE]
        ).fetchall()
    }
    has_den = "denominator" in {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [INDICATOR_TABLE]
        ).fetchall()
    }
    units = lambda us: f"cur.unit IN ({', '.join(repr(u) for u in us)})"  # noqa: E731 (a local one-line formatter)
    is_count = f"({units(COUNT_UNITS)} AND cur.denominator IS NULL)" if has_unit and has_den else "FALSE"
    is_amount = f"({units(AMOUNT_UNITS)} AND cur.denominator IS NULL)" if has_unit and has_den else "FALSE"
    # a share of cases (numerator / denominator, in %): the binomial chance variation of the two shares
    is_share = (
        "(cur.unit = '%' AND cur.denominator > 0 AND prev.denominator > 0)"
        if has_unit and has_den
        else "FALSE"
    )
    pooled = "((cur.numerator + prev.numerator) / (cur.denominator + prev.denominator))"
    city = cfg.get("city_code", CITY)
    w = _window("cur", start, end)
    max_share = float(j.get("max_share", 0.5))
    min_prev = float(j.get("min_previous_value", 0))
    sql = f"""
        WITH cur AS (SELECT indicator_id, as_of, district_code, value, flags,
                            {"unit" if has_unit else "NULL"} AS unit, {"denominator" if has_den else "NULL"} AS denominator,
                            {"numerator" if has_den else "NULL"} AS numerator,
                            CASE WHEN list_contains({_ids(by_basis["yoy"])}, indicator_id) THEN 12 ELSE 1 END AS lag_months
                     FROM {INDICATOR_TABLE}
                     WHERE list_contains({_ids(by_basis["mom"] + by_basis["yoy"])}, indicator_id)
                       -- a year-to-date flow restarts in January: not a jump, and its first months are too short
                       AND NOT (list_contains({_ids(sorted(flows))}, indicator_id) AND month(as_of) <= {EARLY_MONTHS})),
        pairs AS (
            SELECT cur.indicator_id, cur.district_code, cur.as_of, cur.value, prev.as_of AS compared_as_of,
                   prev.value AS compared_value, cur.value / prev.value - 1 AS change,
                   CASE WHEN cur.lag_months = 12 THEN 'yoy' ELSE 'mom' END AS basis,
                   coalesce(list_sort(cur.flags), []) IS DISTINCT FROM coalesce(list_sort(prev.flags), []) AS explained,
                   array_to_string(list_sort(cur.flags), ',') AS flags,
                   array_to_string(list_sort(prev.flags), ',') AS compared_flags
            FROM cur JOIN {INDICATOR_TABLE} prev
              ON prev.indicator_id = cur.indicator_id AND prev.district_code = cur.district_code
             AND date_trunc('month', prev.as_of) = date_trunc('month', cur.as_of) - to_months(cur.lag_months)
            WHERE {w} AND prev.value IS NOT NULL AND cur.value IS NOT NULL AND prev.value <> 0
              AND abs(prev.value) >= {min_prev}
              AND NOT ({is_count} AND abs(cur.value - prev.value) <= {NOISE_SIGMAS} * sqrt(greatest(abs(prev.value) + abs(cur.value), 1)))
              AND NOT ({is_share} AND abs(cur.value - prev.value) <= {NOISE_SIGMAS} * 100 * sqrt(greatest({pooled} * (1 - {pooled}), 0.0025)
                                                                  * (1 / cur.denominator + 1 / prev.denominator)))
              AND NOT ({is_amount} AND cur.district_code <> '{city}' AND abs(prev.value) < {MATERIAL_SHARE} * (
                    SELECT max(c.value) FROM {INDICATOR_TABLE} c WHERE c.indicator_id = cur.indicator_id
                       AND c.district_code = '{city}' AND c.as_of = prev.as_of))
              AND NOT ({is_amount} AND coalesce((
                    SELECT sum(e.value) FROM {INDICATOR_TABLE} e JOIN _jump_events m ON m.amount_id = cur.indicator_id
                     AND e.indicator_id = m.count_id
                    WHERE e.district_code = cur.district_code AND e.as_of IN (cur.as_of, prev.as_of)), {MIN_EVENTS})
                    < {MIN_EVENTS}))
        SELECT * FROM pairs WHERE abs(change) > {max_share}
        ORDER BY explained, abs(change) DESC"""
    pairs = ", ".join(f"({a!r}, {b!r})" for a, b in AMOUNT_EVENTS.items()) or "(NULL, NULL)"
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _jump_events AS SELECT * FROM (VALUES {pairs}) AS t(amount_id, count_id)"
    )
    rows = _records(con.execute(sql))
    checked = con.execute(f"SELECT count(*) FROM {INDICATOR_TABLE} cur WHERE {w}").fetchone()[0]
    explained = [r for r in rows if r["explained"]]
    return Violations(
        [r for r in rows if not r["explained"]],
        checked,
        {
            "explained_jumps": len(explained),
            "explained_sample": explained[:SAMPLE_ROWS],
            "max_share": max_share,
        },
    )


def describe_jumps(found: Violations, scope: str, top: int = 5) -> str:
    """One sentence and a small markdown table of the largest jumps (the full sample stays in the metadata)."""
    rows = found.rows
    share = float(found.extra.get("max_share", 0.5))
    n_units = len({(r["indicator_id"], r["district_code"]) for r in rows})
    head = (
        f"{len(rows):,} of {found.checked:,} values of {INDICATOR_TABLE} ({scope}) changed by more than "
        f"{share:.0%} without a flag that explains it, in {n_units:,} indicator × unit series; "
        f"the largest {min(top, len(rows))}:"
    )
    lines = ["| indicator | unit | as of | value | compared with | change |", "|---|---|---|---:|---|---:|"]
    for r in sorted(rows, key=lambda r: -abs(float(r["change"] or 0)))[:top]:
        basis = "a year earlier" if r.get("basis") == "yoy" else "the month before"
        lines.append(
            f"| {r['indicator_id']} | {r['district_code']} | {r['as_of']} | {float(r['value']):,.2f} | "
            f"{float(r['compared_value']):,.2f} on {r['compared_as_of']} ({basis}) | "
            f"{float(r['change']):+.0%} |"
        )
    return head + "\n\n" + "\n".join(lines)


def _records(cursor) -> list[dict]:
    cols = [d[0] for d in cursor.description]
    return [dict(zip(cols, row)) for row in cursor.fetchall()]


# --------------------------------------------------------------------------- the rules and running one


@dataclass(frozen=True)
class IndicatorRule:
    check_name: str
    rule: str
    severity: str
    blocking: bool
    evaluate: Callable
    description: str
    reads: tuple[str, ...] = ()  # other assets the rule reads (ordering deps)
    describe: Callable | None = None  # (Violations, scope) -> the check's message in words


RULES = [
    IndicatorRule(
        RANGE_CHECK,
        "shares and scores within 0-100, counts not negative",
        ERROR,
        True,
        range_violations,
        "Shares and scores lie in 0-100, counts and ratios are not negative, growth rates never fall below -100% (-100% is a year with none).",
    ),
    IndicatorRule(
        HV_STOCK_CHECK,
        "high-value numerator <= invention patents in force",
        ERROR,
        True,
        hv_stock_violations,
        "The high-value invention numerator never exceeds the invention patents in force for that unit "
        "and date (recomputed from stg_patents).",
        reads=("stg_patents",),
    ),
    IndicatorRule(
        CITY_SUM_CHECK,
        "city count = sum of units",
        ERROR,
        True,
        city_sum_violations,
        f"For count indicators the city ({CITY}) equals the sum of its reporting units.",
    ),
    IndicatorRule(
        JUMP_CHECK,
        "no unexplained jump above the configured share",
        WARN,
        False,
        jump_violations,
        "No unexplained jump above the configured share (default 50%): stocks month on month, "
        "year-to-date flows against the same month a year earlier (their January reset is not a jump); "
        "changes of a count within 3√n are chance. Jumps are listed as a warning, not silently published.",
        describe=lambda found, scope: describe_jumps(found, scope),
    ),
]


def _examples(rows: list[dict]) -> str:
    """A few offending rows in words, `key value` pairs (the full table is the check's `sample`)."""
    return "; ".join(", ".join(f"{k} {v}" for k, v in _json(r).items()) for r in rows)


def _json(value):
    return json.loads(json.dumps(value, default=str))


def evaluate_rule(
    con,
    rule: IndicatorRule,
    start=None,
    end=None,
    partitions=(),
    cfg: dict | None = None,
    config_dir: Path | None = None,
) -> tuple[QualityResult, Violations]:
    """Evaluate one rule on a DuckDB connection, on the as-of dates in [start, end) (all when None)."""
    cfg = load_config(config_dir) if cfg is None else cfg
    t0 = time.perf_counter()
    scope = f"as-of dates {start} to {end} (exclusive)" if start else "the whole table"
    error = None
    try:
        if not wio.table_exists(con, INDICATOR_TABLE):
            raise LookupError(f"{INDICATOR_TABLE} does not exist")
        found = rule.evaluate(con, cfg, start, end)
    except Exception as e:  # a rule that cannot run is a failed rule, said plainly  # noqa: BLE001 (a failure here is reported, never raised)
        found, error = Violations([], 0, {}), f"{type(e).__name__}: {e}"
    failures = []
    if error or found.rows:
        failures.append(
            ExpectationFailure(
                rule=rule.rule,
                expectation=rule.check_name,
                column=None,
                severity=rule.severity,
                unexpected_count=None if error else len(found.rows),
                sample=_json(found.rows[:SAMPLE_ROWS]),
                error=error,
            )
        )
    if error:
        message = f"{INDICATOR_TABLE}: rule '{rule.rule}' could not be evaluated on {scope}: {error}"
    elif found.rows and rule.describe is not None:
        message = rule.describe(found, scope)
    elif found.rows:
        verb = "FAILED" if rule.severity == ERROR else "flagged (WARN)"
        message = (
            f"{INDICATOR_TABLE} {verb} rule '{rule.rule}': {len(found.rows)} of {found.checked} rows on "
            f"{scope}, e.g. {_examples(found.rows[:3])}"
        )
    else:
        message = f"{INDICATOR_TABLE}: rule '{rule.rule}' holds on {found.checked} rows ({scope})."
    result = QualityResult(
        table=INDICATOR_TABLE,
        passed=not (failures and rule.severity == ERROR),
        failures=failures,
        evaluated=1,
        rows=found.checked,
        message=message,
        duration_s=round(time.perf_counter() - t0, 3),
        extra={"partitions": list(partitions), "scope": scope, **_json(found.extra)},
    )
    return result, found


def run_indicator_rule(
    rule: IndicatorRule, warehouse, start=None, end=None, partitions=(), config_dir: Path | None = None
) -> tuple[QualityResult, Violations]:
    """Evaluate one rule on the warehouse (read-only) and record its result (quality_results)."""
    try:
        with wio.connection(warehouse, read_only=True) as con:
            result, found = evaluate_rule(con, rule, start, end, partitions, config_dir=config_dir)
    except Exception as e:  # the warehouse cannot be opened: a failed rule, said plainly  # noqa: BLE001 (a failure here is reported, never raised)
        result, found = _unopened(rule, e, start, end, partitions)
    with wio.connection(warehouse, read_only=False) as con:
        wio.write_result(con, INDICATOR_TABLE, rule.check_name, result)
    return result, found


def _unopened(
    rule: IndicatorRule, exc: Exception, start, end, partitions
) -> tuple[QualityResult, Violations]:
    scope = f"as-of dates {start} to {end} (exclusive)" if start else "the whole table"
    error = f"{type(exc).__name__}: {exc}"
    failure = ExpectationFailure(
        rule=rule.rule,
        expectation=rule.check_name,
        column=None,
        severity=rule.severity,
        unexpected_count=None,
        sample=[],
        error=error,
    )
    return QualityResult(
        table=INDICATOR_TABLE,
        passed=rule.severity != ERROR,
        failures=[failure],
        evaluated=1,
        rows=0,
        message=f"{INDICATOR_TABLE}: rule '{rule.rule}' could not be evaluated on {scope}: {error}",
        duration_s=0.0,
        extra={"partitions": list(partitions), "scope": scope},
    ), Violations([], 0, {})
