-- The values the sidebar filters offer (sites and categories with their labels), the date range of the
-- data and the data date (the latest payment loaded: the date presets' complete months end on it). Each list comes from a
-- distinct scan of one column (modifiers: of the distinct modifier lists), which is far cheaper
-- than collecting them all in one pass.
with

units as (select * from fact_units),
billed as (select * from bill_lines),

payers as (select list(payer_name order by payer_name) as payers from (select distinct payer_name from units where payer_name is not null)),
categories as (
    select list(category order by category) as categories,
        list(coalesce(ref_denial_categories.label, category) order by category) as category_labels
    from (select distinct category from units where category is not null)
    left join ref_denial_categories using (category)
),
codes as (select list(procedure_code order by procedure_code) as codes from (select distinct procedure_code from units where procedure_code is not null)),
-- sites as the filters take them ('POS 19', 'TOB 13x'), with their labels in the same order
sites as (
    select list(site order by site) as sites, list(coalesce(site_names.site_label, site) order by site) as site_labels
    from (select distinct site from units where site is not null)
    left join site_names using (site)
),
-- the modifiers sent, and a modifier a denial said was missing ('JW/JZ')
modifiers as (
    select coalesce(list(modifier order by modifier), []) as modifiers
    from (
        select distinct unnest(modifiers) as modifier from (select distinct modifiers from units)
        union
        select distinct missing_modifier from units where missing_modifier is not null and missing_modifier <> 'other'
    )
),
-- the code the Codes page opens on: the one with the most denied dollars over all the data (then the
-- most lines), so a practice's own costliest code shows first, not the first in the alphabet
top_code as (
    select procedure_code as top_denied_code
    from units
    where unit_kind = 'line' and claim_kind = 'adjudicated' and procedure_code is not null
    group by procedure_code
    order by coalesce(sum(denied_amount) filter (where denial_class = 'denial'), 0) desc, count(*) desc, procedure_code
    limit 1
),
dates as (
    select least(min(service_date), min(payment_date)) as first_date,
        greatest(max(service_date), max(payment_date)) as last_date
    from units
)

select payers.payers, categories.categories, codes.codes, sites.sites, dates.first_date, dates.last_date,
    modifiers.modifiers, sites.site_labels, categories.category_labels, data_date() as data_date,
    (select top_denied_code from top_code) as top_denied_code,
    -- whether any 837 is loaded: the Prevention page says which is missing, the claims or a flag
    (select count(*) from billed) as billed_lines
from payers, categories, codes, sites, dates, modifiers
