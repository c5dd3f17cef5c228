-- The overseas invention grants counted on D (year to date).
SELECT DISTINCT o.office, o.grant_no, o.grant_date, o.holder, _calc_unit_of(o.district_code) AS district_code,
       o.cn_family_application_no
FROM stg_overseas_grants AS o, _calc_dates AS d
WHERE o.patent_type = 'invention' AND o.in_scope
  AND o.grant_date BETWEEN make_date(year(d.as_of), 1, 1) AND d.as_of
  AND ($district IS NULL OR _calc_unit_of(o.district_code) = $district)
ORDER BY district_code, o.grant_date, o.office, o.grant_no
