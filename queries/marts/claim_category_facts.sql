-- builds: table claim_category_facts
-- needs: initial_denials, readjudication_flags
-- partition: claim_key
-- claim_category_facts: what initial_claims counts of a claim's denials under the category filter with no code
-- or modifier chosen (categories_alone), summed once after each load instead of from every unit on every view
-- (at 10M lines under one category, 0.25 s a query counted from the units). Grain: one row per initial claim
-- adjudication (as claim_facts) and category of its denials, the duplicate-claim and expected ones included.
-- The figures are claim_denials' (claim_rollup.sql) under that one category: its flags read over the claim's
-- denials of the category, its sums over them. A unit has one category, so the rows of several categories add
-- up to what claim_denials gives under them all. The roll-up test (tests/test_one_definition.py) checks that
-- both ways give the same claims.
with

denials as (select * from initial_denials()),

claims as (
    select
        category,
        claim_key,
        bool_or(counts) as denied,
        bool_or(counts and unit_kind <> 'line' and denial_type = 'full') as claim_fully_denied,
        count(*) filter (where counts and unit_kind <> 'claim_adjustment') as denied_lines,
        coalesce(sum(denied_amount) filter (where counts), 0) as denied_amount,
        coalesce(sum(denied_amount) filter (where counts and preventable), 0) as avoidable_amount,
        bool_or(duplicate) as duplicate_denied,
        coalesce(sum(denied_amount) filter (where duplicate), 0) as duplicate_denied_amount,
        count(*) filter (where expected and unit_kind <> 'claim_adjustment') as expected_denied_lines,
        coalesce(sum(denied_amount) filter (where expected), 0) as expected_denied_amount
    from denials
    group by category, claim_key
)

-- in category order, so that a query of one category reads only its part of the table
select * from claims
order by category, claim_key
