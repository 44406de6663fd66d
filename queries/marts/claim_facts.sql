-- builds: table claim_facts
-- needs: claim_rollup, readjudication_flags
-- partition: claim_key
-- claim_facts: the claim-level facts of every initial claim adjudication, without filters
-- (claim_rollup.sql says what each column means), rebuilt after each load once the readjudication
-- flags are set. initial_claims reads it, and under a code, modifier or category filter the units again.
-- Grain: one row per claim_key of fact_units with claim_kind 'adjudicated' that is not a readjudication.
select * from claim_rollup()
