-- builds: view claims
-- needs: payments, remit_claims
-- claims: one row per CLP, the payer's adjudication of one claim in one payment.
with

claims as (select * from remit_claims),
payments as (select * from payments),

renamed as (
    select
        payments.file_name,
        payments.payer_name,
        claims.claim_id,
        claims.status_code,
        claims.charge_amount,
        claims.paid_amount,
        claims.patient_responsibility,
        claims.filing_indicator,
        claims.payer_claim_number,
        claims.facility_code as site_of_care,
        claims.frequency_code,
        claims.service_date_from,
        claims.service_date_to,
        payments.payment_date,
        claims.received_date,
        claims.drg_code,
        claims.rendering_provider_npi,
        payments.payer_id,
        claims.claim_key,
        claims.payment_key,
        claims.file_id
    from claims
    join payments using (payment_key)
)

select * from renamed
