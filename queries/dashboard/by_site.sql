-- Denials by site of care: place of service (professional claims) or type of bill (institutional),
-- (Denials of class 'denial' only: duplicate-claim and expected GA/GY/GZ denials are counted apart.)
-- and by campus (PO/PN mark off-campus hospital outpatient departments).
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
names as (select * from site_names),

-- aggregate per site and campus marks first, then label the few groups
grouped as (
    select
        claim_type,
        site_of_care,
        site,
        list_contains(modifiers, 'PN') as pn,
        list_contains(modifiers, 'PO') as po,
        count(*) as units,
        count(*) filter (where denial_class = 'denial') as denied_units,
        coalesce(sum(denied_amount) filter (where denial_class = 'denial'), 0) as denied_amount
    from units
    where adjudicated_unit
    group by all
),

adjudicated as (
    select
        *,
        case
            when pn then 'off-campus department, non-excepted (PN)'
            when po then 'off-campus department, excepted (PO)'
            when claim_type = 'professional' and site_of_care = '19' then 'off-campus outpatient hospital (POS 19)'
            when claim_type = 'professional' and site_of_care = '22' then 'on-campus outpatient hospital (POS 22)'
            when claim_type = 'institutional' and site_of_care = '13' then 'hospital outpatient, campus not marked'
            else 'not a hospital outpatient site'
        end as campus
    from grouped
),

labelled as (
    select adjudicated.*, coalesce(names.site_label, adjudicated.site, '(no site)') as site_label
    from adjudicated
    left join names using (site)
),

-- value: the label people read; key: the site the filters take ('POS 19'), NULL for a campus row
select 'site' as grouping, site_label as value, site as key, sum(units) as units,
    sum(denied_units) / sum(units) as denial_rate, sum(denied_amount) as denied_amount
from labelled
group by all
union all
select 'campus', campus, NULL, sum(units), sum(denied_units) / sum(units), sum(denied_amount)
from labelled
group by all
order by grouping desc, denied_amount desc
