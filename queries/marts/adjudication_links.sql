-- adjudication_links: every adjudication (and reversal) of each claim and of each of its lines, in the
-- order the payer made them, linked across payments and files. Rebuilt after each load into the table
-- adjudication_links (analytics.recovery); the recovery model and the initial-adjudication flag read it.
-- - The same claim: same payer and claim id, tolerating a '-01'-style suffix (fact_units.episode_key),
--   and the chain of payer claim numbers a corrected claim names in REF*F8.
-- - The same line: fact_units.match_key (line control number, else code + modifiers + date + charge);
--   the claim itself has match key 'claim' and its event carries the claim's paid amount (CLP04).
-- - A denial starts when a unit is denied and the previous adjudication of the same claim/line was not
--   (so an upheld appeal or a repeated denial is not a new denial), unless what it denies had already
--   been paid and not reversed (a duplicate submission denied: nothing is lost); the adjudications
--   after it, up to the next denial of the same line, are what happened to it.
-- - The adjudications of a claim or line are taken in the order of payment date, claim key (load order)
--   and unit id.
with recursive

-- CARCs by which the payer keeps an earlier decision (class 'upheld' in the rule set: 193 original
-- decision maintained; 138, 285, 286 an appeal refused on procedure or time): never a new denial (they
-- are not denial-class, so fact_units does not deny them), but the denial before them stands, upheld
upheld_reasons as (select list(carc) as codes from ref_carc_categories where class = 'upheld'),

-- (not materialized: each step below reads the few columns it needs from fact_units, instead of a
-- shared copy of them all)
all_units as not materialized (
    select
        unit_id, claim_key, unit_kind, claim_kind, episode_key, match_key, payment_date, paid_amount,
        claim_paid_amount, original_reference, payer_claim_number,
        denial_type is not null as denied,
        list_contains(reason_codes, '193') or coalesce(list_has_any(reason_codes, (select codes from upheld_reasons)), false)
            as upheld,
        -- a corrected or replacement claim (CLP09 7, or REF*F8 naming the claim it replaces)
        frequency_code = '7' or original_reference is not null as corrected
    from fact_units
    where claim_kind in ('adjudicated', 'reversal')
),

-- a corrected claim's REF*F8 names the payer claim number of the adjudication it replaces
named_references as (
    select distinct episode_key, split_part(episode_key, '|', 1) as payer_key, original_reference
    from all_units
    where original_reference is not null
),

named_claims as (
    select distinct all_units.episode_key, split_part(all_units.episode_key, '|', 1) as payer_key,
        all_units.payer_claim_number
    from all_units
    semi join named_references on named_references.original_reference = all_units.payer_claim_number
),

-- only claims adjudicated more than once, or denied, or linked through REF*F8 have anything to follow
-- (every other unit keeps readjudication = false); this keeps the step small on large histories
followed_episodes as (
    select episode_key
    from all_units
    group by episode_key
    -- more than one claim (min <> max is cheaper than counting distinct keys)
    having min(claim_key) <> max(claim_key) or bool_or(denied)
    union
    select episode_key from named_references
    union
    select episode_key from named_claims
),

episode_links as (
    select distinct named_references.episode_key, named_claims.episode_key as linked_to
    from named_references
    join named_claims
        on named_claims.payer_key = named_references.payer_key
        and named_claims.payer_claim_number = named_references.original_reference
    where named_claims.episode_key <> named_references.episode_key
),

-- follow the chain to the first claim (bounded, in case two claims name each other)
chains as (
    select episode_key, linked_to as root, 1 as depth from episode_links
    union all
    select chains.episode_key, episode_links.linked_to, chains.depth + 1
    from chains
    join episode_links on episode_links.episode_key = chains.root
    where chains.depth < 20
),

roots as (
    select episode_key, arg_max(root, depth) as root from chains group by episode_key
),

-- the episode of each followed claim: the first claim of its chain, else its own (mapped once per
-- episode rather than per unit)
episodes as (
    select followed_episodes.episode_key, coalesce(roots.root, followed_episodes.episode_key) as episode
    from followed_episodes
    left join roots using (episode_key)
),

units as (
    select all_units.*, episodes.episode from all_units join episodes using (episode_key)
),

line_events as (
    select episode, unit_id, claim_key, match_key, claim_kind, payment_date, paid_amount, denied, upheld, corrected,
        claim_paid_amount
    from units
    where unit_kind = 'line'
),

