-- builds: macros base_claim_id
-- needs: 
-- base_claim_id(claim_id): a claim id (CLP01, CLM01) without a '-01'-style suffix, the counter some
-- practice systems add when they send a claim again: claim_matches pairs remittances with billed claims
-- by it, and rebuild_scope rebuilds per claim id.
CREATE OR REPLACE MACRO base_claim_id(claim_id) AS regexp_replace(claim_id, '[-_.][0-9]{1,2}$', '');
