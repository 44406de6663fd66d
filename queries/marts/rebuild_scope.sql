-- builds: macros rebuild_scope
-- needs: fact_units, recoupments
-- rebuild_scope(since): the 835 claim adjudications whose rows in the tables partitioned by claim
-- (analytics/models.py: '-- partition:') files loaded after file_id `since` may change, when files were
-- only added (analytics/derived.py). A superset is harmless; a claim left out would keep stale rows, so
-- the scope follows everything that ties one claim's rows to another's (adjudication_links.sql):
-- - the claim groups (payer | claim id) of the new files' units: their encounters are split again;
-- - the claim groups of claims whose payer claim number (CLP07) a new PLB WO recoupment names, or that
--   share a recouped claim number with a new claim (an older recoupment may now take the newer claim);
-- - every claim group tied to those by a corrected claim's REF*F8 naming another claim's CLP07 of the
--   same payer, either way, followed to the end of the chain.
-- Grain: one row per claim_key.
CREATE OR REPLACE MACRO rebuild_scope(since) AS TABLE
with recursive

claims as (
    select
        claim_key, claim_group_key, split_part(claim_group_key, '|', 1) as payer_key,
        nullif(payer_claim_number, '') as payer_claim_number, original_reference, file_id
    from fact_units
    where first_of_claim
),

new_claim_numbers as (
    select payer_claim_number from claims where file_id > since and payer_claim_number is not null
),

recouped_numbers as (
    select reference from recoupments
    where file_id > since or reference in (select payer_claim_number from new_claim_numbers)
),

seeds as (
    select distinct claim_group_key from fact_units where file_id > since
    union
    select claim_group_key from claims where payer_claim_number in (select reference from recouped_numbers)
),

-- claim groups tied by a REF*F8, both ways
corrections as (
    select distinct corrected.claim_group_key as from_group, named.claim_group_key as to_group
    from claims as corrected
    join claims as named
        on named.payer_key = corrected.payer_key
        and named.payer_claim_number = corrected.original_reference
    where corrected.claim_group_key <> named.claim_group_key
),

ties as (
    select from_group, to_group from corrections
    union
    select to_group, from_group from corrections
),

reached(claim_group_key) as (
    select claim_group_key from seeds
    union
    select ties.to_group from reached join ties on ties.from_group = reached.claim_group_key
)

select distinct claim_key from fact_units semi join reached using (claim_group_key);
