-- Site-of-care denials (category site_of_care) by payer and site.
with

denials as (select * from filtered_denials($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
names as (select * from site_names)

select
    payer_name,
    coalesce(names.site_label, denials.site, '(no site)') as site,
    count(*) as denials,
    sum(denied_amount) as denied_amount
from denials
left join names using (site)
-- duplicate-claim and expected denials are counted apart
where denial_class = 'denial' and category = 'site_of_care'
group by all
order by denied_amount desc, denials desc, payer_name, site
