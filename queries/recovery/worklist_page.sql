-- The first rows of the worklist, as the Worklist page shows them (the whole list is the CSV download,
-- worklist.sql; its totals worklist_totals.sql): urgent ones (14 days or fewer left) first, soonest
-- deadline first; then by expected $ (ties by payer, claim, code, date and reason: the page shows the CSV's first
-- rows). Sorted and cut in SQL: at 10M lines the list has 137,000 rows,
-- too many to fetch and send to a browser on every view.
select * from open_worklist($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
order by priority desc, case when priority = 'urgent' then days_left end, expected_recoverable desc, days_left,
    payer_name, claim_id, procedure_code, denial_date, reason
limit 1000
