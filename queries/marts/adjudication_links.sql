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
with recursive

all_units as (select * from fact_units where claim_kind in ('adjudicated', 'reversal')),

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
    having count(distinct claim_key) > 1 or bool_or(denial_type is not null)
    union
    select episode_key from named_references
    union
    select episode_key from named_claims
),

units as (
    select * from all_units semi join followed_episodes using (episode_key)
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

line_events as (
    select
        unit_id, claim_key, episode_key, match_key, claim_kind, payment_date, paid_amount,
        denial_type is not null as denied,
        list_contains(reason_codes, '193') as upheld,
        frequency_code, original_reference, claim_paid_amount
    from units
    where unit_kind = 'line'
),

-- one event per claim adjudication: its claim-level denial (if any) and the claim's paid amount
claim_events as (
    select
        -claim_key as unit_id,
        claim_key,
        any_value(episode_key) as episode_key,
        'claim' as match_key,
        any_value(claim_kind) as claim_kind,
        any_value(payment_date) as payment_date,
        any_value(claim_paid_amount) as paid_amount,
        coalesce(bool_or(denial_type is not null and unit_kind <> 'line'), false) as denied,
        coalesce(bool_or(list_contains(reason_codes, '193') and unit_kind <> 'line'), false) as upheld,
        any_value(frequency_code) as frequency_code,
        any_value(original_reference) as original_reference,
        any_value(claim_paid_amount) as claim_paid_amount
    from units
    group by claim_key
),

events as (
    select
        coalesce(roots.root, unioned.episode_key) as episode,
        unioned.*,
        -- a corrected or replacement claim (CLP09 7, or REF*F8 naming the claim it replaces)
        unioned.frequency_code = '7' or unioned.original_reference is not null as corrected
    from (select * from line_events union all select * from claim_events) as unioned
    left join roots using (episode_key)
),

ordered as (
    select
        *,
        lag(denied) over (
            partition by episode, match_key, claim_kind = 'adjudicated' order by payment_date, claim_key
        ) as previous_denied,
        -- what the line or claim had been paid before, net of reversals
        coalesce(sum(paid_amount) over (
            partition by episode, match_key order by payment_date, claim_key, unit_id
            rows between unbounded preceding and 1 preceding
        ), 0) as paid_before
    from events
),

-- a denial of something already paid (a duplicate submission) loses nothing: not followed
denial_starts as (
    select
        *,
        claim_kind = 'adjudicated' and denied and not coalesce(previous_denied, false) and paid_before <= 0
            as new_denial
    from ordered
),

numbered as (
    select
        *,
        sum(new_denial::int) over (
            partition by episode, match_key order by payment_date, claim_key, unit_id rows unbounded preceding
        ) as denial_number
    from denial_starts
),

-- the first adjudication of a claim is its initial adjudication; later ones are readjudications
claim_order as (
    select
        claim_key,
        row_number() over (partition by episode order by payment_date, claim_key) > 1 as readjudication
    from events
    where match_key = 'claim' and claim_kind = 'adjudicated'
),

-- what a reversal reverses: the latest earlier adjudication of the claim, preferring the one whose
-- paid amount it negates
reversals as (
    select
        reversal.claim_key,
        arg_max(earlier.claim_key, (earlier.claim_paid_amount = -reversal.claim_paid_amount, earlier.payment_date, earlier.claim_key))
            as reverses_claim_key
    from events as reversal
    join events as earlier
        on earlier.episode = reversal.episode
        and earlier.match_key = 'claim'
        and earlier.claim_kind = 'adjudicated'
        and (earlier.payment_date, earlier.claim_key) < (reversal.payment_date, reversal.claim_key)
    where reversal.match_key = 'claim' and reversal.claim_kind = 'reversal'
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
        numbered.denied,
        numbered.new_denial,
        numbered.denial_number,
        numbered.upheld,
        numbered.corrected,
        coalesce(claim_order.readjudication, false) as readjudication,
        reversals.reverses_claim_key
    from numbered
    left join claim_order using (claim_key)
    left join reversals using (claim_key)
)

select * from final
