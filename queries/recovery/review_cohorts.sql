-- Recovery rate by cohort: for the denials of each of the 12 months up to $month, the share of their
-- denied $ recovered within k months of the denial month (k = 0: in the same month), as known at the
-- end of $month. The denials are those still pursued, as in the summary. Built from the recovery events
-- (payments, reversals, recoupments), so each cell is what had come back by then; each denial counts at
-- most its denied $, as in recoveries.
with

denials as (
    select * from filtered_recoveries(last_day($month::date), $date_basis, NULL, NULL, $payers, $categories,
                                      $codes, $modifiers, $sites)
    -- the 12 months by denial_date (not denial_month, worked out after the status): a filter on the column
    -- reaches the scan, so the status is worked out for those months' denials alone
    where pursued and denial_date >= ($month::date - interval 11 month)::date
),
events as (select * from recovery_events where event_date <= last_day($month::date)),

cohorts as (
    select denial_month, count(*) as denials, sum(denied_amount) as denied_amount
    from denials
    group by denial_month
),

-- what came back on each denial in each month after its denial month
denial_months as (
    select
        events.denial_id,
        denials.denial_month,
        denials.denied_amount,
        date_diff('month', denials.denial_month, date_trunc('month', events.event_date)) as months_since,
        sum(events.amount) as amount
    from events
    join denials using (denial_id)
    group by all
),

offsets as (
    select cohorts.denial_month, unnest(range(0, date_diff('month', cohorts.denial_month, $month::date) + 1)) as months_since
    from cohorts
),

-- each denial's recovery by the end of each month that changed it: the running sum of what came back
-- (net of reversals and recoupments so far)
denial_steps as (
    select
        *,
        sum(amount) over (partition by denial_id order by months_since) as running_amount
    from denial_months
),

-- what each step added to the denial's recovery: its recovery after the step less the one before it, each
-- between zero and the denied $ (the one before is the running sum less this step's amount: no second
-- window for it)
denial_increments as (
    select
        denial_month,
        months_since,
        least(greatest(running_amount, 0), denied_amount) - least(greatest(running_amount - amount, 0), denied_amount)
            as added
    from denial_steps
),

increments as (
    select denial_month, months_since, sum(added) as added
    from denial_increments
    group by all
),

-- a cohort's recovery by the end of each offset: what its denials had added up to then
cumulative as (
    select
        offsets.denial_month,
        offsets.months_since,
        coalesce(sum(increments.added) over (partition by offsets.denial_month order by offsets.months_since), 0)
            as recovered_amount
    from offsets
    left join increments using (denial_month, months_since)
)

select
    cumulative.denial_month,
    cumulative.months_since,
    cohorts.denials,
    cohorts.denied_amount,
    cumulative.recovered_amount,
    cumulative.recovered_amount / nullif(cohorts.denied_amount, 0) as recovery_rate
from cumulative
join cohorts using (denial_month)
order by denial_month, months_since
