-- The worklist, whole (the Worklist page's CSV download): one row per open denial still pursued, as of
-- the data date (queries/marts/open_worklist.sql says what each column means). Urgent ones (14 days or
-- fewer left) first, soonest deadline first; then by expected $.
select * from open_worklist($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
order by priority desc, case when priority = 'urgent' then days_left end, expected_recoverable desc, days_left,
    payer_name, claim_id, procedure_code, denial_date, reason
