-- builds: update recovery_denials, recovery_ledger
-- needs: expected_ratios, expected_reimbursement, expected_reimbursement_basis, payer_key, recovery_denials, recovery_ledger
-- When files were only added, recovery_denials and recovery_ledger are rebuilt for the claims the files
-- touch (analytics/derived.py); the new paid lines also move the paid-to-charge ratios (expected_ratios)
-- the other denials are valued at. This values every denial again at the ratios of all lines loaded and
-- writes the ones that changed, so that both tables hold what a full rebuild gives (after a full rebuild
-- it changes nothing).
CREATE OR REPLACE TEMP TABLE revalued AS
with

denials as (select * from recovery_denials),
ratios as (select * from expected_ratios),
code_ratios as (select payer_key, procedure_code, ratio from ratios where level = 'payer and code'),
payer_ratios as (select payer_key, ratio from ratios where level = 'payer'),
overall_ratio as (select ratio from ratios where level = 'all payers'),

valued as (
    select
        denials.denial_id,
        denials.expected_reimbursement as stored_reimbursement,
        denials.expected_reimbursement_basis as stored_basis,
        expected_reimbursement(denials.denied_amount, code_ratios.ratio, payer_ratios.ratio,
            (select ratio from overall_ratio)) as expected_reimbursement,
        expected_reimbursement_basis(code_ratios.ratio, payer_ratios.ratio) as expected_reimbursement_basis
    from denials
    left join code_ratios
        on code_ratios.payer_key = payer_key(denials.payer_id, denials.payer_name)
        and code_ratios.procedure_code = denials.procedure_code
    left join payer_ratios on payer_ratios.payer_key = payer_key(denials.payer_id, denials.payer_name)
),

final as (
    select denial_id, expected_reimbursement, expected_reimbursement_basis
    from valued
    where expected_reimbursement is distinct from stored_reimbursement
        or expected_reimbursement_basis is distinct from stored_basis
)

select * from final;

UPDATE recovery_denials
SET expected_reimbursement = revalued.expected_reimbursement,
    expected_reimbursement_basis = revalued.expected_reimbursement_basis
FROM revalued
WHERE recovery_denials.denial_id = revalued.denial_id;

UPDATE recovery_ledger
SET expected_reimbursement = revalued.expected_reimbursement,
    expected_reimbursement_basis = revalued.expected_reimbursement_basis
FROM revalued
WHERE recovery_ledger.denial_id = revalued.denial_id;

DROP TABLE revalued;
