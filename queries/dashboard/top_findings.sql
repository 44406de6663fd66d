-- The Overview's top findings: the change findings of the default period (change_findings: the last
-- complete payment month against the 12 complete months before it), the three with the largest dollar
-- effect. Every slice is tested there, so the sidebar's filters do not apply.
with

findings as (select * from change_findings where finding)

select
    sentence,
    slice,
    period_from,
    effect_amount,
    q_value
from findings
order by abs(effect_amount) desc, rank
limit 3
