-- Denials by category, primary reason (CARC) and first remark code (RARC), with descriptions: the
-- denials every other page counts (denial_class 'denial'), so the Reasons page adds up to Overview's
-- denied dollars; duplicate-claim and expected (GA/GY/GZ) denials are counted apart, as there.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
categories as (select * from ref_denial_categories),
carc as (select * from ref_carc),
rarc as (select * from ref_rarc),

denied as (
    select
        category,
        reason_code(primary_group, primary_reason) as reason,
        primary_reason,
        coalesce(remark_codes[1], '(no remark)') as remark,
        denied_amount
    from units
    where denial_class = 'denial'
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
    reason_description(carc.description) as reason_description,
    coalesce(rarc.description, '') as remark_description,
    coalesce(categories.usual_path, '') as usual_path
from grouped
left join categories using (category)
left join carc on carc.code = grouped.primary_reason
left join rarc on rarc.code = grouped.remark
order by grouped.denied_amount desc, grouped.denials desc, grouped.reason, grouped.remark
