"""Denial analytics: the dashboard (for now, what the database holds)."""

from __future__ import annotations

import streamlit as st

from analytics import data

st.set_page_config(page_title="Denial analytics", layout="wide")
st.title("Denial analytics")

@st.cache_resource(show_spinner="First start: building the demo database (24 months of synthetic remittances)...")
def _demo_ready() -> bool:
    # cache_resource: built once per server, however many sessions open at the same time
    data.ensure_demo()
    return True


_demo_ready()
path = data.database_path()
if data.is_demo(path):
    st.warning(
        "**Demo data**: a synthetic remittance history, not real patients or payers. Load your own 835 files "
        "with `python -m analytics load FOLDER`; the dashboard then shows them instead.",
        icon=":material/science:",
    )

summary = data.record("app/load_summary")
st.caption(f"Database: `{path}`")
columns = st.columns(5)
columns[0].metric("Files", f"{summary['files']:,}", help="835 files loaded; a file loaded twice counts once.")
columns[1].metric("Claims", f"{summary['claims']:,}", help="Claim adjudications (CLP segments), reversals included.")
columns[2].metric("Service lines", f"{summary['service_lines']:,}", help="Service line adjudications (SVC segments).")
columns[3].metric(
    "Denials", f"{summary['denials']:,}",
    help="Denied service lines, plus denied claims without lines (rules: docs/views.md, `denials`).",
)
columns[4].metric(
    "Denied $", f"${summary['denied_amount']:,.2f}",
    help="Sum of the denial-class adjustment amounts (CAS) of every denial; not charge minus paid.",
)
if summary['payments']:
    st.caption(f"Payments dated {summary['first_payment']:%Y-%m-%d} to {summary['last_payment']:%Y-%m-%d}; "
               f"{summary['diagnostics']:,} load diagnostic(s).")

st.subheader("Loaded files")
st.dataframe(data.query("app/loaded_files"), hide_index=True, width="stretch")
