-- Billed claims with no answer after the configured number of days (claim_status 'no answer'), under
-- the payer, code, modifier and site filters and service dates: for Overview and the worklist. Those
-- still within their filing deadline first, the soonest first (resubmit or call before it passes); then
-- those past it, the most recently passed first (a resubmission then needs proof of timely filing).
with

claims as (
    select * from filtered_claim_status($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
    where status = 'no answer'
)

select
    filing_deadline,
    days_left_to_file,
    sent_date,
    days_since_sent,
    payer_name,
    claim_id,
    charge_amount,
    service_date_from,
    coalesce(names.site_label, claims.site_of_care) as site,
    file_name
from claims
left join site_names as names on names.site = claims.site
order by days_left_to_file < 0, abs(days_left_to_file), charge_amount desc, claim_id
