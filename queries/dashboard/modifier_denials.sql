-- Denials whose reason or remark codes point at a modifier problem.
with

denials as (select * from filtered_denials($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

modifier_problems as (
    select *
    from denials
    where denial_class = 'denial'  -- duplicate-claim and expected denials are counted apart
      and (subcategory = 'modifier'
           or primary_reason in ('4', '182', '236')
           or list_has_any(remark_codes, ['N822', 'N823', 'N519']))
)

select
    payer_name,
    procedure_code,
    modifier_combination_name(modifier_combination) as modifiers,  -- JW+JG and JG+JW one row
    reason_code(primary_group, primary_reason) as reason,
    array_to_string(remark_codes, ' ') as remarks,
    count(*) as denials,
    sum(denied_amount) as denied_amount
from modifier_problems
group by all
order by denied_amount desc, denials desc, payer_name, procedure_code, modifiers, reason, remarks
limit 200
