-- plan_outcomes (PROGRESS.md, "The plan's lifecycle"): the final evaluation (终期评估) of
-- every ended plan, one row per plan × indicator with a target × unit, from its
-- indicator_progress rows on 31 Dec of the target year T (for flows and growth rates the
-- full target year). Inputs: _outc_plans (plan_id, as_of = 31 Dec T), _prog_spec,
-- _prog_labels, _outc_vintage (indicator_id, vintage); the _rule_* functions of indicators/rules.py.
WITH final AS (
    SELECT p.*, s.kind, s.comparison, s.lim, s.tol, s.decimals AS catalogue_decimals
    FROM indicator_progress AS p
    JOIN _outc_plans AS o ON o.plan_id = p.plan_id AND o.as_of = p.as_of
    JOIN _prog_spec AS s ON s.plan_id = p.plan_id AND s.indicator_id = p.indicator_id
),
judged AS (
    SELECT f.*,
           CASE WHEN f.value IS NULL THEN NULL
                -- 显著提升: a rise beyond the survey's margin of error (any rise where none is known).
                WHEN f.target_kind = 'improvement' THEN
                     CASE WHEN f.base_value IS NOT NULL
                          THEN _rule_significant(f.direction * (f.value - f.base_value), f.margin) END
                WHEN f.target_value IS NULL THEN NULL
                -- A growth target: the rate over the whole plan period against g* (a rate
                -- indicator's value is that rate in percent; else the observed growth).
                WHEN f.target_kind = 'growth' THEN
                     _rule_meets(CASE WHEN f.kind = 'growth_rate' THEN f.value ELSE f.g_obs * 100 END,
                                 f.target_value, f.comparison, NULL, NULL)
                ELSE _rule_meets(f.value, f.target_value, f.comparison, f.lim, f.tol)
           END AS achieved,
           CASE WHEN f.target_kind = 'growth' AND f.kind <> 'growth_rate' THEN f.g_obs * 100 ELSE f.value END AS compared
    FROM final AS f
),
shown AS (
    SELECT j.*,
           -- The gap to the target in the value's unit (percentage points for a rate).
           CASE WHEN j.target_kind <> 'improvement' THEN j.compared - j.target_value END AS target_gap,
           _rule_display_decimals(j.compared, j.target_value, j.catalogue_decimals, NOT j.achieved, j.comparison)
               AS shown_decimals
    FROM judged AS j
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
       v.vintage,
       j.compared AS compared_value,
       j.target_gap,
       j.shown_decimals AS value_decimals,
       _rule_fmt(j.compared, j.shown_decimals, FALSE) AS value_display,
       _rule_fmt(j.target_value, j.catalogue_decimals, FALSE) AS target_display,
       _rule_fmt(j.target_gap, _rule_gap_decimals(j.target_gap, j.catalogue_decimals, NOT j.achieved), TRUE)
           AS gap_display,
       j.gap_unit_zh,
       j.gap_unit_en,
       j.base_computed,
       j.margin
FROM shown AS j
LEFT JOIN _prog_labels AS l
       ON l.plan_id = j.plan_id
      AND l.status = CASE WHEN j.achieved THEN 'target_achieved' WHEN NOT j.achieved THEN 'target_missed'
                          ELSE 'not_available' END
LEFT JOIN _outc_vintage AS v ON v.indicator_id = j.indicator_id
