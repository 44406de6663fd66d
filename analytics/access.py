"""Optional sign-in for a shared deployment. Off by default: on your own machine nobody is asked.

Turned on by .streamlit/secrets.toml (never committed), README "Sign-in":
- an `[auth]` section: Streamlit's built-in OpenID Connect sign-in (st.login / st.user / st.logout) with
  the provider configured there (Google, Microsoft, Okta...; needs `pip install Authlib`);
- else `[access] password_sha256 = "<hex SHA-256 of the password>"`: one shared password, asked once
  per browser session and compared in constant time.

`gate()` runs in app.py before anything else, so no page, query or database is reached before sign-in;
signed in, the sidebar has a sign-out button.
"""

from __future__ import annotations

import hashlib
import hmac
import time

import streamlit as st

from analytics import ui

_SIGNED_IN = "access_signed_in"


def settings() -> dict:
    """The [auth] and [access] sections of the secrets, those present."""
    try:
        return {name: st.secrets[name] for name in ("auth", "access") if name in st.secrets}
    except (FileNotFoundError, KeyError):  # no secrets.toml: the local single-user default
        return {}


def password_matches(password: str, expected_sha256: str) -> bool:
    """The password's SHA-256 against the configured one, in constant time."""
    digest = hashlib.sha256(password.encode("utf-8")).hexdigest()
    return hmac.compare_digest(digest, str(expected_sha256).strip().lower())


def gate() -> bool:
    """True when the app may run: no sign-in configured, or the user is signed in (then a sign-out
    button goes in the sidebar). Otherwise the sign-in is shown and False returned: stop there."""
    configured = settings()
    if "auth" in configured:
        return _oidc(configured["auth"])
    expected = (configured.get("access") or {}).get("password_sha256")
    if expected:
        return _password(expected)
    return True


def _oidc(auth) -> bool:
    if st.user.is_logged_in:
        who = st.user.get("email") or st.user.get("name") or "signed in"
        st.sidebar.caption(f"Signed in: {ui.md(who)}")
        st.sidebar.button("Sign out", on_click=st.logout, key="sign_out")
        return True
    st.title("Denial analytics")
    st.write("Sign in to see the dashboard.")
    # One provider configured in [auth] itself, or several as [auth.<name>] sections.
    providers = [name for name, value in dict(auth).items() if hasattr(value, "keys")]
    if "client_id" in auth or not providers:
        st.button("Sign in", type="primary", on_click=st.login)
    for name in providers:
        st.button(f"Sign in with {name}", on_click=st.login, args=(name,), key=f"sign_in_{name}")
    return False


def _password(expected: str) -> bool:
    if st.session_state.get(_SIGNED_IN):
        if st.sidebar.button("Sign out", key="sign_out"):
            st.session_state.pop(_SIGNED_IN, None)
            st.rerun()
        return True
    st.title("Denial analytics")
    with st.form("sign_in"):
        password = st.text_input("Password", type="password", help="This dashboard is shared: ask its administrator.")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        if password_matches(password, expected):
            st.session_state[_SIGNED_IN] = True
            st.rerun()
        time.sleep(1)  # slows down guessing
        st.error("Wrong password.")
    return False
