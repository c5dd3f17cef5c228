"""DDL of the tables the indicator engine writes (docs/WAREHOUSE.md)."""

from __future__ import annotations

import duckdb

TABLES = {
    "indicator_values": """
        indicator_id VARCHAR, as_of DATE, district_code VARCHAR, value DOUBLE,
        numerator DOUBLE, denominator DOUBLE, unit VARCHAR, flags VARCHAR[], vintage VARCHAR""",
    "high_value_patent_criteria": """
        as_of DATE, application_no VARCHAR, district_code VARCHAR, sei BOOLEAN,
        overseas_family BOOLEAN, maintained_10y BOOLEAN, pledge_financing BOOLEAN, award BOOLEAN""",
    # Yearly pledge totals behind pledge_count / pledge_amount_wan / *_cagr: year to date on
    # as_of, and the base year B up to base_cutoff (D's month-day in B).
    "pledge_totals": """
        as_of DATE, district_code VARCHAR, year INTEGER, base_year INTEGER, base_cutoff DATE,
        count_ytd BIGINT, amount_ytd DOUBLE, base_count BIGINT, base_amount DOUBLE""",
    # The population behind each as-of date and unit (marts/population_at.sql).
    "population_at": """
        as_of DATE, district_code VARCHAR, population_year INTEGER, population DOUBLE, provisional BOOLEAN""",
    # Yearly transfer/licence totals behind ip_transfer_licence_count / _cagr (marts/transfer_totals.sql).
    "transfer_totals": """
        as_of DATE, district_code VARCHAR, year INTEGER, base_year INTEGER, base_cutoff DATE, covered BOOLEAN,
        base_covered BOOLEAN, count_ytd BIGINT, base_count BIGINT""",
    # The survey estimate's details: weighted mean, standard error, 95 % CI, responses, Kish n_eff.
    "satisfaction_estimates": """
        as_of DATE, district_code VARCHAR, estimate DOUBLE, std_error DOUBLE, ci_low DOUBLE,
        ci_high DOUBLE, n_responses BIGINT, n_eff DOUBLE, sum_w DOUBLE, sum_ws DOUBLE""",
    "indicator_progress": """
        plan_id VARCHAR, indicator_id VARCHAR, as_of DATE, district_code VARCHAR, value DOUBLE,
        base_year INTEGER, base_value DOUBLE, base_computed BOOLEAN, target_year INTEGER,
        target_kind VARCHAR, target_value DOUBLE, direction INTEGER, delta_t DOUBLE, g_obs DOUBLE,
        g_req DOUBLE, ratio DOUBLE, expected_value DOUBLE, gap DOUBLE, projection DOUBLE,
        projection_share DOUBLE, status VARCHAR, status_label_zh VARCHAR, status_label_en VARCHAR,
        score DOUBLE, flags VARCHAR[], achieved BOOLEAN, verdict VARCHAR, margin DOUBLE, value_decimals INTEGER,
        value_display VARCHAR, target_display VARCHAR, gap_display VARCHAR, gap_unit_zh VARCHAR,
        gap_unit_en VARCHAR, value_as_of DATE""",
    "plan_scores": """
        plan_id VARCHAR, as_of DATE, district_code VARCHAR, score DOUBLE,
        indicators_scored INTEGER, achieved BOOLEAN""",
    # Final evaluation (终期评估) of every plan that has ended (PROGRESS.md, "The plan's
    # lifecycle"): one row per plan × indicator with a target × unit, as_of = 31 Dec of T.
    # final_status: target_achieved | target_missed | not_available (value or base missing).
    "plan_outcomes": """
        plan_id VARCHAR, indicator_id VARCHAR, district_code VARCHAR, as_of DATE,
        value DOUBLE, base_value DOUBLE, target_value DOUBLE, achieved BOOLEAN, attainment DOUBLE,
        change_share DOUBLE, ratio DOUBLE, status VARCHAR, final_status VARCHAR,
        status_label_zh VARCHAR, status_label_en VARCHAR, final_label_zh VARCHAR, final_label_en VARCHAR,
        vintage VARCHAR, compared_value DOUBLE, target_gap DOUBLE, value_decimals INTEGER, value_display VARCHAR,
        target_display VARCHAR, gap_display VARCHAR, gap_unit_zh VARCHAR, gap_unit_en VARCHAR,
        base_computed BOOLEAN, margin DOUBLE""",
    # An outcome that changed when recomputed (the target year's data revised): what was
    # there before and what is there now, so a report can footnote the change.
    "plan_outcome_revisions": """
        plan_id VARCHAR, indicator_id VARCHAR, district_code VARCHAR, as_of DATE,
        previous_value DOUBLE, value DOUBLE, previous_final_status VARCHAR, final_status VARCHAR,
        previous_vintage VARCHAR, vintage VARCHAR, revised_at TIMESTAMP""",
}


def ensure(con: duckdb.DuckDBPyConnection, *tables: str) -> None:
    """Create the tables, and give a warehouse written by an older version the columns added since."""
    for name in tables:
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({TABLES[name]})")
        have = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? AND table_schema = 'main'",
                [name],
            ).fetchall()
        }
        for col in TABLES[name].split(","):
            col_name, col_type = col.strip().split(None, 1)
            if col_name not in have:
                con.execute(f"ALTER TABLE {name} ADD COLUMN {col_name} {col_type}")


def columns(name: str) -> list[str]:
    return [c.strip().split()[0] for c in TABLES[name].split(",")]
