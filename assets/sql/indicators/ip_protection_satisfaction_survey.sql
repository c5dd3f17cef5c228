-- 知识产权保护社会满意度(调查估计) (INDICATORS.md § 6), city only: the survey estimate.
-- numerator = Σw·s, denominator = Σw, value = their ratio; CI and n in satisfaction_estimates.
SELECT 'ip_protection_satisfaction_survey' AS indicator_id,
       as_of,
       district_code,
       estimate AS value,
       sum_ws AS numerator,
       sum_w AS denominator,
       _calc_flags([
           CASE WHEN n_responses = 0 THEN 'no_data' END,
           CASE WHEN n_responses > 0 AND n_responses < 30 THEN 'small_sample' END
       ]) AS flags
FROM _calc_satisfaction
