-- builds: macros reason_code, reason_description
-- needs: 
-- How a denial's primary reason reads on the pages (top reasons, the Reasons page's tree, the denied lines, the
-- worklist, the review's lists): one wording.
-- reason_code(adjustment_group, reason): the group and CARC, e.g. CO-197; 'CLP02 4' for a claim denied
-- with no adjustment reason (status 4 alone).
-- reason_description(description): the CARC's description from ref_carc, or what a claim without one is.
CREATE OR REPLACE MACRO reason_code(adjustment_group, reason) AS
    coalesce(adjustment_group || '-', '') || coalesce(reason, 'CLP02 4');
CREATE OR REPLACE MACRO reason_description(description) AS
    coalesce(description, 'Claim denied without a reason code');
