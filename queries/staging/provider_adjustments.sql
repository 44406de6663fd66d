-- builds: view provider_adjustments
-- needs: payments, remit_provider_adjustments
-- provider_adjustments: one row per PLB pair (reason:reference, amount); a positive amount reduces
-- the payment (e.g. WO overpayment recovery), a negative one adds to it (e.g. L6 interest).
with

provider_adjustments as (select * from remit_provider_adjustments),
payments as (select * from payments),

renamed as (
    select
        payments.file_name,
        provider_adjustments.provider_id,
        provider_adjustments.reason_code,
        provider_adjustments.reference,
        provider_adjustments.amount,
        provider_adjustments.fiscal_period_date,
        payments.payer_name,
        provider_adjustments.pair_index,
        provider_adjustments.segment_position,
        provider_adjustments.payment_key,
        provider_adjustments.file_id
    from provider_adjustments
    join payments using (payment_key)
)

select * from renamed
