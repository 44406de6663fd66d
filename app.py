"""Denial analytics: the dashboard. `streamlit run app.py`."""

from __future__ import annotations

import streamlit as st

from analytics import access, data, startup, ui
from analytics.pages import PAGES

st.set_page_config(page_title="Denial analytics", layout="wide", page_icon=":material/receipt_long:")
if not access.gate():  # sign-in, when .streamlit/secrets.toml sets one up (README: Sign-in)
    st.stop()


@st.cache_resource(show_spinner="Preparing the database (on first start: building the demo, about 10 seconds)...")
def _database_ready() -> bool:
    # cache_resource: once per server, however many sessions open at the same time
    startup.ensure_demo()
    startup.ensure_current()
    return True


_database_ready()
pages = st.navigation(
    [st.Page(page.script, title=page.title, icon=page.icon, default=page is PAGES[0]) for page in PAGES]
)
with data.session():
    ui.demo_label()
    # Filters live here, before the page runs, so that they persist across pages (and in the URL).
    st.session_state["filters"] = ui.sidebar_filters()
    pages.run()
