-- builds: units table fact_units
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
