"""Claims: find denied lines, and follow one claim through every remittance that touched it."""

import re

import streamlit as st

from analytics import data, privacy, ui

filters = st.session_state["filters"]
st.title("Claims")

search = st.text_input("Claim id contains", help="The patient control number (CLP01) the claim was billed under.")
denied = ui.frame("denied_lines", filters, search=search.strip())
if ui.empty(denied, "denied line"):
    st.stop()
found = ui.frame("denied_line_counts", filters, search=search.strip()).iloc[0]
listed = ui.shown_of(len(denied), found["lines"])
if len(denied) < found["lines"]:
    listed += " (narrow the filters or search a claim id for the rest)"
ui.table(
    denied,
    "denied_lines",
    f"Denied lines and claim-level denials under the filters, newest payment first: {listed}; "
    f"{int(found['denials']):,} of them count as denials, {ui.money(found['denied_amount'])} denied. Counted as: "
    "only a denial counts in the other pages' denial rates and denied $; expected denials (GA, GY, GZ lines) and "
    "duplicate claims are listed here too. Patient names are never shown here.",
)

st.subheader("One claim")
choices = denied[["claim_id", "payer_name"]].drop_duplicates()
picked = st.selectbox(
    "Claim", list(choices.itertuples(index=False, name=None)), format_func=lambda c: f"{c[0]} ({c[1]})"
)
claim_id, payer = picked
params = {"claim_id": claim_id, "payer": payer}
patient = data.record("claims/patient", params)
# Off by default; once turned on it stays on for this session (also after visiting other pages).
show = st.toggle(
    "Show patient details",
    value=st.session_state.get("show_patient_details", False),
    help="Off by default: patient names and member ids are protected health information, shown masked. "
    "Turn on only when you need them to work the claim; it stays on until you turn it off or close "
    "the browser tab.",
)
st.session_state["show_patient_details"] = show
people = {"name": [patient["first_name"], patient["last_name"]], "member id": [patient["member_id"]]}
hashed = any(privacy.is_hashed(v) for values in people.values() for v in values)


def shown(value) -> str:
    if privacy.is_hashed(value):
        return value[:8] + "…"  # a hash cannot be read back; its start tells one person from another
    return str(value).strip() if show else privacy.mask(value)


who = ", ".join(f"{what} {' '.join(shown(v) for v in values if v)}" for what, values in people.items() if any(values))
st.markdown(
    f"**{ui.md(claim_id)}** at **{ui.md(payer)}**: patient {ui.md(who) if who else 'not named in the remittance'}"
)
if hashed:
    st.caption(
        "Patient data was stored hashed when this claim was loaded (salted SHA-256): names and member ids "
        "cannot be read back; the same person has the same hash in every file of this database."
    )
name = re.sub(r"[^\w.-]+", "_", claim_id)[:60]  # for file names and keys
ui.table(
    data.query("claims/remittances", params),
    f"{name}_remittances",
    "Every remittance that adjudicated this claim, in payment order: a reversal (status 22) takes back an "
    "earlier one; frequency 7 marks a corrected claim.",
)
ui.table(
    data.query("claims/lines", params),
    f"{name}_lines",
    "Every line of every adjudication with its adjustments (group-CARC amount) and remark codes.",
)
