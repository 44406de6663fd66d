"""Denial analytics: the dashboard. `streamlit run app.py`."""

from __future__ import annotations

import streamlit as st

from analytics import access, data, ui

st.set_page_config(page_title="Denial analytics", layout="wide", page_icon=":material/receipt_long:")
if not access.gate():  # sign-in, when .streamlit/secrets.toml sets one up (README: Sign-in)
    st.stop()


@st.cache_resource(show_spinner="Preparing the database (on first start: building the demo, about 20 seconds)...")
def _database_ready() -> bool:
    # cache_resource: once per server, however many sessions open at the same time
    data.ensure_demo()
    data.ensure_current()
    return True


_database_ready()
# The pages live in app_pages/, not pages/: Streamlit serves a folder named pages/ on its own as well, and a
# link to a page opened on a freshly started server then ran it without this script (no filters).
pages = st.navigation([
    st.Page("app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("app_pages/what_changed.py", title="What changed", icon=":material/trending_up:"),
    st.Page("app_pages/payers.py", title="Payers", icon=":material/account_balance:"),
    st.Page("app_pages/modifiers.py", title="Modifiers", icon=":material/label:"),
    st.Page("app_pages/site_of_care.py", title="Site of care", icon=":material/location_on:"),
    st.Page("app_pages/reasons.py", title="Reasons", icon=":material/help:"),
    st.Page("app_pages/codes.py", title="Codes", icon=":material/medication:"),
    st.Page("app_pages/monthly_review.py", title="Monthly review", icon=":material/event_note:"),
    st.Page("app_pages/worklist.py", title="Worklist", icon=":material/checklist:"),
    st.Page("app_pages/prevention.py", title="Prevention", icon=":material/shield:"),
    st.Page("app_pages/claims.py", title="Claims", icon=":material/search:"),
    st.Page("app_pages/data.py", title="Data", icon=":material/upload_file:"),
])
with data.session():
    ui.demo_label()
    # Filters live here, before the page runs, so that they persist across pages (and in the URL).
    st.session_state["filters"] = ui.sidebar_filters()
    pages.run()
