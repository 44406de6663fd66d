-- Words for the change findings' sentences: each category's label (ref_denial_categories), lower case.
-- Sites need none: they read as the dashboard names them ('POS 19', 'TOB 13x').
-- Grain: one row per category.
with

categories as (select category, label from ref_denial_categories),

final as (select 'category' as kind, category as value, lower(label) as label from categories)

select kind, value, label from final order by value
