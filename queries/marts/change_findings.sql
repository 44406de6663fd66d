-- builds: view change_findings
-- needs: change_findings_rows
-- change_findings: the change findings of the default period (the last complete payment month against
-- the 12 complete months before it), one row per slice tested, findings (q <= 0.05) first.
-- Grain: one row per slice (dimension and its values) tested in the period. Written by
-- analytics/findings/store.py into change_findings_rows with the recovery tables after every load, from
-- queries/findings/slices.sql. Methods and columns: docs/views.md.
with

rows as (select * from change_findings_rows),

final as (
    select
        period_from,
        period_to,
        baseline_from,
        baseline_to,
        baseline_months,
        dimension,
        slice,
        payer_name,
        category,
        reason,
        remark,
        procedure_code,
        modifier,
        site,
        claims,
        denied_claims,
        claim_denial_rate,
        baseline_claims,
        baseline_denied_claims,
        baseline_claim_denial_rate,
        rate_change,
        ci_low,
        ci_high,
        charges,
        denied_amount,
        baseline_charges,
        baseline_denied_amount,
        expected_denied_amount,
        effect_amount,
        p_value,
        q_value,
        direction,
        finding,
        test,
        dispersion,
        sentence,
        rank,
        rate_ci_low,
        rate_ci_high,
        months,
        same_as,
        part_of,
        parts
    from rows
)

select * from final
order by rank
