-- The Overview's top findings: the change findings of the default period (change_findings: the last
-- complete payment month against the 12 complete months before it), the three with the largest dollar
-- effect; when slices were tested and none is a finding, one row without a sentence (the period only),
-- so the page can say so. Every slice is tested there, so the sidebar's filters do not apply.
with

tested as (select * from change_findings),

findings as (
    select sentence, slice, period_from, effect_amount, q_value, rank
    from tested
    where finding
),

top_three as (
    select * from findings order by abs(effect_amount) desc, rank limit 3
),

nothing_found as (
    select null::varchar as sentence, null::varchar as slice, min(period_from) as period_from,
        null::decimal(18, 2) as effect_amount, null::double as q_value, null::integer as rank
    from tested
    having count(*) > 0 and (select count(*) from findings) = 0
)

select sentence, slice, period_from, effect_amount, q_value
from (select * from top_three union all select * from nothing_found)
order by abs(effect_amount) desc nulls last, rank
