-- pledge_totals: per as_of and unit (and the city), the pledge registrations of the
-- year of D up to D, and of the base year B up to D's month-day (INDICATORS.md § 4).
-- A registration counts in its year whatever its later status (released too).
WITH reg AS (
    -- stg_pledges is unique on registration_no already; grouping keeps "distinct" true regardless.
    SELECT registration_no,
           any_value(registration_date) AS registration_date,
           any_value(amount_wan) AS amount_wan,
           any_value(_calc_unit_of(district_code)) AS district_code
    FROM stg_pledges
    WHERE in_scope
    GROUP BY registration_no
),
win AS (
    SELECT d.as_of,
           g.base_year,
           make_date(year(d.as_of), 1, 1) AS ytd_start,
           make_date(g.base_year, 1, 1) AS base_start,
           -- Same month-day in B, to the letter. Choice: D = 29 Feb with B a common
           -- year uses 28 Feb (B's last day of February), so both periods hold all of
           -- January-February. (A 28 Feb D against a leap B stays 28 Feb: the letter.)
           CASE WHEN month(d.as_of) = 2 AND day(d.as_of) = 29
                THEN last_day(make_date(g.base_year, 2, 1))
                ELSE make_date(g.base_year, month(d.as_of), day(d.as_of))
           END AS base_cutoff
    FROM _calc_dates AS d
    JOIN _calc_growth_base AS g ON g.as_of = d.as_of AND g.indicator_id = 'pledge_count_cagr'  -- both pledge rates: always in the same plans
),
-- Amounts are summed as DECIMAL (units and city), DOUBLE only at the end: a DOUBLE sum depends on
-- the (parallel) order of the rows, and reruns must give byte-identical values.
ytd AS (
    SELECT w.as_of, r.district_code, count(*) AS n, sum(r.amount_wan::DECIMAL(38, 6)) AS amount
    FROM win AS w
    JOIN reg AS r ON r.registration_date BETWEEN w.ytd_start AND w.as_of
    GROUP BY ALL
),
base AS (
    SELECT w.as_of, r.district_code, count(*) AS n, sum(r.amount_wan::DECIMAL(38, 6)) AS amount
    FROM win AS w
    JOIN reg AS r ON r.registration_date BETWEEN w.base_start AND w.base_cutoff
    GROUP BY ALL
),
units AS (
    SELECT g.as_of,
           g.district_code,
           w.base_year,
           w.base_cutoff,
           coalesce(y.n, 0) AS count_ytd,
           coalesce(y.amount, 0) AS amount_ytd,
           coalesce(b.n, 0) AS base_count,
           coalesce(b.amount, 0) AS base_amount
    FROM _calc_grid AS g
    JOIN win AS w USING (as_of)
    LEFT JOIN ytd AS y USING (as_of, district_code)
    LEFT JOIN base AS b USING (as_of, district_code)
)
SELECT as_of, district_code, year(as_of) AS year, base_year, base_cutoff,
       count_ytd, amount_ytd::DOUBLE AS amount_ytd, base_count, base_amount::DOUBLE AS base_amount
FROM units
UNION ALL
SELECT as_of, $city, year(as_of), any_value(base_year), any_value(base_cutoff),
       sum(count_ytd), sum(amount_ytd)::DOUBLE, sum(base_count), sum(base_amount)::DOUBLE
FROM units
GROUP BY as_of
