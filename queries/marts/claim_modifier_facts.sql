-- builds: table claim_modifier_facts
-- needs: fact_units, readjudication_flags
-- partition: claim_key
-- claim_modifier_facts: what initial_claims counts of a claim under the modifier filter with one modifier
-- chosen and no code or category (one_modifier_alone), summed once after each load instead of from every unit
-- on every view (at 10M lines under modifier 25, 0.54 s a query; reading this table, 0.09 s).
-- Grain: one row per initial claim adjudication (as claim_facts) and modifier one of its units carries, or
-- lacked (missing_modifier: 'JW/JZ'), which is what unit_matches keeps under that one modifier. The figures
-- are claim_lines' and claim_denials' (claim_rollup.sql) over those units: lines (not the claim-level part),
-- and the denials among them by class. The roll-up test (tests/test_one_definition.py) checks that both ways
-- give the same claims.
with

-- each unit once under each modifier it carries or lacked (a modifier given twice on a line counts once)
by_modifier as (
    select
        claim_key,
        unit_kind,
        denied_amount,
        preventable,
        denial_class,
        unnest(list_distinct(list_append(modifiers, missing_modifier))) as modifier
    from fact_units
    where claim_kind = 'adjudicated' and not readjudication
),

claims as (
    select
        modifier,
        claim_key,
        count(*) filter (where unit_kind <> 'claim_adjustment') as lines,
        count(*) filter (where denial_class = 'denial' and unit_kind <> 'claim_adjustment') as denied_lines,
        coalesce(sum(denied_amount) filter (where denial_class = 'denial'), 0) as denied_amount,
        coalesce(sum(denied_amount) filter (where denial_class = 'denial' and preventable), 0) as avoidable_amount,
        coalesce(sum(denied_amount) filter (where denial_class = 'duplicate'), 0) as duplicate_denied_amount,
        count(*) filter (where denial_class = 'expected' and unit_kind <> 'claim_adjustment') as expected_denied_lines,
        coalesce(sum(denied_amount) filter (where denial_class = 'expected'), 0) as expected_denied_amount
    from by_modifier
    where modifier is not null
    group by modifier, claim_key
)

-- in modifier order, so that a query of one modifier reads only its part of the table
select * from claims
order by modifier, claim_key
