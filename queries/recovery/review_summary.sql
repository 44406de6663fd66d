-- The month's review in one row, as known at the end of the month ($month: its first day). The denials
-- are those every page counts (filtered_recoveries.initial_denial: initial adjudications, not duplicate
-- claims nor expected GA/GY/GZ denials), so denials opened and denied $ equal the Overview's under the
-- same filters with dates by payment in that month; denials on readjudication are counted apart.
-- Recovered $ (by recovery date), presumed lost $ (the deadline passed in the month: the day after it fell
-- in it), the open inventory at month end and what expires within 30 days after it count the denials still
-- pursued (filtered_recoveries.pursued: not billed to the patient, not expected, not duplicates; initial or on
-- readjudication), as the Worklist does; so does the recovery rate of the last 12 months' denials, also
-- against their expected reimbursement.
with

denials as (
    select * from filtered_recoveries(last_day($month::date), $date_basis, NULL, NULL, $payers, $categories,
                                      $codes, $modifiers, $sites)
),

initial as (
    select * from denials where initial_denial
),

-- the recovery inventory: denials still pursued, initial or on readjudication alike (the work is the same)
pursued as (
    select * from denials where pursued
),

opened as (
    select count(*) as denials_opened, coalesce(sum(denied_amount), 0) as denied_amount
    from initial
    where denial_month = $month::date
),

recovered as (
    select count(*) as denials_recovered, coalesce(sum(recovered_amount), 0) as recovered_amount
    from pursued
    where date_trunc('month', recovery_date) = $month::date
),

written_off as (
    select count(*) as denials_written_off, coalesce(sum(denied_amount), 0) as written_off_amount
    from pursued
    -- lost the day after the deadline: one on the month's last day is still open at its end, lost the next
    where status = 'written_off' and date_trunc('month', deadline + 1) = $month::date
),

inventory as (
    select
        count(*) as open_denials,
        coalesce(sum(denied_amount), 0) as open_amount,
        count(*) filter (where days_left <= 30) as expiring_denials,
        coalesce(sum(denied_amount) filter (where days_left <= 30), 0) as expiring_amount
    from pursued
    where status = 'open'
),

last_12_months as (
    select
        sum(recovered_amount) / nullif(sum(denied_amount), 0) as recovery_rate_12_months,
        sum(recovered_amount) / nullif(sum(expected_reimbursement), 0) as recovery_rate_expected_12_months
    from pursued
    where denial_month > ($month::date - interval 12 month) and denial_month <= $month::date
),

on_readjudication as (
    select count(*) as readjudication_denials, coalesce(sum(denied_amount), 0) as readjudication_denied_amount
    from denials
    where readjudication and denial_class = 'denial' and denial_month = $month::date
)

select * from opened, recovered, written_off, inventory, last_12_months, on_readjudication
