-- builds: macros holds_any, unit_matches, narrowed_units, filtered_adjudications, filtered_units, filtered_denials
-- needs: denial_units, fact_units
-- The dashboard's filters over the adjudication units: every page query narrows fact_units through these
-- macros (its denied units, copied in denial_units, for the queries that count only denials). Apart from
-- fact_units.sql, whose text (with the units query's) decides when every unit is judged again: a change to a
-- filter does not judge a 10M-line history again.

-- holds_any(chosen, values): whether the list values (a unit's modifiers, what a claim's lines bill) holds one
-- of the chosen values. One value chosen (the usual case) is looked up with list_contains, which DuckDB folds
-- the length test around (a one-element list joined is its element; chosen[1] would fail on Spark, which
-- evaluates it on an empty list too). Several: each value of the list looked up in those chosen. Either way an
-- empty list (most units carry no modifier) is not looked into. At 10M lines, two modifiers over every unit took
-- 0.10 s against 0.34 s with list_has_any; one, 77 ms against 92 without the length test.
CREATE OR REPLACE MACRO holds_any(chosen, values) AS
    CASE WHEN len(chosen) = 1 THEN len(values) > 0 AND list_contains(values, array_to_string(chosen, ''))
         ELSE len(values) > 0 AND len(list_filter(values, lambda value: list_contains(chosen, value))) > 0 END;

-- unit_matches(codes, modifiers, sites, ...): whether a unit is kept by the dashboard's code, modifier and site
-- filters (an empty list keeps every unit; the modifier filter also selects a modifier the line lacked:
-- missing_modifier). The one definition: every query that narrows units, or cells of units, calls it. A unit
-- lacked no modifier most often: its NULL is tested before the lookup (under modifier 25 at 10M lines, a scan of
-- every unit 108 ms against 140 with coalesce around the lookup).
CREATE OR REPLACE MACRO unit_matches(codes, modifiers, sites, procedure_code, unit_modifiers, missing_modifier, site) AS
    (len(codes) = 0 or list_contains(codes, procedure_code))
    and (len(modifiers) = 0
         or holds_any(modifiers, unit_modifiers)
         or (missing_modifier is not null and list_contains(modifiers, missing_modifier)))
    and (len(sites) = 0 or list_contains(sites, site));

-- fact_units narrowed by the dashboard's filters, every adjudication (readjudications too: what a payer
-- paid on reprocessing counts in its paid $). A NULL date or an empty list keeps everything. date_basis:
-- 'service' (the claim's first date of service) or 'payment' (date paid); basis_date is that date,
-- basis_month its month; adjudicated_unit and denied_unit define rates. sites are fact_units.site values
-- ('POS 19', 'TOB 13x'); modifiers may name a missing one ('JW/JZ'). The category filter narrows denials,
-- not units: a unit denied for another category stays, as a unit adjudicated and not denied (its denial
-- columns NULL), so that a rate under the filter reads "denials of these categories per adjudicated unit"
-- with the same units the Overview counts (claim_rollup). narrowed_units is that, and with denials_only the
-- denials of the chosen categories alone (filtered_denials); filtered_adjudications is it without.
CREATE OR REPLACE MACRO narrowed_units(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites, denials_only) AS TABLE
    SELECT * EXCLUDE (other_category) REPLACE (
            CASE WHEN NOT other_category THEN denial_type END AS denial_type,
            CASE WHEN NOT other_category THEN denial_class END AS denial_class,
            CASE WHEN NOT other_category THEN denied_amount END AS denied_amount,
            CASE WHEN NOT other_category THEN category END AS category,
            CASE WHEN NOT other_category THEN subcategory END AS subcategory,
            CASE WHEN NOT other_category THEN patient_liable END AS patient_liable,
            CASE WHEN NOT other_category THEN preventable END AS preventable,
            CASE WHEN NOT other_category THEN appealable END AS appealable,
            CASE WHEN NOT other_category THEN caqh_scenario END AS caqh_scenario,
            CASE WHEN NOT other_category THEN preventability END AS preventability
        ),
        -- the units that count in rates: what payers adjudicated (not reversals, predeterminations or
        -- forwarded claims), lines or claims without lines (the claim-level part of a claim with lines
        -- is not a unit of its own); expected (GA/GY/GZ) and duplicate-claim denials are counted apart
        claim_kind = 'adjudicated' AND unit_kind <> 'claim_adjustment' AS adjudicated_unit,
        denial_class = 'denial' AND NOT other_category AND unit_kind <> 'claim_adjustment' AS denied_unit
    FROM (
        SELECT *,
            -- by service: the claim's first date of service (its service period's start), so that every line
            -- of a claim, its claim-level denial and its recovery fall in the same month on every page
            CASE WHEN date_basis = 'payment' THEN payment_date ELSE coalesce(period_from, service_date) END AS basis_date,
            CASE WHEN date_basis = 'payment' THEN payment_month ELSE service_month END AS basis_month,
            len(categories) > 0 AND denial_type IS NOT NULL
                AND NOT coalesce(list_contains(categories, category), false) AS other_category
        -- the denials alone are read from their own table (denial_units): the constant denials_only leaves
        -- one of the two scans
        FROM (
            SELECT * FROM fact_units WHERE NOT denials_only
            UNION ALL
            SELECT * FROM denial_units WHERE denials_only
        ) AS units
        WHERE (date_from IS NULL OR basis_date >= date_from)
          AND (date_to IS NULL OR basis_date <= date_to)
          AND (len(payers) = 0 OR list_contains(payers, payer_name))
          AND unit_matches(codes, modifiers, sites, procedure_code, units.modifiers, missing_modifier, site)
          -- on the units' own columns, so that DuckDB narrows the scan to the chosen denials: a filter on
          -- the columns this query returns cannot reach the scan through the CASEs above
          AND (NOT denials_only OR len(categories) = 0 OR list_contains(categories, category))
    );

CREATE OR REPLACE MACRO filtered_adjudications(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites) AS TABLE
    SELECT * FROM narrowed_units(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites, false);

-- filtered_adjudications of the initial adjudications only; every page query starts from it. Only initial
-- adjudications count (HFMA's initial denial rate): a claim's later adjudications (reprocessing after a
-- reversal, a corrected claim, an appeal decision, a duplicate) are followed by the recovery model
-- instead, so no denial is counted twice.
CREATE OR REPLACE MACRO filtered_units(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites) AS TABLE
    SELECT * FROM filtered_adjudications(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites)
    WHERE NOT readjudication;

-- filtered_units' denials (denial_type set, of any class: each query picks its classes), read for the
-- queries that count only denials, from denial_units and narrowed in the scan to the chosen categories (at 10M
-- lines the top reasons under JW and JZ in 46 ms against 178 ms from fact_units).
CREATE OR REPLACE MACRO filtered_denials(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites) AS TABLE
    SELECT * FROM narrowed_units(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites, true)
    WHERE NOT readjudication;
