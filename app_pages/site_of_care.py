"""Site of care: place of service and type of bill, campus, the off-campus total, and where each code is denied."""

import streamlit as st

from analytics import labels, ui

filters = st.session_state["filters"]
st.title("Site of care")

sites = ui.frame("by_site", filters)
if ui.empty(sites, "adjudication"):
    st.stop()

st.subheader("Off-campus hospital outpatient")
off_campus = (
    sites[sites["grouping"] == "off_campus"]
    .drop(columns=["grouping", "key"])
    .rename(columns={"value": "part", "units": "lines"})
)
total = off_campus[off_campus["part"] == "off-campus total"]
if total.empty or not total.iloc[0]["lines"] > 0:
    st.caption("No line with PO or PN, and none at POS 19, under these filters.")
else:
    total = total.iloc[0]
    tiles = st.columns(4)
    tiles[0].metric(
        "Off-campus lines",
        f"{int(total['lines']):,}",
        help="Service lines with modifier PO (excepted off-campus department), PN (non-excepted) or at "
        "POS 19 (off-campus outpatient hospital, professional claims).",
    )
    tiles[1].metric(
        "Denial rate",
        ui.percent(total["denial_rate"]),
        help="Denied lines ÷ lines (duplicate-claim and expected GA/GY/GZ denials not counted).",
    )
    tiles[2].metric("Denied $", ui.money(total["denied_amount"]), help=labels.LINE_DENIED_DOLLARS)
    tiles[3].metric(
        "Expected reimbursement $",
        ui.money(total["expected_reimbursement"]),
        help="What the payers would have paid for these denials: denied $ × the payer's paid-to-charge "
        "ratio for the code (else the payer's, else everyone's), as in recoveries.expected_reimbursement.",
    )
    ui.table(
        off_campus,
        "off_campus",
        "PO, PN and POS 19 apart and in total (a line with PO or PN counts once, under PN before PO).",
    )

st.subheader("Denial rate by site")
by_site = sites[sites["grouping"] == "site"]
ui.rate_bars(
    by_site,
    "value",
    "units",
    label="",
    key="chart_sites",
    x_key="key",
    on_select=lambda site: ui.drill(filters, sites=(site,)),
)
st.caption(
    "Denied lines ÷ adjudicated lines by site: place of service (POS, professional claims) or type of bill "
    "(TOB, institutional claims: revenue codes or a DRG, or a claim without lines whose payment's claims with "
    "the same code are institutional). Click a bar to open its denied lines."
)
ui.table(
    sites[sites["grouping"] != "off_campus"].drop(columns=["expected_reimbursement"]),
    "denials_by_site",
    "By site, and by campus: PO / PN mark off-campus hospital departments "
    "(excepted / non-excepted); POS 19 and 22 split off- from on-campus on professional claims.",
    on_select=lambda row: ui.drill(filters, sites=(row["key"],)) if isinstance(row["key"], str) else None,
    value=st.column_config.TextColumn("site or campus"),
)

st.subheader("Code × site")
matrix = ui.frame("code_site_matrix", filters)
if not ui.empty(matrix, "code with denied dollars"):
    ui.rate_heatmap(
        matrix,
        "site_label",
        "procedure_code",
        f"Denial rate of the {matrix['procedure_code'].nunique()} codes with the most denied dollars (at most 15; "
        "codes with none left out), at each site (denied lines ÷ lines).",
        key="chart_code_site",
        x_key="site",
        on_select=lambda code, site: ui.drill(filters, codes=(code,), sites=(site,)),
    )

st.subheader("Site-of-care denials by payer")
site_denials = ui.frame("site_denials_by_payer", filters)
if not ui.empty(site_denials, "site-of-care denial"):
    ui.table(
        site_denials,
        "site_denials_by_payer",
        "Denials in the site-of-care category (e.g. CO-58, CO-5, CO-171) by payer and site.",
    )
