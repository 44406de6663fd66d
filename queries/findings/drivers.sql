-- What the counted denials of the period consist of, and of its baseline: for the change findings'
-- "mostly CO-197 at POS 19" (the period's denials) and for which findings are one change (the same
-- denials moved in both: analytics/findings/changes.py), summed from driver_months
-- (queries/findings/driver_counts.sql counts each month once per load). Grain: one row per payer × site ×
-- code × modifiers × category × reason × remarks denied in the period, or denied in the baseline (the
-- months from $baseline_from to the period's first, $period_from) at least once per period length on
-- average: a fall of less than one denial says nothing of a change, and there are as many such rows as
-- all others together.
with

counted as (select * from driver_months),

compared as (
    select
        *,
        month >= $period_from as in_period
    from counted
    where month between $baseline_from and $period_to
),

-- one row per cell: every column of driver_months but its month and counts
summed as (
    select
        * exclude (month, in_period, denials, denied_amount),
        coalesce(sum(denials) filter (where in_period), 0)::bigint as denials,
        coalesce(sum(denied_amount) filter (where in_period), 0)::decimal(18, 2) as denied_amount,
        coalesce(sum(denials) filter (where not in_period), 0)::bigint as baseline_denials
    from compared
    group by all
),

-- the baseline's months per month of the period (12 for a month against the 12 before)
lengths as (
    select
        date_diff('month', $baseline_from, $period_from) as baseline_months,
        date_diff('month', $period_from, $period_to) + 1 as period_months
)

select summed.*
from summed, lengths
where denials > 0 or baseline_denials * period_months >= baseline_months
order by all
