-- The registered trademarks in force on D.
SELECT t.registration_no, t.nice_class, t.mark_name, t.registrant, _calc_unit_of(t.district_code) AS district_code,
       t.registration_date, t.expiry_date, t.status, t.status_date
FROM stg_trademarks AS t, _calc_dates AS d
WHERE t.in_scope AND t.registration_date <= d.as_of AND t.expiry_date >= d.as_of
  AND NOT (t.status IN ('invalidated', 'cancelled', 'revoked') AND coalesce(t.status_date <= d.as_of, false))
  AND t.status <> 'refused'  -- 驳回: never valid (as indicators/valid_trademarks.sql)
  AND ($district IS NULL OR _calc_unit_of(t.district_code) = $district)
ORDER BY district_code, t.registration_no
