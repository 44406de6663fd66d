-- What the counted denials of the period consist of, for the change findings' "mostly CO-197 at POS 19":
-- the period's counted denials of initial claims by the slice dimensions and the reason, summed from
-- driver_months (queries/findings/driver_counts.sql counts each month once per load). Grain: one row per
-- payer × site × code × modifiers × category × reason × remarks in the months from $period_from to
-- $period_to (payment months, complete only).
with

counted as (select * from driver_months),

period as (
    select *
    from counted
    where month between $period_from and $period_to
)

select
    payer_name,
    site,
    procedure_code,
    modifiers,
    category,
    reason,
    remark_codes,
    sum(denials)::bigint as denials,
    sum(denied_amount)::decimal(18, 2) as denied_amount
from period
group by all
order by all
