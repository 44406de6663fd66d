-- Denial rate and denied dollars of service lines by modifier, and by modifier combination.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

lines as (
    select * from units where unit_kind = 'line' and claim_kind = 'adjudicated'
),

by_single as (
    select 'modifier' as grouping, coalesce(modifier, '(none)') as modifiers, denial_type, denied_amount
    from (select *, unnest(case when len(modifiers) = 0 then [null] else modifiers end) as modifier from lines)
),

by_combination as (
    select 'combination', coalesce(nullif(array_to_string(list_sort(modifiers), '+'), ''), '(none)'), denial_type, denied_amount
    from lines
)

select
    grouping,
    modifiers,
    count(*) as lines,
    count(*) filter (where denial_type is not null) / count(*) as denial_rate,
    coalesce(sum(denied_amount), 0) as denied_amount
from (select * from by_single union all select * from by_combination)
group by all
order by grouping desc, denied_amount desc
