-- builds: table answer_lag
-- needs: claim_facts
-- answer_lag: how long payers take to answer a claim, over every claim loaded: the days from its first date
-- of service to the payment date of its first adjudication (claim_facts). One row per payer (scope 'payer')
-- and one for all payers together (scope 'all', payer_name NULL). days_90: 90% of the claims are answered
-- within this many days of service (the fewest days within which that many are). By date of service, a month
-- that ended fewer than days_90 days before the data date is still being answered (month_answering in
-- initial_claims.sql): claims for it are still to come, so its counts and dollars will still grow. Rebuilt
-- whole after each load (a row per payer).
with

claims as (select * from claim_facts),

lags as (
    select payer_name, date_diff('day', service_date, payment_date) as days
    from claims
    where payment_date >= service_date
),

-- claims per number of days, then answered within each number of days: a few hundred rows per payer to
-- order, not a row per claim
by_days as (
    select 'payer' as scope, payer_name, days, count(*) as claims
    from lags
    group by payer_name, days
    union all
    select 'all' as scope, null as payer_name, days, count(*) as claims
    from lags
    group by days
),

answered as (
    select
        scope,
        payer_name,
        days,
        sum(claims) over (partition by scope, payer_name order by days) as answered_claims,
        sum(claims) over (partition by scope, payer_name) as claims
    from by_days
),

final as (
    select
        scope,
        payer_name,
        min(case when answered_claims >= 0.9 * claims then days end)::integer as days_90,
        max(claims)::bigint as claims
    from answered
    group by scope, payer_name
)

select * from final
