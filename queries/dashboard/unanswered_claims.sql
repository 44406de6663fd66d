-- Billed claims with no answer after the configured number of days (claim_status 'no answer'), under
-- the payer, code, modifier and site filters and service dates: for Overview and the worklist.
with

claims as (
    select * from filtered_claim_status($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
    where status = 'no answer'
)

select
    submitted_date,
    days_since_sent,
    payer_name,
    claim_id,
    charge_amount,
    service_date_from,
    coalesce(names.site_label, claims.site_of_care) as site,
    file_name
from claims
left join site_names as names on names.site = claims.site
order by days_since_sent desc, charge_amount desc, claim_id
