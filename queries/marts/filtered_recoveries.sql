-- builds: macros filtered_recoveries
-- needs: narrowed_recoveries, pursued_status
-- filtered_recoveries(as_of, ...filters): recovery_status(as_of) narrowed by the dashboard's filters (the
-- ledger narrowed before the status is worked out: narrowed_recoveries), as filtered_units narrows fact_units,
-- with the flags every recovery page counts by (initial_denial, pursued). Dates (basis_date): the claim's first
-- date of service, or the denial's payment date when date_basis = 'payment'. A NULL date or an empty list keeps
-- everything. (The parameters are named *_list because a macro's parameter would shadow a column of the same
-- name in recovery_status.)
CREATE OR REPLACE MACRO filtered_recoveries(as_of, date_basis, date_from, date_to, payer_list, category_list,
                                            code_list, modifier_list, site_list) AS TABLE
    SELECT recoveries.*,
        -- the one definition of a denial every page counts (as filtered_units does): an initial
        -- adjudication's denial of class 'denial' (not a duplicate claim, not an expected GA/GY/GZ denial);
        -- denials on readjudication (a paid claim denied on reprocessing) are counted apart
        denial_class = 'denial' AND NOT readjudication AS initial_denial,
        -- in the recovery inventory: not billed to the patient, not an expected denial, not a duplicate
        pursued_status(status) AS pursued
    FROM narrowed_recoveries(as_of, date_basis, date_from, date_to, payer_list, category_list, code_list,
                             modifier_list, site_list) AS recoveries;
