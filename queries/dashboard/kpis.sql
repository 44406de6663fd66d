-- Overview tiles: volume, denial rate by count and by dollars, denied dollars, avoidable share.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

-- what the payers adjudicated: reversals, predeterminations and forwarded claims are not counted,
-- nor the claim-level part of a claim with lines (its lines are the units)
adjudicated as (
    select * from units where adjudicated_unit
),

measures as (
    select
        count(*) filter (where first_of_claim) as claims,
        count(*) as units,
        count(*) filter (where denial_type is not null) as denied_units,
        sum(charge_amount) as charges
    from adjudicated
),

denied as (
    select
        coalesce(sum(denied_amount), 0) as denied_amount,
        coalesce(sum(denied_amount) filter (where preventable), 0) as avoidable_amount
    from units
    where denial_type is not null
)

select
    measures.claims,
    measures.units,
    measures.denied_units,
    measures.denied_units / nullif(measures.units, 0) as denial_rate,
    denied.denied_amount,
    measures.charges,
    denied.denied_amount / nullif(measures.charges, 0) as dollar_denial_rate,
    denied.avoidable_amount,
    denied.avoidable_amount / nullif(denied.denied_amount, 0) as avoidable_share
from measures, denied
