-- Billed claims with no answer after the configured number of days (claim_status 'no answer'), under
-- the payer, code, modifier and site filters and service dates: for Overview and the worklist.
with

claims as (
    select * from claim_status
    where status = 'no answer'
      and (len($payers) = 0 or list_contains($payers, payer_name))
      and (len($sites) = 0 or list_contains($sites, case when transaction_type = 'institutional' then 'TOB ' || site_of_care || 'x' else 'POS ' || site_of_care end))
      and ($date_from is null or service_date_from >= $date_from)
      and ($date_to is null or service_date_from <= $date_to)
      -- under a code or modifier filter, a claim counts when one of its billed lines matches
      -- (bill_lines, the table: the billed_lines view joins claims and files for every line; without a
      -- code or modifier filter its scan is folded away)
      and (len($codes) = 0 and len($modifiers) = 0 or submission_key in (
          select submission_key from bill_lines
          where (len($codes) > 0 or len($modifiers) > 0)
            and (len($codes) = 0 or list_contains($codes, procedure_code))
            and (len($modifiers) = 0 or list_has_any($modifiers, [modifier_1, modifier_2, modifier_3, modifier_4]))))
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
left join site_names as names
    on names.site = case when claims.transaction_type = 'institutional' then 'TOB ' || claims.site_of_care || 'x'
        else 'POS ' || claims.site_of_care end
order by days_since_sent desc, charge_amount desc
