-- The open inventory at the end of $month by age (days since the denial was paid): denials still pursued
-- (not billed to the patient, not expected, not duplicates), initial or on readjudication, as the Worklist lists them.
with

denials as (
    select * from filtered_recoveries(last_day($month::date), $date_basis, NULL, NULL, $payers, $categories,
                                      $codes, $modifiers, $sites)
    -- what 'open' implies, stated on a ledger column: the deadline on or after the month end (a NULL one reads
    -- as open). It reaches the ledger's scan, so only those denials are judged (at 10M lines 35 ms against 61)
    where status = 'open' and pursued and (deadline is null or deadline >= last_day($month::date))
),

-- the ages shown, each up to its last day (none for the oldest)
ages as (
    select * from (values
        (1, 30, '0-30 days'), (2, 60, '31-60 days'), (3, 90, '61-90 days'), (4, 120, '91-120 days'),
        (5, 180, '121-180 days'), (6, null, 'over 180 days')
    ) as ages (bucket, up_to_days, age)
),

aged as (
    select
        *,
        date_diff('day', denial_date, last_day($month::date)) as age_days
    from denials
),

bucketed as (
    select
        (select min(bucket) from ages where up_to_days is null or aged.age_days <= up_to_days) as bucket,
        denied_amount
    from aged
),

counted as (
    select bucket, count(*) as denials, sum(denied_amount) as denied_amount
    from bucketed
    group by bucket
)

-- every age, at zero where nothing is open that old (an age left out read as a gap in the chart); no row
-- at all when nothing is open
select
    ages.bucket,
    ages.age,
    coalesce(counted.denials, 0) as denials,
    coalesce(counted.denied_amount, 0) as denied_amount
from ages
left join counted using (bucket)
where exists (select 1 from counted)
order by ages.bucket
