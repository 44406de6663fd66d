-- Denied lines (and claim-level denials) under the filters, newest payment first; $search narrows by
-- claim id ('' keeps all).
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
names as (select * from site_names),
categories as (select * from ref_denial_categories)

select
    payment_date,
    payer_name,
    claim_id,
    procedure_code,
    array_to_string(modifiers, '+') as modifiers,
    coalesce(names.site_label, units.site) as site,
    service_date,
    denial_type,
    denied_amount,
    coalesce(primary_group || '-', '') || coalesce(primary_reason, '') as reason,
    coalesce(categories.label, units.category) as category,
    array_to_string(remark_codes, ' ') as remarks,
    patient_liable
from units
left join names using (site)
left join categories using (category)
where denial_type is not null
  and ($search = '' or contains(lower(claim_id), lower($search)))
order by payment_date desc, claim_id
limit 1000
