-- recovery_denials: the denials the recovery model follows, one row per denial (a denied unit whose
-- previous adjudication of the same claim/line was not a denial; see adjudication_links.sql), with the
-- columns the review and the worklist show. Rebuilt after each load into the table recovery_denials.
with

links as (select * from adjudication_links where new_denial),
units as (select * from fact_units),
files as (select * from source_files),

final as (
    select
        units.unit_id as denial_id,
        files.file_name,
        units.file_id,
        units.claim_key,
        units.line_key,
        units.unit_kind,
        units.payer_name,
        units.payer_id,
        units.filing_indicator,
        units.claim_id,
        units.payer_claim_number,
        units.procedure_code,
        units.modifiers,
        units.site_of_care,
        units.service_date,
        units.payment_date as denial_date,
        units.denial_type,
        units.denied_amount,
        units.primary_reason,
        units.primary_group,
        units.category,
        units.patient_liable,
        units.preventable,
        units.appealable,
        units.readjudication,
        units.preventability
    from units
    join links using (unit_id)
    join files using (file_id)
)

select * from final
