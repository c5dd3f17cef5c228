-- 知识产权民事案件一审服判息诉率 (INDICATORS.md, "The plan in force now"), percent: among
-- judicial, civil, first-instance enforcement cases closed in the year of D up to D, the share
-- with accepted = true (no appeal, no petition for retrial). Cases with accepted unknown are
-- left out of both counts; their number is the flag unknown_outcome:N. numerator = accepted,
-- denominator = cases with a known outcome. No such case (or enforcement without the optional
-- columns): NULL, flag no_data, numerator and denominator NULL.
WITH cases AS (
    SELECT case_no, closed_date, accepted, _calc_unit_of(district_code) AS district_code
    FROM _calc_in_cases
    WHERE authority_type = 'judicial' AND case_nature = 'civil' AND instance = 'first'
      AND closed_date IS NOT NULL
),
counts AS (
    SELECT g.as_of, g.district_code,
           count(c.case_no) FILTER (WHERE c.accepted) AS n_accepted,
           count(c.case_no) FILTER (WHERE c.accepted IS NOT NULL) AS n_known,
           count(c.case_no) FILTER (WHERE c.accepted IS NULL) AS n_unknown
    FROM _calc_grid AS g
    LEFT JOIN cases AS c
      ON c.district_code = g.district_code
     AND c.closed_date BETWEEN make_date(year(g.as_of), 1, 1) AND g.as_of
    GROUP BY ALL
),
with_city AS (
    SELECT as_of, district_code, n_accepted, n_known, n_unknown FROM counts
    UNION ALL
    SELECT as_of, $city, sum(n_accepted), sum(n_known), sum(n_unknown) FROM counts GROUP BY as_of
)
SELECT 'civil_first_instance_acceptance_rate' AS indicator_id, as_of, district_code,
       CASE WHEN n_known > 0 THEN n_accepted::DOUBLE / n_known * 100 END AS value,
       CASE WHEN n_known > 0 THEN n_accepted::DOUBLE END AS numerator,
       CASE WHEN n_known > 0 THEN n_known::DOUBLE END AS denominator,
       _calc_flags([
           CASE WHEN n_known = 0 THEN 'no_data' END,
           CASE WHEN n_unknown > 0 THEN 'unknown_outcome:' || n_unknown END
       ]) AS flags
FROM with_city
