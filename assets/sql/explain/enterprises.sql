-- The enterprises of the programme certified and valid on D.
SELECT e.credit_code, e.name, _calc_unit_of(e.district_code) AS district_code, e.programme,
       e.certified_date, e.valid_until
FROM stg_enterprises AS e, _calc_dates AS d
WHERE e.programme = $programme AND coalesce(e.in_scope, true)
  AND e.certified_date <= d.as_of AND (e.valid_until IS NULL OR e.valid_until >= d.as_of)
  AND ($district IS NULL OR _calc_unit_of(e.district_code) = $district)
ORDER BY district_code, e.credit_code
