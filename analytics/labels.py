"""Labels for people, one registry for every table the dashboard shows and every export it writes: the
column's label, its kind (money: $ with thousands; rate: %; points: a rate's change in percentage points;
count; days: with thousands; probability: a p or q value; date; datetime; month; text; hidden) and its
definition, keyed by the column name the SQL gives. Downloads keep the column names; text from the files is
neutralised where a spreadsheet would read it as a formula.

About 440 lines, past the ~400 the house keeps to: some 300 of them are the registry itself (`COLUMNS`, a
column's label and definition each), which stays one table so that a column reads alike on every page and
export; split by page, the same column would be defined twice."""

from __future__ import annotations

from datetime import date

import pandas as pd

# the kinds whose values are numbers (right-aligned in the exported tables)
NUMBER_KINDS = frozenset({"money", "rate", "points", "count", "days", "probability"})

# a breakdown's member ('value', or its label 'name'), beside the column "by" that says its kind
_MEMBER = ("name", "text", "The payer, category, code, modifier or site the row is for (its kind under by).")

# The Denied $ tile of the pages that count lines (Codes, Site of care)
LINE_DENIED_DOLLARS = (
    "Denial-class adjustments (CAS) on these lines; duplicate-claim and expected (GA/GY/GZ) denials are counted apart."
)

