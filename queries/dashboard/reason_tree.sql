-- Denials by category, primary reason (CARC) and remark code (RARC), with descriptions: the
-- denials every other page counts (denial_class 'denial'), so the Reasons page adds up to Overview's
-- denied dollars; duplicate-claim and expected (GA/GY/GZ) denials are counted apart, as there.
-- The remark is the one that refined the reason's category, when one did (the rule set's CARC + RARC pair,
-- the first sent that matches, as adjudication_units.sql judges it): under "Coding", CO-16 sent with N290
-- then N822 shows N822, the remark that made it a coding denial. Else the first remark sent.
with

denials as (select * from filtered_denials($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
categories as (select * from ref_denial_categories),
carc as (select * from ref_carc),
rarc as (select * from ref_rarc),
refinements as (select * from ref_rarc_refinements),

-- per reason code, the remark codes that refine its category
refining as (
    select carc as primary_reason, list(rarc) as refining_remarks from refinements group by carc
),

denied as (
    select
        denials.category,
        reason_code(denials.primary_group, denials.primary_reason) as reason,
        denials.primary_reason,
        -- (only a unit with two remarks or more is searched: with one, it is the one)
        coalesce(
            case when len(denials.remark_codes) > 1 then
                list_filter(denials.remark_codes, lambda code: list_contains(refining.refining_remarks, code))[1] end,
            denials.remark_codes[1],
            '(no remark)'
        ) as remark,
        denials.denied_amount
    from denials
    left join refining using (primary_reason)
    where denials.denial_class = 'denial'
),

grouped as (
    select category, reason, any_value(primary_reason) as primary_reason, remark, count(*) as denials,
        sum(denied_amount) as denied_amount
    from denied
    group by category, reason, remark
)

select
    coalesce(categories.label, grouped.category) as category,
    grouped.reason,
    grouped.remark,
    grouped.denials,
    grouped.denied_amount,
    -- the category's own total, for its box's header (a treemap's header shows its name alone)
    sum(grouped.denied_amount) over (partition by grouped.category) as category_denied_amount,
    reason_description(grouped.primary_reason, carc.description) as reason_description,
    case
        when grouped.remark = '(no remark)' then ''
        else coalesce(rarc.description, 'Not in the RARC list loaded (python -m analytics reference load rarc FILE)')
    end as remark_description,
    coalesce(categories.usual_path, '') as usual_path
from grouped
left join categories using (category)
left join carc on carc.code = grouped.primary_reason
left join rarc on rarc.code = grouped.remark
order by grouped.denied_amount desc, grouped.denials desc, grouped.reason, grouped.remark
