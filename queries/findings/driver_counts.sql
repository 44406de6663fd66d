-- What the counted denials of each payment month of $months consist of, for the change findings'
-- "mostly CO-197 at POS 19": the month's counted denials (denial_class 'denial') of initial claims, by
-- the slice dimensions and the reason. analytics/findings/store.py writes them into the table driver_months
-- after each load, as it writes slice_months; queries/findings/drivers.sql sums a period of it.
-- Grain: one row per payment month × payer × site × code × modifiers × category × reason × remarks.
with

claims as (
    select claim_key, payer_name, month
    from initial_claims('payment', NULL, NULL, []::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[])
    where list_contains($months, month) and denied
),

denied as (
    select
        claims.month,
        claims.payer_name,
        fact_units.site,
        fact_units.procedure_code,
        fact_units.modifiers,
        fact_units.category,
        coalesce(fact_units.primary_group || '-', '') || fact_units.primary_reason as reason,
        fact_units.remark_codes,
        fact_units.denied_amount
    from fact_units
    join claims using (claim_key)
    where fact_units.denial_class = 'denial'
)

select
    payer_name,
    site,
    procedure_code,
    modifiers,
    category,
    reason,
    remark_codes,
    month,
    count(*) as denials,
    sum(denied_amount)::decimal(18, 2) as denied_amount
from denied
group by all
