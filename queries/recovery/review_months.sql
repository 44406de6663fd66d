-- The months a review can be run for: every month from the first denial to the latest payment loaded,
-- newest first, with the label the month selector shows (noting a month not over on the data date,
-- month_complete, and one in which no denial was paid) and whether the review opens on it (opens): the
-- newest complete month with denials (a month not over yet reads as a month with little recovered; one
-- without a denial, as a month where nothing happened), else the newest complete one, else the newest.
with

denials as (select * from recovery_denials),

bounds as (
    select
        date_trunc('month', min(denial_date))::date as first_month,
        date_trunc('month', (select max(payment_date) from fact_units))::date as last_month
    from denials
),

months as (
    select unnest(generate_series(first_month, last_month, interval 1 month))::date as month
    from bounds
    where first_month is not null
),

-- (a denial on a remittance without a payment date has none: a NULL here would make `in` NULL for every
-- month without a denial)
denial_months as (
    select distinct date_trunc('month', denial_date)::date as month from denials where denial_date is not null
),

judged as (
    select month, month_complete(month) as complete, month in (select month from denial_months) as denials
    from months
),

opening as (
    select coalesce(
        max(month) filter (where complete and denials), max(month) filter (where complete), max(month)
    ) as month
    from judged
),

final as (
    select
        month,
        strftime(month, '%B %Y') || coalesce(' (' || nullif(concat_ws('; ',
            case when not complete then 'partial month: not over on the data date' end,
            case when not denials then 'no denial' end
        ), '') || ')', '') as label,
        month = (select month from opening) as opens
    from judged
)

select * from final
order by month desc
