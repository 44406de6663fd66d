-- builds: table claim_matches
-- needs: base_claim_id, claims, billed_claims
-- partition: claim_key
-- claim_matches: each remittance adjudication (835 CLP) paired with the billed claim (837 CLM) it
-- answers. Rebuilt after each load into the table claim_matches (analytics.derived).
-- A remittance answers a billed claim with the same claim id (tolerating a '-01'-style suffix) from
-- the same payer (payer id or name) or, when payer ids differ between the two files (clearinghouse
-- ids often do), with the same claim filing indicator (CLP06 = SBR09), and whose service date falls in
-- the claim's service dates. When a claim was billed more than once (a corrected claim), the
-- remittance goes to the latest claim sent on or before its payment date.
with

submitted as (select * from billed_claims),
remitted as (select * from claims),

submitted_keys as (
    select
        submission_key,
        base_claim_id(claim_id) as base_id,
        payer_id,
        upper(trim(payer_name)) as payer,
        filing_indicator,
        service_date_from,
        coalesce(service_date_to, service_date_from) as service_date_to,
        submitted_date
    from submitted
    where claim_id is not null
),

remitted_keys as (
    select
        claim_key,
        base_claim_id(claim_id) as base_id,
        payer_id,
        upper(trim(payer_name)) as payer,
        filing_indicator,
        service_date_from,
        payment_date
    from remitted
    where claim_id is not null
),

candidates as (
    select
        remitted_keys.claim_key,
        submitted_keys.submission_key,
        submitted_keys.submitted_date,
        coalesce(remitted_keys.payer_id = submitted_keys.payer_id, false)
            or coalesce(remitted_keys.payer = submitted_keys.payer, false) as same_payer,
        coalesce(submitted_keys.submitted_date <= remitted_keys.payment_date, true) as sent_before
    from remitted_keys
    join submitted_keys using (base_id)
    where (
            coalesce(remitted_keys.payer_id = submitted_keys.payer_id, false)
            or coalesce(remitted_keys.payer = submitted_keys.payer, false)
            or coalesce(remitted_keys.filing_indicator = submitted_keys.filing_indicator, false)
        )
        and (
            remitted_keys.service_date_from is null or submitted_keys.service_date_from is null
            or remitted_keys.service_date_from between submitted_keys.service_date_from and submitted_keys.service_date_to
        )
),

chosen as (
    select
        claim_key,
        arg_max(submission_key, (same_payer, sent_before, submitted_date, submission_key)) as submission_key,
        arg_max(same_payer, (same_payer, sent_before, submitted_date, submission_key)) as same_payer
    from candidates
    group by claim_key
)

select
    submission_key,
    claim_key,
    case when same_payer then 'claim id, payer and dates' else 'claim id, filing indicator and dates' end
        as match_basis
from chosen
