-- builds: table recovery_ledger
-- needs: payer_deadlines, recovery_denials, recovery_outcomes, ref_denial_categories
-- partition: claim_key
-- recovery_ledger: every followed denial (recovery_denials) with what does not depend on the date it is
-- judged at, rebuilt after each load into the table recovery_ledger: its deadline, and its outcome as
-- of the data date (the latest of recovery_outcomes, with outcome_from, the date it holds from).
-- recovery_status(as_of) compares the deadline with as_of, and takes an earlier outcome from
-- recovery_outcomes only when as_of is before outcome_from.
-- Grain: one row per denial_id of recovery_denials. Rebuilt per claim when files were only added (a
-- denial's deadline and outcome are its claim's); revalued_denials.sql values the others again.
-- The deadline depends on how the money is won back (ref_denial_categories.resolved_by): an appeal is
-- due within the appeal window from the denial (ref_appeal_windows); a corrected claim within timely
-- filing from the date of service (ref_timely_filing; a denial without a service date counts from the
-- denial). The days of both are the payer's (payer_deadlines: payer id, payer name, filing indicator
-- CLP06, then the default row).
with

denials as (select * from recovery_denials),
latest_outcomes as (select * from recovery_outcomes where valid_to is null),
deadlines as (select * from payer_deadlines),
categories as (select * from ref_denial_categories),

final as (
    select
        denials.*,
        deadlines.appeal_window_days,
        denials.denial_date + deadlines.appeal_window_days as appeal_deadline,
        case when categories.resolved_by = 'corrected_claim' then 'timely filing' else 'appeal window' end
            as deadline_basis,
        case when categories.resolved_by = 'corrected_claim'
            then coalesce(denials.service_date, denials.denial_date) + deadlines.filing_limit_days
            else denials.denial_date + deadlines.appeal_window_days
        end as deadline,
        latest_outcomes.valid_from as outcome_from,
        latest_outcomes.* exclude (denial_id, valid_from, valid_to)
    from denials
    join deadlines
        on deadlines.payer_id is not distinct from denials.payer_id
        and deadlines.payer_name is not distinct from denials.payer_name
        and deadlines.filing_indicator is not distinct from denials.filing_indicator
    left join categories using (category)
    left join latest_outcomes using (denial_id)
)

select * from final
