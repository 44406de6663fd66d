-- builds: view denials
-- needs: fact_units, source_files
-- denials: one row per denied service line, or per denied claim that has no lines, plus one row for
-- denial-class claim-level adjustments on a claim that has lines. The judgement itself is made in
-- adjudication_units.sql when a file loads (see the rules there and in docs/views.md).
with

units as (select * from fact_units),
files as (select * from source_files),

denied as (
    select
        files.file_name,
        units.payer_name,
        units.claim_id,
        units.procedure_code,
        units.modifiers,
        units.site_of_care,
        units.service_date,
        units.payment_date,
        units.denial_type,
        units.denied_amount,
        units.primary_reason,
        units.category,
        units.patient_liable,
        units.reason_codes,
        units.remark_codes,
        case when units.line_key is null then 'claim' else 'line' end as level,
        units.primary_group,
        units.subcategory,
        units.preventable,
        units.appealable,
        units.readjudication,
        units.charge_amount,
        units.paid_amount,
        units.status_code,
        units.payer_id,
        units.claim_key,
        units.line_key,
        units.file_id,
        units.caqh_scenario,
        units.preventability,
        units.denial_class
    from units
    join files using (file_id)
    where units.denial_type is not null
)

select * from denied
