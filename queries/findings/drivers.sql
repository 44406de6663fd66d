-- What the counted denials of the period consist of, and of its baseline: for the change findings'
-- "mostly CO-197 at POS 19" (the period's denials) and for which findings are one change (the same
-- denials moved in both: analytics/findings/changes.py), summed from driver_months
-- (queries/findings/driver_counts.sql counts each month once per load). Grain: one row per payer × site ×
-- code × modifiers × category × reason × remarks denied in the months from $baseline_from to $period_to
-- (payment months, complete only; the baseline is the months before $period_from).
with

counted as (select * from driver_months),

compared as (
    select
        *,
        month >= $period_from as in_period
    from counted
    where month between $baseline_from and $period_to
)

select
    payer_name,
    site,
    procedure_code,
    modifiers,
    category,
    reason,
    remark_codes,
    coalesce(sum(denials) filter (where in_period), 0)::bigint as denials,
    coalesce(sum(denied_amount) filter (where in_period), 0)::decimal(18, 2) as denied_amount,
    coalesce(sum(denials) filter (where not in_period), 0)::bigint as baseline_denials
from compared
group by all
order by all
