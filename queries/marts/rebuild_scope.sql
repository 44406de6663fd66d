-- builds: macros rebuild_scope
-- needs: base_claim_id, bill_claims, bill_lines, fact_units, provider_adjustments, remit_claims
-- rebuild_scope(since): what the files loaded after file_id `since` may change in the tables partitioned
-- by claim (analytics/models.py: '-- partition:'), when files were only added (analytics/derived.py):
-- every 835 claim adjudication (claim_key), its units (unit_id), billed claim (submission_key) and billed
-- line (bill_line_key) of the claim ids (base_claim_id) they touch. A superset is harmless; a claim left
-- out would keep stale rows, so the claim ids follow everything that ties one claim's rows to another's
-- (adjudication_links.sql, claim_matches.sql):
-- - the claim ids of the new files' remittances and billed claims: their encounters are split and their
--   remittances matched to billed claims again (a claim group, payer | claim id, is within one claim id);
-- - the claim ids of claims whose payer claim number (CLP07) a new PLB WO recoupment names, or that share
--   a recouped claim number with a new claim (an older recoupment may now take the newer claim);
-- - every claim id tied to those by a corrected claim's REF*F8 naming another claim's CLP07 of the same
--   payer, either way, followed to the end of the chain.
-- Grain: one row per key ('claim_key', 'unit_id', 'submission_key', 'bill_line_key') and value.
-- base_claim_id (a regular expression) is applied to the few claims in question only: the new files'
-- claims, the ends of REF*F8 ties, and the claims whose id, or id less its last 2 or 3 characters (the
-- most a suffix takes), is one of the ids reached. (A test of every id for a suffix saved 0.2 s at 10M lines
-- where no id has one, and cost 0.4 s where every id has.) The 835 claims are read from remit_claims, and
-- only the corrected ones' units from fact_units.
CREATE OR REPLACE MACRO rebuild_scope(since) AS TABLE
with recursive

-- every 835 claim, read where it is stored (with the few without units); the payer key and the REF*F8 of
-- the few corrected claims from their units
remitted as (
    select
        claim_key, coalesce(claim_id, '') as claim_id, nullif(payer_claim_number, '') as payer_claim_number, file_id
    from remit_claims
),

-- the billed claims and lines read where they are stored: the views billed_claims and billed_lines hold
-- the same keys, and billed_claims sums every claim's lines for its service dates, not needed here
billed as (
    select submission_key, coalesce(claim_id, '') as claim_id, file_id from bill_claims
),

new_claim_numbers as (
    select payer_claim_number from remitted where file_id > since and payer_claim_number is not null
),

-- the PLB WO recoupments (recoupments.sql), read where they are stored: the claims recoupments.sql ties
-- them to are not needed here
recouped_numbers as (
    select reference from provider_adjustments
    where reason_code = 'WO' and (file_id > since or reference in (select payer_claim_number from new_claim_numbers))
),

seed_claims as (
    select claim_id from remitted where file_id > since
    union
    select claim_id from billed where file_id > since
    union
    select claim_id from remitted where payer_claim_number in (select reference from recouped_numbers)
),

seeds as (
    select distinct base_claim_id(claim_id) as claim_id from seed_claims
),

-- claim ids tied by a REF*F8, both ways: the corrected claims, and the claims their REF*F8 names
correcting as (
    select coalesce(claim_id, '') as claim_id, split_part(claim_group_key, '|', 1) as payer_key, original_reference
    from fact_units
    where first_of_claim and original_reference is not null
),

named as (
    select remitted.claim_id, split_part(units.claim_group_key, '|', 1) as payer_key, remitted.payer_claim_number
    from remitted
    join fact_units as units on units.claim_key = remitted.claim_key and units.first_of_claim
    where remitted.payer_claim_number in (select original_reference from correcting)
),

corrected_claims as (
    select distinct
        base_claim_id(correcting.claim_id) as from_id,
        base_claim_id(named.claim_id) as to_id
    from correcting
    join named
        on named.payer_key = correcting.payer_key
        and named.payer_claim_number = correcting.original_reference
),

corrections as (
    select from_id, to_id from corrected_claims where from_id <> to_id
),

ties as (
    select from_id, to_id from corrections
    union
    select to_id, from_id from corrections
),

reached(claim_id) as (
    select claim_id from seeds
    union
    select ties.to_id from reached join ties on ties.from_id = reached.claim_id
),

-- every claim of those ids: the 835 claims, their units, the billed claims and their lines; a claim id is
-- one of them when it is, or it less a suffix is
claim_ids as (
    select 'claim_key' as key, claim_key as value, claim_id from remitted
    union all
    select 'submission_key', submission_key, claim_id from billed
),

candidates as (
    select key, value, claim_id from claim_ids semi join reached using (claim_id)
    union
    select key, value, claim_id from claim_ids
    semi join reached on reached.claim_id = substr(claim_ids.claim_id, 1, length(claim_ids.claim_id) - 2)
    union
    select key, value, claim_id from claim_ids
    semi join reached on reached.claim_id = substr(claim_ids.claim_id, 1, length(claim_ids.claim_id) - 3)
),

claims_in_scope as (
    select key, value from candidates where base_claim_id(claim_id) in (select claim_id from reached)
)

select key, value from claims_in_scope
union all
select 'unit_id', unit_id from fact_units
semi join claims_in_scope on claims_in_scope.key = 'claim_key' and claims_in_scope.value = fact_units.claim_key
union all
select 'bill_line_key', bill_line_key from bill_lines
semi join claims_in_scope on claims_in_scope.key = 'submission_key' and claims_in_scope.value = bill_lines.submission_key;
