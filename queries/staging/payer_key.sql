-- builds: macros payer_key
-- needs: 
-- payer_key(payer_id, payer_name): the key a payer's figures are kept under: its id (N1*PR04, else its
-- REF*2U), else its name when the file gives no id, so that a payer whose name is spelt two ways counts as
-- one. One definition for the paid-to-charge ratios, the denials valued at them and the recoupments.
CREATE OR REPLACE MACRO payer_key(payer_id, payer_name) AS coalesce(nullif(payer_id, ''), payer_name);
