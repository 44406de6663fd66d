-- Denial rate per payer and month: the heatmap of the Payers page.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites))

select
    payer_name,
    basis_month as month,
    count(*) filter (where adjudicated_unit) as units,
    count(*) filter (where denied_unit) / nullif(count(*) filter (where adjudicated_unit), 0) as denial_rate
from units
where basis_month is not null
group by all
order by payer_name, month
