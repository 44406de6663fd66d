"""Worklist: the open denials worth working first, and what to do with each."""

import streamlit as st

from analytics import data, ui

filters = st.session_state["filters"]
st.title("Worklist")

# The first rows, sorted in SQL, and the totals over them all: the whole list (137,000 rows at 10M lines) is
# fetched only for the CSV download.
worklist = ui.frame("recovery/worklist_page", filters)
as_of = data.record("recovery/data_date")["data_date"]
totals = ui.frame("recovery/worklist_totals", filters).iloc[0]
# the lists count days from the latest payment loaded: unless remittances are loaded as they come, a deadline
# shown as days away may have passed (the demo's history ends on a fixed date: not a sign of stale files)
if as_of and not data.is_demo() and totals["data_age_days"] > totals["stale_data_days"]:
    lapsed = int(totals["lapsed_since"])
    st.warning(
        f"The latest payment loaded is from {as_of:%d %B %Y}, {int(totals['data_age_days'])} days ago: the lists "
        "below are as of that date, and their days left count from it."
        + (
            f" {lapsed:,} open denial{'s' if lapsed != 1 else ''} ({ui.money(totals['lapsed_since_amount'])}) "
            "reached the deadline since then: lapsed, unless paid on remittances not loaded yet."
            if lapsed
            else ""
        )
        + " Load your newer 835 files on the Data page to bring the lists up to date."
    )
if worklist.empty:  # the claims with no answer below still show
    st.info(
        "No open denial under these filters"
        + (f" as of {as_of:%d %B %Y}, the latest payment loaded" if as_of else "")
        + ": each one came back, was settled, is not pursued or is past its deadline (the Monthly "
        "review counts them)."
    )
else:
    open_denials = int(totals["open_denials"])
    st.caption(
        f"Open denials as of {as_of:%d %B %Y}, the latest payment loaded: initial denials and denials on "
        "readjudication (denial kind). Urgent ones (14 days or fewer to the deadline) first, soonest deadline "
        "first; then by expected recoverable $. Not listed: denials billed to the patient (group PR), expected "
        "denials (lines billed with GA, GY or GZ) and duplicate claims."
    )
    tiles = st.columns(4)
    tiles[0].metric(
        "Open denials",
        f"{open_denials:,}",
        help="Denials still pursued with nothing back yet and the deadline not passed.",
    )
    tiles[1].metric(
        "Open denied $",
        ui.money(totals["denied_amount"]),
        help="Denied $ of the open denials: the Monthly review's open inventory as of the data date.",
    )
    tiles[2].metric(
        "Expected recoverable $",
        ui.money(totals["expected_recoverable"]),
        help="Σ denied $ × the historical recovery rate of the denial's payer and category.",
    )
    tiles[3].metric(
        "Urgent",
        f"{int(totals['urgent']):,}",
        help="Open denials with 14 days or fewer before the deadline.",
    )
    ui.table(
        worklist,
        "worklist",
        "Expected recoverable $: denied $ × recovery rate, the share of denied $ that came back on settled denials "
        "(recovered, upheld or presumed lost) of the same payer and category once there are 20 of them, else of the "
        "category, else of all denials (rate basis). Deadline: for a denial won back by appeal, the denial date + the "
        "payer's appeal window (data/appeal_windows.csv); for one fixed by a corrected claim (eligibility, coding, "
        "bundling, coordination of benefits), the date of service + the payer's timely-filing limit "
        "(data/timely_filing.csv). Next action: the usual path for the category."
        + (
            f" Showing {ui.shown_of(len(worklist), open_denials, 'first')}; the CSV download has them all."
            if len(worklist) < open_denials
            else ""
        ),
        download=lambda: data.dashboard("recovery/worklist", filters),
        recovery_rate=st.column_config.NumberColumn(
            "recovery rate", format="percent", help="Historical recovered $ ÷ denied $ (see rate basis)."
        ),
        expected_recoverable=st.column_config.NumberColumn(
            "expected $", format="dollar", help="Denied $ × recovery rate."
        ),
        days_left=st.column_config.NumberColumn("days left", help="Days from the data date to the deadline."),
        expected_reimbursement=st.column_config.NumberColumn(
            "expected reimbursement $",
            format="dollar",
            help="What the payer would have paid for the denied service: denied $ × its paid-to-charge ratio for the "
            "code.",
        ),
    )

unanswered = ui.frame("unanswered_claims", filters)
if not unanswered.empty:
    statuses = ui.frame("claim_status_counts", filters).set_index("status")
    no_answer_days = statuses["no_answer_days"].max()
    in_time = int(statuses.loc["no answer", "within_filing_deadline"])
    st.subheader("Claims with no answer")
    ui.table(
        unanswered,
        "unanswered_claims",
        f"Billed claims (837) with no remittance after {no_answer_days:.0f} days (setting no_answer_days); "
        f"{in_time:,} of {len(unanswered):,} still within their filing deadline: the first date of service + the "
        "payer's timely-filing limit (data/timely_filing.csv). Those come first, the soonest deadline first: call the "
        "payer or resubmit before it passes. Then those past it, the most recently passed first: a resubmission then "
        "needs proof of timely filing (the clearinghouse's acceptance report)." + ui.uncategorised_note(filters),
        charge_amount=st.column_config.NumberColumn("charge $", format="dollar"),
    )
