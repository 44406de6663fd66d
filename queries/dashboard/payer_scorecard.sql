-- One row per payer: volume, denial rate, denied dollars, top category, days to pay.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

per_payer as (
    select
        payer_name,
        count(*) filter (where claim_kind = 'adjudicated' and first_of_claim) as claims,
        count(*) filter (where adjudicated_unit) as units,
        count(*) filter (where denied_unit) as denied_units,
        coalesce(sum(denied_amount), 0) as denied_amount,
        sum(charge_amount) filter (where adjudicated_unit) as charges,
        sum(paid_amount) filter (where unit_kind <> 'claim_adjustment') as paid_amount
    from units
    group by payer_name
),

top_category as (
    select payer_name, arg_max(category, denied) as top_category
    from (
        select payer_name, category, sum(denied_amount) as denied
        from units where denial_type is not null group by all
    )
    group by payer_name
),

days_to_pay as (
    select payer_name, median(payment_date - received_date) as median_days_to_pay
    from units
    where claim_kind = 'adjudicated' and first_of_claim
    group by payer_name
)

select
    per_payer.payer_name,
    per_payer.claims,
    per_payer.units,
    per_payer.denied_units / nullif(per_payer.units, 0) as denial_rate,
    per_payer.denied_amount,
    per_payer.denied_amount / nullif(per_payer.charges, 0) as dollar_denial_rate,
    top_category.top_category,
    days_to_pay.median_days_to_pay,
    per_payer.paid_amount
from per_payer
left join top_category using (payer_name)
left join days_to_pay using (payer_name)
order by per_payer.denied_amount desc
