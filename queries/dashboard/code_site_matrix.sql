-- Denial rate of the 15 codes with the most denied dollars, by site of care.
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

lines as (select * from units where unit_kind = 'line' and claim_kind = 'adjudicated'),

top_codes as (
    select procedure_code from lines group by all order by coalesce(sum(denied_amount), 0) desc limit 15
)

select
    procedure_code,
    case when claim_type = 'institutional' then 'TOB ' || site_of_care || 'x' else 'POS ' || site_of_care end as site,
    count(*) as lines,
    count(*) filter (where denial_type is not null) / count(*) as denial_rate
from lines
semi join top_codes using (procedure_code)
group by all
order by procedure_code, site
