-- Billed claims (837) by what the payers answered (claim_status), under the payer, code, modifier and site
-- filters and service dates, and how many of them are still within their filing deadline (days left to
-- file not negative: a claim with no answer can still be resubmitted); empty when no claim file is loaded.
with

claims as (
    select * from filtered_claim_status($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
)

select
    status,
    count(*) as claims,
    sum(charge_amount) as charge_amount,
    sum(paid_amount) as paid_amount,
    count(*) filter (where days_left_to_file >= 0) as within_filing_deadline,
    any_value(no_answer_days) as no_answer_days
from claims
group by status
order by claims desc, status
