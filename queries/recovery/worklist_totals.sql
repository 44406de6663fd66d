-- The Worklist page's tiles over the whole worklist (open_worklist, queries/marts/open_worklist.sql), not
-- only the rows the page shows: open denials, their denied $ and expected recoverable $, the urgent ones.
-- The list is as of the data date (the latest payment loaded): when that is more than stale_data_days
-- (ref_settings) before today, the page says so, with the open denials whose deadline has come since
-- (lapsed_since: they may have lapsed, or been paid on remittances not loaded yet).
with

worklist as (
    select * from open_worklist($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
),
settings as (select * from ref_settings),

stale_data_days as (
    select coalesce(max(try_cast(value as integer)), 7) as days from settings where setting = 'stale_data_days'
)

select
    count(*) as open_denials,
    coalesce(sum(denied_amount), 0) as denied_amount,
    coalesce(sum(expected_recoverable), 0) as expected_recoverable,
    count(*) filter (where priority = 'urgent') as urgent,
    date_diff('day', data_date(), current_date) as data_age_days,
    (select days from stale_data_days) as stale_data_days,
    count(*) filter (where deadline < current_date) as lapsed_since,
    coalesce(sum(denied_amount) filter (where deadline < current_date), 0) as lapsed_since_amount
from worklist
