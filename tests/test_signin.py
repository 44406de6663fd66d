"""Guessing the password is throttled across sessions (issue 16, item 6): the throttle's rules on a clock
of its own, its settings and messages, and the messages in the app (AppTest, every AppTest a session of its
own). Over HTTP, with sessions from several addresses and the upload endpoint: tests/test_signin_http.py."""

from __future__ import annotations

import hashlib
import inspect
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from analytics import access
from analytics.access import Limits, Refusal, Throttle
from conftest import needs_shared

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PASSWORD = "correct horse battery staple"
DIGEST = hashlib.sha256(PASSWORD.encode()).hexdigest()
LIMITS = Limits(max_failures=3, window=60, lockout=120, global_max_failures=50, global_interval=10, failure_delay=0)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def guess(throttle: Throttle, address: str, limits: Limits = LIMITS) -> Refusal | None:
    """One wrong password: the refusal before it is checked, or the lockout it caused, or None."""
    at = throttle.attempt(address, limits)
    if isinstance(at, Refusal):
        return at
    return throttle.failed(address, limits)


def test_wrong_passwords_from_one_address_lock_it_out_and_the_lockout_ends():
    clock = Clock()
    throttle = Throttle(clock)
    assert guess(throttle, "192.0.2.1") is None
    clock.now += 10
    assert guess(throttle, "192.0.2.1") is None
    clock.now += 10
    assert guess(throttle, "192.0.2.1") == Refusal("address", 120)  # the third: locked out at once
    clock.now += 30
    # locked out: refused before the password is checked, whatever it is
    assert throttle.attempt("192.0.2.1", LIMITS) == Refusal("address", 90)
    assert not isinstance(throttle.attempt("192.0.2.2", LIMITS), Refusal)  # another address is not
    clock.now += 90
    at = throttle.attempt("192.0.2.1", LIMITS)
    assert not isinstance(at, Refusal)  # the lockout has ended
    throttle.succeeded("192.0.2.1", at)


def test_after_a_lockout_the_address_has_its_full_quota_again():
    clock = Clock()
    throttle = Throttle(clock)
    for _ in range(3):
        guess(throttle, "192.0.2.1")
    clock.now += 121
    assert [guess(throttle, "192.0.2.1") for _ in range(3)] == [None, None, Refusal("address", 120)]


def test_wrong_passwords_leave_the_count_with_the_window_and_the_right_one_clears_it():
    clock = Clock()
    throttle = Throttle(clock)
    guess(throttle, "192.0.2.1")
    guess(throttle, "192.0.2.1")
    clock.now += 61  # out of the 60 s window
    assert guess(throttle, "192.0.2.1") is None and guess(throttle, "192.0.2.1") is None
    throttle.succeeded("192.0.2.1", throttle.attempt("192.0.2.1", LIMITS))
    assert guess(throttle, "192.0.2.1") is None and guess(throttle, "192.0.2.1") is None


def test_attempts_checked_at_the_same_time_cannot_pass_the_limit():
    """20 sessions submitting at once from one address: an attempt counts from the moment it is let
    through, so only max_failures of them are checked."""
    throttle = Throttle(Clock())
    let_through = [throttle.attempt("192.0.2.1", LIMITS) for _ in range(20)]
    assert sum(not isinstance(a, Refusal) for a in let_through) == 3
    assert all(a == Refusal("address", 120) for a in let_through[3:])


def test_many_wrong_passwords_from_all_addresses_slow_everyone_down():
    clock = Clock()
    throttle = Throttle(clock)
    limits = Limits(max_failures=5, window=900, lockout=900, global_max_failures=4, global_interval=10, failure_delay=0)
    for n in range(4):
        assert guess(throttle, f"198.51.100.{n}", limits) is None
    # above the ceiling: one attempt checked every 10 s, from all addresses together
    assert guess(throttle, "198.51.100.10", limits) is None
    assert throttle.attempt("198.51.100.11", limits) == Refusal("everyone", 10)
    clock.now += 4
    assert throttle.attempt("198.51.100.12", limits) == Refusal("everyone", 6)
    clock.now += 6
    assert not isinstance(throttle.attempt("198.51.100.12", limits), Refusal)
    clock.now += 901  # the failures leave the window: no slowdown
    assert [isinstance(throttle.attempt(f"203.0.113.{n}", limits), Refusal) for n in range(4)] == [False] * 4


def test_the_store_stays_small_under_a_guessing_flood_from_many_addresses():
    clock = Clock()
    throttle = Throttle(clock)
    limits = Limits()  # the defaults: 50 in 15 minutes, then one every 10 s
    checked = 0
    for n in range(20_000):  # a day of one guess every 4 s, each from a new address
        clock.now += 4
        checked += guess(throttle, f"2001:db8:{n:x}::1", limits) is None
    assert checked <= 50 + 20_000 * 4 / 10 + 1  # then one every 10 s
    addresses, failures = throttle.remembered()
    assert addresses <= 50 + 90 + 1 and failures <= 50 + 90 + 1


def test_settings_and_their_defaults():
    assert Limits.from_settings({}) == Limits() == Limits(5, 900, 900, 50, 10, 1)
    assert Limits.from_settings(
        {
            "password_sha256": "x",
            "max_failures": 3,
            "lockout_minutes": 0.5,
            "window_minutes": 2,
            "global_max_failures": 20,
            "global_interval_seconds": 30,
            "failure_delay_seconds": 0,
        }
    ) == Limits(3, 120, 30, 20, 30, 0)
    assert set(access.LIMITS) == {
        "max_failures",
        "window_minutes",
        "lockout_minutes",
        "global_max_failures",
        "global_interval_seconds",
        "failure_delay_seconds",
    }


