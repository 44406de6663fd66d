-- builds: macros data_date, status_label, pursued_status, narrowed_recoveries, recovery_status
-- needs: fact_units, recovery_ledger, recovery_outcomes, revalued_denials, unit_matches
-- data_date(): the latest payment date loaded. The `recoveries` view, the worklist and the Overview
-- judge recoveries as of this date, so that a history loaded months later reads as it did then
-- (deadlines are not counted against the day it happens to be opened). Load remittances as they
-- arrive and it is today.
CREATE OR REPLACE MACRO data_date() AS (SELECT max(payment_date) FROM fact_units);

-- recovery_status(as_of): every followed denial with its outcome as known on the date as_of (events
-- after it are ignored; defined at the end of the file, narrowed_recoveries without a filter). The
-- `recoveries` view is recovery_status(data_date()).
-- - recovered_amount: what later adjudications paid on the denied line or claim, net of reversals and
--   of PLB WO recoupments of that money, never below zero and never above the denied amount. Recovery
--   rate = recovered $ / denied $.
-- - status: 'recovered' (paid back and no denial remains), 'partially_recovered' (paid back in part:
--   a denial remains on the latest adjudication, or part was recouped), 'upheld' (the latest
--   adjudication carries CARC 193: the appeal was heard and refused), 'written_off' (presumed lost:
--   nothing back by the deadline, the appeal window of ref_appeal_windows for denials won back by appeal,
--   timely filing from the date of service, ref_timely_filing, for those fixed by a corrected claim),
--   else 'open'. Denials that are not pursued leave the inventory: 'billed_to_patient' (patient
--   liable, group PR), 'expected' (an expected denial of a GA/GY/GZ line the patient is not liable for:
--   GZ, no waiver signed, is the provider's loss, and the patient may not be billed) and 'duplicate' (the
--   same claim sent again: no rework).
-- - recovery_path: 'corrected_claim' (paid on a corrected claim: CLP09 7 or REF*F8), 'reversal'
--   (reprocessed after a CLP02 22 reversal of the denial), else 'paid_later'.
-- pursued_status(status): whether a denial of that status is in the recovery inventory: every status but the
-- three not pursued (the one definition the recovery figures, the Worklist and the rates read)
CREATE OR REPLACE MACRO pursued_status(status) AS status NOT IN ('billed_to_patient', 'expected', 'duplicate');

-- status_label(status): a recovery status in words, for tables people read (the view keeps the keys)
CREATE OR REPLACE MACRO status_label(status) AS CASE status
    WHEN 'recovered' THEN 'recovered'
    WHEN 'partially_recovered' THEN 'partly recovered'
    WHEN 'upheld' THEN 'upheld on appeal'
    WHEN 'written_off' THEN 'presumed lost'
    WHEN 'open' THEN 'open'
    WHEN 'billed_to_patient' THEN 'billed to the patient'
    WHEN 'expected' THEN 'expected denial (GA/GY/GZ)'
    WHEN 'duplicate' THEN 'duplicate claim'
    ELSE status END;

-- narrowed_recoveries(as_of, ...filters): recovery_status(as_of) of the denials the dashboard's filters keep (the
-- parameters of filtered_recoveries, which reads it). The filters narrow the ledger before the status is worked
-- out: a filter after it cannot reach through the materialized `judged` below, so every recovery query judged
-- every denial whatever the filters (at 10M lines the Monthly review under one site: 0.74-0.86 s, 0.48 s
-- narrowed first). Each denial's status is its own: judging fewer changes none of theirs. basis_date: the date
-- the dates filter, as in filtered_units (the claim's first date of service, or the denial's payment date).
-- Codes, modifiers (or the modifier a line lacked) and sites are matched by unit_matches, as every unit is.
CREATE OR REPLACE MACRO narrowed_recoveries(as_of, date_basis, date_from, date_to, payer_list, category_list,
                                            code_list, modifier_list, site_list) AS TABLE
with

