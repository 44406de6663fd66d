-- Recovery rate by cohort: for the denials of each of the 12 months up to $month, the share of their
-- denied $ recovered within k months of the denial month (k = 0: in the same month), as known at the
-- end of $month. Built from the recovery events (payments, reversals, recoupments), so each cell is
-- what had come back by then.
with

denials as (
    select * from filtered_recoveries(last_day($month::date), $date_basis, NULL, NULL, $payers, $categories,
                                      $codes, $modifiers, $sites)
    where denial_month > $month::date - interval 12 month
),
events as (select * from recovery_events where event_date <= last_day($month::date)),

cohorts as (
    select denial_month, count(*) as denials, sum(denied_amount) as denied_amount
    from denials
    group by denial_month
),

-- months since the denial month for every event of these denials
aged_events as (
    select
        denials.denial_month,
        date_diff('month', denials.denial_month, date_trunc('month', events.event_date)) as months_since,
        events.amount
    from events
    join denials using (denial_id)
),

offsets as (
    select cohorts.denial_month, unnest(range(0, date_diff('month', cohorts.denial_month, $month::date) + 1)) as months_since
    from cohorts
),

cumulative as (
    select
        offsets.denial_month,
        offsets.months_since,
        coalesce(sum(aged_events.amount), 0) as recovered_amount
    from offsets
    left join aged_events
        on aged_events.denial_month = offsets.denial_month and aged_events.months_since <= offsets.months_since
    group by all
)

select
    cumulative.denial_month,
    cumulative.months_since,
    cohorts.denials,
    cohorts.denied_amount,
    greatest(cumulative.recovered_amount, 0) as recovered_amount,
    greatest(cumulative.recovered_amount, 0) / nullif(cohorts.denied_amount, 0) as recovery_rate
from cumulative
join cohorts using (denial_month)
order by denial_month, months_since
