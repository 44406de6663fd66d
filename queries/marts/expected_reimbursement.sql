-- builds: macros expected_reimbursement, expected_reimbursement_basis
-- needs: 
-- expected_reimbursement(denied_amount, code_ratio, payer_ratio, overall_ratio): what the payer would
-- have paid for a denial (expected_ratios): denied $ at charges times the payer's own ratio for the code
-- once it paid 5 lines of it, else its ratio over all codes, else everyone's; at most the denied amount.
-- expected_reimbursement_basis(code_ratio, payer_ratio): which of those it was. One definition for
-- recovery_denials and revalued_denials.
CREATE OR REPLACE MACRO expected_reimbursement(denied_amount, code_ratio, payer_ratio, overall_ratio) AS
    least(denied_amount, round(denied_amount * coalesce(code_ratio, payer_ratio, overall_ratio, 1), 2))::decimal(18, 2);

CREATE OR REPLACE MACRO expected_reimbursement_basis(code_ratio, payer_ratio) AS CASE
    WHEN code_ratio IS NOT NULL THEN 'payer and code'
    WHEN payer_ratio IS NOT NULL THEN 'payer'
    ELSE 'all payers' END;
