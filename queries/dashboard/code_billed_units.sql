-- One code ($code) as billed (837) against as paid (835): per payer, the billed lines, how many a payer
-- has answered (matched remittance line, initial adjudication), the units billed on those and the
-- units the payer paid for them. Under the payer and site filters and service dates.
with

claims as (select * from billed_claims),
lines as (select * from billed_lines),
-- the first answer to each billed line (matched remittance line, initial adjudication), built after each load
answers as (select * from line_answers),

-- the code's billed lines under the filters; the claim (its type and place of service) is read only for
-- the site filter: billed_claims derives every claim's service dates from all its lines
billed as (
    select lines.*, lines.payer_name as billed_payer
    from lines
    where lines.procedure_code = $code
      and (len($payers) = 0 or list_contains($payers, lines.payer_name))
      and ($date_from is null or lines.service_date >= $date_from)
      and ($date_to is null or lines.service_date <= $date_to)
      and (len($sites) = 0 or lines.bill_line_key in (
          select sited.bill_line_key
          from lines as sited
          join claims using (submission_key)
          where sited.procedure_code = $code
            and list_contains($sites, site_key(claims.transaction_type, coalesce(sited.place_of_service, claims.site_of_care)))))
),

answered as (
    select answers.bill_line_key, answers.units_paid, answers.denied
    from billed
    join answers using (bill_line_key)
)

select
    billed.billed_payer as payer_name,
    count(*) as billed_lines,
    count(answered.bill_line_key) as answered_lines,
    coalesce(sum(billed.units_billed) filter (where answered.bill_line_key is not null), 0) as units_billed,
    coalesce(sum(answered.units_paid), 0) as units_paid,
    count(*) filter (where answered.denied) as denied_lines
from billed
left join answered using (bill_line_key)
group by all
order by billed_lines desc, payer_name
