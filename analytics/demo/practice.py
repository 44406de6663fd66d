"""The demo practice and its payers as data: each payer's profile (rates, denial mix, days to pay, payment-run
weekday), the denial reasons by category, the procedures, drugs, sites, diagnoses and the invented names;
the assumptions behind them are in the package's docstring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from analytics.remittance_writer import Payer

DEFAULT_END = date(2026, 10, 31)  # fixed, so that a seed always gives the same files
PAYEE = ("RIVERSIDE INFUSION AND MEDICAL GROUP", "1234567893", "371234567")


@dataclass(frozen=True)
class PayerProfile:
    payer: Payer
    filing_indicator: str
    denial_rate: float
    mix: dict  # denial category -> weight
    days_to_pay: int
    allowed_share: float  # allowed / charge
    patient_share: float  # coinsurance as a share of allowed
    weekday: int  # payment-run weekday (0 = Monday)
    filing_limit_days: int
    share: float  # share of the practice's claims
    sequestration: bool = False
    interest: bool = False
    copay_cents: int = 0


def _payer(name, payer_id, city, state, zip_code):
    return Payer(name, payer_id, city, state, zip_code)


PAYERS = (
    PayerProfile(
        _payer("MEDICARE PART B J15", "15202", "COLUMBUS", "OH", "43215"),
        "MB",
        0.08,
        {
            "medical_necessity": 3,
            "coding": 3,
            "documentation": 2,
            "bundling": 2,
            "duplicate": 1,
            "non_covered": 1,
            "eligibility": 1,
        },
        14,
        0.42,
        0.20,
        1,
        365,
        0.30,
        sequestration=True,
    ),
    PayerProfile(
        _payer("STATE MEDICAID", "77027", "SPRINGFIELD", "IL", "62702"),
        "MC",
        0.15,
        {
            "eligibility": 4,
            "authorization": 3,
            "coding": 2,
            "documentation": 2,
            "coordination_of_benefits": 2,
            "timely_filing": 1,
        },
        30,
        0.33,
        0.0,
        3,
        180,
        0.14,
    ),
    PayerProfile(
        _payer("SUMMIT MEDICARE ADVANTAGE", "SMA01", "LOUISVILLE", "KY", "40202"),
        "16",
        0.11,
        {"authorization": 3, "medical_necessity": 3, "network": 2, "coding": 1, "documentation": 1},
        24,
        0.44,
        0.20,
        2,
        365,
        0.14,
        interest=True,
    ),
    PayerProfile(
        _payer("BLUE RIDGE PPO", "BRP77", "RICHMOND", "VA", "23219"),
        "12",
        0.07,
        {
            "authorization": 3,
            "eligibility": 2,
            "coordination_of_benefits": 2,
            "non_covered": 2,
            "bundling": 1,
            "coding": 1,
            "timely_filing": 1,
        },
        18,
        0.62,
        0.15,
        4,
        90,
        0.12,
        copay_cents=3000,
    ),
    PayerProfile(
        _payer("NORTHSTAR HMO", "NSH12", "MINNEAPOLIS", "MN", "55401"),
        "HM",
        0.10,
        {"network": 3, "authorization": 3, "eligibility": 2, "non_covered": 1, "timely_filing": 1},
        21,
        0.55,
        0.10,
        0,
        90,
        0.07,
        copay_cents=2500,
    ),
    PayerProfile(
        _payer("EVERGREEN POS PLAN", "EVG34", "PORTLAND", "OR", "97201"),
        "13",
        0.09,
        {"medical_necessity": 2, "authorization": 2, "coding": 2, "bundling": 2, "duplicate": 1, "timely_filing": 1},
        20,
        0.60,
        0.20,
        2,
        90,
        0.06,
    ),
    PayerProfile(
        _payer("PINNACLE EPO", "PEP56", "DENVER", "CO", "80202"),
        "14",
        0.06,
        {"eligibility": 2, "network": 2, "authorization": 2, "bundling": 1, "timely_filing": 1},
        17,
        0.65,
        0.10,
        3,
        90,
        0.05,
        copay_cents=4000,
    ),
    PayerProfile(
        _payer("LAKESIDE INDEMNITY", "LKI90", "CHICAGO", "IL", "60601"),
        "15",
        0.12,
        {
            "non_covered": 3,
            "medical_necessity": 2,
            "documentation": 2,
            "coordination_of_benefits": 2,
            "timely_filing": 1,
        },
        35,
        0.70,
        0.20,
        4,
        90,
        0.04,
        interest=True,
    ),
    PayerProfile(
        _payer("STATE WORKERS COMP FUND", "WCF01", "HARRISBURG", "PA", "17101"),
        "WC",
        0.18,
        {"documentation": 4, "authorization": 3, "non_covered": 2, "site_of_care": 1},
        42,
        0.50,
        0.0,
        1,
        180,
        0.03,
        interest=True,
    ),
    PayerProfile(
        _payer("CAPITAL HEALTH PPO", "CHP22", "ALBANY", "NY", "12207"),
        "12",
        0.05,
        {"bundling": 2, "coding": 2, "authorization": 1, "eligibility": 1, "site_of_care": 1},
        16,
        0.63,
        0.15,
        0,
        90,
        0.05,
        copay_cents=2000,
    ),
)

# Denial category -> (group, CARC, RARCs) choices; CO-16 always carries the RARC that explains it.
REASONS: dict[str, list[tuple[str, str, tuple[str, ...]]]] = {
    "eligibility": [("CO", "27", ()), ("CO", "26", ()), ("CO", "31", ()), ("CO", "200", ())],
    "authorization": [("CO", "197", ("M62",)), ("CO", "198", ("N54",)), ("CO", "284", ("N54",))],
    "medical_necessity": [("CO", "50", ("N115",)), ("CO", "167", ("N386",)), ("CO", "55", ()), ("CO", "150", ())],
    "documentation": [("CO", "16", ("M127",)), ("CO", "16", ("N290",)), ("CO", "252", ()), ("CO", "226", ())],
    "coding": [("CO", "4", ("N519",)), ("CO", "181", ("N56",)), ("CO", "189", ("N657",))],
    "bundling": [("CO", "97", ("M15",)), ("CO", "234", ("N20",)), ("CO", "236", ("N20",))],
    "site_of_care": [("CO", "58", ("N428",)), ("CO", "5", ())],
    "network": [("CO", "242", ()), ("CO", "170", ("N95",)), ("CO", "185", ())],
    "non_covered": [("CO", "96", ("N130",)), ("CO", "204", ()), ("CO", "119", ())],
    "duplicate": [("OA", "18", ()), ("CO", "B13", ())],
    "timely_filing": [("CO", "29", ())],
    "coordination_of_benefits": [("CO", "22", ("MA04",)), ("CO", "109", ("N418",))],
}
# Categories that concern the whole claim: all its lines are denied together.
CLAIM_WIDE = ("eligibility", "coordination_of_benefits", "timely_filing")
PRIOR_AUTH_PAYER = 2  # SUMMIT MEDICARE ADVANTAGE starts requiring prior authorisation in month 10
# BLUE RIDGE PPO's site-of-care program, an edit on the claims it processes from month 23 (the demo's last
# complete month): infliximab infused in a hospital outpatient department (POS 19 and 22, TOB 13x: CLP08 19,
# 22 and 13) is denied CO-58 + N428, save where an exception was granted
SITE_OF_CARE_PAYER = 3
SITE_OF_CARE_START = 23
SITE_OF_CARE_CODE = "J1745"
SITE_OF_CARE_SITES = ("19", "22", "13")
SITE_OF_CARE_DENIED = 0.75  # of those lines: the others had an exception on file
# Share of denials of each category that money comes back for, and the paths it takes (duplicate claims
# are not reworked).
RECOVERY_RATE = {
    "eligibility": 0.55,
    "authorization": 0.50,
    "medical_necessity": 0.35,
    "documentation": 0.60,
    "coding": 0.70,
    "bundling": 0.30,
    "site_of_care": 0.20,
    "network": 0.25,
    "non_covered": 0.10,
    "timely_filing": 0.10,
    "coordination_of_benefits": 0.50,
}
UPHELD_RATE = 0.15  # of the denials that are appealed and not recovered
# How close a payer's realised denial rate and category shares must come to the configured ones: this
# many standard deviations of a binomial share, widened by CLUSTER because whole-claim denials deny
# all of a claim's lines (about 2.5) together.
TOLERANCE_SIGMAS = 4
CLUSTER = 2.5


@dataclass(frozen=True)
class Procedure:
    code: str
    kind: str  # 'visit', 'admin' or 'drug'
    unit_cents: int  # charge per billing unit
    units: tuple  # (low, high) units given
    vial_units: int = 0  # units in one single-dose container (0: not a single-dose drug)
    revenue_code: str = "0510"


VISITS = (
    Procedure("99213", "visit", 15000, (1, 1), revenue_code="0510"),
    Procedure("99214", "visit", 22000, (1, 1), revenue_code="0510"),
    Procedure("99215", "visit", 30000, (1, 1), revenue_code="0510"),
    Procedure("99204", "visit", 28000, (1, 1), revenue_code="0510"),
)
ADMIN = (
    Procedure("96365", "admin", 32000, (1, 1), revenue_code="0260"),
    Procedure("96366", "admin", 9000, (1, 3), revenue_code="0260"),
    Procedure("96372", "admin", 6000, (1, 1), revenue_code="0260"),
    Procedure("96413", "admin", 52000, (1, 1), revenue_code="0335"),
)
DRUGS = (
    Procedure("J1745", "drug", 9500, (30, 80), 10, "0636"),  # infliximab, 10 mg; 100 mg vials
    Procedure("J2506", "drug", 52000, (12, 12), 12, "0636"),  # pegfilgrastim, 0.5 mg; 6 mg syringe
    Procedure("J0897", "drug", 2400, (60, 120), 60, "0636"),  # denosumab, 1 mg; 60/120 mg vials
    Procedure("J1322", "drug", 18000, (40, 140), 5, "0636"),  # elosulfase alfa, 1 mg; 5 mg vials
    Procedure("J1428", "drug", 160000, (90, 240), 10, "0636"),  # eteplirsen, 10 mg; 100 mg vials
    Procedure("J3399", "drug", 230000000, (1, 1), 1, "0636"),
)  # onasemnogene, per treatment
DRUG_WEIGHTS = (40, 25, 20, 8, 6, 0.05)
# Sites of care: (CLP08, frequency, institutional?, weight)
SITES = (
    ("11", "1", False, 45),
    ("12", "1", False, 5),
    ("19", "1", False, 15),
    ("22", "1", False, 15),
    ("13", "1", True, 20),
)
# The 837s: one invented, plausible-looking 11-digit NDC per drug code (LIN*N4), and ICD-10-CM codes
# (without the dot) for each kind of visit: the principal one, then maybe a second.
NDC = {
    "J1745": "63459073010",
    "J2506": "55513019001",
    "J0897": "55513073001",
    "J1322": "68135010001",
    "J1428": "60923028410",
    "J3399": "71894012001",
}
DIAGNOSES = {
    "visit": ("I10", "E119", "E785", "J069", "M5450", "R5383"),
    "J1745": ("K5090", "K5190", "M069", "M0579"),  # Crohn's disease, ulcerative colitis, rheumatoid arthritis
    "J2506": ("C50911", "C3490", "C189", "C20"),  # cancers under chemotherapy
    "J0897": ("M810", "C7951"),  # osteoporosis, bone metastases
    "J1322": ("E76210",),  # Morquio A syndrome
    "J1428": ("G7101",),  # Duchenne muscular dystrophy
    "J3399": ("G120",),  # infantile spinal muscular atrophy
}
SECONDARY = ("I10", "E119", "E785", "Z79899")
LOST_RATE = 0.005  # claims the payer never answers: sent, never adjudicated
OTHER_AUTH_RATE = 0.10  # drug claims other payers are sent with a prior authorisation number
FIRST = (
    "JAMES",
    "MARY",
    "ROBERT",
    "PATRICIA",
    "JOHN",
    "JENNIFER",
    "MICHAEL",
    "LINDA",
    "DAVID",
    "ELIZABETH",
    "WILLIAM",
    "BARBARA",
    "RICHARD",
    "SUSAN",
    "JOSEPH",
    "JESSICA",
    "THOMAS",
    "SARAH",
    "CARLOS",
    "MARIA",
)
LAST = (
    "SMITH",
    "JOHNSON",
    "WILLIAMS",
    "BROWN",
    "JONES",
    "GARCIA",
    "MILLER",
    "DAVIS",
    "RODRIGUEZ",
    "MARTINEZ",
    "HERNANDEZ",
    "LOPEZ",
    "GONZALEZ",
    "WILSON",
    "ANDERSON",
    "THOMAS",
    "TAYLOR",
    "MOORE",
    "JACKSON",
    "MARTIN",
)