COLUMNS = {
    # rates
    "denial_rate": (
        "denial rate",
        "rate",
        "Denied units ÷ adjudicated units (service lines, or claims without lines); "
        "duplicate-claim and expected GA/GY/GZ denials not counted.",
    ),
    "dollar_denial_rate": (
        "denial rate by $",
        "rate",
        "HFMA initial denial rate by dollars: charges of the initial "
        "claims denied (in full or in part) ÷ charges of the initial claims.",
    ),
    "line_denial_rate": (
        "line denial rate",
        "rate",
        "Denied lines ÷ adjudicated lines (initial adjudications; "
        "duplicate-claim and expected GA/GY/GZ denials not counted).",
    ),
    "share_of_denied": ("share of denied $", "rate", "This row's denied dollars ÷ all denied dollars shown."),
    "recovery_rate": ("recovery rate", "rate", "Recovered $ ÷ denied $."),
    "share_with_neither": ("share with neither", "rate", "Drug claims with neither JW nor JZ ÷ drug claims."),
    "discarded_share": ("discarded share", "rate", "Units billed with JW (discarded) ÷ all units billed for the code."),
    "jw_jz_compliance": ("JW/JZ compliance", "rate", "Drug claims with JW or JZ on the drug ÷ drug claims."),
    "precision": ("precision", "rate", "Denied as foreseen ÷ answered flagged lines."),
    # money
    "denied_amount": (
        "denied $",
        "money",
        "Sum of the denial-class adjustment amounts (CAS): what the payer refused to pay.",
    ),
    "paid_amount": ("paid $", "money", "What the payer paid."),
    "net_paid_amount": (
        "paid $, net",
        "money",
        "What the payer paid, its payments on reprocessing included, less what its reversals (CLP02 22) took back "
        "of earlier payments: below $0 when it took back more than it paid.",
    ),
    "charge_amount": ("charge $", "money", "What was billed."),
    "patient_responsibility": (
        "patient owes $",
        "money",
        "What the payer says the patient owes (deductible, co-insurance, co-payment).",
    ),
    "open_amount": ("open $", "money", "Denied $ with nothing back yet and the window open."),
    "recovered_amount": (
        "recovered $",
        "money",
        "What later adjudications paid on the denied lines or claims, net of reversals and recoupments.",
    ),
    "expected_reimbursement": (
        "expected reimbursement $",
        "money",
        "What the payer would have paid for the denied "
        "lines: denied $ × the payer's paid-to-charge ratio for the code (else the payer's, "
        "else everyone's).",
    ),
    "expected_recoverable": ("expected $", "money", "Denied $ × recovery rate."),
    "this_month": ("this month $", "money", "Denied $ in the chosen month."),
    "previous_month": ("month before $", "money", "Denied $ in the month before."),
    "average_12_months": (
        "12-month average $",
        "money",
        "Average monthly denied $ over the 12 months before (over the months loaded, when the history is shorter).",
    ),
    "change": ("change $", "money", "This month's denied $ − the month before's."),
    "change_from_previous": ("change vs month before $", "money", "This month's denied $ − the month before's."),
    "change_from_average": ("change vs average $", "money", "This month's denied $ − the 12-month average."),
    # counts
    "denials": (
        "denials",
        "count",
        "Denied units: service lines, or claims without lines, with a denial-class adjustment.",
    ),
    # a "unit" of the SQL is a line, or a claim answered without lines: "units" on a page read as drug units
    "units": ("lines", "count", "Service lines adjudicated; a claim adjudicated without lines counts as one."),
    "lines": ("lines", "count", "Adjudicated service lines."),
    "denied_lines": ("denied lines", "count", "Service lines with a denial-class adjustment."),
    "expected_denied_lines": (
        "expected denials",
        "count",
        "Lines billed with modifier GA, GY or GZ that the payer denied: the provider knew the payer would not "
        "pay (a signed ABN, a statutory exclusion). Neither a payer error nor a provider error to fix, so "
        "counted apart, not in the denial rate.",
    ),
    "claims": (
        "claims",
        "count",
        "Claims (CLP) counted in the row: in the denial tables, initial adjudications (not reversals nor later "
        "adjudications; the caption says which); on the Data page, every claim the remittances hold.",
    ),
    "denied_claims": ("denied claims", "count", "Initial claims denied in full or in part."),
    "units_billed": (
        "units billed",
        "count",
        "Units on the claim as billed (the payer repeats them when it cut them).",
    ),
    "units_paid": (
        "units paid",
        "count",
        "Units the payer paid (SVC05, one when it left them out); none on a line denied in full, though its "
        "answer mostly repeats the units billed.",
    ),
    "with_neither": (
        "claims with neither JW nor JZ",
        "count",
        "Drug claims whose drug carries neither JW (a line for the discarded amount) nor JZ (nothing discarded).",
    ),
    "with_both_on_a_line": (
        "claims with both on a line",
        "count",
        "Drug claims with JW and JZ on one line (never valid).",
    ),
    "denials_recovered": ("denials recovered", "count", "Denials with money back, by recovery date."),
    "billed_lines": ("lines billed", "count", "Lines billed in your claims (837)."),
    "answered_lines": ("lines answered", "count", "Billed lines a payer has answered."),
    "flagged_lines": ("lines flagged", "count", "Billed lines the rule flags."),
    "denied_as_foreseen": ("denied as foreseen", "count", "Answered flagged lines denied in the rule's category."),
    "denied_otherwise": ("denied otherwise", "count", "Answered flagged lines denied in another category."),
    "not_denied": ("not denied", "count", "Answered flagged lines the payer did not deny."),
    "within_filing_deadline": (
        "within filing deadline",
        "count",
        "Claims whose filing deadline (first date of service + the payer's timely-filing limit) has not passed.",
    ),
    # days
    "median_days_to_pay": (
        "days to pay",
        "days",
        "Median days from the payer's receipt of the claim (DTM*050) to payment; a receipt dated after the payment "
        "is a wrong date and left out.",
    ),
    "days_left": (
        "days left",
        "days",
        "Days to the deadline from the date the list is judged on: the data date (latest payment loaded) on the "
        "Worklist, the month's last day in the Monthly review.",
    ),
    "days_left_to_file": (
        "days left to file",
        "days",
        "Days from the data date (latest payment loaded) to the filing deadline; negative once it has passed.",
    ),
    "days_since_sent": ("days since sent", "days", "Days from the date the claim was sent to the data date."),
    "days_to_recovery": ("days to recovery", "days", "Days from the denial to the payment that recovered it."),
    # dates
    "payment_date": ("paid on", "date", "The date of the payment (the remittance's payment date)."),
    "service_date": ("date of service", "date", "The line's date of service."),
    "submitted_date": ("sent on", "date", "The date the claim file was created."),
    "sent_date": (
        "sent on",
        "date",
        "The day the claim counts as sent: its file's date, or its last date of service when the file is dated "
        "before it.",
    ),
    "service_date_from": ("date of service", "date", "The claim's first date of service."),
    "denial_date": ("denied on", "date", "The payment date of the denial."),
    "recovery_date": ("recovered on", "date", "The date the money came back."),
    "appeal_deadline": ("appeal deadline", "date", "Denial date + the payer's appeal window."),
    "deadline": ("deadline", "date", "The appeal or timely-filing deadline that applies."),
    "filing_deadline": (
        "filing deadline",
        "date",
        "The claim's first date of service + the payer's timely-filing limit (data/timely_filing.csv).",
    ),
    "month": ("month", "month", "The month."),
    "denial_month": ("denial month", "month", "The month of the denial."),
    # text
    "payer_name": ("payer", "text", "The payer named in the remittance."),
    "top_category": ("top category", "text", "The denial category with the most denied dollars."),
    "top_category_label": ("top category", "text", "The denial category with the most denied dollars."),
    "procedure_code": ("code", "text", "The procedure or drug code adjudicated."),
    "category_label": ("category", "text", "The denial category (the primary reason's, refined by its remark codes)."),
    "category": ("category", "text", "The denial category (the primary reason's, refined by its remark codes)."),
    "label": ("category", "text", "The denial category."),
    "usual_path": ("usual way back", "text", "The usual way to get the money back for this category."),
    "reason": ("reason", "text", "The primary reason: adjustment group and CARC (e.g. CO-197)."),
    "description": ("what it means", "text", "The reason code's description."),
    "reason_description": ("what the reason means", "text", "The CARC's description."),
    "remark": (
        "remark",
        "text",
        "The remark code (RARC) of the row: by reason, the one that set the category, else the first sent with "
        "the reason; in a change finding, the remark the slice is for.",
    ),
    "remark_description": ("what the remark means", "text", "The RARC's description."),
    "remarks": ("remarks", "text", "Remark codes (RARC) sent with the denial."),
    "modifiers": ("modifiers", "text", "Modifiers on the line (a combination joined with +)."),
    "site": ("site of care", "text", "Place of service (professional claims) or type of bill (institutional claims)."),
    "site_label": (
        "site of care",
        "text",
        "Place of service (professional claims) or type of bill (institutional claims).",
    ),
    # the member of a breakdown beside its "by" (payer beside MEDICARE): named, so no column is without a header
    "value": _MEMBER,
    "name": _MEMBER,
    "part": ("part", "text", "The off-campus lines: with PN, with PO, at POS 19 without either, and in total."),
    "claim_id": ("claim id", "text", "The claim id you billed under (the patient control number)."),
    "denial_type": ("denied", "text", "full: nothing paid; partial: part of the line denied."),
    "counted_as": (
        "counted as",
        "text",
        "denial: counts in denial rates and denied $; expected: a line billed with GA, GY or GZ, which the "
        "provider knew the payer would not pay; duplicate: a duplicate claim (CARC 18, B13). Only denials count "
        "in the other pages' figures.",
    ),
    "patient_liable": ("patient liable", "text", "Group PR: billed to the patient."),
    "file_name": ("file", "text", "The file it came from."),
    "loaded_at": ("loaded at", "datetime", "When the file was loaded (this machine's clock)."),
    "holds": ("holds", "text", "What the file holds: 835 remittances, 837 billed claims, or a CSV export of either."),
    "kind": (
        "denial kind",
        "text",
        "initial: on the payer's first adjudication of the claim; on readjudication: on a "
        "later one (a paid claim denied on reprocessing, a corrected claim denied).",
    ),
    "deadline_basis": (
        "deadline from",
        "text",
        "appeal window: from the denial; timely filing: from the date of "
        "service, for a denial fixed by a corrected claim.",
    ),
    "payments": ("payments", "count", "835 transaction sets: one payment, or one notice that nothing is paid."),
    "files": ("files", "count", "Files holding a payment of the month."),
    "payers": ("payers", "count", "Payers with a payment in the month."),
    "gap": ("no payment", "text", "No payment at all was loaded for this month."),
    "payers_missing": (
        "payers missing",
        "text",
        "Payers paid in the month before and in the month after, but not in this one, and in most months "
        "otherwise: check that their files for the month were loaded.",
    ),
    "billed_claims": ("billed claims", "count", "Claims you billed (837, or a CSV claims export)."),
    "diagnostics": (
        "diagnostics",
        "count",
        "Problems found while loading: balance breaks, envelope counts, unreadable values.",
    ),
    "size_bytes": ("size (bytes)", "count", "The file's size."),
    "skipped_sets": ("skipped", "text", "Transaction sets in the file read as neither 835 nor 837 (e.g. 278 x6)."),
    "rule_id": ("rule", "text", "The prevention rule's id (data/prevention_rules.csv)."),
    "rule_description": ("what the rule checks", "text", "The rule's description in the rule set."),
    "finding": ("finding", "text", "What was found."),
    "listed_under": (
        "listed under",
        "text",
        "The finding this one is named under: found on the same claims, or a part of its change (mostly the "
        "same denials, for its leading reason).",
    ),
    "claim_denial_rate": ("claim denial rate", "rate", "Initial claims denied ÷ initial claims (HFMA)."),
    "rate_ci_low": (
        "95% CI from",
        "rate",
        "The low end of the claim denial rate's 95% confidence interval "
        "(Wilson, widened when the slice's months vary more than chance).",
    ),
    "rate_ci_high": ("95% CI to", "rate", "The high end of the claim denial rate's 95% confidence interval."),
    "baseline_claim_denial_rate": ("over the 12 months before", "rate", "The same rate over the baseline months."),
    "effect_amount": (
        "effect $",
        "money",
        "Excess denied claims against the baseline rate × the period's denied $ per denied claim.",
    ),
    "q_value": ("q", "probability", "Benjamini-Hochberg q: the false-discovery rate at which this slice is a finding."),
    "change_ci_low": (
        "change, 95% CI from (points)",
        "points",
        "The low end of the 95% confidence interval of the rate's change against the baseline, in percentage "
        "points (Newcombe, widened when the months vary more than chance).",
    ),
    "change_ci_high": ("change, 95% CI to (points)", "points", "The high end of that interval, in percentage points."),
    "p_value": ("p", "probability", "The chance of a change at least this large were the rate unchanged."),
    "claim_status": ("claim status", "text", "What the payer answered so far."),
    "dimension": ("by", "text", None),
    "grouping": ("by", "text", None),
    # hidden: keys for the Claims page and flags the charts read
    "key": ("", "hidden", None),
    "complete": ("", "hidden", None),
    "answering": ("", "hidden", None),
    "answer_days": ("", "hidden", None),
    "bucket": ("", "hidden", None),  # the order of the ageing buckets: their label (age) is shown
    "sparkline": ("", "hidden", None),  # a finding's monthly rates (findings.sparkline), drawn by the HTML review
    "category_denied_amount": ("", "hidden", None),  # a category's denied $, in its box on the Reasons treemap
    # shares of a rule's answered lines, drawn beside its precision by the Prevention chart (counts in the table)
    "denied_otherwise_share": ("", "hidden", None),
    "not_denied_share": ("", "hidden", None),
}
# a column hidden when the table also has its label
HIDDEN_BESIDE = {
    "category": ("category_label", "label"),
    "site": ("site_label",),
    "value": ("name",),
    "top_category": ("top_category_label",),
}

