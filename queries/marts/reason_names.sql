-- builds: macros reason_code, reason_description
-- needs: 
-- How a denial's primary reason reads on the pages (top reasons, the Reasons page's tree, the denied lines, the
-- worklist, the review's lists): one wording.
-- reason_code(adjustment_group, reason): the group and CARC, e.g. CO-197; 'CLP02 4' for a claim denied
-- with no adjustment reason (status 4 alone).
-- reason_description(reason, description): the CARC's description from ref_carc; for a claim without a
-- reason (reason NULL), what it is; for a code the list loaded does not have (a CARC newer than it), that, and
-- how to bring the list up to date: read as "denied without a reason code", such a denial was misread.
CREATE OR REPLACE MACRO reason_code(adjustment_group, reason) AS
    coalesce(adjustment_group || '-', '') || coalesce(reason, 'CLP02 4');
CREATE OR REPLACE MACRO reason_description(reason, description) AS CASE
    WHEN reason IS NULL THEN 'Claim denied without a reason code'
    ELSE coalesce(description, 'Not in the CARC list loaded (python -m analytics reference load carc FILE)') END;
