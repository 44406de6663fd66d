-- builds: table drug_line_cells
-- needs: fact_units, readjudication_flags
-- regroup: basis, basis_date
-- drug_line_cells: the lines the JW/JZ figures read (queries/dashboard/waste_modifier_compliance.sql),
-- summed once after each load instead of scanned on every view of the Modifiers page: initial adjudicated
-- lines that are single-dose drug lines (waste_status) or denied for a missing modifier
-- (missing_modifier). Built after the readjudication flags are set, as claim_facts is.
-- Grain: one row per date basis (basis: 'service', 'payment') and every value a dashboard filter or the page reads
-- (filtered_drug_line_cells narrows it as filtered_units narrows fact_units): the basis date and its month,
-- payer, category and whether the line was denied, code, modifiers, missing modifier, site, waste status
-- and denial class. Sums: lines, drug claims (first_of_claim_code), units billed (and on JW lines), denied $.
-- When files were only added, the days (basis, basis_date) of the touched claims' lines are summed again
-- (analytics/derived.py: '-- regroup:').
with

units as (select * from fact_units),

lines as (
    select
        coalesce(period_from, service_date) as service_basis_date,
        service_month,
        payment_date,
        payment_month,
        payer_name,
        category,
        denial_type is not null as denied,
        procedure_code,
        modifiers,
        missing_modifier,
        site,
        waste_status,
        denial_class,
        coalesce(first_of_claim_code, false) as claim_first,
        units_billed,
        denied_amount
    from units
    where unit_kind = 'line' and claim_kind = 'adjudicated' and not readjudication
      and (waste_status is not null or missing_modifier is not null)
),

by_basis as (
    select 'service' as basis, service_basis_date as basis_date, service_month as basis_month, * from lines
    union all
    select 'payment' as basis, payment_date as basis_date, payment_month as basis_month, * from lines
),

cells as (
    select
        basis,
        basis_date,
        basis_month,
        payer_name,
        category,
        denied,
        procedure_code,
        modifiers,
        missing_modifier,
        site,
        waste_status,
        denial_class,
        count(*) as lines,
        count_if(claim_first) as claims,
        sum(units_billed) as units_billed,
        -- units on JW lines (the discarded amount): modifiers is of the grain, so this is units_billed or NULL
        sum(units_billed) filter (where list_contains(modifiers, 'JW')) as jw_units,
        sum(denied_amount) as denied_amount
    from by_basis
    group by all
)

-- ordered by basis and date, so that a page's basis and dates skip the other row groups
select * from cells
order by basis, basis_date
