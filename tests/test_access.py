"""Sign-in for a shared deployment: off by default; a password from the secrets gates every page until it
is given (compared in constant time), with a sign-out button; Streamlit's OIDC sign-in when [auth] is set."""

from __future__ import annotations

import hashlib
from pathlib import Path

from streamlit.testing.v1 import AppTest

from analytics import access
from conftest import needs_shared

pytestmark = needs_shared

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "correct horse battery staple"
DIGEST = hashlib.sha256(PASSWORD.encode()).hexdigest()


def gated() -> AppTest:
    at = AppTest.from_file(APP)
    at.secrets["access"] = {"password_sha256": DIGEST}
    return at.run(timeout=120)


def shows_the_dashboard(at: AppTest) -> bool:
    return any(t.value == "Overview" for t in at.title) and bool(at.metric)


def test_no_sign_in_by_default(own_db):
    at = AppTest.from_file(APP).run(timeout=120)
    assert not at.exception and shows_the_dashboard(at)
    assert not [b for b in at.sidebar.button if b.label == "Sign out"]


def test_the_password_gates_every_page(own_db):
    at = gated()
    assert not at.exception
    assert not shows_the_dashboard(at) and not at.sidebar.multiselect and not at.dataframe
    assert at.text_input[0].label == "Password"
    # a deep link to another page shows the sign-in too
    at.switch_page("app_pages/claims.py").run(timeout=120)
    assert not at.dataframe and at.text_input[0].label == "Password"
    at.switch_page("app_pages/data.py").run(timeout=120)
    assert not at.file_uploader and at.text_input[0].label == "Password"


def test_a_wrong_password_says_so_and_the_right_one_opens_the_dashboard(own_db):
    at = gated()
    at.text_input[0].input("guess")
    next(b for b in at.button if b.label == "Sign in").click().run(timeout=120)
    assert any(e.value == "Wrong password." for e in at.error) and not shows_the_dashboard(at)
    at.text_input[0].input(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click().run(timeout=120)
    assert not at.exception and shows_the_dashboard(at)
    at.switch_page("app_pages/payers.py").run(timeout=120)
    assert at.title[0].value == "Payers" and at.dataframe
    # signing out shows the sign-in again
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run(timeout=120)
    assert not at.dataframe and at.text_input[0].label == "Password"


def test_password_comparison():
    assert access.password_matches(PASSWORD, DIGEST)
    assert access.password_matches(PASSWORD, DIGEST.upper() + "\n")
    assert not access.password_matches(PASSWORD + " ", DIGEST)
    assert not access.password_matches("", DIGEST)


def test_oidc_sign_in_when_auth_is_configured(own_db):
    auth = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "id",
        "client_secret": "secret",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
    at = AppTest.from_file(APP)
    at.secrets["auth"] = auth
    at.user = {"is_logged_in": False}
    at.run(timeout=120)
    assert not at.exception and not shows_the_dashboard(at)
    assert [b.label for b in at.button] == ["Sign in"]
    at = AppTest.from_file(APP)
    at.secrets["auth"] = auth
    at.user = {"is_logged_in": True, "email": "biller@example.org", "name": "A Biller"}
    at.run(timeout=120)
    assert not at.exception and shows_the_dashboard(at)
    assert any(b.label == "Sign out" for b in at.sidebar.button)
    assert any("biller\\@example.org" in c.value for c in at.sidebar.caption)  # escaped, as every name shown
