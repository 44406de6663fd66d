-- Billed claims (837) by what the payers answered (claim_status), under the payer, code, modifier and site
-- filters and service dates; empty when no claim file is loaded.
with

claims as (
    select * from claim_status
    where (len($payers) = 0 or list_contains($payers, payer_name))
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
    status,
    count(*) as claims,
    sum(charge_amount) as charge_amount,
    sum(paid_amount) as paid_amount,
    any_value(no_answer_days) as no_answer_days
from claims
group by status
order by claims desc
