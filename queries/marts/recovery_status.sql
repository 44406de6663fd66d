-- data_date(): the latest payment date loaded. The `recoveries` view, the worklist and the Overview
-- judge recoveries as of this date, so that a history loaded months later reads as it did then
-- (deadlines are not counted against the day it happens to be opened). Load remittances as they
-- arrive and it is today.
CREATE OR REPLACE MACRO data_date() AS (SELECT max(payment_date) FROM fact_units);

-- recovery_status(as_of): every followed denial with its outcome as known on the date as_of (events
-- after it are ignored). The `recoveries` view is recovery_status(data_date()).
-- - recovered_amount: what later adjudications paid on the denied line or claim, net of reversals and
--   of PLB WO recoupments of that money, never below zero and never above the denied amount. Recovery
--   rate = recovered $ / denied $.
-- - status: 'recovered' (paid back and no denial remains), 'partially_recovered' (paid back in part:
--   a denial remains on the latest adjudication, or part was recouped), 'upheld' (the latest
--   adjudication carries CARC 193: the appeal was heard and refused), 'written_off' (presumed lost:
--   nothing back by the deadline, the appeal window of ref_appeal_windows for denials won back by appeal,
--   timely filing from the date of service, ref_timely_filing, for those fixed by a corrected claim),
--   else 'open'. Denials that are not pursued leave the inventory: 'billed_to_patient' (patient
--   liable, group PR, or an expected denial of a GA/GY/GZ line) and 'duplicate' (the same claim sent
--   again: no rework).
-- - recovery_path: 'corrected_claim' (paid on a corrected claim: CLP09 7 or REF*F8), 'reversal'
--   (reprocessed after a CLP02 22 reversal of the denial), else 'paid_later'.
-- status_label(status): a recovery status in words, for tables people read (the view keeps the keys)
CREATE OR REPLACE MACRO status_label(status) AS CASE status
    WHEN 'recovered' THEN 'recovered'
    WHEN 'partially_recovered' THEN 'partly recovered'
    WHEN 'upheld' THEN 'upheld on appeal'
    WHEN 'written_off' THEN 'presumed lost'
    WHEN 'open' THEN 'open'
    WHEN 'billed_to_patient' THEN 'billed to the patient'
    WHEN 'duplicate' THEN 'duplicate claim'
    ELSE status END;

CREATE OR REPLACE MACRO recovery_status(as_of) AS TABLE
with

-- (site and missing_modifier are for filtered_recoveries' lookups: not carried through the steps below)
denials as (select * exclude (site, missing_modifier) from recovery_denials where denial_date <= as_of),
events as (select * from recovery_events where event_date <= as_of),
windows as (select * from ref_appeal_windows),
filing_limits as (select * from ref_timely_filing),
categories as (select * from ref_denial_categories),

totals as (
    select
        denial_id,
        sum(amount) as net_amount,
        coalesce(-sum(amount) filter (where kind = 'recoupment'), 0) as recouped_amount
    from events
    group by denial_id
),

-- the latest adjudication says whether the denial still stands, and whether it was upheld
latest as (
    select
        denial_id,
        arg_max(still_denied, (event_date, claim_key)) as still_denied,
        arg_max(upheld, (event_date, claim_key)) as upheld,
        max(event_date) as last_adjudication_date
    from events
    where kind = 'adjudication'
    group by denial_id
),

-- the latest adjudication that paid something is the one that brought the money back
paybacks as (
    select
        denial_id,
        max(event_date) as payback_date,
        arg_max(corrected, (event_date, claim_key)) as corrected
    from events
    where kind = 'adjudication' and amount > 0
    group by denial_id
),

reversed as (
    select denial_id, min(event_date) as reversal_date from events where reverses_denial group by denial_id
),

-- the days allowed, from the appeal windows and the timely-filing limits alike: per denial and table
-- the most specific rule wins (payer id, payer name, filing indicator CLP06, then the default)
limits as (
    select 'appeal' as kind, scope, value, days from windows
    union all
    select 'filing' as kind, scope, value, days from filing_limits
),

denial_limits as (
    select
        denials.denial_id,
        max(coalesce(by_id.days, by_name.days, by_filing.days, fallback.days)) filter (where kinds.kind = 'appeal')::integer
            as appeal_window_days,
        max(coalesce(by_id.days, by_name.days, by_filing.days, fallback.days)) filter (where kinds.kind = 'filing')::integer
            as filing_limit_days
    from denials
    cross join (values ('appeal'), ('filing')) as kinds(kind)
    left join limits as by_id on by_id.kind = kinds.kind and by_id.scope = 'payer_id' and by_id.value = denials.payer_id
    left join limits as by_name
        on by_name.kind = kinds.kind and by_name.scope = 'payer_name' and by_name.value = denials.payer_name
    left join limits as by_filing
        on by_filing.kind = kinds.kind and by_filing.scope = 'filing_indicator' and by_filing.value = denials.filing_indicator
    left join limits as fallback on fallback.kind = kinds.kind and fallback.scope = 'default'
    group by denials.denial_id
),

-- the deadline depends on how the money is won back (the category's resolved_by): an appeal is due
-- within the appeal window from the denial; a corrected claim within timely filing from the date of
-- service (a claim denied without a service date counts from the denial)
deadlines as (
    select
        denials.denial_id,
        denial_limits.appeal_window_days,
        denials.denial_date + denial_limits.appeal_window_days as appeal_deadline,
        case when categories.resolved_by = 'corrected_claim' then 'timely filing' else 'appeal window' end
            as deadline_basis,
        case when categories.resolved_by = 'corrected_claim'
            then coalesce(denials.service_date, denials.denial_date) + denial_limits.filing_limit_days
            else denials.denial_date + denial_limits.appeal_window_days
        end as deadline
    from denials
    join denial_limits using (denial_id)
    left join categories using (category)
),

measured as (
    select
        denials.*,
        -- never more than was denied: what a later adjudication pays above the denied amount (an
        -- overpayment, a line matched too loosely) is not a recovery (recovery_diagnostics lists them)
        least(greatest(coalesce(totals.net_amount, 0), 0), denials.denied_amount) as recovered_amount,
        coalesce(totals.recouped_amount, 0) as recouped_amount,
        coalesce(latest.still_denied, true) as still_denied,
        coalesce(latest.upheld, false) as upheld,
        latest.last_adjudication_date,
        paybacks.payback_date,
        paybacks.corrected,
        reversed.reversal_date,
        deadlines.appeal_window_days,
        deadlines.appeal_deadline,
        deadlines.deadline,
        deadlines.deadline_basis
    from denials
    join deadlines using (denial_id)
    left join totals using (denial_id)
    left join latest using (denial_id)
    left join paybacks using (denial_id)
    left join reversed using (denial_id)
),

judged as (
    select
        *,
        case
            when recovered_amount > 0 and not still_denied and recouped_amount = 0 then 'recovered'
            when recovered_amount > 0 then 'partially_recovered'
            -- not pursued (unless money came back all the same): the patient owes it (group PR, or a
            -- GA/GY/GZ line the provider knew the payer would not pay), or the same claim was sent again
            -- (nothing to rework)
            when patient_liable or denial_class = 'expected' then 'billed_to_patient'
            when denial_class = 'duplicate' then 'duplicate'
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
        claim_service_date
    from judged
)

select * from final;
