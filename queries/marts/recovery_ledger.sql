-- builds: table recovery_ledger
-- needs: recovery_denials, recovery_outcomes, ref_appeal_windows, ref_denial_categories, ref_timely_filing
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
-- denial). Per denial and table the most specific rule wins: payer id, payer name, filing indicator
-- (CLP06), then the default row.
with

denials as (select * from recovery_denials),
latest_outcomes as (select * from recovery_outcomes where valid_to is null),
windows as (select * from ref_appeal_windows),
filing_limits as (select * from ref_timely_filing),
categories as (select * from ref_denial_categories),

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

final as (
    select
        denials.*,
        denial_limits.appeal_window_days,
        denials.denial_date + denial_limits.appeal_window_days as appeal_deadline,
        case when categories.resolved_by = 'corrected_claim' then 'timely filing' else 'appeal window' end
            as deadline_basis,
        case when categories.resolved_by = 'corrected_claim'
            then coalesce(denials.service_date, denials.denial_date) + denial_limits.filing_limit_days
            else denials.denial_date + denial_limits.appeal_window_days
        end as deadline,
        latest_outcomes.valid_from as outcome_from,
        latest_outcomes.* exclude (denial_id, valid_from, valid_to)
    from denials
    join denial_limits using (denial_id)
    left join categories using (category)
    left join latest_outcomes using (denial_id)
)

select * from final
