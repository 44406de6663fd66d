-- Denial rate and denied dollars per month (by the chosen date basis).
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

dated as (
    select
        *,
        basis_month as month
    from units
),

monthly as (
    select
        month,
        count(*) filter (where claim_kind = 'adjudicated' and unit_kind <> 'claim_adjustment') as units,
        count(*) filter (where denial_type is not null and unit_kind <> 'claim_adjustment') as denied_units,
        coalesce(sum(denied_amount), 0) as denied_amount
    from dated
    where month is not null
    group by month
)

select month, units, denied_units, denied_units / nullif(units, 0) as denial_rate, denied_amount
from monthly
order by month
