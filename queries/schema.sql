-- Internal tables: what the loaders write. Analysts should query the documented views instead
-- (payments, claims, service_lines, adjustments, remarks, provider_adjustments, denials,
-- billed_claims, billed_lines), whose columns are a stable contract; these tables may change
-- between versions.
-- Keys: every file gets a file_id; payments, claims, lines, billed claims and billed lines get
-- keys unique across the database, assigned at load time. segment_position is the 1-based ordinal of the segment in its file
-- (the line number of the row in a CSV file).

CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);

-- The 837 views were called submitted_claims and submitted_lines before they took the one word the 837
-- side has everywhere (billed): a database made before keeps no stale copy beside billed_claims/billed_lines.
DROP VIEW IF EXISTS submitted_claims;
DROP VIEW IF EXISTS submitted_lines;

CREATE TABLE IF NOT EXISTS source_files (
    file_id INTEGER PRIMARY KEY,
    file_name VARCHAR NOT NULL,
    file_path VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL UNIQUE,
    size_bytes BIGINT NOT NULL,
    kind VARCHAR NOT NULL,             -- '835', '837' or '835+837': the transaction sets read; 'csv claims' or 'csv remittances' (docs/csv.md)
    loaded_at TIMESTAMP NOT NULL,
    interchanges INTEGER NOT NULL,
    transaction_sets INTEGER NOT NULL,  -- 835 transaction sets (payments)
    segments INTEGER NOT NULL,          -- segments; data rows of a CSV file
    skipped_sets VARCHAR               -- e.g. '278 x6': transaction sets in the file read as neither 835 nor 837
);

-- Each interchange (ISA..IEA) of a loaded X12 file: the same interchange sent again with other
-- delimiters or line endings has other bytes but the same fingerprint, and is not loaded twice.
CREATE TABLE IF NOT EXISTS source_interchanges (
    file_id INTEGER NOT NULL,
    segment_position BIGINT NOT NULL,  -- of its ISA segment in the file
    sender VARCHAR NOT NULL,           -- ISA06
    control_number VARCHAR NOT NULL,   -- ISA13
    fingerprint VARCHAR NOT NULL       -- SHA-256 of ISA06, ISA13 and its segments after ISA, delimiters made canonical
);

