-- The overall claim denial rate's months for its change test on the Overview and the Monthly review
-- (analytics/findings/attribution.py: overall_sentence): initial claims and those denied in each payment month from
-- $baseline_from to $period_to, the payer slices of slice_months summed (every claim has one payer), as
-- the What changed page's attribution sums them.
-- Grain: one row per payment month.
with

counted as (select * from slice_months),

payers as (
    select month, claims, denied_claims
    from counted
    where dimension = 'payer' and month between $baseline_from and $period_to
),

final as (
    select month, sum(claims)::bigint as claims, sum(denied_claims)::bigint as denied_claims
    from payers
    group by month
)

select * from final
order by month
