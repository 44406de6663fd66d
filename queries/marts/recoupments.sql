-- builds: view recoupments
-- needs: claims, payer_key, payments, provider_adjustments
-- recoupments: one row per PLB WO pair (overpayment recovery), tied to the claim adjudication its
-- reference names when it can be found: the same payer's latest adjudication, paid on or before the
-- recoupment, whose payer claim number (CLP07) equals the reference.
with

provider_adjustments as (select * from provider_adjustments where reason_code = 'WO'),
payments as (select * from payments),
claims as (select * from claims where status_code <> '22'),

recoupments as (
    select
        provider_adjustments.*,
        payments.payment_date,
        payer_key(payments.payer_id, payments.payer_name) as payer_key
    from provider_adjustments
    join payments using (payment_key)
),

candidates as (
    select
        claims.*,
        payer_key(claims.payer_id, claims.payer_name) as payer_key
    from claims
    semi join recoupments on recoupments.reference = claims.payer_claim_number
),

matched as (
    select
        recoupments.file_id,
        recoupments.payment_key,
        recoupments.segment_position,
        recoupments.pair_index,
        arg_max(candidates.claim_key, (candidates.payment_date, candidates.claim_key)) as claim_key
    from recoupments
    join candidates
        on candidates.payer_key = recoupments.payer_key
        and candidates.payer_claim_number = recoupments.reference
        and candidates.payment_date <= recoupments.payment_date
    group by all
),

final as (
    select
        recoupments.file_name,
        recoupments.payer_name,
        recoupments.payment_date,
        recoupments.provider_id,
        recoupments.reference,
        recoupments.amount,
        candidates.claim_id,
        candidates.payer_claim_number,
        candidates.payment_date as claim_payment_date,
        candidates.claim_key,
        recoupments.payment_key,
        recoupments.file_id,
        recoupments.segment_position,
        recoupments.pair_index
    from recoupments
    left join matched using (file_id, payment_key, segment_position, pair_index)
    -- the matched claim is one of the candidates (a few rows, where claims would be all of them)
    left join candidates using (claim_key)
)

select * from final
