-- One procedure or drug code ($code): its description, volume and units, and its denials by payer,
-- modifier combination and site. (Denials of class 'denial' only: expected GA/GY/GZ denials are counted
-- apart in expected_denied_lines, duplicate-claim denials left out.)
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
codes as (select * from ref_procedure_codes),

-- materialized: the three breakdowns below read it, and a CTE read three times is otherwise kept whole
-- (units, every line at 10M lines) with the code filter applied after; only the columns they read
lines as materialized (
    select payer_name, modifier_combination, site, denial_class, denied_amount, units_billed,
        paid_units(denial_type, units_paid) as units_paid  -- none on a line denied in full
    from units
    where unit_kind = 'line' and claim_kind = 'adjudicated' and procedure_code = $code
),

-- `union all by name` matches columns by name: every branch names dimension and value (unnamed, the
-- second and third branches' columns were NULL, and their breakdowns empty). key: the value the
-- dashboard's filters take (the modifier combination's modifiers, the site 'POS 19'), for the Claims page.
names as (select * from site_names),
breakdowns as (
    select 'payer' as dimension, payer_name as value, payer_name as key, * exclude (payer_name) from lines
    union all by name
    select 'modifiers' as dimension, modifier_combination_name(modifier_combination) as value,
        nullif(modifier_combination, '') as key, * from lines
    union all by name
    select 'site' as dimension, coalesce(site, '(no site)') as value, site as key, * from lines
),

grouped as (
select
    dimension,
    value,
    any_value(key) as key,
    count(*) as lines,
    count(*) filter (where denial_class = 'denial') / count(*) as denial_rate,
    coalesce(sum(denied_amount) filter (where denial_class = 'denial'), 0) as denied_amount,
    count(*) filter (where denial_class = 'expected') as expected_denied_lines,
    sum(units_billed) as units_billed,
    sum(units_paid) as units_paid,
    any_value(codes.description) as description,
    any_value(codes.billing_unit) as billing_unit
from breakdowns
left join codes on codes.code = $code
group by dimension, value
)

-- a site labelled once aggregated: 'POS 19 off campus-outpatient hospital'
select grouped.* replace (case when dimension = 'site' then coalesce(names.site_label, value) else value end as value)
from grouped
left join names on dimension = 'site' and names.site = grouped.key
order by dimension, lines desc, value
