-- Denial rate of the 15 codes with the most denied dollars, by site of care.
-- (Denials of class 'denial' only: duplicate-claim and expected GA/GY/GZ denials are counted apart.)
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),

per_code_site as (
    select
        procedure_code,
        claim_type,
        site_of_care,
        count(*) as lines,
        count(*) filter (where denial_class = 'denial') as denied_lines,
        coalesce(sum(denied_amount) filter (where denial_class = 'denial'), 0) as denied_amount
    from units
    where unit_kind = 'line' and claim_kind = 'adjudicated'
    group by all
),

top_codes as (
    select procedure_code from per_code_site group by all order by sum(denied_amount) desc limit 15
)

select
    procedure_code,
    case when claim_type = 'institutional' then 'TOB ' || site_of_care || 'x' else 'POS ' || site_of_care end as site,
    sum(lines) as lines,
    sum(denied_lines) / sum(lines) as denial_rate
from per_code_site
semi join top_codes using (procedure_code)
group by all
order by procedure_code, site
