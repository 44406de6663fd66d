-- Denial rate and denied dollars per month (by the chosen date basis).
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

monthly as (
    select
        basis_month as month,
        count(*) filter (where adjudicated_unit) as units,
        count(*) filter (where denied_unit) as denied_units,
        coalesce(sum(denied_amount), 0) as denied_amount
    from units
    where basis_month is not null
    group by basis_month
)

select month, units, denied_units, denied_units / nullif(units, 0) as denial_rate, denied_amount
from monthly
order by month
