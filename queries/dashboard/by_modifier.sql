-- Denial rate and denied dollars of service lines by modifier, and by modifier combination.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

lines as (
    select modifiers, denial_type, denied_amount
    from units
    where unit_kind = 'line' and claim_kind = 'adjudicated'
),

-- aggregate per combination first: far fewer rows to unnest and to turn into text
combinations as (
    select
        modifiers,
        count(*) as lines,
        count(*) filter (where denial_type is not null) as denied_lines,
        coalesce(sum(denied_amount), 0) as denied_amount
    from lines
    group by modifiers
),

by_single as (
    select 'modifier' as grouping, coalesce(modifier, '(none)') as modifiers, lines, denied_lines, denied_amount
    from (
        select *, unnest(case when len(modifiers) = 0 then [null] else modifiers end) as modifier from combinations
    )
),

by_combination as (
    select 'combination', coalesce(nullif(array_to_string(list_sort(modifiers), '+'), ''), '(none)'),
        lines, denied_lines, denied_amount
    from combinations
)

select
    grouping,
    modifiers,
    sum(lines) as lines,
    sum(denied_lines) / sum(lines) as denial_rate,
    sum(denied_amount) as denied_amount
from (select * from by_single union all select * from by_combination)
group by all
order by grouping desc, denied_amount desc
