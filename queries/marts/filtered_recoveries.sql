-- builds: macros filtered_recoveries
-- needs: holds_any, pursued_status, recovery_denials, recovery_status, revalued_denials
-- filtered_recoveries(as_of, ...filters): recovery_status(as_of) narrowed by the dashboard's filters,
-- as filtered_units narrows fact_units, with the flags every recovery page counts by (initial_denial,
-- pursued). Dates: the claim's first date of service, or the denial's payment date when
-- date_basis = 'payment'. A NULL date or an empty list keeps everything. (The parameters are named
-- *_list because a macro's parameter would shadow a column of the same name in recovery_status.)
CREATE OR REPLACE MACRO filtered_recoveries(as_of, date_basis, date_from, date_to, payer_list, category_list,
                                            code_list, modifier_list, site_list) AS TABLE
    SELECT recoveries.*, CASE WHEN date_basis = 'payment' THEN denial_date ELSE claim_service_date END AS basis_date,
        -- the one definition of a denial every page counts (as filtered_units does): an initial
        -- adjudication's denial of class 'denial' (not a duplicate claim, not an expected GA/GY/GZ denial);
        -- denials on readjudication (a paid claim denied on reprocessing) are counted apart
        denial_class = 'denial' AND NOT readjudication AS initial_denial,
        -- in the recovery inventory: not billed to the patient, not an expected denial, not a duplicate
        pursued_status(status) AS pursued
    FROM recovery_status(as_of) AS recoveries
    WHERE (date_from IS NULL OR basis_date >= date_from)
      AND (date_to IS NULL OR basis_date <= date_to)
      AND (len(payer_list) = 0 OR list_contains(payer_list, payer_name))
      AND (len(category_list) = 0 OR list_contains(category_list, category))
      AND (len(code_list) = 0 OR list_contains(code_list, procedure_code))
      AND (len(modifier_list) = 0 OR holds_any(modifier_list, recoveries.modifiers)
           OR denial_id IN (SELECT denial_id FROM recovery_denials WHERE len(modifier_list) > 0
                            AND list_contains(modifier_list, missing_modifier)))
      -- sites as the dashboard names them ('POS 19', 'TOB 13x': recovery_denials.site, from fact_units); the
      -- lookup folds away without a site filter
      AND (len(site_list) = 0 OR denial_id IN (SELECT denial_id FROM recovery_denials WHERE len(site_list) > 0
                                               AND list_contains(site_list, site)));
