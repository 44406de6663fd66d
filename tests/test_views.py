"""The documented views are a public contract: these columns, in this order, with these types."""

from __future__ import annotations

import pytest

from analytics import database
from conftest import rows

CONTRACT = {
    "payments": "file_name payer_name payer_id payee_name payee_npi payment_amount payment_method "
    "payment_date trace_number",
    "claims": "file_name payer_name claim_id status_code charge_amount paid_amount patient_responsibility "
    "filing_indicator payer_claim_number site_of_care frequency_code service_date_from service_date_to payment_date",
    "service_lines": "file_name claim_id payer_name procedure_qualifier procedure_code modifiers charge_amount "
    "paid_amount revenue_code units_paid units_billed service_date line_control_number allowed_amount",
    "adjustments": "file_name claim_id level group_code reason_code amount quantity category class",
    "remarks": "file_name claim_id level code",
    "provider_adjustments": "file_name provider_id reason_code reference amount",
    "denials": "file_name payer_name claim_id procedure_code modifiers site_of_care service_date payment_date "
    "denial_type denied_amount primary_reason category patient_liable reason_codes remark_codes",
    "recoveries": "file_name payer_name claim_id procedure_code modifiers site_of_care service_date denial_date "
    "denied_amount category primary_reason status recovered_amount recovery_date days_to_recovery "
    "recovery_path",
    "recovery_diagnostics": "file_name payer_name claim_id procedure_code denial_date denied_amount paid_back_amount "
    "excess_amount message",
    "recoupments": "file_name payer_name payment_date provider_id reference amount claim_id payer_claim_number "
    "claim_payment_date",
    "claim_status": "file_name payer_name claim_id submitted_date charge_amount status paid_amount denied_amount "
    "adjudications first_payment_date last_payment_date days_since_sent",
    "prevention_flags": "file_name rule_id check category finding payer_name claim_id procedure_code modifiers "
    "units_billed site service_date submitted_date rule",
    "billed_claims": "file_name transaction_type payer_name payer_id claim_id charge_amount frequency_code "
    "site_of_care filing_indicator prior_authorization original_reference service_date_from service_date_to "
    "submitted_date billing_provider_npi diagnosis_codes admission_date facility_qualifier "
    "rendering_provider_npi submission_key file_id segment_position",
    "monthly_measures": "month payer_name payer_order initial_claims denied_claims fully_denied_claims "
    "claim_denial_rate charges denied_charges dollar_denial_rate denied_amount lines denied_lines line_denial_rate "
    "complete duplicate_denied_claims duplicate_denied_amount expected_denied_lines "
    "expected_denied_amount status_4_without_reason_claims",
    "change_findings": "period_from period_to baseline_from baseline_to baseline_months dimension slice payer_name "
    "category reason remark procedure_code modifier site claims denied_claims "
    "claim_denial_rate baseline_claims baseline_denied_claims baseline_claim_denial_rate rate_change "
    "ci_low ci_high charges denied_amount baseline_charges baseline_denied_amount "
    "expected_denied_amount effect_amount p_value q_value direction finding test dispersion sentence",
    "billed_lines": "file_name claim_id payer_name line_number procedure_qualifier procedure_code modifiers "
    "revenue_code charge_amount unit_basis units_billed place_of_service service_date service_date_to "
    "line_control_number prior_authorization ndc ndc_quantity ndc_unit submission_key bill_line_key "
    "file_id segment_position",
}
MONEY = {
    "payment_amount",
    "charge_amount",
    "paid_amount",
    "patient_responsibility",
    "allowed_amount",
    "amount",
    "denied_amount",
    "recovered_amount",
    "charges",
    "denied_charges",
    "duplicate_denied_amount",
    "expected_denied_amount",
    "paid_back_amount",
    "excess_amount",
    "baseline_charges",
    "baseline_denied_amount",
    "effect_amount",
}


@pytest.mark.parametrize("view", sorted(CONTRACT))
def test_view_starts_with_the_contract_columns(con, view):
    described = rows(con, f"DESCRIBE {view}")
    names = [r[0] for r in described]
    contract = CONTRACT[view].split()
    assert names[: len(contract)] == contract
    types = {r[0]: r[1] for r in described}
    for column in contract:
        if column in MONEY:
            assert types[column].startswith("DECIMAL"), column
        if column.endswith("_date"):
            assert types[column] == "DATE", column
    for column in ("modifiers", "reason_codes", "remark_codes"):
        if column in types:
            assert types[column] == "VARCHAR[]"


def test_every_view_is_documented_in_the_readme():
    readme = (database.PROJECT_ROOT / "docs" / "views.md").read_text()
    for view, columns in CONTRACT.items():
        assert f"## `{view}`" in readme
        for column in columns.split():
            assert f"| `{column}` |" in readme, (view, column)
