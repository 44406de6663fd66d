-- Denied lines (and claim-level denials) under the filters, newest payment first; $search narrows by
-- claim id ('' keeps all). site and category are keys ('POS 19', 'authorization'): the page shows their
-- names (ui.table), the CSV the keys. Every denial is listed, with what it counts as (counted_as): only
-- 'denial' counts in the denial rates and denied dollars of the other pages.
with

denials as (select * from filtered_denials($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites))

-- what a denial is read by first (who, which claim and code, how much, why), then its details
select
    payment_date,
    payer_name,
    claim_id,
    procedure_code,
    denied_amount,
    denial_type,
    reason_code(primary_group, primary_reason) as reason,  -- 'CLP02 4' for a claim denied without a reason, as on the Overview
    category,
    denial_class as counted_as,  -- 'denial', 'expected' (GA/GY/GZ) or 'duplicate' (the claim was a duplicate)
    modifier_list(modifiers) as modifiers,
    site,
    service_date,
    array_to_string(remark_codes, ' ') as remarks,
    patient_liable
from denials
where $search = '' or contains(lower(claim_id), lower($search))
order by payment_date desc, claim_id
limit 1000
