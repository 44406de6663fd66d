-- The reasons (primary CARC) behind the most denied dollars, with their descriptions: one row per reason
-- and category, since a reason's denials can fall in several categories (CO-16 is refined by its remark
-- codes: N290 missing information, N822 a modifier), and each row's figures are then exactly its own.
with

denials as (select * from filtered_denials($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
carc as (select * from ref_carc),
categories as (select * from ref_denial_categories),

by_reason as (
    select primary_group, primary_reason, category, count(*) as denials, sum(denied_amount) as denied_amount
    from denials
    where denial_class = 'denial'  -- duplicate-claim and expected denials are counted apart
    group by all
)

-- the figures, then the category (a reason can be in two), then the long description: what comes after the
-- description is the first to go out of view in a narrow window
select
    reason_code(by_reason.primary_group, by_reason.primary_reason) as reason,
    by_reason.denials,
    by_reason.denied_amount,
    by_reason.category,
    coalesce(categories.label, by_reason.category) as category_label,
    reason_description(by_reason.primary_reason, carc.description) as description
from by_reason
left join carc on carc.code = by_reason.primary_reason
left join categories using (category)
order by denied_amount desc, reason, category
limit 15
