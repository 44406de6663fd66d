-- Denial rate of the 15 codes with the most denied dollars (ties by code, so the same 15 on every run), by site of care.
-- Codes with no denied dollars are left out: on the public corpus 3 of the 15 had none, and a heatmap of
-- "the most denied" showed them. (Denials of class 'denial' only: duplicate-claim and expected GA/GY/GZ
-- denials are counted apart.)
with

units as (select * from filtered_units($date_basis, $date_from, $date_to, $payers, $categories, $codes, $modifiers, $sites)),
names as (select * from site_names),

per_code_site as (
    select
        procedure_code,
        site,
        count(*) as lines,
        count(*) filter (where denial_class = 'denial') as denied_lines,
        coalesce(sum(denied_amount) filter (where denial_class = 'denial'), 0) as denied_amount
    from units
    where unit_kind = 'line' and claim_kind = 'adjudicated'
    group by all
),

top_codes as (
    select procedure_code
    from per_code_site
    group by all
    having sum(denied_amount) > 0
    order by sum(denied_amount) desc, procedure_code
    limit 15
)

-- site: the key the filters take ('POS 19'); site_label: its name for people
select
    procedure_code,
    per_code_site.site,
    coalesce(names.site_label, per_code_site.site, '(no site)') as site_label,
    lines,
    denied_lines,
    denied_lines / lines as denial_rate,
    denied_amount
from per_code_site
semi join top_codes using (procedure_code)
left join names using (site)
order by procedure_code, per_code_site.site