-- latest_holds: whether the latest outcome (recovery_ledger's) is known on as_of, worked out once here:
-- as_of may be a subquery (data_date()), which DuckDB plans again wherever it is written
ledger as (
    select
        * exclude (site, missing_modifier),
        outcome_from <= as_of as latest_holds,
        case when date_basis = 'payment' then denial_date else claim_service_date end as basis_date
    from recovery_ledger
    where denial_date <= as_of
      and (len(payer_list) = 0 or list_contains(payer_list, payer_name))
      and (len(category_list) = 0 or list_contains(category_list, category))
      and unit_matches(code_list, modifier_list, site_list, procedure_code, modifiers, missing_modifier, site)
),
-- the dates on basis_date, named above (Spark, which inlines this macro, reads no alias in the same WHERE)
denials as (
    select *
    from ledger
    where (date_from is null or basis_date >= date_from)
      and (date_to is null or basis_date <= date_to)
),

-- an outcome that held on as_of but no longer does: judging an earlier date than the data date (none
-- otherwise, so the usual judgement as of the data date joins nothing). With a row of NULLs, which joins no
-- denial: DuckDB 2.0.1 drops a LIMIT above a LEFT JOIN whose right side it proves empty from the columns'
-- statistics, as it does for a month's end on or after the last outcome's change (the review's 20,000 largest
-- denials came back whole; tests/test_recovery.py checks the limits)
earlier as (
    select
        denial_id, net_amount, recouped_amount, still_denied, upheld, last_adjudication_date, payback_date,
        corrected, reversal_date
    from recovery_outcomes
    where valid_to is not null and valid_from <= as_of and as_of < valid_to
    union all
    select null, null, null, null, null, null, null, null, null
),

-- the outcome known on as_of: an earlier one, else the latest (recovery_ledger) once it holds, else none
-- (before the first event)
known as (
    select
        denials.* exclude (latest_holds, net_amount, recouped_amount, still_denied, upheld, last_adjudication_date, payback_date, corrected, reversal_date),
        case when earlier.denial_id is not null then earlier.net_amount when denials.latest_holds then denials.net_amount end as net_amount,
        case when earlier.denial_id is not null then earlier.recouped_amount when denials.latest_holds then denials.recouped_amount end as recouped_amount,
        case when earlier.denial_id is not null then earlier.still_denied when denials.latest_holds then denials.still_denied end as still_denied,
        case when earlier.denial_id is not null then earlier.upheld when denials.latest_holds then denials.upheld end as upheld,
        case when earlier.denial_id is not null then earlier.last_adjudication_date when denials.latest_holds then denials.last_adjudication_date end as last_adjudication_date,
        case when earlier.denial_id is not null then earlier.payback_date when denials.latest_holds then denials.payback_date end as payback_date,
        case when earlier.denial_id is not null then earlier.corrected when denials.latest_holds then denials.corrected end as corrected,
        case when earlier.denial_id is not null then earlier.reversal_date when denials.latest_holds then denials.reversal_date end as reversal_date
    from denials
    left join earlier using (denial_id)
),

measured as (
    select
        * exclude (net_amount, recouped_amount, still_denied, upheld),
        -- never more than was denied: what a later adjudication pays above the denied amount (an
        -- overpayment, a line matched too loosely) is not a recovery (recovery_diagnostics lists them)
        least(greatest(coalesce(net_amount, 0), 0), denied_amount) as recovered_amount,
        coalesce(recouped_amount, 0) as recouped_amount,
        coalesce(still_denied, true) as still_denied,
        coalesce(upheld, false) as upheld
    from known
),

-- materialized: the status is worked out once per denial, as a column; inlined, a query that filters on it
-- (status = 'open', pursued) has DuckDB push the whole CASE, with the CASEs it reads, into a filter that
-- evaluates them again per row (about three times the cost of the column on the 1M-line demo)
judged as materialized (
    select
        *,
        case
            -- not pursued, whatever comes back later: the patient owes it (group PR), the provider knew the
            -- payer would not pay (a GA/GY/GZ line), or the same claim was sent again (nothing to rework; a
            -- payment on it later is the original's, or paid twice). Never in the recovery figures, which
            -- count the denials pursued: counting the few that money came back on would raise the rate
            when patient_liable then 'billed_to_patient'
            when denial_class = 'expected' then 'expected'
            when denial_class = 'duplicate' then 'duplicate'
            when recovered_amount > 0 and not still_denied and recouped_amount = 0 then 'recovered'
            when recovered_amount > 0 then 'partially_recovered'
            when upheld then 'upheld'
            when as_of > deadline then 'written_off'
            else 'open'
        end as status
    from measured
),

final as (
    select
        file_name,
        payer_name,
        claim_id,
        procedure_code,
        modifiers,
        site_of_care,
        service_date,
        denial_date,
        denied_amount,
        category,
        primary_reason,
        status,
        recovered_amount,
        case when recovered_amount > 0 then payback_date end as recovery_date,
        case when recovered_amount > 0 then date_diff('day', denial_date, payback_date) end as days_to_recovery,
        case when recovered_amount > 0 then
            case
                when corrected then 'corrected_claim'
                when reversal_date <= payback_date then 'reversal'
                else 'paid_later'
            end
        end as recovery_path,
        appeal_deadline,
        case when status = 'open' then date_diff('day', as_of::date, deadline) end as days_left,
        appeal_window_days,
        recouped_amount,
        -- the day the outcome was settled: paid back, upheld, or the window closed
        case status
            when 'recovered' then payback_date
            when 'partially_recovered' then payback_date
            when 'upheld' then last_adjudication_date
            when 'written_off' then deadline
        end as resolved_date,
        date_trunc('month', denial_date)::date as denial_month,
        denial_type,
        primary_group,
        patient_liable,
        preventable,
        appealable,
        readjudication,
        payer_id,
        filing_indicator,
        payer_claim_number,
        unit_kind,
        denial_id,
        claim_key,
        line_key,
        file_id,
        preventability,
        -- the deadline that applies (appeal window or timely filing, by the category's resolved_by), and
        -- the denial valued at what the payer would have paid for it (recovery_denials.sql)
        deadline,
        deadline_basis,
        expected_reimbursement,
        expected_reimbursement_basis,
        denial_class,
        claim_service_date,
        basis_date
    from judged
)

select * from final;

-- recovery_status(as_of): every followed denial, judged as of as_of (the header above)
CREATE OR REPLACE MACRO recovery_status(as_of) AS TABLE
    SELECT * EXCLUDE (basis_date)
    FROM narrowed_recoveries(as_of, 'service', NULL, NULL, []::VARCHAR[], []::VARCHAR[], []::VARCHAR[],
                             []::VARCHAR[], []::VARCHAR[]);
