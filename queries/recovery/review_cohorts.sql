-- Recovery rate by cohort: for the denials of each of the 12 months up to $month, the share of their
-- denied $ recovered within k months of the denial month (k = 0: in the same month), as known at the
-- end of $month. The denials are those still pursued, as in the summary. Built from the recovery events
-- (payments, reversals, recoupments), so each cell is what had come back by then; each denial counts at
-- most its denied $, as in recoveries.
with

denials as (
    select * from filtered_recoveries(last_day($month::date), $date_basis, NULL, NULL, $payers, $categories,
                                      $codes, $modifiers, $sites)
    where pursued and denial_month > $month::date - interval 12 month
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

-- each denial's recovery by the end of each offset: net of reversals and recoupments, between zero and
-- its denied $
denial_cumulative as (
    select
        denials.denial_month,
        offsets.months_since,
        least(greatest(coalesce(sum(denial_months.amount), 0), 0), any_value(denials.denied_amount)) as recovered_amount
    from denials
    join offsets using (denial_month)
    left join denial_months
        on denial_months.denial_id = denials.denial_id and denial_months.months_since <= offsets.months_since
    group by denials.denial_id, denials.denial_month, offsets.months_since
),

cumulative as (
    select denial_month, months_since, sum(recovered_amount) as recovered_amount
    from denial_cumulative
    group by all
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
