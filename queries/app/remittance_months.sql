-- The remittances loaded, per month of payment from the first payment to the latest (the data date), newest
-- first: files, payments (835 transaction sets, or payments of CSV remittance lines), payers and claims (every
-- CLP: reversals and corrections too), and what the payers paid. A month that is missing in the files reads as a month without
-- claims or denials on every page, so two kinds of hole are named:
-- - gap: no payment at all in a month between the first and the latest;
-- - payers_missing: payers paid in the month before and in the month after, but not in this one, that are
--   paid in most months (three in four or more from their first payment to their last): most often their
--   files for the month were not loaded. A payer that pays now and then is not named every time it skips one.
-- Grain: one row per month. Payments without a date (no BPR16 nor DTM*405) are left out: undated_remittances.sql
-- counts them.
with

payments as (select * from payments where payment_date is not null),
claims as (select * from claims where payment_date is not null),

bounds as (
    select
        date_trunc('month', min(payment_date))::date as first_month,
        date_trunc('month', max(payment_date))::date as last_month
    from payments
),

months as (
    select unnest(generate_series(first_month, last_month, interval 1 month))::date as month
    from bounds
    where first_month is not null
),

paid as (
    select
        date_trunc('month', payment_date)::date as month,
        count(distinct file_id) as files,
        count(*) as payments,
        count(distinct payer_name) as payers
    from payments
    group by all
),

adjudicated as (
    select date_trunc('month', payment_date)::date as month, count(*) as claims, sum(paid_amount) as paid_amount
    from claims
    group by all
),

payer_months as (
    select distinct payer_name, date_trunc('month', payment_date)::date as month
    from payments
    where payer_name is not null
),

-- the payers paid in three months in four or more of their span (first payment month to last)
regular_payers as (
    select payer_name
    from payer_months
    group by payer_name
    having count(*) >= 0.75 * (date_diff('month', min(month), max(month)) + 1)
),

-- a regular payer paid in the months on either side of a month, not in it
missing as (
    select
        (before.month + interval 1 month)::date as month,
        string_agg(before.payer_name, ', ' order by before.payer_name) as payers_missing
    from payer_months as before
    semi join regular_payers using (payer_name)
    join payer_months as after
        on after.payer_name = before.payer_name and after.month = before.month + interval 2 month
    anti join payer_months as this
        on this.payer_name = before.payer_name and this.month = before.month + interval 1 month
    group by all
),

final as (
    select
        months.month,
        coalesce(paid.files, 0) as files,
        coalesce(paid.payments, 0) as payments,
        coalesce(paid.payers, 0) as payers,
        coalesce(adjudicated.claims, 0) as claims,
        coalesce(adjudicated.paid_amount, 0) as paid_amount,
        paid.month is null as gap,
        -- in a month with no payment at all every payer is missing: the gap says it once
        case when paid.month is not null then missing.payers_missing end as payers_missing
    from months
    left join paid using (month)
    left join adjudicated using (month)
    left join missing using (month)
)

select * from final
order by month desc
