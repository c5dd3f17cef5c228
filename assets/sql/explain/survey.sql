-- A summary of the survey responses of the year of D up to D, by respondent type and in total
-- (individual answers stay in the warehouse), beside the published score of the year if any.
WITH r AS (
    SELECT coalesce(s.respondent_type, '(未填)') AS respondent_type, s.overall_score AS s, coalesce(s.weight, 1.0) AS w
    FROM stg_survey AS s, _calc_dates AS d
    WHERE coalesce(s.in_scope, true) AND s.survey_date BETWEEN make_date(year(d.as_of), 1, 1) AND d.as_of
),
g AS (
    SELECT respondent_type, count(*) AS n_responses, sum(w) AS sum_w, sum(w * s) / sum(w) AS weighted_mean,
           min(s) AS min_score, max(s) AS max_score
    FROM r GROUP BY respondent_type
    UNION ALL
    SELECT '(合计)', count(*), sum(w), sum(w * s) / sum(w), min(s), max(s) FROM r
)
SELECT g.*, e.ci_low, e.ci_high, e.n_eff, p.score AS published_score
FROM g
LEFT JOIN _calc_satisfaction AS e ON g.respondent_type = '(合计)'
LEFT JOIN stg_satisfaction AS p ON p.year = (SELECT year(as_of) FROM _calc_dates)
ORDER BY g.respondent_type = '(合计)', g.respondent_type
