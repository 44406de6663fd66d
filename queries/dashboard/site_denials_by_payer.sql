-- Site-of-care denials (category site_of_care) by payer and site.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
names as (select * from site_names)

select
    payer_name,
    coalesce(names.site_label, units.site, '(no site)') as site,
    count(*) as denials,
    sum(denied_amount) as denied_amount
from units
left join names using (site)
-- duplicate-claim and expected denials are counted apart
where denial_class = 'denial' and category = 'site_of_care'
group by all
order by denied_amount desc, denials desc, payer_name, site
