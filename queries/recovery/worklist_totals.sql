-- The Worklist page's tiles over the whole worklist (open_worklist, queries/marts/open_worklist.sql), not
-- only the rows the page shows: open denials, their denied $ and expected recoverable $, the urgent ones.
with

worklist as (
    select * from open_worklist($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
)

select
    count(*) as open_denials,
    coalesce(sum(denied_amount), 0) as denied_amount,
    coalesce(sum(expected_recoverable), 0) as expected_recoverable,
    count(*) filter (where priority = 'urgent') as urgent
from worklist