CREATE TABLE IF NOT EXISTS load_diagnostics (
    file_id INTEGER NOT NULL,
    segment_position INTEGER,
    severity VARCHAR NOT NULL,          -- 'error', 'warning' or 'info'
    segment_id VARCHAR,
    message VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS remit_payments (
    payment_key BIGINT NOT NULL,
    file_id INTEGER NOT NULL,
    payment_seq INTEGER NOT NULL,
    segment_position INTEGER NOT NULL,
    isa_control VARCHAR,
    gs_version VARCHAR,
    st_control VARCHAR,
    handling_code VARCHAR,              -- BPR01
    payment_amount DECIMAL(18, 2),      -- BPR02
    credit_debit VARCHAR,               -- BPR03
    payment_method VARCHAR,             -- BPR04
    payment_format VARCHAR,             -- BPR05
    payment_date DATE,                  -- BPR16
    trace_type VARCHAR,                 -- TRN01
    trace_number VARCHAR,               -- TRN02
    originator_id VARCHAR,              -- TRN03
    production_date DATE,               -- DTM*405
    payer_name VARCHAR,                 -- N1*PR N102
    payer_id_qualifier VARCHAR,
    payer_id VARCHAR,                   -- N1*PR N104
    payer_ref_id VARCHAR,               -- REF*2U in the payer loop
    payee_name VARCHAR,
    payee_id_qualifier VARCHAR,
    payee_id VARCHAR,
    payee_tax_id VARCHAR,               -- REF*TJ in the payee loop
    receiver_id VARCHAR                 -- REF*EV
);

CREATE TABLE IF NOT EXISTS remit_claims (
    claim_key BIGINT NOT NULL,
    payment_key BIGINT NOT NULL,
    file_id INTEGER NOT NULL,
    segment_position INTEGER NOT NULL,
    claim_id VARCHAR,                   -- CLP01 patient control number
    status_code VARCHAR,                -- CLP02
    charge_amount DECIMAL(18, 2),       -- CLP03
    paid_amount DECIMAL(18, 2),         -- CLP04
    patient_responsibility DECIMAL(18, 2), -- CLP05
    filing_indicator VARCHAR,           -- CLP06
    payer_claim_number VARCHAR,         -- CLP07
    facility_code VARCHAR,              -- CLP08
    frequency_code VARCHAR,             -- CLP09
    drg_code VARCHAR,                   -- CLP11
    patient_last_name VARCHAR,          -- NM1*QC
    patient_first_name VARCHAR,
    patient_member_id VARCHAR,
    insured_last_name VARCHAR,          -- NM1*IL
    insured_first_name VARCHAR,
    insured_member_id VARCHAR,
    rendering_provider_name VARCHAR,    -- NM1*82
    rendering_provider_npi VARCHAR,
    service_date_from DATE,             -- DTM*232
    service_date_to DATE,               -- DTM*233
    received_date DATE,                 -- DTM*050
    crossover_payer_name VARCHAR        -- NM1*TT
);

CREATE TABLE IF NOT EXISTS remit_service_lines (
    line_key BIGINT NOT NULL,
    claim_key BIGINT NOT NULL,
    file_id INTEGER NOT NULL,
    segment_position INTEGER NOT NULL,
    procedure_qualifier VARCHAR,        -- SVC01-1
    procedure_code VARCHAR,             -- SVC01-2
    modifier_1 VARCHAR,                 -- SVC01-3 .. SVC01-6
    modifier_2 VARCHAR,
    modifier_3 VARCHAR,
    modifier_4 VARCHAR,
    procedure_description VARCHAR,      -- SVC01-7
    charge_amount DECIMAL(18, 2),       -- SVC02
    paid_amount DECIMAL(18, 2),         -- SVC03
    revenue_code VARCHAR,               -- SVC04
    units_paid DECIMAL(18, 3),          -- SVC05 as sent (absent means one)
    original_procedure_qualifier VARCHAR, -- SVC06-1
    original_procedure_code VARCHAR,    -- SVC06-2: the code billed, when the payer changed it
    original_modifiers VARCHAR,
    units_billed DECIMAL(18, 3),        -- SVC07 as sent (present only when it differs from SVC05)
    service_date DATE,                  -- DTM*472
    service_date_from DATE,             -- DTM*150
    service_date_to DATE,               -- DTM*151
    line_control_number VARCHAR,        -- REF*6R
    policy_reference VARCHAR,           -- REF*0K
    prior_authorization VARCHAR,        -- REF*G1
    allowed_amount DECIMAL(18, 2)       -- AMT*B6
);

CREATE TABLE IF NOT EXISTS remit_adjustments (
    claim_key BIGINT NOT NULL,
    line_key BIGINT,                    -- NULL for claim-level CAS
    file_id INTEGER NOT NULL,
    segment_position INTEGER NOT NULL,
    triple_index TINYINT NOT NULL,      -- 1..6: which (reason, amount, quantity) triple of the CAS
    group_code VARCHAR,
    reason_code VARCHAR,
    amount DECIMAL(18, 2),
    quantity DECIMAL(18, 3)
);

CREATE TABLE IF NOT EXISTS remit_remarks (
    claim_key BIGINT NOT NULL,
    line_key BIGINT,
    file_id INTEGER NOT NULL,
    segment_position INTEGER NOT NULL,
    source VARCHAR NOT NULL,            -- 'LQ', 'MOA' or 'MIA'
    qualifier VARCHAR,                  -- LQ01: HE = RARC, RX = NCPDP reject code
    code VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS remit_references (
    claim_key BIGINT NOT NULL,
    line_key BIGINT,
    file_id INTEGER NOT NULL,
    segment_position INTEGER NOT NULL,
    qualifier VARCHAR,
    value VARCHAR
);

CREATE TABLE IF NOT EXISTS remit_amounts (
    claim_key BIGINT NOT NULL,
    line_key BIGINT,
    file_id INTEGER NOT NULL,
    segment_position INTEGER NOT NULL,
    qualifier VARCHAR,
    amount DECIMAL(18, 2)
);

CREATE TABLE IF NOT EXISTS remit_provider_adjustments (
    payment_key BIGINT NOT NULL,
    file_id INTEGER NOT NULL,
    segment_position INTEGER NOT NULL,
    pair_index TINYINT NOT NULL,        -- 1..6: which (reason:reference, amount) pair of the PLB
    provider_id VARCHAR,                -- PLB01
    fiscal_period_date DATE,            -- PLB02
    reason_code VARCHAR,
    reference VARCHAR,
    amount DECIMAL(18, 2)               -- positive reduces the payment
);

-- 837 claims as the provider billed them (analytics/claims.py). Amounts and dates as sent, typed.
CREATE TABLE IF NOT EXISTS bill_claims (
    submission_key BIGINT NOT NULL,
    file_id INTEGER NOT NULL,
    segment_position INTEGER NOT NULL,
    transaction_type VARCHAR,           -- 'professional' (837P), 'institutional' (837I) or 'dental' (837D)
    gs_version VARCHAR,                 -- GS08
    st_control VARCHAR,                 -- ST02
    submitted_date DATE,                -- BHT04
    billing_provider_name VARCHAR,      -- NM1*85
    billing_provider_npi VARCHAR,       -- NM1*85 NM109 when NM108 = XX
    payer_name VARCHAR,                 -- NM1*PR of the subscriber loop (2010BB)
    payer_id VARCHAR,
    filing_indicator VARCHAR,           -- SBR09
    subscriber_last_name VARCHAR,       -- NM1*IL
    subscriber_first_name VARCHAR,
    subscriber_member_id VARCHAR,
    patient_last_name VARCHAR,          -- NM1*QC, else the subscriber
    patient_first_name VARCHAR,
    patient_birth_date DATE,            -- DMG02 of the patient, else of the subscriber
    claim_id VARCHAR,                   -- CLM01 patient control number
    charge_amount DECIMAL(18, 2),       -- CLM02
    facility_code VARCHAR,              -- CLM05-1: place of service, or facility type of the bill
    facility_qualifier VARCHAR,         -- CLM05-2: B place of service, A uniform billing
    frequency_code VARCHAR,             -- CLM05-3
    prior_authorization VARCHAR,        -- REF*G1
    referral_number VARCHAR,            -- REF*9F
    original_reference VARCHAR,         -- REF*F8: the payer's claim number of the claim replaced or voided
    service_date_from DATE,             -- DTP*472 (professional) or DTP*434 (institutional)
    service_date_to DATE,
    admission_date DATE,                -- DTP*435
    diagnosis_codes VARCHAR,            -- HI codes, principal first, space-separated
    rendering_provider_npi VARCHAR      -- NM1*82 of the claim
);

CREATE TABLE IF NOT EXISTS bill_lines (
    bill_line_key BIGINT NOT NULL,
    submission_key BIGINT NOT NULL,
    file_id INTEGER NOT NULL,
    segment_position INTEGER NOT NULL,
    line_number VARCHAR,                -- LX01
    procedure_qualifier VARCHAR,        -- SV101-1 / SV202-1
    procedure_code VARCHAR,             -- SV101-2 / SV202-2
    modifier_1 VARCHAR,                 -- -3 .. -6
    modifier_2 VARCHAR,
    modifier_3 VARCHAR,
    modifier_4 VARCHAR,
    procedure_description VARCHAR,      -- -7
    revenue_code VARCHAR,               -- SV201
    charge_amount DECIMAL(18, 2),       -- SV102 / SV203
    unit_basis VARCHAR,                 -- SV103 / SV204: UN units, MJ minutes, DA days
    units_billed DECIMAL(18, 3),        -- SV104 / SV205
    place_of_service VARCHAR,           -- SV105
    service_date_from DATE,             -- DTP*472 of the line
    service_date_to DATE,
    line_control_number VARCHAR,        -- REF*6R
    prior_authorization VARCHAR,        -- REF*G1
    ndc VARCHAR,                        -- LIN03 when LIN02 = N4
    ndc_quantity DECIMAL(18, 3),        -- CTP04
    ndc_unit VARCHAR                    -- CTP05-1
);
