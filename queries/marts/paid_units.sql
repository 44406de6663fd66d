-- builds: macros paid_units
-- needs: 
-- paid_units(denial_type, units_paid): the units the payer paid on a line: the units its answer reports
-- (SVC05, one when absent), none for a line denied in full, whatever units that answer repeats (most payers
-- send the units billed on a denied line too). One definition for the Codes page's units paid
-- (code_profile.sql) and the first answers to your billed lines (line_answers.sql).
CREATE OR REPLACE MACRO paid_units(denial_type, units_paid) AS
    CASE WHEN denial_type = 'full' THEN 0 ELSE units_paid END;
