-- builds: macros filtered_claim_status
-- needs: bill_lines, claim_status, holds_any, site_key
-- filtered_claim_status(...): claim_status (one row per billed claim) under the dashboard's filters (the
-- eight parameters of filtered_units, in its order): payer, dates (the claim's first date of service,
-- whatever the date basis: a claim with no answer has no payment date), site ('POS 11', 'TOB 13x', as
-- fact_units.site; the claim's site in the column site) and code or modifier (a claim counts when one of
-- its billed lines matches); a billed claim has no denial category, so categories keeps every claim. A NULL
-- date or an empty list keeps everything. The one definition of which billed claims a filter keeps, for
-- the claim status counts and the unanswered claims.
CREATE OR REPLACE MACRO filtered_claim_status(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites) AS TABLE
    SELECT *,
        site_key(transaction_type, site_of_care) AS site
    FROM claim_status
    WHERE (len(payers) = 0 OR list_contains(payers, payer_name))
      AND (len(sites) = 0 OR list_contains(sites, site))
      AND (date_from IS NULL OR service_date_from >= date_from)
      AND (date_to IS NULL OR service_date_from <= date_to)
      -- a code or a modifier alone: the claim's lists of what its lines bill (claim_status_rows); under
      -- modifier 25 at 10M lines 50 ms a read against 230 ms from the billed lines
      AND (len(codes) = 0 OR len(modifiers) > 0 OR holds_any(codes, billed_codes))
      AND (len(modifiers) = 0 OR len(codes) > 0 OR holds_any(modifiers, billed_modifiers))
      -- both: one line must match both, so bill_lines, the table (the billed_lines view joins claims and
      -- files for every line); otherwise its scan is folded away
      AND (len(codes) = 0 OR len(modifiers) = 0 OR submission_key IN (
          SELECT submission_key FROM bill_lines
          WHERE len(codes) > 0 AND len(modifiers) > 0
            AND list_contains(codes, procedure_code)
            -- each modifier looked up on its own: a list built per billed line took six times as long
            AND (list_contains(modifiers, modifier_1) OR list_contains(modifiers, modifier_2)
                 OR list_contains(modifiers, modifier_3) OR list_contains(modifiers, modifier_4))));
