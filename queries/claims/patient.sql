-- Who the claim is for, as the payer named them (shown masked unless the user asks).
select
    any_value(patient_first_name) as first_name,
    any_value(patient_last_name) as last_name,
    any_value(patient_member_id) as member_id
from remit_claims
join payments using (payment_key)
where remit_claims.claim_id = $claim_id and payments.payer_name = $payer
