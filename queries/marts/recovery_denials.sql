-- builds: table recovery_denials
-- needs: adjudication_links, fact_units, source_files
-- recovery_denials: the denials the recovery model follows, one row per denial (a denied unit whose
-- previous adjudication of the same claim/line was not a denial; see adjudication_links.sql), with the
-- columns the review and the worklist show. Rebuilt after each load into the table recovery_denials.
-- Each denial is also valued at what the payer would have paid for it (expected reimbursement): denied $
-- at charges times the payer's paid-to-charge ratio for the code, so that a recovery (paid at the
-- allowed amount) is compared with like.
with

links as (select * from adjudication_links where new_denial),
units as (select * from fact_units),
files as (select * from source_files),

-- what payers paid on the lines they paid in full (no denial), per payer and code: the paid-to-charge
-- ratio a denied line of that code would have earned
paid_lines as (
    select coalesce(nullif(payer_id, ''), payer_name) as payer_key, procedure_code, paid_amount, charge_amount
    from fact_units
    where claim_kind = 'adjudicated' and unit_kind = 'line' and denial_type is null
        and paid_amount > 0 and charge_amount > 0
),

code_ratios as (
    select payer_key, procedure_code, sum(paid_amount) / sum(charge_amount) as ratio
    from paid_lines
    group by all
    having count(*) >= 5
),

payer_ratios as (
    select payer_key, sum(paid_amount) / sum(charge_amount) as ratio
    from paid_lines
    group by all
    having count(*) >= 5
),

overall_ratio as (
    select sum(paid_amount) / sum(charge_amount) as ratio from paid_lines
),

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
        -- the payer's own ratio for the code once it paid 5 lines of it, else its ratio over all codes,
        -- else everyone's; at most the denied amount
        least(units.denied_amount, round(units.denied_amount * coalesce(code_ratios.ratio, payer_ratios.ratio,
            (select ratio from overall_ratio), 1), 2))::decimal(18, 2) as expected_reimbursement,
        case
            when code_ratios.ratio is not null then 'payer and code'
            when payer_ratios.ratio is not null then 'payer'
            else 'all payers'
        end as expected_reimbursement_basis,
        units.denial_class,
        -- the claim's first date of service: the date the pages filter and group by (filtered_units)
        coalesce(units.period_from, units.service_date) as claim_service_date,
        units.site,
        units.missing_modifier
    from units
    join links using (unit_id)
    join files using (file_id)
    left join code_ratios
        on code_ratios.payer_key = coalesce(nullif(units.payer_id, ''), units.payer_name)
        and code_ratios.procedure_code = units.procedure_code
    left join payer_ratios on payer_ratios.payer_key = coalesce(nullif(units.payer_id, ''), units.payer_name)
)

select * from final
