-- builds: table claim_modifier_facts
-- needs: claim_facts, claim_modifier_list_facts
-- partition: claim_key
-- claim_modifier_facts: what initial_claims counts of a claim under the modifier filter with one modifier
-- chosen and no code or category (modifiers_alone), summed once after each load instead of from every unit
-- on every view (at 10M lines under modifier 25, 0.54 s a query; adding up a claim's rows of
-- claim_modifier_list_facts, whose rows these are summed from, 0.17 s). Several modifiers read that table.
-- Grain: one row per initial claim adjudication (as claim_facts) and modifier one of its units carries, or
-- lacked (missing_modifier: 'JW/JZ'), which is what unit_matches keeps under that one modifier. The figures
-- are claim_modifier_list_facts' summed over the lists that hold the modifier. Each row is the claim's row of
-- claim_facts with those figures in place of the whole claim's (in its columns' order), then the modifier, so
-- initial_claims reads a claim under one modifier as it is (at 10M lines under modifier 25, the claims in 17 ms
-- against 83 ms joined to claim_facts).
with

facts as (select * from claim_facts),

-- each list once under each modifier it holds (a modifier given twice on a line counts once)
by_modifier as (
    select *, unnest(list_distinct(list_append(modifier_list, missing_modifier))) as modifier
    from claim_modifier_list_facts
),

claims as (
    select
        modifier,
        claim_key,
        sum(lines)::bigint as lines,
        bool_or(denied) as denied,
        sum(denied_lines)::bigint as denied_lines,
        sum(denied_amount) as denied_amount,
        sum(avoidable_amount) as avoidable_amount,
        bool_or(duplicate_denied) as duplicate_denied,
        sum(duplicate_denied_amount) as duplicate_denied_amount,
        sum(expected_denied_lines)::bigint as expected_denied_lines,
        sum(expected_denied_amount) as expected_denied_amount
    from by_modifier
    where modifier is not null
    group by modifier, claim_key
),

-- every claim here has a row of claim_facts: the same initial claim adjudications; in modifier order, so that a
-- query of one modifier reads only its part of the table
final as (
    select
        facts.* replace (
            claims.lines as lines,
            claims.denied as denied,
            claims.denied_lines as denied_lines,
            claims.denied_amount as denied_amount,
            claims.avoidable_amount as avoidable_amount,
            claims.duplicate_denied as duplicate_denied,
            claims.duplicate_denied_amount as duplicate_denied_amount,
            claims.expected_denied_lines as expected_denied_lines,
            claims.expected_denied_amount as expected_denied_amount
        ),
        claims.modifier
    from claims
    join facts using (claim_key)
    order by claims.modifier, claims.claim_key
)

select * from final
