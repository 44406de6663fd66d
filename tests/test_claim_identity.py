"""Claim identity: which adjudications are one encounter (payer + claim id + patient + service period,
joined through CLP07 and REF*F8) and which line of a later adjudication is the denied one. Hand-written
835 sequences, each with the exact recovery and initial counts it must give."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from conftest import load_text, remittance_835, rows


@dataclass(frozen=True)
class Line:
    code: str
    charge: int
    paid: int
    cas: str = ""  # e.g. "CO*50*100"; a paid line gets CO-45 for the rest when empty
    day: str = "20240301"
    mods: tuple = ()
    control: str | None = None  # REF*6R
    units: str = "1"

    def segments(self) -> list[str]:
        composite = ":".join(("HC", self.code, *self.mods))
        cas = self.cas or (f"CO*45*{self.charge - self.paid}" if self.charge > self.paid else "")
        out = [f"SVC*{composite}*{self.charge}*{self.paid}**{self.units}", f"DTM*472*{self.day}"]
        out += [f"CAS*{cas}"] if cas else []
        out += [f"REF*6R*{self.control}"] if self.control else []
        return out


def claim(
    claim_id: str,
    icn: str,
    *lines: Line,
    patient: tuple = ("DOE", "JANE", "M1"),
    status: str = "1",
    freq: str = "1",
    refs: str = "",
) -> str:
    """One CLP loop: charge and paid are the lines' sums."""
    last, first, member = patient
    charge, paid = sum(x.charge for x in lines), sum(x.paid for x in lines)
    segments = [
        f"CLP*{claim_id}*{status}*{charge}*{paid}*0*12*{icn}*11*{freq}",
        f"NM1*QC*1*{last}*{first}****MI*{member}",
        *([refs] if refs else []),
    ]
    for x in lines:
        segments += x.segments()
    return "~".join(segments)


def load_payments(con, tmp_path, *payments: tuple[str, list[str]]) -> None:
    """Each payment: (payment date YYYYMMDD, claim loops), loaded in the order given."""
    for n, (day, claims) in enumerate(payments, 1):
        total = sum(Decimal(c.split("*")[4]) for c in claims)
        text = remittance_835(*claims, payment=str(total), payment_date=day, control=f"{n:09d}")
        result = load_text(con, tmp_path, text, name=f"{day}_{n}.835")
        assert result.status == "loaded", result.message


def outcomes(con, as_of: str = "2024-08-31") -> list[tuple]:
    return rows(
        con,
        f"""SELECT claim_id, procedure_code, service_date, status, denied_amount, recovered_amount
        FROM recovery_status(DATE '{as_of}') ORDER BY denial_date, claim_id, service_date, procedure_code""",
    )


def initial_claims(con) -> tuple:
    """(initial claim adjudications, readjudications) among the adjudicated claims."""
    return rows(
        con,
        """SELECT count(*) FILTER (WHERE NOT readjudication), count(*) FILTER (WHERE readjudication)
        FROM fact_units WHERE first_of_claim AND claim_kind = 'adjudicated'""",
    )[0]


def test_visits_under_one_account_number_are_separate_encounters(con, tmp_path):
    # the practice sends the patient's account number (A100) as CLP01 on every visit: the March visit
    # is denied, the April visit paid; April's payment recovers nothing of March's denial
    load_payments(
        con,
        tmp_path,
        ("20240315", [claim("A100", "P1", Line("99213", 100, 0, "CO*50*100", day="20240301"))]),
        ("20240420", [claim("A100", "P2", Line("99213", 100, 80, day="20240402"))]),
    )
    assert outcomes(con) == [("A100", "99213", date(2024, 3, 1), "open", Decimal("100.00"), Decimal("0.00"))]
    assert initial_claims(con) == (2, 0)


def test_patients_sharing_a_claim_id_are_separate_encounters(con, tmp_path):
    # the TR3's multi-claim example: two patients of one family under one claim id and date; the
    # payment for one does not recover the other's denial
    load_payments(
        con,
        tmp_path,
        (
            "20240315",
            [
                claim("F1", "P1", Line("99213", 100, 0, "CO*50*100"), patient=("SMITH", "ANN", "S1")),
                claim("F1", "P2", Line("99213", 100, 70), patient=("SMITH", "BOB", "S2")),
            ],
        ),
    )
    assert outcomes(con) == [("F1", "99213", date(2024, 3, 1), "open", Decimal("100.00"), Decimal("0.00"))]
    assert initial_claims(con) == (2, 0)


def test_claim_sent_again_with_a_corrected_member_id_is_one_encounter(con, tmp_path):
    # denied: member id not found (CO-31); sent again with the right id under the same name, and paid
    load_payments(
        con,
        tmp_path,
        ("20240315", [claim("E1", "P1", Line("99214", 150, 0, "CO*31*150"), patient=("DOE", "JANE", "WRONG1"))]),
        ("20240412", [claim("E1", "P2", Line("99214", 150, 110), patient=("DOE", "JANE", "M1"))]),
    )
    assert outcomes(con) == [("E1", "99214", date(2024, 3, 1), "recovered", Decimal("150.00"), Decimal("110.00"))]
    assert initial_claims(con) == (1, 1)


