-- high_value_patent_criteria: one row per as_of and in-force, in-scope invention
-- patent meeting at least one of the five CNIPA criteria, each judged on D
-- (INDICATORS.md § 1), so a count can be broken down by criterion and traced.
-- Every criterion only switches on as time passes, so each is reduced to the
-- first date it holds and judged against D in one range join over all dates.
WITH patent AS (
    SELECT application_no,
           _calc_unit_of(district_code) AS district_code,
           filing_date, grant_date, lapse_date, ipc_codes, main_ipc
    FROM stg_patents
    WHERE patent_type = 'invention' AND in_scope AND grant_date IS NOT NULL
),
ipc AS (
    -- ipc_codes includes the main class; main_ipc is added in case a source lacks it.
    SELECT application_no,
           upper(regexp_replace(unnest(string_split(coalesce(ipc_codes, '') || ';' || coalesce(main_ipc, ''), ';')), '\s', '', 'g')) AS code
    FROM patent
),
sei AS (  -- 1. strategic emerging industry: any IPC code starts with a listed prefix (spaces removed)
    SELECT DISTINCT i.application_no
    FROM ipc AS i
    JOIN (SELECT upper(regexp_replace(ipc_prefix, '\s', '', 'g')) AS prefix FROM stg_sei_ipc) AS s
      ON s.prefix <> '' AND i.code <> '' AND starts_with(i.code, s.prefix)
),
overseas AS (  -- 2. an overseas grant of its family (any holder, any office)
    SELECT cn_family_application_no AS application_no, min(grant_date) AS first_date
    FROM stg_overseas_grants
    WHERE cn_family_application_no IS NOT NULL
    GROUP BY 1
),
pledge AS (  -- 4. a patent pledge of at least the threshold (inclusive); release does not matter
    SELECT item_no AS application_no, min(registration_date) AS first_date
    FROM _calc_pledge_items
    WHERE pledge_type = 'patent' AND amount_wan >= $pledge_threshold_wan
    GROUP BY 1
),
award AS (  -- 5. an award of year(D) or earlier
    SELECT application_no, min(award_year) AS first_year
    FROM stg_awards
    GROUP BY 1
),
judged AS (
    SELECT d.as_of,
           p.application_no,
           p.district_code,
           s.application_no IS NOT NULL AS sei,
           coalesce(o.first_date <= d.as_of, false) AS overseas_family,
           -- 3. strictly more than ten years since filing; D − 10 years itself does not count.
           -- (For D = 29 Feb, D − 10 years is 28 Feb of a common year.)
           p.filing_date < d.as_of - INTERVAL 10 YEAR AS maintained_10y,
           coalesce(pl.first_date <= d.as_of, false) AS pledge_financing,
           coalesce(a.first_year <= year(d.as_of), false) AS award
    FROM _calc_dates AS d
    JOIN patent AS p
      ON p.grant_date <= d.as_of AND (p.lapse_date IS NULL OR p.lapse_date > d.as_of)
    LEFT JOIN sei AS s ON s.application_no = p.application_no
    LEFT JOIN overseas AS o ON o.application_no = p.application_no
    LEFT JOIN pledge AS pl ON pl.application_no = p.application_no
    LEFT JOIN award AS a ON a.application_no = p.application_no
)
SELECT as_of, application_no, district_code, sei, overseas_family, maintained_10y, pledge_financing, award
FROM judged
WHERE sei OR overseas_family OR maintained_10y OR pledge_financing OR award
