-- plan_scores (PROGRESS.md, "Score"): per plan, as_of and unit, the mean score over the
-- indicators with a status (not_available has none); the plan is achieved only when
-- every indicator of it with a progress row is target_achieved. The mean is summed in DECIMAL:
-- a parallel DOUBLE avg() depends on the order threads add in, and the same inputs gave
-- means a last bit apart from one run to the next (as the marts' sums do, pledge_totals.sql).
SELECT plan_id,
       as_of,
       district_code,
       (sum(score::DECIMAL(38, 10)) / count(score))::DOUBLE AS score,
       count(score)::INTEGER AS indicators_scored,
       bool_and(status = 'target_achieved') AS achieved
FROM indicator_progress
WHERE as_of IN (SELECT as_of FROM _prog_dates)
  AND plan_id IN (SELECT plan_id FROM _prog_plans)
GROUP BY plan_id, as_of, district_code
