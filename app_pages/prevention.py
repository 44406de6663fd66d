"""Prevention: billed claims a rule says a payer is likely to deny, caught before the payer answers, and
how well each rule has foreseen denials so far."""

import streamlit as st

from analytics import ui

filters = st.session_state["filters"]
st.title("Prevention")
st.caption(
    "Checks run on the claims you billed (837 files), with the rules in data/prevention_rules.csv (replace them "
    "with `python -m analytics reference load prevention-rules FILE`). The sidebar's payer, code and site "
    "filters and dates (of service) apply."
)

precision = ui.frame("prevention/rule_precision", filters)
flagged = ui.frame("prevention/flagged_claims", filters)
if not precision["flagged_lines"].sum():
    billed = ui.options()["billed_lines"]
    st.info(
        f"None of the {billed:,} billed lines loaded is flagged by the rules under these filters."
        if billed
        else "No billed claims yet: load 837 claim files on the Data page (or with `python -m analytics load`) "
        "to check them."
    )
    st.stop()

tiles = st.columns(3)
tiles[0].metric(
    "Flagged lines",
    f"{int(precision['flagged_lines'].sum()):,}",
    help="Billed lines at least one rule flags (a line flagged by two rules counts twice).",
)
answered = precision["answered_lines"].sum()
tiles[1].metric(
    "Answered by the payer",
    f"{int(answered):,}",
    help="Flagged lines a remittance has answered (matched line, first adjudication).",
)
tiles[2].metric(
    "Denied as foreseen",
    ui.percent(precision["denied_as_foreseen"].sum() / answered if answered else None),
    help="Of the answered flagged lines, the share denied in the rule's category (overall precision).",
)

st.subheader("Rules and their precision")
ui.rule_answer_bars(precision)
st.caption(
    "For each rule, how payers answered the lines it flagged: red, denied in the rule's category (its precision); "
    "orange, denied for another reason; green, not denied. Rules no payer has answered yet are left out of the chart."
)
ui.table(
    precision,
    "prevention_rules",
    "Flagged: billed lines the rule flags. Answered: of those, lines a payer has answered. Denied as foreseen: "
    "denied in the rule's category on the first answer. Precision: denied as foreseen ÷ answered. A rule with "
    "low precision flags lines payers pay anyway: review it.",
    precision=st.column_config.NumberColumn(
        "precision", format="percent", help="Denied as foreseen ÷ answered flagged lines."
    ),
)

st.subheader("Flagged claims")
listed = ui.shown_of(len(flagged), precision["flagged_lines"].sum())  # the tile's: a row per line and rule, as here
ui.table(
    flagged,
    "flagged_claims",
    f"Each billed line a rule flags, newest first ({listed}), with the claim's status so far: fix the ones still "
    "billed before the payer answers.",
)
