-- One code ($code) as billed (837) against as paid (835): per payer, the billed lines, how many a payer
-- has answered (matched remittance line, initial adjudication), the units billed on those and the
-- units the payer paid for them. Under the payer and site filters and service dates.
with

claims as (select * from submitted_claims),
lines as (select * from submitted_lines),
line_pairs as (select * from line_matches),
units as (select * from fact_units where unit_kind = 'line' and claim_kind = 'adjudicated' and not readjudication),

billed as (
    select lines.*, claims.payer_name as billed_payer, coalesce(lines.place_of_service, claims.site_of_care) as site
    from lines
    join claims using (submission_key)
    where lines.procedure_code = $code
      and (len($payers) = 0 or list_contains($payers, claims.payer_name))
      and (len($sites) = 0 or list_contains($sites, case when claims.transaction_type = 'institutional'
          then 'TOB ' || claims.site_of_care || 'x' else 'POS ' || coalesce(lines.place_of_service, claims.site_of_care) end))
      and ($date_from is null or lines.service_date >= $date_from)
      and ($date_to is null or lines.service_date <= $date_to)
),

-- the first answer to each billed line
answered as (
    select
        billed.bill_line_key,
        arg_min(units.units_paid, (units.payment_date, units.line_key)) as units_paid,
        arg_min(units.denial_type is not null, (units.payment_date, units.line_key)) as denied
    from billed
    join line_pairs using (bill_line_key)
    join units using (line_key)
    group by billed.bill_line_key
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
order by billed_lines desc
