-- The payment months the change findings can compare: one row per payment month of initial claim
-- adjudications (initial_claims, the one claim-level definition), oldest first.
-- Grain: one row per payment month.
-- - complete: month_complete(month), the month is over on the data date (data_date()).
-- - started: the data cover the month from its start: its first payment falls in its first 7 days (a
--   weekly payment run). The first month of a history loaded from some date holds only part of the
--   month's payments, and the payers that pay first: it is never a period nor part of a baseline.
-- - usable: complete and started.
with

claims as (
    select month, basis_date as payment_date
    from initial_claims('payment', NULL, NULL, []::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[], []::VARCHAR[])
),

monthly as (
    select month, count(*) as claims, min(payment_date) as first_payment
    from claims
    group by month
),

final as (
    select
        month,
        claims,
        month_complete(month) as complete,
        (month > (select min(month) from monthly) or first_payment < month + interval 7 day) as started
    from monthly
)

select month, claims, complete, complete and started as usable
from final
order by month
