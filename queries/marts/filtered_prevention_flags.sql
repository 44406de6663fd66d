-- builds: macros filtered_prevention_flags
-- needs: prevention_flags
-- filtered_prevention_flags(...): prevention_flags (one row per rule and billed line) under the dashboard's
-- filters (the eight parameters of filtered_units, in its order): payer, code, site (site_key: 'POS 11',
-- 'TOB 13x') and dates, by the line's date of service whatever the date basis (a billed line the payer has not
-- answered has no payment date). A flag is no denial, so categories keeps every line; the modifier filter
-- keeps every line too: what a rule flags is often a modifier the line lacks (JW or JZ). A NULL date or an
-- empty list keeps everything. The one definition of which flags a filter keeps, for the Prevention page's
-- rules and flagged claims.
CREATE OR REPLACE MACRO filtered_prevention_flags(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites) AS TABLE
    SELECT *
    FROM prevention_flags
    WHERE (len(payers) = 0 OR list_contains(payers, payer_name))
      AND (len(codes) = 0 OR list_contains(codes, procedure_code))
      AND (len(sites) = 0 OR list_contains(sites, site_key))
      AND (date_from IS NULL OR service_date >= date_from)
      AND (date_to IS NULL OR service_date <= date_to);