-- one event per claim adjudication: its claim-level denial (if any) and the claim's paid amount
claim_events as (
    select
        any_value(episode) as episode,
        -claim_key as unit_id,
        claim_key,
        'claim' as match_key,
        any_value(claim_kind) as claim_kind,
        any_value(payment_date) as payment_date,
        any_value(claim_paid_amount) as paid_amount,
        coalesce(bool_or(denied and unit_kind <> 'line'), false) as denied,
        coalesce(bool_or(upheld and unit_kind <> 'line'), false) as upheld,
        any_value(corrected) as corrected,
        any_value(claim_paid_amount) as claim_paid_amount
    from units
    group by claim_key
),

events as (
    select * from line_events
    union all
    select * from claim_events
),

-- one number per history (the adjudications of one line or claim in an episode): the windows below
-- partition by it, which sorts faster than the episode and match key strings
histories as (
    select episode, match_key, min(unit_id) as history_id
    from events
    group by episode, match_key
),

-- one pass over each history in order: whether the previous adjudication (not reversal) denied the
-- line or claim or upheld its denial, what it had been paid before (net of reversals), and the event's place
ordered as (
    select
        events.*,
        histories.history_id,
        last_value(case when events.claim_kind = 'adjudicated' then events.denied or events.upheld end ignore nulls) over earlier
            as previous_denied,
        coalesce(sum(events.paid_amount) over earlier, 0) as paid_before,
        row_number() over history as place
    from events
    join histories using (episode, match_key)
    window
        history as (partition by histories.history_id order by events.payment_date, events.claim_key, events.unit_id),
        earlier as (history rows between unbounded preceding and 1 preceding)
),

-- a denial of something already paid (a duplicate submission) loses nothing: not followed
denial_starts as (
    select
        *,
        claim_kind = 'adjudicated' and denied and not coalesce(previous_denied, false) and paid_before <= 0
            as new_denial
    from ordered
),

-- the denials started so far in the history, without a running sum (a costlier window): a new
-- denial's place among the history's new denials, or for any other event its place minus its place
-- among the events that start none
numbered as (
    select
        * exclude (place, place_in_kind),
        case when new_denial then place_in_kind else place - place_in_kind end::hugeint as denial_number
    from (
        select
            *,
            row_number() over (partition by history_id, new_denial order by payment_date, claim_key, unit_id)
                as place_in_kind
        from denial_starts
    )
),

-- the first adjudication of a claim is its initial adjudication; later ones are readjudications (the
-- episode's first claim, nulls last as in the ordering above: an aggregate, not a window)
initial_adjudications as (
    select
        episode,
        arg_min(claim_key, (payment_date is null, coalesce(payment_date, date '0001-01-01'), claim_key))
            as initial_claim_key
    from claim_events
    where claim_kind = 'adjudicated'
    group by episode
),

-- what a reversal reverses: the latest earlier adjudication of the claim, preferring the one whose
-- paid amount it negates
reversals as (
    select
        reversal.claim_key,
        arg_max(earlier.claim_key, (earlier.claim_paid_amount = -reversal.claim_paid_amount, earlier.payment_date, earlier.claim_key))
            as reverses_claim_key
    from claim_events as reversal
    join claim_events as earlier
        on earlier.episode = reversal.episode
        and earlier.claim_kind = 'adjudicated'
        and (earlier.payment_date, earlier.claim_key) < (reversal.payment_date, reversal.claim_key)
    where reversal.claim_kind = 'reversal'
    group by reversal.claim_key
),

final as (
    select
        numbered.episode,
        numbered.match_key,
        numbered.unit_id,
        numbered.claim_key,
        numbered.claim_kind,
        numbered.payment_date,
        numbered.paid_amount,
        -- the denial still stands: denied again, or upheld
        numbered.denied or numbered.upheld as denied,
        numbered.new_denial,
        numbered.denial_number,
        numbered.upheld,
        numbered.corrected,
        coalesce(numbered.claim_kind = 'adjudicated' and numbered.claim_key <> initial_adjudications.initial_claim_key, false)
            as readjudication,
        reversals.reverses_claim_key
    from numbered
    left join initial_adjudications using (episode)
    left join reversals using (claim_key)
)

select * from final
