-- JW/JZ on single-dose drug lines (HCPCS J codes), per code: claims where the drug carries neither
-- modifier (a JW line for the discarded amount, or JZ for none discarded, is expected), carries both
-- on one line (never valid), and the discarded share of units (JW lines).
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

drug_lines as (
    select * from units
    where unit_kind = 'line' and claim_kind = 'adjudicated' and procedure_code like 'J%'
),

per_claim_code as (
    select
        claim_key,
        procedure_code,
        bool_or(list_contains(modifiers, 'JW')) as has_jw,
        bool_or(list_contains(modifiers, 'JZ')) as has_jz,
        bool_or(list_contains(modifiers, 'JW') and list_contains(modifiers, 'JZ')) as both_on_a_line,
        sum(units_billed) filter (where list_contains(modifiers, 'JW')) as discarded_units,
        sum(units_billed) as billed_units
    from drug_lines
    group by claim_key, procedure_code
)

select
    procedure_code,
    count(*) as claims,
    count(*) filter (where not has_jw and not has_jz) as with_neither,
    count(*) filter (where not has_jw and not has_jz) / count(*) as share_with_neither,
    count(*) filter (where both_on_a_line) as with_both_on_a_line,
    coalesce(sum(discarded_units), 0) / nullif(sum(billed_units), 0) as discarded_share
from per_claim_code
group by procedure_code
order by with_neither desc, claims desc
