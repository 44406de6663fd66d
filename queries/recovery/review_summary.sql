-- The month's review in one row, as known at the end of the month ($month: its first day):
-- denials opened, recovered $ (by recovery date), written off, the open inventory at month end and
-- what expires within 30 days after it; recovery rate of the last 12 months' denials.
with

denials as (
    select * from filtered_recoveries(last_day($month::date), $date_basis, NULL, NULL, $payers, $categories,
                                      $codes, $modifiers, $sites)
),

opened as (
    select count(*) as denials_opened, coalesce(sum(denied_amount), 0) as denied_amount
    from denials
    where denial_month = $month::date
),

recovered as (
    select count(*) as denials_recovered, coalesce(sum(recovered_amount), 0) as recovered_amount
    from denials
    where date_trunc('month', recovery_date) = $month::date
),

written_off as (
    select count(*) as denials_written_off, coalesce(sum(denied_amount), 0) as written_off_amount
    from denials
    where status = 'written_off' and date_trunc('month', appeal_deadline) = $month::date
),

inventory as (
    select
        count(*) as open_denials,
        coalesce(sum(denied_amount), 0) as open_amount,
        count(*) filter (where days_left <= 30) as expiring_denials,
        coalesce(sum(denied_amount) filter (where days_left <= 30), 0) as expiring_amount
    from denials
    where status = 'open'
),

last_12_months as (
    select sum(recovered_amount) / nullif(sum(denied_amount), 0) as recovery_rate_12_months
    from denials
    where denial_month > ($month::date - interval 12 month) and denial_month <= $month::date
)

select * from opened, recovered, written_off, inventory, last_12_months
