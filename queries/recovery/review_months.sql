-- The months a review can be run for: every month from the first denial to the latest payment loaded,
-- newest first; complete: month_complete(month), the month is over on the data date (the review opens on
-- the newest complete month: a month not over yet reads as a month with little recovered).
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
)

select month, month_complete(month) as complete
from months
order by month desc
