-- JW/JZ on single-dose drug lines (HCPCS J codes), per code (grouping 'code'): claims where the drug
-- carries neither modifier (a JW line for the discarded amount, or JZ for none discarded, is expected),
-- carries both on one line (never valid), and the discarded share of units (JW lines). The status of
-- each claim and code is judged when the file loads (adjudication_units.sql).
-- And per month of the chosen date basis (grouping 'month', the Modifiers page's trend): JW/JZ
-- compliance (drug claims with JW or JZ ÷ drug claims) and the missing-modifier denials (CO-16/CO-4 with
-- N822, N823 or N519: fact_units.missing_modifier, class 'denial'), those for a missing JW/JZ apart;
-- complete is false for a month not over on the data date, answering true for a month of service still
-- being answered (month_answering, by answer_days). One scan for both.
-- The lines come summed by every filtered value (drug_line_cells, built after each load: a scan of
-- fact_units here took 300 ms at 10M lines); each cell's sums stand for its lines.
with

cells as (
    select * from filtered_drug_line_cells($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers,
                                           $sites)
),

-- a line's count_if(x) is x::int summed (NULL when x is NULL, and a group of NULLs counts NULL): a cell
-- stands for its lines with x * its lines (or its drug claims, for claim_first and x; its other lines
-- count 0 then), and sum() keeps NULL for a group of NULLs
lines as (
    select
        procedure_code,
        basis_month,
        claims,
        case when waste_status = 'neither' then claims when waste_status <> 'neither' or lines > claims then 0 end
            as with_neither,
        case when waste_status = 'both on a line' then claims when waste_status <> 'both on a line' or lines > claims
            then 0 end as with_both_on_a_line,
        case when waste_status in ('JW', 'JZ') then claims when waste_status not in ('JW', 'JZ') or lines > claims
            then 0 end as compliant_claims,
        case when waste_status is not null then units_billed end as drug_units,
        case when waste_status is not null then jw_units end as discarded_units,
        missing_modifier is not null and denial_class = 'denial' as missing,
        missing_modifier = 'JW/JZ' and denial_class = 'denial' as missing_jw_jz,
        lines,
        denied_amount
    from cells
),

-- per code and month first (one small hash table), then per code and per month from those
code_months as (
    select
        procedure_code,
        basis_month,
        sum(claims) as claims,
        sum(with_neither) as with_neither,
        sum(with_both_on_a_line) as with_both_on_a_line,
        sum(compliant_claims) as compliant_claims,
        sum(drug_units) as drug_units,
        sum(discarded_units) as discarded_units,
        sum(case when missing then lines when not missing then 0 end) as missing_modifier_denials,
        sum(case when missing_jw_jz then lines when not missing_jw_jz then 0 end) as missing_jw_jz_denials,
        sum(case when missing then denied_amount end) as missing_modifier_denied_amount
    from lines
    group by procedure_code, basis_month
),

grouped as (
    select
        case when grouping(procedure_code) = 0 then 'code' else 'month' end as grouping,
        procedure_code,
        basis_month as month,
        sum(claims) as claims,
        sum(with_neither) as with_neither,
        sum(with_both_on_a_line) as with_both_on_a_line,
        sum(compliant_claims) as compliant_claims,
        coalesce(sum(discarded_units), 0) / nullif(sum(drug_units), 0) as discarded_share,
        sum(missing_modifier_denials) as missing_modifier_denials,
        sum(missing_jw_jz_denials) as missing_jw_jz_denials,
        coalesce(sum(missing_modifier_denied_amount), 0) as missing_modifier_denied_amount
    from code_months
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
    month_complete(month) as complete,
    month_answering($date_basis, month, $payers) as answering,
    answer_days($payers) as answer_days
from grouped
where grouping = 'month' and month is not null
   or grouping = 'code' and claims > 0
order by grouping, case when grouping = 'code' then -with_neither end, case when grouping = 'code' then -claims end, month
