-- The values the sidebar filters offer, and the date range of the data. Each list comes from a
-- distinct scan of one column (modifiers: of the distinct modifier lists), which is far cheaper
-- than collecting them all in one pass.
with

units as (select * from fact_units),

payers as (select list(payer_name order by payer_name) as payers from (select distinct payer_name from units where payer_name is not null)),
categories as (select list(category order by category) as categories from (select distinct category from units where category is not null)),
codes as (select list(procedure_code order by procedure_code) as codes from (select distinct procedure_code from units where procedure_code is not null)),
sites as (select list(site_of_care order by site_of_care) as sites from (select distinct site_of_care from units where site_of_care is not null)),
modifiers as (
    select coalesce(list(modifier order by modifier), []) as modifiers
    from (select distinct unnest(modifiers) as modifier from (select distinct modifiers from units))
),
dates as (
    select least(min(service_date), min(payment_date)) as first_date,
        greatest(max(service_date), max(payment_date)) as last_date
    from units
)

select payers.payers, categories.categories, codes.codes, sites.sites, dates.first_date, dates.last_date,
    modifiers.modifiers
from payers, categories, codes, sites, dates, modifiers
