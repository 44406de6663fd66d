"""CSV import of practice-management exports (analytics/csv_import/, docs/csv.md): hand-written claims and
remittance-line files in both layouts, the shipped mapping examples, refused files with their line numbers,
repeated loads, matching against 837 claims, and the command line."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from analytics import __main__ as cli, csv_import, database, loader
from analytics.__main__ import main
from analytics.ingest.contract import ReadOptions
from conftest import claim_837, load_text, rows, table_counts


def csv_load(con, layout: str, items, mapping=None):
    """CSV files of one layout loaded as any input format is (analytics/ingest/formats.py)."""
    return loader.load_contents(con, items, fmt=csv_import.KINDS[layout], options=ReadOptions(mapping=mapping))


PROJECT = Path(__file__).resolve().parent.parent
MAPPINGS = PROJECT / "docs" / "csv-mappings"
D = Decimal

REMIT_HEADER = (
    "payer_name,payer_id,payment_date,trace_number,claim_id,claim_status,payer_claim_number,filing_indicator,"
    "site_of_care,frequency_code,received_date,procedure_code,modifiers,charge_amount,paid_amount,units_paid,"
    "units_billed,service_date,line_control_number,adjustments,remark_codes\n"
)
ACME_REMITS = (
    # a paid visit written down by contract; a drug denied for medical necessity
    "ACME HEALTH PLAN,12345,2024-03-15,EFT0001,A100,1,PCN9001,CI,11,,,99213,,100.00,80.00,1,,2024-03-01,A100-1,"
    "CO-45:20.00,\n"
    "ACME HEALTH PLAN,12345,2024-03-15,EFT0001,A100,1,PCN9001,CI,11,,,J1745,JZ,200.00,0.00,10,,2024-03-01,A100-2,"
    "CO-50:200.00,N115\n"
    # a contractual write-down and a copay: no denial; units cut from 2 to 1 (MUE): a partial denial
    "ACME HEALTH PLAN,12345,2024-03-15,EFT0001,B200,1,PCN9002,CI,11,,,99214,25 59,150.00,100.00,1,,2024-03-02,,"
    "CO-45:45.00 PR-2:5.00,\n"
    'ACME HEALTH PLAN,12345,2024-03-15,EFT0001,B200,1,PCN9002,CI,11,,,J3399,,"1,000.00",600.00,1,2,2024-03-02,,'
    "CO-151:400.00,N362\n"
)
# another payer and payment: a claim denied outright without service lines (type of bill 131)
BETA_REMITS = (
    "BETA CARE,B77,2024-03-22,CHK778,H300,4,PCN7000,MC,131,,2024-03-10,,,500.00,0.00,,,2024-03-03,,CO-27:500.00,MA130\n"
)
REMITS = REMIT_HEADER + ACME_REMITS + BETA_REMITS

# The ACME rows as a payer portal exports them, read with docs/csv-mappings/remittances-mdy-triples.toml.
PORTAL_REMITS = (
    "Check Date,Check/EFT #,Patient Acct #,Claim Status,Payer ICN,Plan Type,POS,CPT,Mod 1,Mod 2,Billed,Paid,Units,"
    "Billed Units,DOS,Line Item Control #,Adj Group 1,Adj Reason 1,Adj Amount 1,Adj Group 2,Adj Reason 2,Adj Amount 2,"
    "Adj Group 3,Adj Reason 3,Adj Amount 3,Remarks\n"
    "03/15/2024,EFT0001,A100,Processed as Primary,PCN9001,Commercial,11,99213,,,100.00,80.00,1,,3/1/2024,A100-1,CO,"
    "45,20.00,,,,,,,\n"
    "03/15/2024,EFT0001,A100,Processed as Primary,PCN9001,Commercial,11,J1745,JZ,,200.00,0.00,10,,03/01/24,A100-2,"
    "CO,50,200.00,,,,,,,N115\n"
    "03/15/2024,EFT0001,B200,Processed as Primary,PCN9002,Commercial,11,99214,25,59,150.00,100.00,1,,03/02/2024,,CO,"
    "45,45.00,PR,2,5.00,,,,\n"
    '03/15/2024,EFT0001,B200,processed as primary,PCN9002,Commercial,11,J3399,,,"$1,000.00",600.00,1,2,03/02/2024,,,'
    ",,CO,151,400.00,,,,N362\n"
)

CLAIM_HEADER = (
    "claim_id,payer_name,payer_id,filing_indicator,submitted_date,claim_charge,site_of_care,frequency_code,"
    "prior_authorization,original_reference,transaction_type,billing_provider_npi,diagnosis_codes,line_number,"
    "procedure_code,modifiers,revenue_code,charge_amount,units_billed,service_date,line_control_number,ndc\n"
)
ACME_CLAIMS = (
    "A100,ACME HEALTH PLAN,12345,CI,2024-03-05,300.00,11,1,,,,1234567893,M06.9 E11.9,1,99213,,,100.00,1,2024-03-01,"
    "A100-1,\n"
    "A100,ACME HEALTH PLAN,12345,CI,2024-03-05,300.00,11,1,,,,1234567893,M06.9 E11.9,2,J1745,JZ,,200.00,10,"
    "2024-03-01,A100-2,57894-0030-01\n"
    "B200,ACME HEALTH PLAN,12345,CI,2024-03-05,,11,1,AUTH55,,,1234567893,,1,99214,25 59,,150.00,1,2024-03-02,,\n"
    "B200,ACME HEALTH PLAN,12345,CI,2024-03-05,,11,1,AUTH55,,,1234567893,,2,J3399,,,1000.00,2,2024-03-02,,\n"
)
# an institutional claim: type of bill 131 (facility 13, frequency 1), a revenue-code-only line
BETA_CLAIMS = "H300,BETA CARE,B77,MC,2024-03-06,,131,,,,,,,,,,450,500.00,,2024-03-03,,\n"
CLAIMS = CLAIM_HEADER + ACME_CLAIMS + BETA_CLAIMS

# The ACME claims as a European-configured system exports them (claims-semicolon-decimal-comma.toml).
EXPORTED_CLAIMS = (
    "Claim No;Insurance;Insurance ID;Sent;Place;Freq;Auth No;Billing NPI;Dx1;Dx2;Line;Code;Mod1;Mod2;Mod3;Mod4;Rev;"
    "Amount;Qty;Date of Service;Line Ref;NDC\n"
    "A100;ACME HEALTH PLAN;12345;05.03.2024;11;1;;1234567893;M06.9;E11.9;1;99213;;;;;;100,00;1;01.03.2024;A100-1;\n"
    "A100;ACME HEALTH PLAN;12345;05.03.2024;11;1;;1234567893;M06.9;E11.9;2;J1745;JZ;;;;;"
    "200,00;10;01.03.2024;A100-2;57894-0030-01\n"
    "B200;ACME HEALTH PLAN;12345;05.03.2024;11;1;AUTH55;1234567893;;;1;99214;25;59;;;;150,00;1;02.03.2024;;\n"
    "B200;ACME HEALTH PLAN;12345;05.03.2024;11;1;AUTH55;1234567893;;;2;J3399;;;;;;1.000,00;2,000;02.03.2024;;\n"
)

VIEWS = (
    "payments",
    "claims",
    "service_lines",
    "adjustments",
    "remarks",
    "denials",
    "billed_claims",
    "billed_lines",
)


def load(con, tmp_path: Path, layout: str, text: str, name: str, mapping: Path | None = None, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    rules = csv_import.read_mapping(mapping, layout) if mapping else None
    [result] = csv_load(con, layout, [(path, None)], rules)
    return result


def loaded(con, tmp_path, layout, text, name, mapping=None):
    result = load(con, tmp_path, layout, text, name, mapping)
    assert result.status == "loaded", (result.message, result.problems)
    return result


def view(con, name: str) -> list[tuple]:
    """Every row of a view but its file name, in key order."""
    return sorted(row[1:] for row in rows(con, f"SELECT * FROM {name}"))


# ---------------------------------------------------------------------------------------------------
# Remittance lines


def test_remittance_lines_load_as_an_835_would(con, tmp_path):
    result = loaded(con, tmp_path, "remittances", REMITS, "remits.csv")
    assert cli.result_line(result).endswith(
        "remits.csv: 2 payment(s), 3 claim(s), 4 line(s), 6 adjustment(s), 0 diagnostic(s)"
    )
    assert rows(con, "SELECT file_name, kind, transaction_sets, segments FROM source_files") == [
        ("remits.csv", "csv remittances", 2, 5)
    ]
    assert rows(
        con,
        "SELECT payer_name, payer_id, payment_amount, payment_method, payment_date, trace_number "
        "FROM payments ORDER BY payment_key",
    ) == [
        ("ACME HEALTH PLAN", "12345", D("780.00"), None, date(2024, 3, 15), "EFT0001"),
        ("BETA CARE", "B77", D("0.00"), None, date(2024, 3, 22), "CHK778"),
    ]
    # claim totals are the sums of the claim's rows; CLP05 the PR adjustments
    assert rows(
        con,
        "SELECT payer_name, claim_id, status_code, charge_amount, paid_amount, patient_responsibility, "
        "filing_indicator, payer_claim_number, site_of_care, frequency_code, service_date_from, "
        "service_date_to, payment_date, received_date FROM claims ORDER BY claim_key",
    ) == [
        (
            "ACME HEALTH PLAN",
            "A100",
            "1",
            D("300.00"),
            D("80.00"),
            D("0.00"),
            "CI",
            "PCN9001",
            "11",
            None,
            date(2024, 3, 1),
            date(2024, 3, 1),
            date(2024, 3, 15),
            None,
        ),
        (
            "ACME HEALTH PLAN",
            "B200",
            "1",
            D("1150.00"),
            D("700.00"),
            D("5.00"),
            "CI",
            "PCN9002",
            "11",
            None,
            date(2024, 3, 2),
            date(2024, 3, 2),
            date(2024, 3, 15),
            None,
        ),
        (
            "BETA CARE",
            "H300",
            "4",
            D("500.00"),
            D("0.00"),
            D("0.00"),
            "MC",
            "PCN7000",
            "13",
            "1",
            date(2024, 3, 3),
            date(2024, 3, 3),
            date(2024, 3, 22),
            date(2024, 3, 10),
        ),
    ]
    assert rows(
        con,
        "SELECT claim_id, procedure_qualifier, procedure_code, modifiers, charge_amount, paid_amount, "
        "units_paid, units_billed, service_date, line_control_number FROM service_lines ORDER BY line_key",
    ) == [
        ("A100", "HC", "99213", [], D("100.00"), D("80.00"), D("1.000"), D("1.000"), date(2024, 3, 1), "A100-1"),
        ("A100", "HC", "J1745", ["JZ"], D("200.00"), D("0.00"), D("10.000"), D("10.000"), date(2024, 3, 1), "A100-2"),
        ("B200", "HC", "99214", ["25", "59"], D("150.00"), D("100.00"), D("1.000"), D("1.000"), date(2024, 3, 2), None),
        ("B200", "HC", "J3399", [], D("1000.00"), D("600.00"), D("1.000"), D("2.000"), date(2024, 3, 2), None),
    ]
    assert rows(
        con,
        "SELECT claim_id, level, group_code, reason_code, amount, category, class FROM adjustments "
        "ORDER BY claim_key, line_key NULLS FIRST, triple_index",
    ) == [
        ("A100", "line", "CO", "45", D("20.00"), "none", "non_denial"),
        ("A100", "line", "CO", "50", D("200.00"), "medical_necessity", "denial"),
        ("B200", "line", "CO", "45", D("45.00"), "none", "non_denial"),
        ("B200", "line", "PR", "2", D("5.00"), "none", "non_denial"),
        ("B200", "line", "CO", "151", D("400.00"), "coding", "denial"),
        ("H300", "claim", "CO", "27", D("500.00"), "eligibility", "denial"),
    ]
    assert rows(con, "SELECT claim_id, level, source, qualifier, code FROM remarks ORDER BY claim_key, line_key") == [
        ("A100", "line", "LQ", "HE", "N115"),
        ("B200", "line", "LQ", "HE", "N362"),
        ("H300", "claim", "MOA", "HE", "MA130"),
    ]
    # CO-50 is a full denial; CO-45 + PR-2 is none; CO-151 + N362 a partial units denial; CLP02 4 at claim level
    assert rows(
        con,
        "SELECT claim_id, procedure_code, denial_type, denied_amount, primary_reason, category, "
        "subcategory, level, remark_codes FROM denials ORDER BY claim_key, line_key",
    ) == [
        (
            "A100",
            "J1745",
            "full",
            D("200.00"),
            "50",
            "medical_necessity",
            "lcd",
            "line",
            ["N115"],
        ),  # N115: a coverage determination (LCD)
        ("B200", "J3399", "partial", D("400.00"), "151", "coding", "units", "line", ["N362"]),
        ("H300", None, "full", D("500.00"), "27", "eligibility", None, "claim", ["MA130"]),
    ]
    assert rows(con, "SELECT count(*) FROM load_diagnostics") == [(0,)]  # every line, claim and payment balances


def test_a_line_that_does_not_balance_loads_with_a_diagnostic_naming_its_line(con, tmp_path):
    text = REMIT_HEADER + ACME_REMITS.replace(
        "100.00,80.00,1,,2024-03-01,A100-1,CO-45:20.00", "100.00,80.00,1,,2024-03-01,A100-1,CO-45:25.00"
    )
    loaded(con, tmp_path, "remittances", text, "unbalanced.csv")
    assert rows(con, "SELECT segment_position, severity, segment_id, message FROM load_diagnostics ORDER BY 1, 3") == [
        (
            2,
            "warning",
            "CLP",
            "claim A100 does not balance: charge 300.00 - adjustments 225.00 = 75.00, but 80.00 was paid",
        ),
        (
            2,
            "warning",
            "SVC",
            "service line does not balance: charge 100.00 - adjustments 25.00 = 75.00, but 80.00 was paid",
        ),
    ]


def test_reversal_and_new_adjudication_in_one_payment_are_two_claims(con, tmp_path):
    text = REMIT_HEADER + (
        "ACME HEALTH PLAN,12345,2024-04-12,EFT0009,A100,22,PCN9001,CI,11,,,J1745,JZ,-200.00,0.00,-10,,2024-03-01,"
        "A100-2,CO-50:-200.00,\n"
        "ACME HEALTH PLAN,12345,2024-04-12,EFT0009,A100,1,PCN9003,CI,11,7,,J1745,JZ,200.00,150.00,10,,2024-03-01,"
        "A100-2,CO-45:50.00,\n"
    )
    loaded(con, tmp_path, "remittances", REMITS, "remits.csv")
    loaded(con, tmp_path, "remittances", text, "reprocessed.csv")
    assert rows(
        con,
        "SELECT claim_id, status_code, charge_amount, paid_amount, frequency_code FROM claims "
        "WHERE payment_date = '2024-04-12' ORDER BY claim_key",
    ) == [("A100", "22", D("-200.00"), D("0.00"), None), ("A100", "1", D("200.00"), D("150.00"), "7")]
    assert rows(con, "SELECT claim_id, procedure_code, status, recovered_amount FROM recoveries ORDER BY claim_id") == [
        ("A100", "J1745", "recovered", D("150.00")),
        ("B200", "J3399", "open", D("0.00")),
        ("H300", None, "open", D("0.00")),
    ]


# ---------------------------------------------------------------------------------------------------
# Claims


def test_claims_load_as_an_837_would(con, tmp_path):
    result = loaded(con, tmp_path, "claims", CLAIMS, "claims.csv")
    assert cli.result_line(result).endswith("claims.csv: 3 claim(s) billed, 5 line(s) billed, 0 diagnostic(s)")
    assert rows(con, "SELECT kind, transaction_sets, segments FROM source_files") == [("csv claims", 0, 5)]
    assert rows(
        con,
        "SELECT transaction_type, payer_name, payer_id, claim_id, charge_amount, frequency_code, "
        "site_of_care, filing_indicator, prior_authorization, original_reference, service_date_from, "
        "service_date_to, submitted_date, billing_provider_npi, diagnosis_codes, facility_qualifier, "
        "segment_position FROM billed_claims ORDER BY submission_key",
    ) == [
        (
            "professional",
            "ACME HEALTH PLAN",
            "12345",
            "A100",
            D("300.00"),
            "1",
            "11",
            "CI",
            None,
            None,
            date(2024, 3, 1),
            date(2024, 3, 1),
            date(2024, 3, 5),
            "1234567893",
            "M069 E119",
            "B",
            2,
        ),
        (
            "professional",
            "ACME HEALTH PLAN",
            "12345",
            "B200",
            D("1150.00"),
            "1",
            "11",
            "CI",
            "AUTH55",
            None,
            date(2024, 3, 2),
            date(2024, 3, 2),
            date(2024, 3, 5),
            "1234567893",
            None,
            "B",
            4,
        ),
        (
            "institutional",
            "BETA CARE",
            "B77",
            "H300",
            D("500.00"),
            "1",
            "13",
            "MC",
            None,
            None,
            date(2024, 3, 3),
            date(2024, 3, 3),
            date(2024, 3, 6),
            None,
            None,
            "A",
            6,
        ),
    ]
    assert rows(
        con,
        "SELECT claim_id, line_number, procedure_qualifier, procedure_code, modifiers, revenue_code, "
        "charge_amount, unit_basis, units_billed, place_of_service, service_date, service_date_to, "
        "line_control_number, ndc FROM billed_lines ORDER BY bill_line_key",
    ) == [
        (
            "A100",
            "1",
            "HC",
            "99213",
            [],
            None,
            D("100.00"),
            "UN",
            D("1.000"),
            "11",
            date(2024, 3, 1),
            date(2024, 3, 1),
            "A100-1",
            None,
        ),
        (
            "A100",
            "2",
            "HC",
            "J1745",
            ["JZ"],
            None,
            D("200.00"),
            "UN",
            D("10.000"),
            "11",
            date(2024, 3, 1),
            date(2024, 3, 1),
            "A100-2",
            "57894003001",
        ),
        (
            "B200",
            "1",
            "HC",
            "99214",
            ["25", "59"],
            None,
            D("150.00"),
            "UN",
            D("1.000"),
            "11",
            date(2024, 3, 2),
            date(2024, 3, 2),
            None,
            None,
        ),
        (
            "B200",
            "2",
            "HC",
            "J3399",
            [],
            None,
            D("1000.00"),
            "UN",
            D("2.000"),
            "11",
            date(2024, 3, 2),
            date(2024, 3, 2),
            None,
            None,
        ),
        (
            "H300",
            "1",
            None,
            None,
            [],
            "0450",
            D("500.00"),
            "UN",
            D("1.000"),
            None,
            date(2024, 3, 3),
            date(2024, 3, 3),
            None,
            None,
        ),
    ]


def test_claims_and_remittances_from_csv_match_in_claim_status(con, tmp_path):
    loaded(con, tmp_path, "claims", CLAIMS, "claims.csv")
    loaded(con, tmp_path, "remittances", REMITS, "remits.csv")
    assert rows(
        con, "SELECT claim_id, status, paid_amount, denied_amount, adjudications FROM claim_status ORDER BY claim_id"
    ) == [
        ("A100", "partially paid", D("80.00"), D("200.00"), 1),
        ("B200", "partially paid", D("700.00"), D("400.00"), 1),
        ("H300", "denied", D("0.00"), D("500.00"), 1),
    ]
    # lines pair by line control number where both carry one, else by code, modifiers, date and charge
    assert rows(
        con,
        "SELECT b.claim_id, b.procedure_code, m.match_basis FROM line_matches m "
        "JOIN billed_lines b USING (bill_line_key) ORDER BY bill_line_key",
    ) == [
        ("A100", "99213", "line control number"),
        ("A100", "J1745", "line control number"),
        ("B200", "99214", "code, modifiers, date and charge"),
        ("B200", "J3399", "code, modifiers, date and charge"),
    ]


def test_a_remittance_csv_answers_an_837_claim(con, tmp_path):
    clm = (
        "CLM*A100*300***11:B:1*Y*A*Y*Y~HI*ABK:M069"
        "~LX*1~SV1*HC:99213*100*UN*1***1~DTP*472*D8*20240301~REF*6R*A100-1"
        "~LX*2~SV1*HC:J1745:JZ*200*UN*10***1~DTP*472*D8*20240301~REF*6R*A100-2"
    )
    assert load_text(con, tmp_path, claim_837(clm, filing="CI", submitted="20240305"), "a100.837").status == "loaded"
    loaded(con, tmp_path, "remittances", REMIT_HEADER + ACME_REMITS, "acme.csv")
    assert rows(con, "SELECT claim_id, status, paid_amount, denied_amount, adjudications FROM claim_status") == [
        ("A100", "partially paid", D("80.00"), D("200.00"), 1)
    ]
    assert rows(con, "SELECT match_basis FROM claim_matches") == [("claim id, payer and dates",)]
    assert rows(con, "SELECT count(*) FROM line_matches") == [(2,)]


# ---------------------------------------------------------------------------------------------------
# Mapping files


def test_the_remittance_mapping_example_reads_a_portal_export_like_the_native_layout(tmp_path):
    native = database.connect(tmp_path / "native.duckdb")
    mapped = database.connect(tmp_path / "mapped.duckdb")
    try:
        loaded(native, tmp_path, "remittances", REMIT_HEADER + ACME_REMITS, "native.csv")
        loaded(mapped, tmp_path, "remittances", PORTAL_REMITS, "portal.csv", MAPPINGS / "remittances-mdy-triples.toml")
        for name in VIEWS:
            assert view(mapped, name) == view(native, name), name
        assert len(view(mapped, "denials")) == 2
    finally:
        native.close()
        mapped.close()


def test_the_claims_mapping_example_reads_a_semicolon_decimal_comma_export_like_the_native_layout(tmp_path):
    native = database.connect(tmp_path / "native.duckdb")
    mapped = database.connect(tmp_path / "mapped.duckdb")
    try:
        loaded(native, tmp_path, "claims", CLAIM_HEADER + ACME_CLAIMS, "native.csv")
        # Windows-1252, as such systems often write: read without being told
        path = tmp_path / "export.csv"
        path.write_bytes(EXPORTED_CLAIMS.replace("ACME HEALTH PLAN", "ACMÉ HEALTH PLAN").encode("cp1252"))
        [result] = csv_load(
            mapped,
            "claims",
            [(path, None)],
            csv_import.read_mapping(MAPPINGS / "claims-semicolon-decimal-comma.toml", "claims"),
        )
        assert result.status == "loaded", result.problems
        mapped.execute("UPDATE bill_claims SET payer_name = 'ACME HEALTH PLAN' WHERE payer_name = 'ACMÉ HEALTH PLAN'")
        for name in VIEWS:
            assert view(mapped, name) == view(native, name), name
        assert len(view(mapped, "billed_lines")) == 4
    finally:
        native.close()
        mapped.close()


def test_a_mapping_with_constants_values_and_one_adjustment_column(con, tmp_path):
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'layout = "remittances"\n[format]\ndates = "%d/%m/%Y"\ndelimiter = "\\t"\n'
        '[columns]\nclaim_id = "Account"\nadjustments = "CAS"\nremark_codes = ["RARC 1", "RARC 2"]\n'
        '[constants]\npayer_name = "ACME HEALTH PLAN"\npayment_date = 2024-03-15\ntrace_number = "EFT0001"\n'
        '[values.procedure_code]\n"Office visit" = "99213"\n'
    )
    text = (
        "Account\tprocedure_code\tcharge_amount\tpaid_amount\tservice_date\tCAS\tRARC 1\tRARC 2\n"
        "A100\toffice visit\t100.00\t0.00\t01/03/2024\tCO16:100.00\tN822\tN115\n"
    )
    loaded(con, tmp_path, "remittances", text, "tabs.csv", mapping)
    assert rows(con, "SELECT payer_name, payment_date, trace_number FROM payments") == [
        ("ACME HEALTH PLAN", date(2024, 3, 15), "EFT0001")
    ]
    # the codes of one row share its line number (segment_position): compared in code order
    assert rows(
        con, "SELECT claim_id, procedure_code, category, subcategory, list_sort(remark_codes) FROM denials"
    ) == [("A100", "99213", "coding", "modifier", ["N115", "N822"])]


@pytest.mark.parametrize(
    "text, problem",
    [
        ('layout = "claims"', "it is for the 'claims' layout, not 'remittances'"),
        ('[columns]\nclaim_number = "Claim"', "[columns] 'claim_number' is not a column of the remittances layout"),
        ('[columns]\npaid_amount = ["A", "B"]', "[columns] paid_amount must name a header of the export"),
        ('[format]\ndates = "%m/%Y"', "[format] date format '%m/%Y' does not read a full date"),
        ('[format]\ndecimal = ","\nthousands = ","', "[format] thousands must be"),
        (
            '[columns]\npayer_name = "Payer"\n[constants]\npayer_name = "ACME"',
            "payer_name is both mapped to a column and given a constant",
        ),
        (
            '[constants]\npayment_date = "03/15/2024"',
            "[constants] payment_date: '03/15/2024' is not a date (YYYY-MM-DD or YYYYMMDD)",
        ),
        ("[constants]\npaid_amount = 12.5", "[constants] paid_amount must be text, a whole number or a date"),
        ('[[adjustments]]\ngroup = "G"', "[[adjustments]] number 1 must name the headers of reason and amount"),
        ('[columns]\nadjustments = "CAS"\n[[adjustments]]\nreason = "R"\namount = "A"', "mapped both to one column"),
        ("sheet = 2", "unknown key(s) sheet"),
        ("[columns\n", "not a TOML file"),
    ],
)
def test_an_unusable_mapping_is_refused_with_its_reason(tmp_path, text, problem):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(csv_import.MappingError) as refused:
        csv_import.read_mapping(path, "remittances")
    assert problem in str(refused.value)
    assert str(path) in str(refused.value)


def test_a_constant_in_the_export_s_words_is_read_through_the_mapping_s_values():
    """A constant is read like a value of the export: [values] translates it, wherever it stands in the file."""
    text = b'[constants]\nfiling_indicator = "Medicare Part B"\n[values.filing_indicator]\n"Medicare Part B" = "MB"\n'
    mapping = csv_import.read_mapping(text, "remittances")
    assert mapping.constants == {"filing_indicator": "Medicare Part B"}
    with pytest.raises(csv_import.MappingError, match="is not a claim filing indicator"):
        csv_import.read_mapping(text.split(b"[values")[0], "remittances")


def test_a_header_the_mapping_names_but_the_file_lacks_refuses_the_file(con, tmp_path):
    result = load(
        con,
        tmp_path,
        "remittances",
        PORTAL_REMITS.replace("Check Date", "Paid On"),
        "portal.csv",
        MAPPINGS / "remittances-mdy-triples.toml",
    )
    assert result.failed
    assert result.message == "the mapping names 'Check Date' for payment_date, which the header lacks; nothing loaded"


# ---------------------------------------------------------------------------------------------------
# Refused files


def test_bad_rows_are_reported_with_their_line_numbers_and_nothing_loads(con, tmp_path):
    loaded(con, tmp_path, "remittances", REMITS, "good.csv")
    before = table_counts(con)
    row = (
        "ACME HEALTH PLAN,12345,2024-03-15,EFT0002,{claim},1,PCN1,{filing},11,,,99213,,100.00,{paid},1,,{day},,{cas},\n"
    )
    text = (
        REMIT_HEADER  # line 1
        + row.format(claim="C1", filing="CI", paid="80.00", day="2024-03-01", cas="CO-45:20.00")  # 2: good
        + row.format(claim="C2", filing="CI", paid='"12,5x"', day="2024-03-01", cas="")  # 3: amount
        + "\n"  # 4: blank
        + 'ACME HEALTH PLAN,12345,2024-03-15,EFT0002,C3,1,"PCN\nSPLIT",CI,11,,,99213,,100.00,100.00,1,,2024-03-01,'
        ",,\n"  # 5-6
        + row.format(claim="C4", filing="CI", paid="80.00", day="2024-02-30", cas="CO-45:20.00")  # 7: date
        + row.format(claim="C5", filing="CI", paid="80.00", day="2024-03-01", cas="XX-45:20.00")  # 8: group
        + row.format(claim="C1", filing="MC", paid="80.00", day="2024-03-01", cas="CO-45:20.00")  # 9: disagrees with 2
        + row.format(claim="", filing="CI", paid="80.00", day="2024-03-01", cas="CO-45:20.00")  # 10: no claim id
        + "ACME HEALTH PLAN,12345,2024-03-15\n"  # 11: short
        + row.format(claim="C6", filing="CI", paid="80.00", day="2024-03-01", cas="CO45")  # 12: no amount
    )
    result = load(con, tmp_path, "remittances", text, "bad.csv")
    assert result.failed
    assert result.message == "7 problem(s) in the rows; nothing loaded"
    assert cli.problem_lines(result.problems) == [
        "line 3, paid_amount: '12,5x' is not a number (decimal mark '.', thousands ',')",
        "line 7, service_date: '2024-02-30' is not a date (YYYY-MM-DD or YYYYMMDD)",
        "line 8, adjustments: unknown adjustment group 'XX' in XX-45 (CO, CR, OA, PI, PR)",
        "line 9, filing_indicator: 'MC' differs from 'CI' on line 2, the claim's first row",
        "line 10, claim_id: required value missing",
        "line 11: 3 fields where the header (line 1) has 21",
        "line 12, adjustments: 'CO45' is not an adjustment (group-reason:amount, e.g. CO-45:20.00)",
    ]
    assert table_counts(con) == before


def test_claim_level_problems_of_the_claims_layout(con, tmp_path):
    text = CLAIM_HEADER + (
        "A1,ACME,1,CI,2024-03-05,250.00,11,1,,,,,,1,99213,,,100.00,1,2024-03-01,,\n"  # 2: charge is not the sum
        "A1,ACME,1,CI,2024-03-05,250.00,11,1,,,,,,1,99214,,,100.00,1,2024-03-01,,\n"  # 3: line number 1 again
        # 4: no code, 5 modifiers, NDC
        "B1,ACME,1,CI,2024-03-05,,11,1,,,,,,,,JW JZ 25 59 XU,,10.00,1,2024-03-01,,1234\n"
        "C1,ACME,1,CI,2024-03-05,,131,7,,,professional,,,,J3399,,,10.00,1,2024-03-01,,\n"  # 5: TOB frequency 1 vs 7
    )
    result = load(con, tmp_path, "claims", text, "claims.csv")
    assert cli.problem_lines(result.problems) == [
        "line 2, claim_charge: 250.00 is not the sum of the claim's line charges (200.00)",
        "line 3, line_number: line number 1 is already used on line 2 of the same claim",
        "line 4, modifiers: 'JW JZ 25 59 XU': more than 4 modifiers",
        "line 4, ndc: '1234' is not an NDC (11 digits, or a hyphenated 10-digit form such as 1234-5678-90)",
        "line 4, procedure_code: a billed line needs a procedure_code or a revenue_code",
        "line 5, frequency_code: '7' differs from the frequency in the type of bill ('1')",
        "line 5, site_of_care: a type of bill on a professional claim (give the place of service)",
    ]
    assert rows(con, "SELECT count(*) FROM bill_claims") == [(0,)]


def test_a_claim_without_lines_has_one_row(con, tmp_path):
    text = (
        REMIT_HEADER
        + BETA_REMITS
        + BETA_REMITS.replace(",,,500.00,0.00,,,2024-03-03", ",99213,,500.00,0.00,,,2024-03-03")
    )
    result = load(con, tmp_path, "remittances", text, "mixed.csv")
    assert cli.problem_lines(result.problems) == [
        "line 2, procedure_code: a row without procedure or revenue code stands for a claim answered without "
        "service lines, but claim H300 has 1 other row(s)"
    ]


def test_problems_are_listed_up_to_fifty_and_counted_beyond(con, tmp_path):
    text = REMIT_HEADER + "".join(
        f"ACME HEALTH PLAN,12345,2024-03-15,EFT0001,A{n},1,,,11,,,99213,,100.00,eighty,1,,2024-03-01,,,\n"
        for n in range(60)
    )
    result = load(con, tmp_path, "remittances", text, "many.csv")
    assert result.message == "60 problem(s) in the rows (the first 50 listed); nothing loaded"
    assert len(result.problems) == 50 and result.problems[-1][0] == 51


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty file; nothing loaded"),
        (b"\n \r\n", "empty file; nothing loaded"),
        (b"PK\x03\x04\x00\x00binary", "not a CSV text file (binary content); nothing loaded"),
        (
            b"ISA*00*          *00*~GS*HP~",
            "an X12 file, not CSV: load it with `python -m analytics load`; nothing loaded",
        ),
        (REMIT_HEADER.encode(), "no data rows after the header (line 1); nothing loaded"),
        (
            b"claim,paid\nA1,10\n",
            "the header has no column for the required payer_name, payment_date, trace_number, claim_id, "
            "charge_amount, paid_amount, service_date (see docs/csv.md, or give a mapping file); nothing loaded",
        ),
        (
            CLAIMS.encode(),
            "the header has no column for the required payment_date, trace_number, paid_amount "
            "(it has the columns of the claims layout: load it as claims); nothing loaded",
        ),
        ((REMIT_HEADER + '"ACME,A1\n').encode(), "line 2: unreadable CSV (unexpected end of data); nothing loaded"),
        (
            (REMIT_HEADER + "x\n")
            .replace("paid_amount", "PAID_AMOUNT")
            .replace("claim_id", "claim_id,claim_id")
            .encode(),
            "the header has 2 columns named 'claim_id'; nothing loaded",
        ),
    ],
)
def test_a_file_that_is_not_usable_gets_one_message_naming_it(con, tmp_path, content, message):
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    [result] = csv_load(con, "remittances", [(path, None)])
    assert result.failed and result.message == message and not result.problems
    assert cli.result_line(result) == f"failed          {path}: {message}"
    assert rows(con, "SELECT count(*) FROM source_files") == [(0,)]


# ---------------------------------------------------------------------------------------------------
# Values


def test_values_are_normalised_to_what_the_x12_readers_emit(con, tmp_path):
    text = REMIT_HEADER + (
        "ACME,1,20240315,T1,A1,01,,ci,3,,2024-03-10,j1745,jz,(10.00),-5.00,1.50,2,20240301,,co-45:-5.00:1.5 OA-23:0,"
        "n115 ma130\n"
        "ACME,1,20240315,T1,A2,1,,,0131,,,,,$1.234.00-,0,,,20240301,,CO-27:-1234.00,\n"
    ).replace("$1.234.00-", '"1,234.00-"')
    loaded(con, tmp_path, "remittances", text, "odd.csv")
    assert rows(
        con,
        "SELECT claim_id, status_code, filing_indicator, site_of_care, frequency_code, charge_amount, "
        "paid_amount, received_date FROM claims ORDER BY claim_key",
    ) == [
        ("A1", "1", "CI", "03", None, D("-10.00"), D("-5.00"), date(2024, 3, 10)),
        ("A2", "1", None, "13", "1", D("-1234.00"), D("0.00"), None),
    ]
    assert rows(con, "SELECT procedure_code, modifiers, units_paid, units_billed FROM service_lines") == [
        ("J1745", ["JZ"], D("1.500"), D("2.000"))
    ]
    assert rows(
        con, "SELECT group_code, reason_code, amount, quantity FROM adjustments ORDER BY claim_key, triple_index"
    ) == [("CO", "45", D("-5.00"), D("1.500")), ("OA", "23", D("0.00"), None), ("CO", "27", D("-1234.00"), None)]
    assert rows(con, "SELECT code FROM remarks ORDER BY code") == [("MA130",), ("N115",)]
    # the rows handed to the loader are text, as the X12 readers produce them
    parsed = csv_import.read("remittances", text.encode()).rows
    line = dict(
        zip(
            ("line_seq", "claim_seq", "segment_position", "procedure_qualifier", "procedure_code"),
            parsed["lines"][0],
            strict=False,
        )
    )  # its first five columns
    assert line == {
        "line_seq": 1,
        "claim_seq": 1,
        "segment_position": 2,
        "procedure_qualifier": "HC",
        "procedure_code": "J1745",
    }
    assert parsed["claims"][1][3:6] == ("A2", "1", "-1234.00")
    assert parsed["payments"][0][10] == "20240315"  # payment_date, CCYYMMDD


def test_an_excel_export_with_a_sep_line_bom_and_crlf(con, tmp_path):
    text = "sep=;\r\n" + (REMIT_HEADER + ACME_REMITS).replace(",", ";").replace('"1;000.00"', "1000.00").replace(
        "\n", "\r\n"
    )
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    [result] = csv_load(con, "remittances", [(path, None)])
    assert result.status == "loaded", result.problems
    assert rows(con, "SELECT count(*), sum(paid_amount) FROM service_lines") == [(4, D("780.00"))]
    assert rows(con, "SELECT min(segment_position) FROM remit_service_lines") == [(3,)]  # the header is line 2


def test_old_mac_line_ends_count_as_lines(con, tmp_path):
    text = (REMIT_HEADER + "\n" + ACME_REMITS.replace("2024-03-02", "2024-02-31")).replace("\n", "\r")
    result = load(con, tmp_path, "remittances", text, "mac.csv")
    assert [p[0] for p in result.problems] == [5, 6]


# ---------------------------------------------------------------------------------------------------
# Loading again, and the command line


def test_loading_the_same_csv_again_changes_nothing(con, tmp_path):
    loaded(con, tmp_path, "remittances", REMITS, "remits.csv")
    loaded(con, tmp_path, "claims", CLAIMS, "claims.csv")
    before = table_counts(con)
    again = load(con, tmp_path, "remittances", REMITS, "renamed.csv")
    assert again.status == "already loaded" and again.message == "same content as remits.csv; nothing changed"
    assert load(con, tmp_path, "claims", CLAIMS, "claims.csv").status == "already loaded"
    assert table_counts(con) == before


def test_command_line_exit_codes(tmp_path, capsys):
    db = tmp_path / "cli.duckdb"
    (tmp_path / "remits.csv").write_text(REMITS)
    (tmp_path / "claims.csv").write_text(CLAIMS)
    (tmp_path / "portal.csv").write_text(PORTAL_REMITS)
    (tmp_path / "bad.csv").write_text(REMIT_HEADER + ACME_REMITS.replace("2024-03-02", "2024-02-31"))

    assert main(["load-csv", "remittances", str(tmp_path / "remits.csv"), "--db", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"loaded          {tmp_path / 'remits.csv'}: 2 payment(s), 3 claim(s), 4 line(s), 6 adjustment(s), "
        "0 diagnostic(s)",
        f"1 file(s): 1 loaded. Added 2 payment(s), 3 claim(s), 4 service line(s), 6 adjustment(s) to {db}.",
    ]

    assert main(["--db", str(db), "load-csv", "claims", str(tmp_path / "claims.csv")]) == 0
    assert "3 billed claim(s), 5 billed line(s)" in capsys.readouterr().out

    # a refused file: exit 1, its line and its bad rows on standard error; the good file still loads
    assert (
        main(
            [
                "load-csv",
                "remittances",
                str(tmp_path / "bad.csv"),
                str(tmp_path / "portal.csv"),
                "--db",
                str(db),
                "--mapping",
                str(MAPPINGS / "remittances-mdy-triples.toml"),
            ]
        )
        == 1
    )
    captured = capsys.readouterr()
    assert captured.err.splitlines()[0].startswith(
        f"failed          {tmp_path / 'bad.csv'}: the mapping names 'Check Date'"
    )
    assert "1 failed, 1 loaded" in captured.out

    assert main(["load-csv", "remittances", str(tmp_path / "bad.csv"), "--db", str(db)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"failed          {tmp_path / 'bad.csv'}: 2 problem(s) in the rows; nothing loaded",
        "    line 4, service_date: '2024-02-31' is not a date (YYYY-MM-DD or YYYYMMDD)",
        "    line 5, service_date: '2024-02-31' is not a date (YYYY-MM-DD or YYYYMMDD)",
    ]

    # loading again: nothing changes, exit 0
    assert main(["load-csv", "remittances", str(tmp_path / "remits.csv"), "--db", str(db)]) == 0
    assert "already loaded" in capsys.readouterr().out

    # a missing file, and a mapping that cannot be used: exit 1
    assert main(["load-csv", "claims", str(tmp_path / "none.csv"), "--db", str(db)]) == 1
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "bad.toml").write_text('layout = "claims"\n')
    assert (
        main(
            [
                "load-csv",
                "remittances",
                str(tmp_path / "remits.csv"),
                "--mapping",
                str(tmp_path / "bad.toml"),
                "--db",
                str(db),
            ]
        )
        == 1
    )
    assert capsys.readouterr().err.strip() == (
        f"error: mapping {tmp_path / 'bad.toml'}: it is for the 'claims' layout, not 'remittances'; nothing loaded"
    )
    con = database.connect(db)
    try:
        assert rows(con, "SELECT kind, count(*) FROM source_files GROUP BY kind ORDER BY kind") == [
            ("csv claims", 1),
            ("csv remittances", 2),
        ]
    finally:
        con.close()


def test_docs_describe_every_column_of_both_layouts():
    text = (PROJECT / "docs" / "csv.md").read_text()
    for layout, title in (("claims", "## Layout 1"), ("remittances", "## Layout 2")):
        section = text.split(title, 1)[1].split("\n## ", 1)[0]
        documented = dict(re.findall(r"^\| `(\w+)` \| ([^|]+) \|", section, re.MULTILINE))
        columns = csv_import.LAYOUT_COLUMNS[layout]
        assert list(documented) == [c.name for c in columns], layout
        for column in columns:
            assert (documented[column.name].strip() == "required") == column.required, column.name


def test_data_page_loads_csv_uploads_with_a_mapping_and_lists_bad_rows(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    loaded(con, tmp_path, "claims", CLAIMS, "claims.csv")  # claims only: no remittance yet
    con.close()
    monkeypatch.setenv("DENIALS_DB", str(db))
    monkeypatch.setenv("DENIALS_DEMO_DB", str(tmp_path / "unused-demo.duckdb"))
    at = AppTest.from_file(str(PROJECT / "app.py")).run(timeout=120)
    at.switch_page("app_pages/data.py").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]

    at.radio(key="csv_layout").set_value("remittances")
    at.file_uploader(key="csv_files").set_value(
        [
            ("portal.csv", PORTAL_REMITS.encode(), "text/csv"),
            ("bad.csv", (REMIT_HEADER + ACME_REMITS.replace("2024-03-02", "2024-02-31")).encode(), "text/csv"),
        ]
    )
    mapping = MAPPINGS / "remittances-mdy-triples.toml"
    at.file_uploader(key="csv_mapping").set_value((mapping.name, mapping.read_bytes(), "application/toml")).run(
        timeout=120
    )
    at.button(key="csv_load").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == [
        "**portal.csv**: 1 payment(s), 2 claim(s), 4 line(s), 5 adjustment(s), 0 diagnostic(s)"
    ]
    assert at.error[0].value.startswith("**bad.csv**: the mapping names 'Check Date' for payment_date")

    at.file_uploader(key="csv_mapping").set_value(None)
    at.file_uploader(key="csv_files").set_value(
        [("bad.csv", (REMIT_HEADER + ACME_REMITS.replace("2024-03-02", "2024-02-31")).encode(), "text/csv")]
    ).run(timeout=120)
    at.button(key="csv_load").click().run(timeout=120)
    assert at.error[0].value == "**bad.csv**: 2 problem(s) in the rows; nothing loaded"
    problems = at.dataframe[0].value
    assert list(problems["line"]) == [4, 5] and set(problems["column"]) == {"service_date"}
    con = database.connect(db)
    try:
        assert rows(con, "SELECT file_name, kind FROM source_files ORDER BY file_id") == [
            ("claims.csv", "csv claims"),
            ("portal.csv", "csv remittances"),
        ]
    finally:
        con.close()


def test_every_page_runs_when_only_claims_are_loaded(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    loaded(con, tmp_path, "claims", CLAIMS, "claims.csv")
    con.close()
    monkeypatch.setenv("DENIALS_DB", str(db))
    monkeypatch.setenv("DENIALS_DEMO_DB", str(tmp_path / "unused-demo.duckdb"))
    for page in sorted((PROJECT / "app_pages").glob("*.py")):
        at = AppTest.from_file(str(PROJECT / "app.py")).run(timeout=120)
        at.switch_page(f"app_pages/{page.name}").run(timeout=120)
        assert not at.exception, (page.name, [e.value for e in at.exception])
