-- Every remittance that touched a claim ($claim_id at $payer), in the order they were paid.
with

claims as (select * from claims where claim_id = $claim_id and payer_name = $payer),
payments as (select * from payments),
statuses as (select * from ref_claim_statuses)

select
    claims.payment_date,
    claims.status_code || ' ' || coalesce(statuses.description, '') as status,
    claims.charge_amount,
    claims.paid_amount,
    claims.patient_responsibility,
    claims.frequency_code,
    claims.payer_claim_number,
    payments.trace_number,
    claims.file_name
from claims
join payments using (payment_key)
left join statuses using (status_code)
order by claims.payment_date, claims.claim_key
