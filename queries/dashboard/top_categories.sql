-- Denials by category, with the category's label and usual fix.
with

denials as (select * from filtered_denials($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
categories as (select * from ref_denial_categories),

by_category as (
    select category, count(*) as denials, sum(denied_amount) as denied_amount,
        count(*) filter (where preventable) as preventable_denials
    from denials
    where denial_class = 'denial'  -- duplicate-claim and expected denials are counted apart
    group by category
)

select
    by_category.category,
    coalesce(categories.label, by_category.category) as label,
    by_category.denials,
    by_category.denied_amount,
    by_category.denied_amount / sum(by_category.denied_amount) over () as share_of_denied,
    categories.usual_path
from by_category
left join categories using (category)
order by denied_amount desc, by_category.category
