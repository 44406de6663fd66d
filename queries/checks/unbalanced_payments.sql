-- Payments whose claims' paid amounts less provider-level adjustments do not add up to the amount
-- paid (sum CLP04 - sum PLB = BPR02).
with

payments as (select * from remit_payments where file_id between $first_id and $last_id),
claims as (select * from remit_claims where file_id between $first_id and $last_id),
provider_adjustments as (select * from remit_provider_adjustments where file_id between $first_id and $last_id),

claims_paid as (
    select payment_key, sum(paid_amount) as paid
    from claims
    group by payment_key
),

provider_adjusted as (
    select payment_key, sum(amount) as adjusted
    from provider_adjustments
    group by payment_key
),

unbalanced as (
    select
        payments.file_id,
        payments.segment_position,
        payments.payment_amount,
        coalesce(claims_paid.paid, 0) as paid,
        coalesce(provider_adjusted.adjusted, 0) as adjusted
    from payments
    left join claims_paid using (payment_key)
    left join provider_adjusted using (payment_key)
    where coalesce(claims_paid.paid, 0) - coalesce(provider_adjusted.adjusted, 0) <> payments.payment_amount
)

select
    file_id,
    segment_position,
    'warning' as severity,
    'ST' as segment_id,
    format('payment does not balance: claims paid {} - provider adjustments {} = {}, but BPR02 says {}',
        paid::varchar, adjusted::varchar, (paid - adjusted)::varchar, payment_amount::varchar) as message
from unbalanced
