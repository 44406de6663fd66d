-- What the counted denials of the period consist of, for the change findings' "mostly CO-197 at POS 19":
-- the period's counted denials (denial_class 'denial') of initial claims, by the slice dimensions and
-- the reason. Grain: one row per payer × site × code × modifiers × category × reason in the months
-- from $period_from to $period_to (payment months, complete only).
with

claims as (
    select claim_key, payer_name
    from initial_claims('payment', NULL, NULL, []::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[])
    where month between $period_from and $period_to and complete and denied
),

denied as (
    select
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
    count(*) as denials,
    sum(denied_amount)::decimal(18, 2) as denied_amount
from denied
group by all
order by all
