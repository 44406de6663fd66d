-- builds: table adjudication_links
-- needs: fact_units, ref_carc_categories
-- partition: claim_key
-- adjudication_links: every adjudication (and reversal) of each encounter and of each of its lines, in
-- the order the payer made them, linked across payments and files. Rebuilt after each load into the
-- table adjudication_links (analytics.derived); the recovery model and the initial-adjudication flag
-- read it. One row per adjudication unit of a followed encounter.
-- - An encounter (DOMAIN.md §5): the same payer and claim id (CLP01, tolerating a '-01'-style suffix:
--   fact_units.claim_group_key), the same patient (NM1*QC member id, else name; a claim re-sent with a
--   corrected member id under the same name is the same patient) and overlapping service periods.
--   Many practice systems send the patient's account number as CLP01, the same on every visit, so the
--   claim id alone merges visits. Adjudications of one patient that share the payer's claim number
--   (CLP07) are one encounter even when the dates differ (a payer correcting the date of service), and
--   a corrected claim whose REF*F8 names the CLP07 of an earlier adjudication joins that encounter,
--   following chains of corrections.
-- - The same line within an encounter: the same procedure code and date of service, tolerating changed
--   modifiers, units and charge (a corrected claim adds the missing JW/JZ, fixes the units); where an
--   adjudication has several lines of one code and date, also the line control number (REF*6R), else
--   the modifiers and charge (fact_units.match_key); on an encounter whose every adjudication has a
--   single line, that line, even when the code changed. The claim itself has history key 'claim' and
--   its event carries the claim's paid amount (CLP04).
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
        unit_id, claim_key, unit_kind, claim_kind, claim_group_key, match_key, procedure_code, service_date,
        payment_date, paid_amount, claim_paid_amount,
        denial_type is not null as denied,
        list_contains(reason_codes, '193') or coalesce(list_has_any(reason_codes, (select codes from upheld_reasons)), false)
            as upheld,
        -- a corrected or replacement claim (CLP09 7, or REF*F8 naming the claim it replaces)
        frequency_code = '7' or original_reference is not null as corrected
    from fact_units
    where claim_kind in ('adjudicated', 'reversal')
),

