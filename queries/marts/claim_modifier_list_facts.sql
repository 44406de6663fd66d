-- builds: table claim_modifier_list_facts
-- needs: claim_facts, fact_units, readjudication_flags
-- partition: claim_key
-- claim_modifier_list_facts: what initial_claims counts of a claim under the modifier filter and no code or
-- category, summed once after each load instead of from every unit on every view. Several modifiers chosen
-- (JW and JZ, the drug-waste pair) keep a unit that carries any of them, so the figures cannot come from one
-- row per modifier (claim_modifier_facts, read under one modifier): a unit that carries two would count twice.
-- Grain: one row per initial claim adjudication (as claim_facts) and the modifiers its units carry, as
-- billed (modifier_list, missing_modifier: 'JW/JZ' for a drug line that lacked both), of units with either; each
-- unit is in one row, so the rows a filter keeps add up to the claim's figures under it (at 10M lines, 2.8M rows
-- against 9.2M units; under JW and JZ, 0.4 s against 1.1 s the Overview's query of the claims). The figures are
-- claim_lines' and claim_denials' (claim_rollup.sql) over those units: lines (not the claim-level part), and
-- the denials among them by class (denied, duplicate_denied: whether one of those units was, as claim_denials
-- judges a claim under a modifier filter). The roll-up test (tests/test_one_definition.py) checks that both
-- ways give the same claims.
-- Each row is the claim's row of claim_facts with those figures replaced (in its columns' order), then the list
-- and claim_lists: a claim with one row is its own figures under any filter that keeps it, read without joining
-- claim_facts again (at 10M lines under JW and JZ, 1.3M of the 1.9M claims: their claims 0.24 s against 0.37 s).
with

facts as (select * from claim_facts),

units as (
    select claim_key, modifiers, missing_modifier, unit_kind, denied_amount, preventable, denial_class
    from fact_units
    where claim_kind = 'adjudicated' and not readjudication and (len(modifiers) > 0 or missing_modifier is not null)
),

-- (modifier_list: the units' modifiers, named apart from the dashboard's filter parameter 'modifiers', which
-- Spark's inlined initial_claims would put in place of a column of that name in an exclude list)
claims as (
    select
        claim_key,
        modifiers as modifier_list,
        missing_modifier,
        count(*) filter (where unit_kind <> 'claim_adjustment') as lines,
        coalesce(bool_or(denial_class = 'denial'), false) as denied,
        count(*) filter (where denial_class = 'denial' and unit_kind <> 'claim_adjustment') as denied_lines,
        coalesce(sum(denied_amount) filter (where denial_class = 'denial'), 0) as denied_amount,
        coalesce(sum(denied_amount) filter (where denial_class = 'denial' and preventable), 0) as avoidable_amount,
        coalesce(bool_or(denial_class = 'duplicate'), false) as duplicate_denied,
        coalesce(sum(denied_amount) filter (where denial_class = 'duplicate'), 0) as duplicate_denied_amount,
        count(*) filter (where denial_class = 'expected' and unit_kind <> 'claim_adjustment') as expected_denied_lines,
        coalesce(sum(denied_amount) filter (where denial_class = 'expected'), 0) as expected_denied_amount
    from units
    group by claim_key, modifier_list, missing_modifier
),

-- how many rows the claim has: a claim with one (most) is its own sum under any filter that keeps it, so only
-- the others are grouped again (at 10M lines under JW and JZ, 0.6M rows of 1.9M; 0.20 s against 0.34 s)
counted as (
    select *, count(*) over (partition by claim_key) as claim_lists
    from claims
),

-- every claim here has a row of claim_facts: the same initial claim adjudications
final as (
    select
        facts.* replace (
            counted.lines as lines,
            counted.denied as denied,
            counted.denied_lines as denied_lines,
            counted.denied_amount as denied_amount,
            counted.avoidable_amount as avoidable_amount,
            counted.duplicate_denied as duplicate_denied,
            counted.duplicate_denied_amount as duplicate_denied_amount,
            counted.expected_denied_lines as expected_denied_lines,
            counted.expected_denied_amount as expected_denied_amount
        ),
        counted.modifier_list,
        counted.missing_modifier,
        counted.claim_lists
    from counted
    join facts using (claim_key)
)

select * from final
