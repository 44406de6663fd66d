-- The values the sidebar filters offer, and the date range of the data.
with

units as (select * from fact_units),

options as (
    select
        list(distinct payer_name order by payer_name) filter (where payer_name is not null) as payers,
        list(distinct category order by category) filter (where category is not null) as categories,
        list(distinct procedure_code order by procedure_code) filter (where procedure_code is not null) as codes,
        list(distinct site_of_care order by site_of_care) filter (where site_of_care is not null) as sites,
        least(min(service_date), min(payment_date)) as first_date,
        greatest(max(service_date), max(payment_date)) as last_date
    from units
),

modifiers as (
    select list(distinct modifier order by modifier) as modifiers
    from (select unnest(modifiers) as modifier from units)
)

select options.*, coalesce(modifiers.modifiers, []) as modifiers from options, modifiers
