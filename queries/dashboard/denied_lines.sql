-- Denied lines (and claim-level denials) under the filters, newest payment first; $search narrows by
-- claim id ('' keeps all).
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
names as (select * from site_names),
categories as (select * from ref_denial_categories),

-- the newest 1,000 first, then their labels
newest as (
    select payment_date, payer_name, claim_id, procedure_code, modifiers, site, service_date, denial_type,
        denied_amount, primary_group, primary_reason, category, remark_codes, patient_liable
    from units
    where denial_type is not null
      and ($search = '' or contains(lower(claim_id), lower($search)))
    order by payment_date desc, claim_id
    limit 1000
)

select
    payment_date,
    payer_name,
    claim_id,
    procedure_code,
    array_to_string(modifiers, '+') as modifiers,
    coalesce(names.site_label, newest.site) as site,
    service_date,
    denial_type,
    denied_amount,
    coalesce(primary_group || '-', '') || coalesce(primary_reason, '') as reason,
    coalesce(categories.label, newest.category) as category,
    array_to_string(remark_codes, ' ') as remarks,
    patient_liable
from newest
left join names using (site)
left join categories using (category)
order by payment_date desc, claim_id
