-- builds: view billed_claims
-- needs: bill_claims, bill_lines, source_files
-- billed_claims: one row per 837 CLM, a claim as the provider billed it (837P or 837I).
-- Who the patient is stays in the internal table bill_claims: nothing here names a person.
with

claims as (select * from bill_claims),
lines as (select * from bill_lines),
files as (select * from source_files),

-- 5010 professional claims date their services on the lines only
line_periods as (
    select
        submission_key,
        min(coalesce(service_date_from, service_date_to)) as first_service_date,
        max(coalesce(service_date_to, service_date_from)) as last_service_date
    from lines
    group by submission_key
),

renamed as (
    select
        files.file_name,
        claims.transaction_type,
        claims.payer_name,
        claims.payer_id,
        claims.claim_id,
        claims.charge_amount,
        claims.frequency_code,
        claims.facility_code as site_of_care,
        claims.filing_indicator,
        claims.prior_authorization,
        claims.original_reference,
        case when claims.service_date_from is not null then claims.service_date_from
             else line_periods.first_service_date end as service_date_from,
        case when claims.service_date_from is not null then coalesce(claims.service_date_to, claims.service_date_from)
             else line_periods.last_service_date end as service_date_to,
        claims.submitted_date,
        claims.billing_provider_npi,
        claims.diagnosis_codes,
        claims.admission_date,
        claims.facility_qualifier,
        claims.rendering_provider_npi,
        claims.submission_key,
        claims.file_id,
        claims.segment_position
    from claims
    join files using (file_id)
    left join line_periods using (submission_key)
)

select * from renamed
