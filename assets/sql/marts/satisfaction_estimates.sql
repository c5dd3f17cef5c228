-- satisfaction_estimates: the survey estimate of IP-protection satisfaction for the
-- city on D, from responses of the year of D up to D (INDICATORS.md § 6).
-- Weighted mean Σw·s/Σw; Kish effective n = (Σw)²/Σw²; 95 % CI by normal approximation:
-- mean ± 1.959964·SE, SE = sqrt(v/n_eff) where v = Σw(s − mean)²/Σw · n_eff/(n_eff − 1).
-- Choice: the n_eff/(n_eff − 1) factor makes v the usual sample variance when weights are
-- equal; with n_eff <= 1 no interval exists (NULL). A missing weight counts as 1 (SOURCES.md default).
WITH r AS (
    SELECT d.as_of, s.overall_score::DOUBLE AS s, coalesce(s.weight, 1.0)::DOUBLE AS w
    FROM _calc_dates AS d
    JOIN stg_survey AS s
      ON s.survey_date BETWEEN make_date(year(d.as_of), 1, 1) AND d.as_of
    WHERE coalesce(s.in_scope, true) AND s.overall_score IS NOT NULL
),
agg AS (
    -- DECIMAL sums: order-independent, so reruns give byte-identical values.
    SELECT as_of, count(*) AS n_responses, sum(w::DECIMAL(38, 10))::DOUBLE AS sum_w,
           sum((w * w)::DECIMAL(38, 10))::DOUBLE AS sum_w2, sum((w * s)::DECIMAL(38, 10))::DOUBLE AS sum_ws
    FROM r
    GROUP BY as_of
),
dev AS (
    SELECT r.as_of, sum((r.w * power(r.s - a.sum_ws / a.sum_w, 2))::DECIMAL(38, 10))::DOUBLE AS sum_w_dev2
    FROM r JOIN agg AS a USING (as_of)
    GROUP BY r.as_of
),
est AS (
    SELECT d.as_of,
           coalesce(a.n_responses, 0) AS n_responses,
           a.sum_w,
           a.sum_ws,
           a.sum_ws / a.sum_w AS estimate,
           a.sum_w * a.sum_w / a.sum_w2 AS n_eff,
           dv.sum_w_dev2 / a.sum_w AS v_pop
    FROM _calc_dates AS d
    LEFT JOIN agg AS a USING (as_of)
    LEFT JOIN dev AS dv USING (as_of)
),
se AS (
    SELECT *,
           CASE WHEN n_eff > 1 THEN sqrt(v_pop * n_eff / (n_eff - 1) / n_eff) END AS std_error
    FROM est
)
SELECT as_of,
       $city AS district_code,
       estimate,
       std_error,
       estimate - 1.959963984540054 * std_error AS ci_low,
       estimate + 1.959963984540054 * std_error AS ci_high,
       n_responses,
       n_eff,
       sum_w,
       sum_ws
FROM se
