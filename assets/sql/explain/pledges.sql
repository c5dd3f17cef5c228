-- The pledge registrations behind the yearly totals on D: period 'year_to_date' (the year of D
-- up to D) and 'base_year' (B up to D's month-day, used by the growth rates).
WITH w AS (
    SELECT as_of, any_value(base_year) AS base_year, any_value(base_cutoff) AS base_cutoff
    FROM _calc_pledge_totals GROUP BY as_of
)
SELECT CASE WHEN p.registration_date >= make_date(year(w.as_of), 1, 1) THEN 'year_to_date' ELSE 'base_year' END AS period,
       p.registration_no, p.pledge_type, p.registration_date, p.pledgor, _calc_unit_of(p.district_code) AS district_code,
       p.pledgee, p.amount_wan, p.items, p.status
FROM stg_pledges AS p, w
WHERE p.in_scope
  AND (p.registration_date BETWEEN make_date(year(w.as_of), 1, 1) AND w.as_of
       OR p.registration_date BETWEEN make_date(w.base_year, 1, 1) AND w.base_cutoff)
  AND ($district IS NULL OR _calc_unit_of(p.district_code) = $district)
ORDER BY period DESC, district_code, p.registration_date, p.registration_no
