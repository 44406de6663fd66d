-- Off-campus hospital outpatient care in one total: lines with PO (excepted off-campus department), PN
-- (non-excepted) or at POS 19 (off-campus outpatient hospital, professional claims), their denial rate
-- and denied dollars (denial_class 'denial'), and what the payers would have paid for those denials
-- (expected reimbursement: recovery_denials.expected_reimbursement, as in the recoveries view: denied $ × the payer's paid-to-charge
-- ratio for the code; see recovery_denials.sql), one row per part and a total.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
-- the followed denials (recovery_denials, a table: the recovery status is not needed here) under the
-- filters as filtered_recoveries narrows them
denials as (
    select * from recovery_denials
    where ($date_from is null or (case when $date_basis = 'payment' then denial_date else service_date end) >= $date_from)
      and ($date_to is null or (case when $date_basis = 'payment' then denial_date else service_date end) <= $date_to)
      and (len($payers) = 0 or list_contains($payers, payer_name))
      and (len($categories) = 0 or list_contains($categories, category))
      and (len($codes) = 0 or list_contains($codes, procedure_code))
      and (len($modifiers) = 0 or len(list_intersect($modifiers, modifiers)) > 0
           or coalesce(list_contains($modifiers, missing_modifier), false))
      and (len($sites) = 0 or list_contains($sites, site))
      and denial_date <= data_date()
),

lines as (
    select
        case
            when list_contains(modifiers, 'PN') then 'PN'
            when list_contains(modifiers, 'PO') then 'PO'
            else 'POS 19'
        end as part,
        denial_class,
        denied_amount
    from units
    where adjudicated_unit and unit_kind = 'line'
      and (list_has_any(modifiers, ['PO', 'PN']) or site = 'POS 19')
),

expected as (
    select
        case
            when list_contains(modifiers, 'PN') then 'PN'
            when list_contains(modifiers, 'PO') then 'PO'
            else 'POS 19'
        end as part,
        sum(expected_reimbursement) as expected_reimbursement
    from denials
    where unit_kind = 'line' and (list_has_any(modifiers, ['PO', 'PN']) or site = 'POS 19')
    group by all
),

parts as (
    select
        part,
        count(*) as lines,
        count(*) filter (where denial_class = 'denial') as denied_lines,
        coalesce(sum(denied_amount) filter (where denial_class = 'denial'), 0) as denied_amount
    from lines
    group by all
)

select
    coalesce(parts.part, 'off-campus total') as part,
    sum(parts.lines) as lines,
    sum(parts.denied_lines) / nullif(sum(parts.lines), 0) as denial_rate,
    sum(parts.denied_amount) as denied_amount,
    coalesce(sum(expected.expected_reimbursement), 0) as expected_reimbursement
from parts
left join expected using (part)
group by grouping sets ((parts.part), ())
order by grouping(parts.part) desc, denied_amount desc
