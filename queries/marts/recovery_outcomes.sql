-- builds: table recovery_outcomes
-- needs: recovery_events
-- partition: unit_id as denial_id
-- recovery_outcomes: what the events after each followed denial add up to, as of each date something
-- happened (recovery_events), rebuilt after each load into the table recovery_outcomes, so that
-- recovery_status(as_of) reads the outcome as known on any date without summing the events again.
-- Grain: one row per denial_id and date of one of its events; the row holds from valid_from until the
-- day before valid_to (NULL: the latest). A denial with no event has no row.
-- - net_amount: what later adjudications added, net of reversals and recoupments; recouped_amount: the
--   PLB WO recoupments of that money (positive).
-- - still_denied, upheld: as the latest adjudication says (CARC 193: upheld on appeal); NULL before any
--   adjudication. last_adjudication_date: its date.
-- - payback_date, corrected: the latest adjudication that paid something, and whether it came from a
--   corrected claim. reversal_date: the first reversal of the denial.
with

events as (select * from recovery_events),

dates as (
    select distinct denial_id, event_date as valid_from from events
),

-- every event up to each date, per denial (a denial has a handful of events)
so_far as (
    select dates.denial_id, dates.valid_from, events.*exclude (denial_id)
    from dates
    join events on events.denial_id = dates.denial_id and events.event_date <= dates.valid_from
),

summed as (
    select
        denial_id,
        valid_from,
        sum(amount) as net_amount,
        coalesce(-sum(amount) filter (where kind = 'recoupment'), 0) as recouped_amount,
        arg_max(still_denied, (event_date, claim_key)) filter (where kind = 'adjudication') as still_denied,
        arg_max(upheld, (event_date, claim_key)) filter (where kind = 'adjudication') as upheld,
        max(event_date) filter (where kind = 'adjudication') as last_adjudication_date,
        max(event_date) filter (where kind = 'adjudication' and amount > 0) as payback_date,
        arg_max(corrected, (event_date, claim_key)) filter (where kind = 'adjudication' and amount > 0) as corrected,
        min(event_date) filter (where reverses_denial) as reversal_date
    from so_far
    group by denial_id, valid_from
),

final as (
    select
        denial_id,
        valid_from,
        lead(valid_from) over (partition by denial_id order by valid_from) as valid_to,
        net_amount,
        recouped_amount,
        still_denied,
        upheld,
        last_adjudication_date,
        payback_date,
        corrected,
        reversal_date
    from summed
)

select * from final
