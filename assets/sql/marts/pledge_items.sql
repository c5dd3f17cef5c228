-- pledge_items: stg_pledges.items exploded, one row per pledge registration and
-- pledged patent/trademark number (the link behind high-value criterion 4).
-- Scope and status are kept as columns: criterion 4 ignores both (INDICATORS.md § 1).
SELECT DISTINCT
    p.registration_no,
    p.pledge_type,
    p.registration_date,
    p.amount_wan,
    p.status,
    p.district_code,
    p.in_scope,
    trim(x.item) AS item_no
FROM stg_pledges AS p,
     unnest(string_split(coalesce(p.items, ''), ';')) AS x(item)
WHERE trim(x.item) <> ''
