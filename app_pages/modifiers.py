"""Modifiers: which modifiers and combinations get denied; JW/JZ compliance on single-dose drugs and the
missing-modifier denials month by month."""

import streamlit as st

from analytics import ui

filters = st.session_state["filters"]
st.title("Modifiers")

modifiers = ui.frame("by_modifier", filters)
if ui.empty(modifiers, "service line"):
    st.stop()
single = modifiers[modifiers["grouping"] == "modifier"]
st.subheader("Denial rate by modifier")
ui.rate_bars(
    single.head(20),
    "modifiers",
    "lines",
    label="modifier",
    key="chart_modifiers",
    on_select=lambda modifier: ui.drill(filters, modifiers=(modifier,)) if modifier != "(none)" else None,
)
st.caption(
    "Denied lines ÷ adjudicated lines carrying each modifier (a line with two modifiers counts for both); "
    "(none): lines without a modifier. Expected denials (GA, GY, GZ: the provider knew the payer would not pay) "
    "are not counted as denied; a bar names how many it has. Click a bar to open its denied lines."
)
ui.table(modifiers, "denials_by_modifier", "By single modifier and by combination (sorted, joined with +).")

st.subheader("Modifier trend by month")
# one query for the JW/JZ figures per code and per month
waste = ui.frame("waste_modifier_compliance", filters)
trend = waste[waste["grouping"] == "month"].rename(columns={"claims": "drug_claims"})
per_code = waste[waste["grouping"] == "code"][
    ["procedure_code", "claims", "with_neither", "share_with_neither", "with_both_on_a_line", "discarded_share"]
]
left, right = st.columns(2)
with left:
    if trend["drug_claims"].sum():
        ui.rate_trend(
            trend[trend["drug_claims"] > 0],
            "JW/JZ compliance on single-dose drugs (J codes): drug claims whose drug carries JW (a line for the "
            "discarded amount) or JZ (nothing discarded) ÷ drug claims, per month. Medicare returns a drug "
            "without either as unprocessable (CO-16 + N822).",
            label="JW/JZ compliance",
            column="jw_jz_compliance",
        )
    else:
        st.caption("No single-dose drug (J code) under these filters.")
with right:
    ui.month_bars(trend, "missing_modifier_denials", "missing-modifier denials", money_axis=False)
    st.caption(
        "Denials for a missing or invalid modifier (CO-16 or CO-4 with remark N822 missing, N823 invalid or N519 "
        "invalid combination) per month. Those on a drug sent without JW or JZ count under the modifier they "
        "lacked: the sidebar's modifier filter 'JW/JZ missing' selects them."
    )
ui.not_final_note(trend)

st.subheader("JW / JZ on single-dose drugs")
ui.table(
    per_code,
    "jw_jz_compliance",
    "Per drug code (J codes), claims where the drug has neither JW (a line for the discarded amount) nor JZ "
    "(nothing discarded): Medicare returns these as unprocessable (CO-16 + N822). Both on one line is never "
    "valid. Discarded share: JW units ÷ all units billed for the code.",
)

st.subheader("Denials that point at a modifier")
ui.table(
    ui.frame("modifier_denials", filters),
    "modifier_denials",
    "Denials with a modifier reason (CARC 4, 182, 236) or remark (N822 missing, N823 wrong, N519 invalid "
    "combination), or refined to a modifier problem by the rule set.",
)
