-- Words for the change findings: each category's label (ref_denial_categories) and each site's name as the
-- dashboard shows it ('POS 19 off campus-outpatient hospital', site_names): `name` as the pages name a slice
-- ('BETA MUTUAL × Medical necessity'), `label` as a sentence says it (a category in lower case).
-- Grain: one row per category and per named site.
with

categories as (select category, label from ref_denial_categories),
sites as (select site, site_label from site_names),

category_words as (select 'category' as kind, category as value, label as name, lower(label) as label from categories),
site_words as (select 'site' as kind, site as value, site_label as name, site_label as label from sites),

final as (select * from category_words union all select * from site_words)

select kind, value, name, label from final order by kind, value
