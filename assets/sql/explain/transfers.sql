-- The transfer and licence recordals behind ip_transfer_licence_count / _cagr on D: period
-- 'year_to_date' (the year of D up to D) and 'base_year' (B up to D's month-day, the rate's x_B).
WITH w AS (
    SELECT as_of, any_value(base_year) AS base_year, any_value(base_cutoff) AS base_cutoff
    FROM _calc_transfer_totals GROUP BY as_of
)
SELECT CASE WHEN t.registration_date >= make_date(year(w.as_of), 1, 1) THEN 'year_to_date' ELSE 'base_year' END AS period,
       t.record_no, t.kind, t.ip_type, t.registration_date, t.assignor, t.assignee,
       _calc_unit_of(t.district_code) AS district_code, t.items
FROM _calc_in_transfers AS t, w
WHERE t.in_scope
  AND (t.registration_date BETWEEN make_date(year(w.as_of), 1, 1) AND w.as_of
       OR t.registration_date BETWEEN make_date(w.base_year, 1, 1) AND w.base_cutoff)
  AND ($district IS NULL OR _calc_unit_of(t.district_code) = $district)
ORDER BY period DESC, district_code, t.registration_date, t.record_no
