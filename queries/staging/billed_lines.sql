-- builds: view billed_lines
-- needs: bill_claims, bill_lines, source_files
-- billed_lines: one row per 837 SV1 (professional) or SV2 (institutional), a service as billed.
with

lines as (select * from bill_lines),
claims as (select * from bill_claims),
files as (select * from source_files),

renamed as (
    select
        files.file_name,
        claims.claim_id,
        claims.payer_name,
        lines.line_number,
        lines.procedure_qualifier,
        lines.procedure_code,
        list_filter([lines.modifier_1, lines.modifier_2, lines.modifier_3, lines.modifier_4], lambda m: m is not null)
            as modifiers,
        lines.revenue_code,
        lines.charge_amount,
        lines.unit_basis,
        lines.units_billed,
        -- SV105 (SV303 on a dental line) is sent only when it differs from the claim's place of service (CLM05-1)
        coalesce(lines.place_of_service, case when claims.transaction_type in ('professional', 'dental') then claims.facility_code end)
            as place_of_service,
        -- the line's DTP*472, else the claim's dates
        case when lines.service_date_from is not null then lines.service_date_from
             else claims.service_date_from end as service_date,
        case when lines.service_date_from is not null then coalesce(lines.service_date_to, lines.service_date_from)
             else coalesce(claims.service_date_to, claims.service_date_from) end as service_date_to,
        lines.line_control_number,
        lines.prior_authorization,
        lines.ndc,
        lines.ndc_quantity,
        lines.ndc_unit,
        lines.submission_key,
        lines.bill_line_key,
        lines.file_id,
        lines.segment_position
    from lines
    join claims using (submission_key)
    join files on files.file_id = lines.file_id
)

select * from renamed