# Column widths in pixels, per table (ui.table's name), where sizing to the content pushed a column that
# matters past a 1,600 px screen: the table is 1,138 px wide beside the sidebar there. The longest values on
# the demo fit. The Worklist's columns up to its next action (the columns after it explain the row).
TABLE_WIDTHS = {
    "worklist": {
        "priority": 58,
        "payer_name": 195,
        "claim_id": 84,
        "procedure_code": 50,
        "category": 225,
        "reason": 56,
        "denied_amount": 80,
        "expected_recoverable": 78,
        "days_left": 62,
        "next_action": 248,
    },
    # the Claims page's denied lines, sized whichever rows are in view: a claim id of 16 characters
    # ("99999999-9999999", the corpus's) and the longest category ("Prior authorization and referral") whole
    "denied_lines": {"claim_id": 130, "category": 225},
    # Prevention's rules: the demo's longest rule id and category whole whichever rules are loaded, so that what
    # each rule checks (reference.PREVENTION_CHECKS, up to 30 characters) shows whole after the counts
    "prevention_rules": {"rule_id": 140, "category": 200},
}
# Columns as wide as their longest value (ui.tables.fitted_width), unless TABLE_WIDTHS sizes them: Streamlit sizes
# a column to the rows it draws first, so a longer payer further down a list was cut ("SUMMIT MEDICARE ADVANT").
FITTED = ("payer_name",)
# What a row of a list is, kept in view at its left edge when a wide list scrolls sideways (pinned): the claim
# a row is about, the rule a row describes. Past a 1,600 px screen the Claims page's denied lines, the
# Worklist's and the Monthly review's lists showed the site of care, remarks or next deadline with no claim id.
PINNED = ("claim_id", "rule_id")
# Tables whose explanations wrap in rows of three lines (ui.tables.WRAPPED_ROW) at these widths: the Reasons
# table's what the reason and the remark mean and the usual way back are what it is read for, and on one line
# each the remark's ran past the edge of a 1,600 px screen.
WRAPPED_TABLES = {
    "reasons": {"category": 170, "reason_description": 245, "remark_description": 245, "usual_path": 175},
}


