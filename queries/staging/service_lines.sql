-- builds: view service_lines
-- needs: claims, remit_service_lines
-- service_lines: one row per SVC, the adjudication of one billed service.
with

lines as (select * from remit_service_lines),
claims as (select * from claims),

renamed as (
    select
        claims.file_name,
        claims.claim_id,
        claims.payer_name,
        lines.procedure_qualifier,
        lines.procedure_code,
        list_filter([lines.modifier_1, lines.modifier_2, lines.modifier_3, lines.modifier_4], lambda m: m is not null)
            as modifiers,
        lines.charge_amount,
        lines.paid_amount,
        lines.revenue_code,
        -- SVC05 may be left out when one unit was paid
        coalesce(lines.units_paid, 1) as units_paid,
        -- SVC07 is sent only when the billed units differ from the paid ones
        coalesce(lines.units_billed, lines.units_paid, 1) as units_billed,
        coalesce(lines.service_date, lines.service_date_from, claims.service_date_from) as service_date,
        lines.line_control_number,
        lines.allowed_amount,
        lines.original_procedure_code,
        lines.prior_authorization,
        lines.policy_reference,
        lines.line_key,
        lines.claim_key,
        lines.file_id
    from lines
    -- a row and its claim come from one file: the file id in the join lets a filter on the file ids (the
    -- units of a load read its files alone) narrow the claims too, not only the lines
    join claims on claims.claim_key = lines.claim_key and claims.file_id = lines.file_id
)

select * from renamed
