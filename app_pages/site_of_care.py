"""Site of care: place of service and type of bill, campus, and where each code is denied."""

import streamlit as st

from analytics import ui

filters = st.session_state["filters"]
st.title("Site of care")

sites = ui.frame("by_site", filters)
if ui.empty(sites, "adjudication"):
    st.stop()
by_site = sites[sites["grouping"] == "site"]
ui.rate_bars(by_site, "value", "units")
st.caption("Denied units ÷ adjudicated units by site: place of service (CLP08 of professional claims) or type "
           "of bill (CLP08 + frequency of institutional claims, those with revenue codes).")
ui.table(sites, "denials_by_site", "By site, and by campus: PO / PN mark off-campus hospital departments "
         "(excepted / non-excepted); POS 19 and 22 split off- from on-campus on professional claims.")

st.subheader("Code × site")
matrix = ui.frame("code_site_matrix", filters)
if not ui.empty(matrix, "service line"):
    ui.rate_heatmap(matrix, "site", "procedure_code", "Denial rate of the 15 codes with the most denied dollars, at each site.")

st.subheader("Site-of-care denials by payer")
ui.table(ui.frame("site_denials_by_payer", filters), "site_denials_by_payer",
         "Denials in the site_of_care category (e.g. CO-58, CO-5, CO-171) by payer and site.")