def shown_of(shown: int, total: int, first: str = "newest") -> str:
    """How much of a list a table shows, for its caption: 'all 1,030', or 'the newest 1,000 of 6,388' when
    it holds only the first rows (a list of 1,000 read as all there is)."""
    return f"all {int(total):,}" if shown >= total else f"the {first} {shown:,} of {int(total):,}"


def describe(column: str) -> tuple[str, str | None, str | None]:
    """(label, kind, definition) of a column; a column the registry does not know is read by its name:
    *_amount money, *_rate rate, *_date a date, *month a month, else its name without underscores."""
    if column in COLUMNS:
        return COLUMNS[column]
    name = str(column)
    kind = (
        "money"
        if name.endswith("amount")
        else "rate"
        if "rate" in name.split("_")
        else "date"
        if name.endswith("date")
        else "month"
        if name.endswith("month")
        else None
    )
    return name.replace("_", " "), kind, None


def formatted(column: str, value, kind: str | None = None) -> str:
    """A value as the dashboard shows it, for the exported HTML: $1,234, 12.3%, 1,234, 2026-10-01, Oct 2026
    (kind: the column's own unless given)."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return "–"
    kind = kind or describe(column)[1]
    if isinstance(value, (pd.Timestamp, date)):
        return f"{value:%b %Y}" if kind == "month" else f"{value:%Y-%m-%d}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)) or hasattr(value, "is_integer"):
        number = float(value)
        if kind == "money":
            return f"-${-number:,.0f}" if number < 0 else f"${number:,.0f}"
        if kind == "rate":
            return f"{number:.1%}"
        if kind == "points":
            return f"{number:+.1f}"
        if kind == "probability":
            return "< 0.001" if number < 0.001 else f"{number:.3f}"
        if number.is_integer():
            return f"{int(number):,}"
        return f"{number:,.2f}"
    return str(value)


# OWASP "CSV injection": a cell a spreadsheet would read as a formula starts with one of these
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralised(value):
    """Text that a spreadsheet would run as a formula (=HYPERLINK(...), +1, -2+3, @SUM) made plain text by
    a leading apostrophe, as OWASP recommends; numbers and other text unchanged."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def safe_for_spreadsheets(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a frame whose text columns cannot run as formulas in Excel or LibreOffice (numbers stay numbers)."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralised)
    return out
