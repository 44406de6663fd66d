-- builds: units table fact_units, unit_matches, filtered_adjudications, filtered_units
-- needs: adjudication_units
-- Created (again) by analytics.database.refresh_facts whenever this file, the unit query or the
-- rule set changes; then filled from queries/marts/adjudication_units.sql.
-- One row per adjudication unit (queries/marts/adjudication_units.sql): filled as files load,
-- rebuilt when the rule set changes. The `denials` view and the dashboard read it.
CREATE OR REPLACE TABLE fact_units (
    file_id INTEGER NOT NULL,
    claim_key BIGINT NOT NULL,
    line_key BIGINT,
    payment_key BIGINT NOT NULL,
    unit_id BIGINT NOT NULL,            -- line_key, or minus claim_key for the claim itself
    unit_kind VARCHAR NOT NULL,         -- 'line', 'claim' (a claim without lines), 'claim_adjustment'
    claim_kind VARCHAR NOT NULL,        -- 'adjudicated', 'reversal', 'predetermination', 'forwarded'
    claim_type VARCHAR NOT NULL,        -- 'institutional' (revenue codes or a DRG) or 'professional'
    first_of_claim BOOLEAN NOT NULL,    -- one unit per claim adjudication is marked: count claims with it
    -- set across files by queries/marts/adjudication_links.sql: true when an earlier adjudication of the
    -- same claim exists (a reprocessing, a corrected claim, a duplicate), so not an initial adjudication
    readjudication BOOLEAN NOT NULL DEFAULT false,
    claim_group_key VARCHAR NOT NULL,   -- payer id (else name) | claim id without a '-01'-style suffix
    match_key VARCHAR NOT NULL,         -- the same line in later adjudications (see adjudication_units.sql)
    waste_status VARCHAR,               -- J-code lines: 'JW', 'JZ', 'neither' or 'both on a line', per claim and code
    first_of_claim_code BOOLEAN,        -- marks one line per claim and J code: count drug claims with it
    status_code VARCHAR,
    payer_name VARCHAR,
    payer_id VARCHAR,
    claim_id VARCHAR,
    payer_claim_number VARCHAR,         -- CLP07
    original_reference VARCHAR,         -- REF*F8 of the claim: the payer claim number it replaces
    filing_indicator VARCHAR,
    claim_paid_amount DECIMAL(18, 2),   -- CLP04 of the claim the unit belongs to
    procedure_code VARCHAR,
    modifiers VARCHAR[],
    modifier_combination VARCHAR,       -- the modifiers sorted and joined with '+', '' for none
    site_of_care VARCHAR,
    frequency_code VARCHAR,
    service_date DATE,
    payment_date DATE,
    received_date DATE,                 -- DTM*050 of the claim: days to pay = payment_date - received_date
    service_month DATE,                 -- first day of the month of coalesce(period_from, service_date): monthly views
    payment_month DATE,
    charge_amount DECIMAL(18, 2),
    paid_amount DECIMAL(18, 2),
    units_billed DECIMAL(18, 3),
    units_paid DECIMAL(18, 3),
    denial_type VARCHAR,                -- 'full', 'partial', or NULL when not denied
    denied_amount DECIMAL(18, 2),
    primary_reason VARCHAR,
    primary_group VARCHAR,
    category VARCHAR,
    subcategory VARCHAR,
    patient_liable BOOLEAN,
    preventable BOOLEAN,
    appealable BOOLEAN,
    reason_codes VARCHAR[],
    remark_codes VARCHAR[],
    -- what tells encounters of one claim group apart (adjudication_links.sql): digests of the patient
    -- (NM1*QC member id, else name; and the name alone), and the claim's service period
    patient_key VARCHAR,
    patient_name_key VARCHAR,
    period_from DATE,
    period_to DATE,
    -- CAQH CORE business scenario of the primary reason (ref_caqh_scenarios): 'additional_documentation',
    -- 'missing_invalid_data', 'not_covered', 'not_separately_payable'; NULL when none applies or not denied
    caqh_scenario VARCHAR,
    preventability VARCHAR,             -- the category's: 'yes', 'partly', 'no' (preventable = 'yes')
    -- 'denial' (counts in denial rates and denied dollars), 'expected' (a line with GA, GY or GZ: the
    -- provider knew), 'duplicate' (category duplicate: CARC 18, B13); NULL when not denied
    denial_class VARCHAR,
    status_4_without_reason BOOLEAN,    -- CLP02 4 whose adjustments are all non-denial reasons: not a denial
    -- 'POS 11' (place of service of a professional claim) or 'TOB 13x' (type of bill of an institutional
    -- one, also a claim without lines whose payment's claims with that CLP08 are institutional): the
    -- dashboard's site filter and labels
    site VARCHAR,
    -- a denial for a missing or invalid modifier (CO-16/CO-4 + N822/N823/N519): 'JW/JZ' on a single-dose
    -- drug sent with neither, else 'other'; the modifier filter selects 'JW/JZ' with the lines carrying them
    missing_modifier VARCHAR
);

-- unit_matches(codes, modifiers, sites, ...): whether a unit is kept by the dashboard's code, modifier and site
-- filters (an empty list keeps every unit; the modifier filter also selects a modifier the line lacked:
-- missing_modifier). The one definition: every query that narrows units, or cells of units, calls it.
CREATE OR REPLACE MACRO unit_matches(codes, modifiers, sites, procedure_code, unit_modifiers, missing_modifier, site) AS
    (len(codes) = 0 or list_contains(codes, procedure_code))
    and (len(modifiers) = 0 or list_has_any(modifiers, unit_modifiers)
         or coalesce(list_contains(modifiers, missing_modifier), false))
    and (len(sites) = 0 or list_contains(sites, site));

-- fact_units narrowed by the dashboard's filters, every adjudication (readjudications too: what a payer
-- paid on reprocessing counts in its paid $). A NULL date or an empty list keeps everything. date_basis:
-- 'service' (the claim's first date of service) or 'payment' (date paid); basis_date is that date,
-- basis_month its month; adjudicated_unit and denied_unit define rates. sites are fact_units.site values
-- ('POS 19', 'TOB 13x'); modifiers may name a missing one ('JW/JZ'). The category filter narrows denials,
-- not units: a unit denied for another category stays, as a unit adjudicated and not denied (its denial
-- columns NULL), so that a rate under the filter reads "denials of these categories per adjudicated unit"
-- with the same units the Overview counts (claim_rollup).
CREATE OR REPLACE MACRO filtered_adjudications(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites) AS TABLE
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
        FROM fact_units
        WHERE (date_from IS NULL OR basis_date >= date_from)
          AND (date_to IS NULL OR basis_date <= date_to)
          AND (len(payers) = 0 OR list_contains(payers, payer_name))
          AND unit_matches(codes, modifiers, sites, procedure_code, fact_units.modifiers, missing_modifier, site)
    );

-- filtered_adjudications of the initial adjudications only; every page query starts from it. Only initial
-- adjudications count (HFMA's initial denial rate): a claim's later adjudications (reprocessing after a
-- reversal, a corrected claim, an appeal decision, a duplicate) are followed by the recovery model
-- instead, so no denial is counted twice.
CREATE OR REPLACE MACRO filtered_units(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites) AS TABLE
    SELECT * FROM filtered_adjudications(date_basis, date_from, date_to, payers, categories, codes, modifiers, sites)
    WHERE NOT readjudication;
