-- Words for the change findings' sentences: each category's label (ref_denial_categories) and each
-- site's kind (place of service on professional claims, type of bill on institutional ones).
-- Grain: one row per (kind, value).
with

categories as (select category, label from ref_denial_categories),

sites as (
    select site_of_care, mode(claim_type) as claim_type
    from fact_units
    where site_of_care is not null
    group by site_of_care
),

final as (
    select 'category' as kind, category as value, lower(label) as label from categories
    union all
    select 'site', site_of_care,
        case when claim_type = 'institutional' then 'bill type ' || site_of_care || 'x' else 'POS ' || site_of_care end
    from sites
)

select kind, value, label from final order by kind, value
