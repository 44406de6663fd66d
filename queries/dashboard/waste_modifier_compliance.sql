-- JW/JZ on single-dose drug lines (HCPCS J codes), per code (grouping 'code'): claims where the drug
-- carries neither modifier (a JW line for the discarded amount, or JZ for none discarded, is expected),
-- carries both on one line (never valid), and the discarded share of units (JW lines). The status of
-- each claim and code is judged when the file loads (adjudication_units.sql).
-- And per month of the chosen date basis (grouping 'month', the Modifiers page's trend): JW/JZ
-- compliance (drug claims with JW or JZ ÷ drug claims) and the missing-modifier denials (CO-16/CO-4 with
-- N822, N823 or N519: fact_units.missing_modifier, class 'denial'), those for a missing JW/JZ apart;
-- complete is false for a month not over on the data date. One scan for both.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

lines as (
    select
        procedure_code,
        basis_month,
        coalesce(first_of_claim_code, false) as claim_first,
        waste_status,
        case when waste_status is not null then units_billed end as drug_units,
        case when waste_status is not null and list_contains(modifiers, 'JW') then units_billed end as discarded_units,
        missing_modifier is not null and denial_class = 'denial' as missing,
        missing_modifier = 'JW/JZ' and denial_class = 'denial' as missing_jw_jz,
        denied_amount
    from units
    where unit_kind = 'line' and claim_kind = 'adjudicated'
      and (waste_status is not null or missing_modifier is not null)
),

-- per code and per month in one pass (count_if and sum(case): cheaper here than FILTER clauses)
grouped as (
    select
        case when grouping(procedure_code) = 0 then 'code' else 'month' end as grouping,
        procedure_code,
        basis_month as month,
        count_if(claim_first) as claims,
        count_if(claim_first and waste_status = 'neither') as with_neither,
        count_if(claim_first and waste_status = 'both on a line') as with_both_on_a_line,
        count_if(claim_first and waste_status in ('JW', 'JZ')) as compliant_claims,
        coalesce(sum(discarded_units), 0) / nullif(sum(drug_units), 0) as discarded_share,
        count_if(missing) as missing_modifier_denials,
        count_if(missing_jw_jz) as missing_jw_jz_denials,
        coalesce(sum(case when missing then denied_amount end), 0) as missing_modifier_denied_amount
    from lines
    group by grouping sets ((procedure_code), (basis_month))
)

select
    grouping,
    procedure_code,
    claims,
    with_neither,
    with_neither / nullif(claims, 0) as share_with_neither,
    with_both_on_a_line,
    discarded_share,
    month,
    compliant_claims / nullif(claims, 0) as jw_jz_compliance,
    missing_modifier_denials,
    missing_jw_jz_denials,
    missing_modifier_denied_amount,
    month_complete(month) as complete
from grouped
where grouping = 'month' and month is not null
   or grouping = 'code' and claims > 0
order by grouping, case when grouping = 'code' then -with_neither end, case when grouping = 'code' then -claims end, month