def test_messages():
    assert Refusal("address", 900).message() == (
        "Too many wrong passwords from this address: try again in 15 "
        "minutes. Until then the right password is refused too."
    )
    assert (
        Refusal("address", 61)
        .message()
        .startswith("Too many wrong passwords from this address: try again in 2 minutes.")
    )
    assert "try again in 42 seconds." in Refusal("address", 41.2).message()
    assert "try again in 1 second." in Refusal("address", 0.3).message()
    assert Refusal("everyone", 10).message() == (
        "Many wrong passwords on this dashboard lately: sign-in is slowed down for everyone. Try again in 10 seconds."
    )


def test_addresses_as_the_throttle_counts_them():
    assert access.address_key(None) == "local"  # Streamlit gives no address for 127.0.0.1 and ::1
    assert access.address_key("192.0.2.1") == "192.0.2.1"
    assert access.address_key("::ffff:192.0.2.1") == "192.0.2.1"
    # IPv6: a /64 is one household or server
    assert (
        access.address_key("2001:db8:1:2:aaaa::1") == access.address_key("2001:db8:1:2:bbbb::2") == "2001:db8:1:2::/64"
    )
    assert access.address_key("2001:db8:1:3::1") != access.address_key("2001:db8:1:2::1")


def test_streamlits_upload_handler_still_asks_before_it_reads_the_body():
    """access._guard_uploads relies on Streamlit's upload PUT handler asking runtime.is_active_session before
    it reads the body, and on nothing else asking it: when an upgrade changes that, this fails."""
    import streamlit
    from streamlit.web.server.starlette import starlette_routes

    handler = inspect.getsource(starlette_routes.create_upload_routes)
    put = handler[handler.index("async def _upload_put") : handler.index("async def _upload_delete")]
    asked = put.index("runtime.is_active_session(session_id)")
    assert asked < put.index("request.stream()") and asked < put.index(".form()") < put.index("upload_mgr.add_file(")
    callers = [
        str(p.relative_to(Path(streamlit.__file__).parent))
        for p in Path(streamlit.__file__).parent.rglob("*.py")
        if re.search(r"\.is_active_session\(", p.read_text(encoding="utf-8", errors="replace"))
    ]
    assert sorted(callers) == ["runtime/runtime.py", "web/server/starlette/starlette_routes.py"]


# --- In the app: every AppTest is a session of its own, all from this machine ("local") -----------------


@pytest.fixture
def own_db(own_db):
    """conftest's own_db, with the sign-in throttle's counts cleared before and after."""
    access.THROTTLE.reset()
    yield own_db
    access.THROTTLE.reset()


def session(password: str, **settings) -> AppTest:
    """A new session: the sign-in, the password typed and Sign in pressed."""
    at = AppTest.from_file(APP)
    at.secrets["access"] = {"password_sha256": DIGEST, "failure_delay_seconds": 0, **settings}
    at.run(timeout=120)
    at.text_input[0].input(password)
    next(b for b in at.button if b.label == "Sign in").click().run(timeout=120)
    assert not at.exception
    return at


def signed_in(at: AppTest) -> bool:
    return any(t.value == "Overview" for t in at.title) and bool(at.metric)


@needs_shared
def test_the_lockout_message_across_sessions_and_the_right_password_after_it(own_db):
    settings = {"max_failures": 2, "lockout_minutes": 3 / 60}
    assert [e.value for e in session("guess", **settings).error] == ["Wrong password."]
    second = session("guess 2", **settings)
    assert [e.value for e in second.error] == [
        "Too many wrong passwords from this address: try again in 3 seconds. "
        "Until then the right password is refused too."
    ]
    during = session(PASSWORD, **settings)
    assert not signed_in(during) and during.text_input[0].label == "Password"
    assert re.fullmatch(
        r"Too many wrong passwords from this address: try again in [123] seconds?\. "
        r"Until then the right password is refused too\.",
        during.error[0].value,
    )
    time.sleep(3.2)
    after = session(PASSWORD, **settings)
    assert signed_in(after) and not after.error


@needs_shared
def test_the_message_when_everyone_is_slowed_down(own_db):
    settings = {"max_failures": 5, "global_max_failures": 1, "global_interval_seconds": 60}
    assert [e.value for e in session("guess", **settings).error] == ["Wrong password."]
    assert [e.value for e in session("guess 2", **settings).error] == ["Wrong password."]  # one a minute is checked
    slowed = session(PASSWORD, **settings)
    assert not signed_in(slowed)
    assert [e.value for e in slowed.error] == [
        "Many wrong passwords on this dashboard lately: sign-in is slowed down for everyone. Try again in 60 seconds."
    ]


@needs_shared
def test_sessions_signed_in_are_the_ones_the_upload_endpoint_lets_through(own_db):
    """The upload endpoint asks access.may_upload, which knows the sessions signed in as of their last run:
    with a password, or with single sign-on (st.user.is_logged_in)."""
    auth = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "x" * 32,
        "client_id": "id",
        "client_secret": "secret",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
    noted = access._signed_in_sessions  # (every AppTest has the same session id)
    noted.clear()
    for logged_in in (False, True, False):
        at = AppTest.from_file(APP)
        at.secrets["auth"] = auth
        at.user = {"is_logged_in": logged_in, "email": "biller@example.org"}
        at.run(timeout=120)
        assert len(noted) == logged_in
    session("guess")
    assert not noted
    at = session(PASSWORD)
    assert signed_in(at) and len(noted) == 1
    next(b for b in at.sidebar.button if b.label == "Sign out").click().run(timeout=120)
    assert not noted  # signed out: no more uploads
