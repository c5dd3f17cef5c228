-- The high-value invention patents behind hv_patents_per_10k on D, with the criteria each met.
SELECT h.application_no, h.district_code, p.holder, p.filing_date, p.grant_date, p.main_ipc, p.ipc_codes,
       h.sei, h.overseas_family, h.maintained_10y, h.pledge_financing, h.award,
       list_filter(['sei', 'overseas_family', 'maintained_10y', 'pledge_financing', 'award'],
                   lambda c, i: [h.sei, h.overseas_family, h.maintained_10y, h.pledge_financing, h.award][i]) AS criteria
FROM _calc_hv AS h
JOIN stg_patents AS p USING (application_no)
WHERE ($district IS NULL OR h.district_code = $district)
ORDER BY h.district_code, h.application_no
