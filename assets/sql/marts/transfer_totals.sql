-- transfer_totals: per as_of and unit (and the city), the transfer and licence recordals
-- (distinct record_no, patent and trademark, transfer and licence together, in scope) of the
-- year of D up to D, and of the base year B of ip_transfer_licence_cagr up to D's month-day
-- (INDICATORS.md, "The plan in force now"; the same windows as pledge_totals).
-- `covered`: the source has data for the year of D (a year before its first recordal, or a
-- warehouse without transfers, is not a year of zero transfers: no_data); `base_covered`
-- the same for B.
WITH reg AS (
    SELECT record_no,
           any_value(registration_date) AS registration_date,
           any_value(_calc_unit_of(district_code)) AS district_code
    FROM _calc_in_transfers
    WHERE in_scope AND registration_date IS NOT NULL
    GROUP BY record_no
),
first_year AS (
    -- every staged recordal, in scope or not: when the source begins
    SELECT min(year(registration_date)) AS y FROM _calc_in_transfers
),
win AS (
    SELECT d.as_of,
           g.base_year,
           make_date(year(d.as_of), 1, 1) AS ytd_start,
           make_date(g.base_year, 1, 1) AS base_start,
           -- Same month-day in B; 29 Feb against a common B is 28 Feb (as pledge_totals).
           CASE WHEN month(d.as_of) = 2 AND day(d.as_of) = 29
                THEN last_day(make_date(g.base_year, 2, 1))
                ELSE make_date(g.base_year, month(d.as_of), day(d.as_of))
           END AS base_cutoff,
           coalesce(year(d.as_of) >= f.y, false) AS covered,
           coalesce(g.base_year >= f.y, false) AS base_covered
    FROM _calc_dates AS d
    JOIN _calc_growth_base AS g ON g.as_of = d.as_of AND g.indicator_id = 'ip_transfer_licence_cagr'
    CROSS JOIN first_year AS f
),
ytd AS (
    SELECT w.as_of, r.district_code, count(*) AS n
    FROM win AS w
    JOIN reg AS r ON r.registration_date BETWEEN w.ytd_start AND w.as_of
    GROUP BY ALL
),
base AS (
    SELECT w.as_of, r.district_code, count(*) AS n
    FROM win AS w
    JOIN reg AS r ON r.registration_date BETWEEN w.base_start AND w.base_cutoff
    GROUP BY ALL
),
units AS (
    SELECT g.as_of, g.district_code, w.base_year, w.base_cutoff, w.covered, w.base_covered,
           coalesce(y.n, 0) AS count_ytd,
           coalesce(b.n, 0) AS base_count
    FROM _calc_grid AS g
    JOIN win AS w USING (as_of)
    LEFT JOIN ytd AS y USING (as_of, district_code)
    LEFT JOIN base AS b USING (as_of, district_code)
)
SELECT as_of, district_code, year(as_of) AS year, base_year, base_cutoff, covered, base_covered,
       count_ytd, base_count
FROM units
UNION ALL
SELECT as_of, $city, year(as_of), any_value(base_year), any_value(base_cutoff), any_value(covered),
       any_value(base_covered), sum(count_ytd), sum(base_count)
FROM units
GROUP BY as_of
