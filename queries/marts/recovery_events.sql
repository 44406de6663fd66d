-- builds: table recovery_events
-- needs: adjudication_links, recoupments
-- partition: claim_key
-- recovery_events: what happened to each followed denial afterwards, one row per event: a later
-- adjudication of the same line or claim (what it added to the line's payment: its paid amount less
-- what stood paid before it; whether the denial still stands, whether it was upheld under CARC 193,
-- whether it came from a corrected claim), a reversal (its negated paid amount), or a PLB WO
-- recoupment of money that adjudication paid back (negative). Rebuilt after each
-- load into the table recovery_events; recovery_status(as_of) sums them up to a date.
with

links as (select * from adjudication_links),
recoupments as (select * from recoupments where claim_key is not null),

-- (read from the table, so that links is read once and not copied as a shared CTE)
denial_starts as (
    select episode, history_key, denial_number, unit_id as denial_id, claim_key as denial_claim_key
    from adjudication_links
    where new_denial
),

-- the denial and the adjudications after it, up to the next denial of the same line
histories as (
    select
        denial_starts.denial_id,
        denial_starts.denial_claim_key,
        links.unit_id,
        links.payment_date,
        links.claim_key,
        links.claim_kind,
        links.paid_amount,
        links.denied,
        links.upheld,
        links.corrected,
        links.reverses_claim_key,
        -- each adjudication opens a group; the reversals after it belong to it
        sum((links.claim_kind = 'adjudicated')::int) over (partition by denial_starts.denial_id
            order by links.payment_date, links.claim_key, links.unit_id rows unbounded preceding) as adjudication_group
    from links
    join denial_starts using (episode, history_key, denial_number)
),

-- what the line (or claim) stands paid after each event. The TR3 (005010X221A1 §1.10.2.8) corrects a
-- payment by reversing it (CLP02 22) and adjudicating again: a later adjudication states the line's
-- whole payment, so it replaces what stood before and only its increase over that is new money; a
-- reversal takes its amount back
paid_states as (
    select
        *,
        sum(paid_amount) over (partition by denial_id, adjudication_group
            order by payment_date, claim_key, unit_id rows unbounded preceding) as paid_state
    from histories
),

-- the events after the denial, each with the change it made to what stands paid
followups as (
    select
        denial_id,
        payment_date as event_date,
        claim_key,
        case when claim_kind = 'reversal' then 'reversal' else 'adjudication' end as kind,
        amount,
        denied as still_denied,
        upheld,
        corrected,
        coalesce(reverses_claim_key = denial_claim_key, false) as reverses_denial
    from (
        select
            *,
            paid_state - lag(paid_state) over (partition by denial_id
                order by payment_date, claim_key, unit_id) as amount
        from paid_states
    )
    where unit_id <> denial_id
),

-- the money each later adjudication paid back on a denial, laid end to end per claim (in denial order)
paybacks as (
    select
        denial_id,
        claim_key,
        event_date,
        sum(amount) over (partition by claim_key order by denial_id rows unbounded preceding) - amount as span_start,
        sum(amount) over (partition by claim_key order by denial_id rows unbounded preceding) as span_end
    from followups
    where kind = 'adjudication' and amount > 0
),

-- recoupments of one claim laid end to end in date order: each takes back the paybacks its span covers
recoupment_spans as (
    select
        claim_key,
        payment_date,
        sum(amount) over (partition by claim_key order by payment_date, file_id, segment_position rows unbounded preceding)
            - amount as span_start,
        sum(amount) over (partition by claim_key order by payment_date, file_id, segment_position rows unbounded preceding)
            as span_end
    from recoupments
    where amount > 0
),

recouped as (
    select
        paybacks.denial_id,
        recoupment_spans.payment_date as event_date,
        paybacks.claim_key,
        'recoupment' as kind,
        -(least(paybacks.span_end, recoupment_spans.span_end) - greatest(paybacks.span_start, recoupment_spans.span_start))
            as amount,
        null::boolean as still_denied,
        null::boolean as upheld,
        null::boolean as corrected,
        false as reverses_denial
    from paybacks
    join recoupment_spans
        on recoupment_spans.claim_key = paybacks.claim_key
        and recoupment_spans.payment_date >= paybacks.event_date
        and least(paybacks.span_end, recoupment_spans.span_end) > greatest(paybacks.span_start, recoupment_spans.span_start)
),

final as (
    select * from followups
    union all
    select * from recouped
)

select * from final
