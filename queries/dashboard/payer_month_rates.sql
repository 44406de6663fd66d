-- Denial rate per payer and month: the heatmap of the Payers page.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

dated as (
    select
        payer_name,
        basis_month as month,
        claim_kind,
        unit_kind,
        denial_type
    from units
)

select
    payer_name,
    month,
    count(*) filter (where claim_kind = 'adjudicated' and unit_kind <> 'claim_adjustment') as units,
    count(*) filter (where denial_type is not null and unit_kind <> 'claim_adjustment')
        / nullif(count(*) filter (where claim_kind = 'adjudicated' and unit_kind <> 'claim_adjustment'), 0) as denial_rate
from dated
where month is not null
group by all
order by payer_name, month
