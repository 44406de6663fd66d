-- Recovered $ in the month ($month) by the month the denial was made: how old the money coming back is.
-- The denials counted are those of the review's summary (still pursued).
with

denials as (
    select * from filtered_recoveries(last_day($month::date), $date_basis, NULL, NULL, $payers, $categories,
                                      $codes, $modifiers, $sites)
),

recovered as (
    select * from denials where pursued and date_trunc('month', recovery_date) = $month::date
)

select
    denial_month,
    count(*) as denials_recovered,
    sum(recovered_amount) as recovered_amount,
    sum(denied_amount) as denied_amount
from recovered
group by denial_month
order by denial_month
