-- builds: table answer_lag
-- needs: claim_facts
-- answer_lag: how long payers take to answer a claim, over every claim loaded: the days from its first date
-- of service to the payment date of its first adjudication (claim_facts). One row. days_90: 90% of claims
-- are answered within this many days of service (the fewest days within which that many are). By date of
-- service, a month that ended fewer than days_90 days before the data date is still being answered
-- (month_answering in initial_claims.sql): claims for it are still to come, so its counts and dollars will
-- still grow. Rebuilt whole after each load (one row).
with

claims as (select * from claim_facts),

lags as (
    select date_diff('day', service_date, payment_date) as days
    from claims
    where payment_date >= service_date
),

-- claims per number of days, then answered within each number of days: a few hundred rows to order,
-- not a row per claim
by_days as (
    select days, count(*) as claims
    from lags
    group by days
),

answered as (
    select
        days,
        sum(claims) over (order by days) as answered_claims,
        sum(claims) over () as claims
    from by_days
),

final as (
    select
        min(case when answered_claims >= 0.9 * claims then days end)::integer as days_90,
        coalesce(max(claims), 0)::bigint as claims
    from answered
)

select * from final