-- one row per claim adjudication or reversal (its first unit carries the claim's columns)
claims as (
    select
        claim_key, claim_group_key, split_part(claim_group_key, '|', 1) as payer_key, patient_key,
        patient_name_key, period_from, period_to, nullif(payer_claim_number, '') as payer_claim_number,
        original_reference
    from fact_units
    where first_of_claim and claim_kind in ('adjudicated', 'reversal')
),

-- only claim groups of more than one adjudication need splitting into encounters (min <> max is
-- cheaper than counting)
shared_groups as (
    select claim_group_key from claims group by claim_group_key having min(claim_key) <> max(claim_key)
),

-- one patient per name within a claim group: a claim sent again with a corrected member id is the
-- same patient
grouped_claims as (
    select
        claims.*,
        case when patient_name_key is null then patient_key
            else min(patient_key) over (partition by claim_group_key, patient_name_key) end as patient
    from claims
    semi join shared_groups using (claim_group_key)
),

-- overlapping service periods of one patient are one encounter (islands in date order; a claim without
-- dates joins the island before it)
period_starts as (
    select
        *,
        coalesce(period_from > max(period_to) over (partition by claim_group_key, patient
            order by period_from, claim_key rows between unbounded preceding and 1 preceding), false) as starts_encounter
    from grouped_claims
),

period_encounters as (
    select
        *,
        claim_group_key || '|' || coalesce(patient, '') || '|' || sum(starts_encounter::int) over (
            partition by claim_group_key, patient order by period_from, claim_key rows unbounded preceding)
            as period_encounter
    from period_starts
),

-- a payer's claim number (CLP07) shared by adjudications of one patient on two or three service periods
-- joins them (the payer corrected the dates); shared across more periods it is a placeholder (seen in
-- de-identified files), not an identity
claim_number_spans as (
    select claim_group_key, patient, payer_claim_number, min(period_encounter) as least_encounter
    from period_encounters
    where payer_claim_number is not null
    group by all
    having count(distinct period_encounter) between 2 and 3
),

-- each encounter takes the least encounter of any claim number its adjudications share (two hops of
-- the closure)
grouped_encounters as (
    select
        period_encounters.claim_key,
        min(coalesce(claim_number_spans.least_encounter, period_encounters.period_encounter))
            over (partition by period_encounters.period_encounter) as encounter
    from period_encounters
    left join claim_number_spans using (claim_group_key, patient, payer_claim_number)
),

-- every claim's encounter: its claim group when the group holds one adjudication
claim_encounters as (
    select
        claims.claim_key,
        claims.payer_key,
        claims.payer_claim_number,
        claims.original_reference,
        coalesce(grouped_encounters.encounter, claims.claim_group_key) as encounter
    from claims
    left join grouped_encounters using (claim_key)
),

-- a corrected claim's REF*F8 names the payer claim number of the adjudication it replaces
named_references as (
    select distinct encounter, payer_key, original_reference
    from claim_encounters
    where original_reference is not null
),

named_claims as (
    select distinct claim_encounters.encounter, claim_encounters.payer_key, claim_encounters.payer_claim_number
    from claim_encounters
    semi join named_references on named_references.original_reference = claim_encounters.payer_claim_number
),

encounter_links as (
    select distinct named_references.encounter, named_claims.encounter as linked_to
    from named_references
    join named_claims
        on named_claims.payer_key = named_references.payer_key
        and named_claims.payer_claim_number = named_references.original_reference
    where named_claims.encounter <> named_references.encounter
),

-- follow the chain to the first claim (bounded, in case two claims name each other)
chains as (
    select encounter, linked_to as root, 1 as depth from encounter_links
    union all
    select chains.encounter, encounter_links.linked_to, chains.depth + 1
    from chains
    join encounter_links on encounter_links.encounter = chains.root
    where chains.depth < 20
),

roots as (
    select encounter, arg_max(root, depth) as root from chains group by encounter
),

unit_episodes as (
    select all_units.*, coalesce(roots.root, claim_encounters.encounter) as episode
    from all_units
    join claim_encounters using (claim_key)
    left join roots using (encounter)
),

-- only episodes (an encounter with the corrections that name it) adjudicated more than once, or denied,
-- have anything to follow (every other unit keeps readjudication = false); this keeps the steps below
-- small on large histories
followed_episodes as (
    select episode
    from unit_episodes
    group by episode
    having min(claim_key) <> max(claim_key) or bool_or(denied)
),

episode_units as (
    select * from unit_episodes semi join followed_episodes using (episode)
),

-- the lines of each adjudication by code and date of service: where one adjudication has several lines
-- of a code and date, they are told apart by their match key; an episode whose adjudications each have
-- one line follows that line whatever its code
code_date_lines as (
    select episode, claim_key, procedure_code, service_date, count(*) as lines
    from episode_units
    where unit_kind = 'line'
    group by all
),

repeated_code_dates as (
    select distinct episode, procedure_code, service_date from code_date_lines where lines > 1
),

single_line_episodes as (
    select episode
    from code_date_lines
    group by episode
    having count(*) = count(distinct claim_key) and max(lines) = 1
),

line_identities as (
    select
        episode_units.*,
        case
            when single_line_episodes.episode is not null then 'line'
            when repeated_code_dates.episode is not null
                then concat_ws('|', episode_units.procedure_code, episode_units.service_date, episode_units.match_key)
            else concat_ws('|', episode_units.procedure_code, episode_units.service_date)
        end as line_identity
    from episode_units
    left join single_line_episodes using (episode)
    left join repeated_code_dates using (episode, procedure_code, service_date)
),

-- lines of one adjudication that still look alike (a control number repeated on lines of different
-- charges) are numbered in their order, so that a history never holds two lines of one adjudication:
-- the k-th such line follows the k-th in the other adjudications
units as (
    select
        * exclude (line_identity),
        line_identity || '#' || row_number() over (partition by episode, claim_key, line_identity order by unit_id)
            as history_key
    from line_identities
),

line_events as (
    select episode, unit_id, claim_key, history_key, claim_kind, payment_date, paid_amount, denied, upheld, corrected,
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
        'claim' as history_key,
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
    select episode, history_key, min(unit_id) as history_id
    from events
    group by episode, history_key
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
    join histories using (episode, history_key)
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
        numbered.history_key,
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
