-- Claims whose charge minus all their adjustments (claim and line level) is not what was paid
-- (CLP03 - CAS = CLP04).
with

claims as (select * from remit_claims where file_id between $first_id and $last_id),
adjustments as (select * from remit_adjustments where file_id between $first_id and $last_id),

claim_adjustments as (
    select claim_key, sum(amount) as adjusted
    from adjustments
    group by claim_key
),

unbalanced as (
    select
        claims.file_id,
        claims.segment_position,
        claims.claim_id,
        claims.charge_amount,
        coalesce(claim_adjustments.adjusted, 0) as adjusted,
        claims.paid_amount
    from claims
    left join claim_adjustments using (claim_key)
    where claims.charge_amount - coalesce(claim_adjustments.adjusted, 0) <> claims.paid_amount
)

select
    file_id,
    segment_position,
    'warning' as severity,
    'CLP' as segment_id,
    format('claim {} does not balance: charge {} - adjustments {} = {}, but {} was paid',
        claim_id, charge_amount::varchar, adjusted::varchar, (charge_amount - adjusted)::varchar, paid_amount::varchar) as message
from unbalanced
