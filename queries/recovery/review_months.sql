-- The months a review can be run for: every month from the first denial to the latest payment loaded,
-- newest first; complete: month_complete(month), the month is over on the data date; paid: a payment
-- loaded is dated in it. The review opens on the newest complete month with a payment (a month not over
-- yet reads as a month with little recovered; one without a payment, as a month with nothing at all).
with

bounds as (
    select
        date_trunc('month', min(denial_date))::date as first_month,
        date_trunc('month', (select max(payment_date) from fact_units))::date as last_month
    from recovery_denials
),

months as (
    select unnest(generate_series(first_month, last_month, interval 1 month))::date as month
    from bounds
    where first_month is not null
),

-- (a remittance without a payment date has none: a NULL here would make `in` NULL for every other month)
paid_months as (
    select distinct payment_month as month from fact_units where payment_month is not null
)

select month, month_complete(month) as complete, month in (select month from paid_months) as paid
from months
order by month desc
