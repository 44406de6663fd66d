"""Claims: find denied lines, and follow one claim through every remittance that touched it."""

import streamlit as st

from analytics import data, ui

filters = st.session_state["filters"]
st.title("Claims")

search = st.text_input("Claim id contains", help="The patient control number (CLP01) the claim was billed under.")
denied = ui.frame("denied_lines", filters, search=search.strip())
if ui.empty(denied, "denied line"):
    st.stop()
ui.table(denied, "denied_lines", "Denied lines and claim-level denials under the filters, newest payment first "
         "(at most 1,000 rows; narrow the filters for more). Patient names are never shown here.")

st.subheader("One claim")
choices = denied[["claim_id", "payer_name"]].drop_duplicates()
picked = st.selectbox("Claim", list(choices.itertuples(index=False, name=None)),
                      format_func=lambda c: f"{c[0]} ({c[1]})")
claim_id, payer = picked
params = {"claim_id": claim_id, "payer": payer}
patient = data.record("claims/patient", params)
show = st.toggle("Show patient name and member id", help="Off by default: names and member ids are protected "
                 "health information. Turn on only when you need them to work the claim.")
names = [patient["first_name"], patient["last_name"], patient["member_id"]]
shown = " ".join(v for v in names if v) if show else " ".join(_mask for _mask in (
    (v[0] + "•" * (len(v) - 1)) if v else "" for v in names))
st.markdown(f"**{claim_id}** at **{payer}**: patient {shown or 'not named in the remittance'}")
ui.table(data.query("claims/remittances", params), f"{claim_id}_remittances",
         "Every remittance that adjudicated this claim, in payment order: a reversal (status 22) takes back an "
         "earlier one; frequency 7 marks a corrected claim.")
ui.table(data.query("claims/lines", params), f"{claim_id}_lines",
         "Every line of every adjudication with its adjustments (group-CARC amount) and remark codes.")
