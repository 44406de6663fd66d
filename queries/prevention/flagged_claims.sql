-- Billed lines a prevention rule flags, under the page's payer, code and site filters and service
-- dates, newest claims first, with what the payer answered so far and the day each counts as sent
-- (claim_status: the file's date, never before the last date of service, as the Worklist says it).
with

flags as (
    select * from filtered_prevention_flags($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)
),
status as (select submission_key, status, sent_date from claim_status),
names as (select * from site_names)

select
    coalesce(status.sent_date, flags.submitted_date) as sent_date,
    -- the claim's status and what the rule found first: within the first screen's width
    coalesce(status.status, 'billed') as claim_status,
    flags.payer_name,
    flags.claim_id,
    flags.procedure_code,
    modifier_list(flags.modifiers) as modifiers,
    flags.units_billed,
    flags.finding,
    flags.category,
    flags.rule_id,
    coalesce(names.site_label, flags.site_key) as site,
    flags.service_date
from flags
left join status using (submission_key)
left join names on names.site = flags.site_key
order by sent_date desc nulls last, flags.claim_id, flags.rule_id
limit 5000
