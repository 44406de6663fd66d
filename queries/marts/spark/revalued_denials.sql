-- builds: update recovery_denials, recovery_ledger
-- needs: expected_ratios, expected_reimbursement, expected_reimbursement_basis, payer_key, recovery_denials, recovery_ledger
-- revalued_denials on Spark: the build is always whole there, so every denial is valued at the ratios of
-- all lines loaded already (recovery_denials.sql) and queries/marts/revalued_denials.sql would change
-- nothing: recovery_denials as it is.
select * from recovery_denials