def test_adjudications_sharing_the_payer_claim_number_are_one_encounter(con, tmp_path):
    # the payer reprocesses its claim P7 and corrects the date of service it had keyed wrongly
    load_payments(
        con,
        tmp_path,
        ("20240315", [claim("K1", "P7", Line("99213", 100, 0, "CO*16*100", day="20240301"))]),
        ("20240420", [claim("K1", "P7", Line("99213", 100, 75, day="20240310"))]),
    )
    assert initial_claims(con) == (1, 1)
    # the date changed, so the line is linked as the encounter's only line
    assert outcomes(con) == [("K1", "99213", date(2024, 3, 1), "recovered", Decimal("100.00"), Decimal("75.00"))]


def test_corrected_claim_adding_the_waste_modifier_recovers_the_denial(con, tmp_path):
    # denied for a missing JW/JZ (CO-16 + N822); the corrected claim adds JZ under new line control
    # numbers and names the original in REF*F8
    denied = claim("W1", "ICN1", Line("J1745", 500, 0, "CO*16*500", control="1"), Line("96365", 200, 150, control="2"))
    corrected = claim(
        "W1",
        "ICN2",
        Line("J1745", 500, 420, mods=("JZ",), control="A1"),
        Line("96365", 200, 150, control="A2"),
        freq="7",
        refs="REF*F8*ICN1",
    )
    load_payments(con, tmp_path, ("20240315", [denied]), ("20240501", [corrected]))
    assert outcomes(con) == [("W1", "J1745", date(2024, 3, 1), "recovered", Decimal("500.00"), Decimal("420.00"))]


def test_corrected_units_and_charge_recover_the_units_denial(con, tmp_path):
    # 12 units billed, 2 denied as above the maximum (CO-151); the corrected claim bills 10 at a new charge
    denied = claim("U1", "ICN1", Line("J1745", 1200, 800, "CO*151*200~CAS*CO*45*200", units="12"))
    corrected = claim("U1", "ICN2", Line("J1745", 1000, 1000, units="10"), freq="7", refs="REF*F8*ICN1")
    load_payments(con, tmp_path, ("20240315", [denied]), ("20240501", [corrected]))
    # the corrected adjudication paid 200 more than before: the denied 200 came back
    assert outcomes(con) == [("U1", "J1745", date(2024, 3, 1), "recovered", Decimal("200.00"), Decimal("200.00"))]


def test_changed_code_on_a_single_line_claim_is_the_same_line(con, tmp_path):
    # billed 99215, denied as the wrong level (CO-16 + M51 coding); corrected to 99214 and paid
    load_payments(
        con,
        tmp_path,
        ("20240315", [claim("L1", "ICN1", Line("99215", 180, 0, "CO*16*180"))]),
        ("20240425", [claim("L1", "ICN2", Line("99214", 150, 110), freq="7", refs="REF*F8*ICN1")]),
    )
    assert outcomes(con) == [("L1", "99215", date(2024, 3, 1), "recovered", Decimal("180.00"), Decimal("110.00"))]


def test_lines_of_one_code_and_date_are_told_apart_by_their_control_number(con, tmp_path):
    # a drug's administered line and its JW waste line share code and date; only the waste line is
    # denied, and only its later payment recovers it
    first = claim(
        "J1",
        "ICN1",
        Line("J1745", 800, 640, control="1"),
        Line("J1745", 200, 0, "CO*16*200", mods=("JW",), control="2"),
    )
    again = claim("J1", "ICN1", Line("J1745", 200, 160, mods=("JW",), control="2"))
    load_payments(con, tmp_path, ("20240315", [first]), ("20240502", [again]))
    assert outcomes(con) == [("J1", "J1745", date(2024, 3, 1), "recovered", Decimal("200.00"), Decimal("160.00"))]
    assert rows(con, "SELECT count(*) FROM recovery_diagnostics") == [(0,)]


def test_a_later_adjudication_without_reversal_counts_only_its_increase(con, tmp_path):
    # 40 of 100 denied (CO-151, 60 paid); the payer adjudicates the line again without reversing the first
    # payment and pays it 100 in all: 40 more than before, all of the denial
    load_payments(
        con,
        tmp_path,
        ("20240315", [claim("X1", "ICN1", Line("99213", 100, 60, "CO*151*40"))]),
        ("20240601", [claim("X1", "ICN1", Line("99213", 100, 100))]),
    )
    assert outcomes(con) == [("X1", "99213", date(2024, 3, 1), "recovered", Decimal("40.00"), Decimal("40.00"))]
    assert rows(con, "SELECT count(*) FROM recovery_diagnostics") == [(0,)]


def test_a_recovery_never_exceeds_what_was_denied(con, tmp_path):
    # 40 of a 100 line denied (CO-50) and 60 written down (CO-45), nothing paid; the payer later pays the
    # line 100: only the 40 denied count as recovered, and the excess is listed as a diagnostic
    load_payments(
        con,
        tmp_path,
        ("20240315", [claim("X2", "ICN1", Line("99213", 100, 0, "CO*50*40*~CAS*CO*45*60"))]),
        ("20240601", [claim("X2", "ICN1", Line("99213", 100, 100))]),
    )
    assert outcomes(con) == [("X2", "99213", date(2024, 3, 1), "recovered", Decimal("40.00"), Decimal("40.00"))]
    assert rows(con, "SELECT claim_id, denied_amount, paid_back_amount, excess_amount FROM recovery_diagnostics") == [
        ("X2", Decimal("40.00"), Decimal("100.00"), Decimal("60.00"))
    ]
