-- builds: table recovery_denials
-- needs: adjudication_links, expected_ratios, expected_reimbursement, expected_reimbursement_basis, fact_units, payer_key, source_files
-- partition: claim_key
-- recovery_denials: the denials the recovery model follows, one row per denial (a denied unit whose
-- previous adjudication of the same claim/line was not a denial; see adjudication_links.sql), with the
-- columns the review and the worklist show. Rebuilt after each load into the table recovery_denials.
-- Each denial is also valued at what the payer would have paid for it (expected reimbursement): denied $
-- at charges times the payer's paid-to-charge ratio for the code (expected_ratios), so that a recovery
-- (paid at the allowed amount) is compared with like. Rebuilt per claim when files were only added; the
-- denials of other claims are valued again at the new ratios by revalued_denials.sql.
with

links as (select * from adjudication_links where new_denial),
units as (select * from fact_units),
files as (select * from source_files),

-- the paid-to-charge ratios a denied line is valued at (expected_ratios.sql)
ratios as (select * from expected_ratios),
code_ratios as (select payer_key, procedure_code, ratio from ratios where level = 'payer and code'),
payer_ratios as (select payer_key, ratio from ratios where level = 'payer'),
overall_ratio as (select ratio from ratios where level = 'all payers'),

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
        -- from the links (fact_units.readjudication is set from them after this table is built)
        links.readjudication,
        units.preventability,
        expected_reimbursement(units.denied_amount, code_ratios.ratio, payer_ratios.ratio,
            (select ratio from overall_ratio)) as expected_reimbursement,
        expected_reimbursement_basis(code_ratios.ratio, payer_ratios.ratio) as expected_reimbursement_basis,
        units.denial_class,
        -- the claim's first date of service: the date the pages filter and group by (filtered_units)
        coalesce(units.period_from, units.service_date) as claim_service_date,
        units.site,
        units.missing_modifier
    from units
    join links using (unit_id)
    join files using (file_id)
    left join code_ratios
        on code_ratios.payer_key = payer_key(units.payer_id, units.payer_name)
        and code_ratios.procedure_code = units.procedure_code
    left join payer_ratios on payer_ratios.payer_key = payer_key(units.payer_id, units.payer_name)
)

select * from final
