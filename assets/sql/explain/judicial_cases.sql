-- The civil first-instance court cases behind civil_first_instance_acceptance_rate on D (closed
-- in the year of D up to D); `accepted` NULL = not known (left out of both counts). Never the
-- parties: enforcement's `party` is personal data.
SELECT CASE WHEN c.accepted IS NULL THEN 'unknown' WHEN c.accepted THEN 'accepted' ELSE 'not_accepted' END AS outcome,
       c.case_no, c.closed_date, _calc_unit_of(c.district_code) AS district_code, c.accepted
FROM _calc_in_cases AS c, _calc_dates AS d
WHERE c.authority_type = 'judicial' AND c.case_nature = 'civil' AND c.instance = 'first'
  AND c.closed_date BETWEEN make_date(year(d.as_of), 1, 1) AND d.as_of
  AND ($district IS NULL OR _calc_unit_of(c.district_code) = $district)
ORDER BY outcome, district_code, c.closed_date, c.case_no
