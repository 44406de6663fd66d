-- Overview tiles for recovery, as of the data date (the latest payment loaded), under the filters. One
-- row. The denials counted are the ones the denial rates count (filtered_recoveries.initial_denial: an
-- initial adjudication's denial, not a duplicate claim nor an expected GA/GY/GZ denial), so denied $ here
-- equals the Overview's denied $ for all payer orders. Denials on readjudication (a paid claim denied on
-- reprocessing) are counted apart. Recovery measures count the denials still pursued (filtered_recoveries
-- .pursued: not billed to the patient, not expected, not duplicates; initial or on readjudication), as the Monthly
-- review and the Worklist do. open_share: the pursued denied $ still open (not recovered, upheld nor past
-- the deadline): young denials are mostly open, and the recovery rate still rises as they close.
with

denials as (
    select * from filtered_recoveries(data_date(), $date_basis, $date_from, $date_to, $payers, $categories,
                                      $codes, $modifiers, $sites)
),

initial as (
    select * from denials where initial_denial
),

-- the recovery inventory: denials still pursued, initial or on readjudication alike
pursued as (
    select * from denials where pursued
),

initial_measures as (
    select
        count(*) as denials,
        coalesce(sum(denied_amount), 0) as denied_amount
    from initial
),

recovery_measures as (
    select
        coalesce(sum(denied_amount), 0) as pursued_amount,
        coalesce(sum(expected_reimbursement), 0) as expected_reimbursement,
        coalesce(sum(recovered_amount), 0) as recovered_amount,
        sum(recovered_amount) / nullif(sum(denied_amount), 0) as recovery_rate,
        sum(recovered_amount) / nullif(sum(expected_reimbursement), 0) as recovery_rate_expected,
        count(*) filter (where status = 'open') as open_denials,
        coalesce(sum(denied_amount) filter (where status = 'open'), 0) as open_amount,
        sum(denied_amount) filter (where status = 'open') / nullif(sum(denied_amount), 0) as open_share,
        coalesce(sum(denied_amount) filter (where status = 'written_off'), 0) as written_off_amount
    from pursued
),

readjudication_measures as (
    select count(*) as readjudication_denials, coalesce(sum(denied_amount), 0) as readjudication_denied_amount
    from denials
    where readjudication and denial_class = 'denial'
)

select * from initial_measures, recovery_measures, readjudication_measures
