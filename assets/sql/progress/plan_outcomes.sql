-- plan_outcomes (PROGRESS.md, "The plan's lifecycle"): the final evaluation (终期评估) of
-- every ended plan, one row per plan × indicator with a target × unit, from its
-- indicator_progress rows on 31 Dec of the target year T (for flows and growth rates the
-- full target year). Inputs: _outc_plans (plan_id, as_of = 31 Dec T), _prog_spec,
-- _prog_labels, _outc_vintage (indicator_id, vintage); macro _prog_meets(v, t, cmp).
WITH final AS (
    SELECT p.*, s.kind, s.comparison, s.lim, s.tol
    FROM indicator_progress AS p
    JOIN _outc_plans AS o ON o.plan_id = p.plan_id AND o.as_of = p.as_of
    JOIN _prog_spec AS s ON s.plan_id = p.plan_id AND s.indicator_id = p.indicator_id
),
judged AS (
    SELECT f.*,
           CASE WHEN f.value IS NULL THEN NULL
                WHEN f.target_kind = 'improvement' THEN
                     CASE WHEN f.base_value IS NOT NULL THEN f.direction * (f.value - f.base_value) > 0 END
                WHEN f.target_value IS NULL THEN NULL
                -- A growth target: the rate over the whole plan period against g* (a rate
                -- indicator's value is that rate in percent; else the observed growth).
                WHEN f.target_kind = 'growth' THEN
                     _prog_meets(CASE WHEN f.kind = 'growth_rate' THEN f.value ELSE f.g_obs * 100 END,
                                 f.target_value, f.comparison)
                ELSE _prog_meets(f.value, f.target_value, f.comparison)
                     OR (f.lim IS NOT NULL AND abs(f.target_value - f.lim) <= f.tol AND abs(f.value - f.lim) <= f.tol)
           END AS achieved
    FROM final AS f
)
SELECT j.plan_id,
       j.indicator_id,
       j.district_code,
       j.as_of,
       j.value,
       j.base_value,
       j.target_value,
       j.achieved,
       CASE WHEN j.target_kind <> 'improvement' AND j.target_value <> 0 THEN j.value / j.target_value END AS attainment,
       -- The share of the needed change reached; none for improvement or where v_T = v₀.
       CASE WHEN j.target_kind NOT IN ('improvement', 'growth') AND j.target_value <> j.base_value
            THEN (j.value - j.base_value) / (j.target_value - j.base_value) END AS change_share,
       j.ratio,
       j.status,
       CASE WHEN j.achieved THEN 'target_achieved' WHEN NOT j.achieved THEN 'target_missed'
            ELSE 'not_available' END AS final_status,
       j.status_label_zh,
       j.status_label_en,
       l.zh AS final_label_zh,
       l.en AS final_label_en,
       v.vintage
FROM judged AS j
LEFT JOIN _prog_labels AS l
       ON l.plan_id = j.plan_id
      AND l.status = CASE WHEN j.achieved THEN 'target_achieved' WHEN NOT j.achieved THEN 'target_missed'
                          ELSE 'not_available' END
LEFT JOIN _outc_vintage AS v ON v.indicator_id = j.indicator_id
