-- JW/JZ on single-dose drug lines (HCPCS J codes), per code: claims where the drug carries neither
-- modifier (a JW line for the discarded amount, or JZ for none discarded, is expected), carries both
-- on one line (never valid), and the discarded share of units (JW lines). The status of each claim
-- and code is judged when the file loads (adjudication_units.sql).
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

drug_lines as (
    select * from units
    where unit_kind = 'line' and claim_kind = 'adjudicated' and waste_status is not null
)

select
    procedure_code,
    count(*) filter (where first_of_claim_code) as claims,
    count(*) filter (where first_of_claim_code and waste_status = 'neither') as with_neither,
    count(*) filter (where first_of_claim_code and waste_status = 'neither')
        / nullif(count(*) filter (where first_of_claim_code), 0) as share_with_neither,
    count(*) filter (where first_of_claim_code and waste_status = 'both on a line') as with_both_on_a_line,
    coalesce(sum(units_billed) filter (where list_contains(modifiers, 'JW')), 0) / nullif(sum(units_billed), 0)
        as discarded_share
from drug_lines
group by procedure_code
order by with_neither desc, claims desc
