-- Denial rate and denied dollars of service lines by modifier, and by modifier combination.
-- (Denials of class 'denial' only: duplicate-claim denials are left out, and expected denials of lines with
-- GA, GY or GZ are counted apart, in expected_denied_lines, so a GA line denied as foreseen does not read as
-- a modifier the payer never denies.)
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

-- aggregate per combination (sorted, joined with +) first: few groups to split into modifiers
combinations as (
    select
        modifier_combination,
        count(*) as lines,
        count(*) filter (where denial_class = 'denial') as denied_lines,
        count(*) filter (where denial_class = 'expected') as expected_denied_lines,
        coalesce(sum(denied_amount) filter (where denial_class = 'denial'), 0) as denied_amount
    from units
    where unit_kind = 'line' and claim_kind = 'adjudicated'
    group by modifier_combination
),

-- each combination's lines once under each modifier in it: a modifier given twice on a line ('25+25') counts
-- the line once
by_single as (
    select 'modifier' as grouping, modifier_combination_name(modifier) as modifiers, lines, denied_lines,
        expected_denied_lines, denied_amount
    from (select *, unnest(list_distinct(string_split(modifier_combination, '+'))) as modifier from combinations)
),

by_combination as (
    select 'combination', modifier_combination_name(modifier_combination), lines, denied_lines,
        expected_denied_lines, denied_amount
    from combinations
)

select
    grouping,
    modifiers,
    sum(lines) as lines,
    sum(denied_lines) / sum(lines) as denial_rate,
    sum(denied_amount) as denied_amount,
    sum(expected_denied_lines)::bigint as expected_denied_lines
from (select * from by_single union all select * from by_combination)
group by all
order by grouping desc, denied_amount desc, lines desc, modifiers
