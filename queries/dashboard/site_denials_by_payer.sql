-- Site-of-care denials (category site_of_care) by payer and site.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites))

select
    payer_name,
    case when claim_type = 'institutional' then 'TOB ' || site_of_care || 'x' else 'POS ' || site_of_care end as site,
    count(*) as denials,
    sum(denied_amount) as denied_amount
from units
where denial_type is not null and category = 'site_of_care'
group by all
order by denied_amount desc
