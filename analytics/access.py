"""Optional sign-in for a shared deployment. Off by default: on your own machine nobody is asked.

Turned on by .streamlit/secrets.toml (never committed), README "Sign-in":
- an `[auth]` section: Streamlit's built-in OpenID Connect sign-in (st.login / st.user / st.logout) with
  the provider configured there (Google, Microsoft, Okta...; needs `pip install Authlib`);
- else `[access] password_sha256 = "<hex SHA-256 of the password>"`: one shared password, asked once
  per browser session and compared in constant time.

`gate()` runs in app.py before anything else, so no page, query or database is reached before sign-in;
signed in, the sidebar has a sign-out button.

Guessing the password is throttled across sessions, in one store for the whole server process (every
session is a thread of it): wrong passwords are counted per client address and for all addresses together.
`max_failures` wrong passwords from one address within `window_minutes` lock that address out for
`lockout_minutes` (every password refused, the right one too); above `global_max_failures` wrong passwords
within the window from all addresses, one attempt is checked every `global_interval_seconds`, whoever makes
it. Settings in `[access]`, defaults in LIMITS.

Uploads: Streamlit's upload endpoint (PUT /_stcore/upload_file/<session>/<file>) takes a file for any open
session, signed in or not, and keeps it in memory while the session lasts. With a sign-in configured, a PUT
for a session that has not signed in is answered 403 before its body is read (`_guard_uploads`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import importlib
import ipaddress
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from analytics import ui

_SIGNED_IN = "access_signed_in"
# [access] settings of the throttle and their defaults
LIMITS = {
    "max_failures": 5,  # wrong passwords from one address within the window that lock it out
    "window_minutes": 15,
    "lockout_minutes": 15,
    "global_max_failures": 50,  # wrong passwords from all addresses within the window that slow everyone
    "global_interval_seconds": 10,  # above it, one attempt checked in this many seconds, from all addresses
    "failure_delay_seconds": 1,  # each wrong password keeps its session waiting this long
}


def settings() -> dict:
    """The [auth] and [access] sections of the secrets, those present."""
    try:
        return {name: st.secrets[name] for name in ("auth", "access") if name in st.secrets}
    except (FileNotFoundError, KeyError):  # no secrets.toml: the local single-user default
        return {}


def sign_in_configured() -> bool:
    configured = settings()
    return "auth" in configured or bool((configured.get("access") or {}).get("password_sha256"))


def password_matches(password: str, expected_sha256: str) -> bool:
    """The password's SHA-256 against the configured one, in constant time."""
    digest = hashlib.sha256(password.encode("utf-8")).hexdigest()
    return hmac.compare_digest(digest, str(expected_sha256).strip().lower())


# --- The throttle: one per server process ---------------------------------------------------------------


@dataclass(frozen=True)
class Limits:
    max_failures: int = LIMITS["max_failures"]
    window: float = LIMITS["window_minutes"] * 60  # seconds, as every duration here
    lockout: float = LIMITS["lockout_minutes"] * 60
    global_max_failures: int = LIMITS["global_max_failures"]
    global_interval: float = LIMITS["global_interval_seconds"]
    failure_delay: float = LIMITS["failure_delay_seconds"]

    @classmethod
    def from_settings(cls, access) -> Limits:
        """From the [access] section; a setting left out takes its default (LIMITS)."""
        value = {name: float((access or {}).get(name, default)) for name, default in LIMITS.items()}
        return cls(
            max_failures=max(1, int(value["max_failures"])),
            window=value["window_minutes"] * 60,
            lockout=value["lockout_minutes"] * 60,
            global_max_failures=max(1, int(value["global_max_failures"])),
            global_interval=value["global_interval_seconds"],
            failure_delay=value["failure_delay_seconds"],
        )


@dataclass(frozen=True)
class Refusal:
    """An attempt refused without checking the password: `who` is "address" (this address is locked out)
    or "everyone" (sign-in slowed down for all), for `seconds` more."""

    who: str
    seconds: float

    def message(self) -> str:
        if self.who == "address":
            return (
                f"Too many wrong passwords from this address: try again in {_duration(self.seconds)}. "
                "Until then the right password is refused too."
            )
        return (
            f"Many wrong passwords on this dashboard lately: sign-in is slowed down for everyone. "
            f"Try again in {_duration(self.seconds)}."
        )


def _duration(seconds: float) -> str:
    if seconds > 60:
        return f"{math.ceil(seconds / 60)} minutes"
    whole = max(1, math.ceil(seconds))
    return f"{whole} second{'s' if whole > 1 else ''}"


@dataclass
class _Address:
    failures: deque = field(default_factory=deque)  # times of wrong passwords (and of attempts being checked)
    locked_until: float = 0.0


class Throttle:
    """Wrong passwords counted per client address and for all together, shared by every session of the
    process (a lock guards it: sessions are threads). An attempt counts as a failure from the moment it is
    let through until it turns out right (`succeeded`), so that sessions guessing at the same time cannot
    slip more attempts through than the limits allow. Memory stays bounded: entries leave with the window,
    and above the global ceiling attempts come at most one per `global_interval`."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._addresses: dict[str, _Address] = {}
        self._failures: deque = deque()  # every address's, in time order
        self._next_checked = 0.0  # above the global ceiling: when the next attempt may be checked

    def attempt(self, address: str, limits: Limits) -> Refusal | float:
        """Before a password is checked: a Refusal, or the attempt's time (for `succeeded` / `failed`)."""
        with self._lock:
            now = self._clock()
            self._forget(now, limits)
            entry = self._addresses.get(address)
            if entry and entry.locked_until > now:
                return Refusal("address", entry.locked_until - now)
            if entry and len(entry.failures) >= limits.max_failures:  # attempts under way filled the quota
                return self._lock_out(entry, now, limits)
            if len(self._failures) >= limits.global_max_failures:
                if now < self._next_checked:
                    return Refusal("everyone", self._next_checked - now)
                self._next_checked = now + limits.global_interval
            entry = self._addresses.setdefault(address, _Address())
            entry.failures.append(now)
            self._failures.append(now)
            return now

    def succeeded(self, address: str, at: float) -> None:
        """The right password: the attempt is no failure, and the address starts afresh."""
        with self._lock:
            self._addresses.pop(address, None)
            try:
                self._failures.remove(at)
            except ValueError:  # already out of the window
                pass

    def failed(self, address: str, limits: Limits) -> Refusal | None:
        """A wrong password (already counted): the lockout, when this one reached the limit."""
        with self._lock:
            now = self._clock()
            entry = self._addresses.get(address)
            if entry is None:
                return None
            if entry.locked_until > now:
                return Refusal("address", entry.locked_until - now)
            if len(entry.failures) >= limits.max_failures:
                return self._lock_out(entry, now, limits)
            return None

    def remembered(self) -> tuple[int, int]:
        """(addresses, failures) held now: what bounds the store's memory."""
        with self._lock:
            return len(self._addresses), len(self._failures)

    def reset(self) -> None:
        with self._lock:
            self._addresses.clear()
            self._failures.clear()
            self._next_checked = 0.0

    @staticmethod
    def _lock_out(entry: _Address, now: float, limits: Limits) -> Refusal:
        entry.locked_until = now + limits.lockout
        entry.failures.clear()  # spent: after the lockout the address has its full quota again
        return Refusal("address", limits.lockout)

    def _forget(self, now: float, limits: Limits) -> None:
        since = now - limits.window
        while self._failures and self._failures[0] <= since:
            self._failures.popleft()
        for address, entry in list(self._addresses.items()):
            while entry.failures and entry.failures[0] <= since:
                entry.failures.popleft()
            if not entry.failures and entry.locked_until <= now:
                del self._addresses[address]


THROTTLE = Throttle()


def client_address() -> str:
    """Who is guessing, as the throttle counts: the connection's address (st.context.ip_address; behind a
    reverse proxy the proxy's, unless it sends X-Forwarded-For and uvicorn trusts it: README "Sign-in"). An
    IPv6 address counts as its /64 network (one household or server holds a whole /64); "local" for this
    machine (Streamlit gives no address for 127.0.0.1 and ::1)."""
    try:
        ip = st.context.ip_address
    except Exception:  # noqa: BLE001 - no client context (bare mode)
        ip = None
    return address_key(ip)


def address_key(ip: str | None) -> str:
    """The throttle's key for a client address (see client_address)."""
    if not ip or not isinstance(ip, str):  # (under AppTest the address is a stand-in object)
        return "local"
    try:
        parsed = ipaddress.ip_address(ip.split("%")[0])
    except ValueError:
        return ip
    if parsed.version == 6:
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


# --- Uploads: only from signed-in sessions -------------------------------------------------------------

_sessions_lock = threading.Lock()
_signed_in_sessions: set[str] = set()  # ids of the sessions signed in, as of their last run


def _note_session(signed_in: bool) -> None:
    """Records whether this run's session is signed in, for the upload endpoint."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None:
        return
    with _sessions_lock:
        if not signed_in:
            _signed_in_sessions.discard(ctx.session_id)
            return
        if ctx.session_id not in _signed_in_sessions and len(_signed_in_sessions) >= 256:
            _forget_ended_sessions()
        _signed_in_sessions.add(ctx.session_id)


def _forget_ended_sessions() -> None:
    from streamlit import runtime

    if runtime.exists():
        is_active = runtime.get_instance().is_active_session
        is_active = getattr(is_active, "__wrapped__", is_active)
        _signed_in_sessions.intersection_update({s for s in _signed_in_sessions if is_active(s)})


def may_upload(session_id: str) -> bool:
    """Whether the upload endpoint may take a file for this session: no sign-in configured, or the session
    signed in (with [auth], st.user.is_logged_in at its last run)."""
    if not sign_in_configured():
        return True
    with _sessions_lock:
        return session_id in _signed_in_sessions


def _refuse_unless_signed_in(session_id: str) -> None:
    # looked up anew each time, so that a reloaded module (Streamlit reloads changed modules) is the one asked
    if not importlib.import_module(__name__).may_upload(session_id):
        from starlette.exceptions import HTTPException

        raise HTTPException(status_code=403, detail="Sign in before uploading a file.")


def _guard_uploads() -> None:
    """Puts the sign-in check in front of Streamlit's upload endpoint, once per server process.

    Streamlit 1.67's PUT handler (web/server/starlette/starlette_routes.py, create_upload_routes) calls
    `runtime.is_active_session(session_id)` before it reads any of the body (Starlette streams it; nothing
    is buffered before the handler asks for it), and no other code calls that method; the file then goes to
    `runtime.uploaded_file_mgr.add_file`. Both are wrapped on the running instance: the first answers 403
    before the body is read, the second drops a file whose upload had begun before the wrap. Under AppTest
    there is no server (its runtime is a stand-in): nothing to do. tests/test_signin.py checks that the
    handler still looks so."""
    from streamlit import runtime
    from streamlit.runtime import Runtime

    if not runtime.exists():
        return
    instance = runtime.get_instance()
    if type(instance) is not Runtime:
        return
    with _sessions_lock:
        if getattr(instance, "_denials_upload_guard", False):
            return
        # Streamlit's internals: add_file is the concrete MemoryUploadedFileManager's, not on the abstract
        # UploadedFileManager the runtime is typed with; patching the methods and marking the instance are
        # what this guard does.
        files = instance.uploaded_file_mgr

        @functools.wraps(instance.is_active_session)
        def is_active_session(session_id: str, _original=instance.is_active_session) -> bool:
            _refuse_unless_signed_in(session_id)
            return _original(session_id)

        @functools.wraps(files.add_file)  # type: ignore[attr-defined]  # the concrete manager's method
        def add_file(session_id: str, file, _original=files.add_file) -> None:  # type: ignore[attr-defined]
            _refuse_unless_signed_in(session_id)
            return _original(session_id, file)

        instance.is_active_session = is_active_session  # type: ignore[method-assign]  # the guard's patch
        files.add_file = add_file  # type: ignore[attr-defined]  # the concrete manager's method, patched
        instance._denials_upload_guard = True  # type: ignore[attr-defined]  # our marker on Streamlit's runtime


# On import, the first thing app.py does: before the page's other modules load (a second on a fresh
# server), so that no upload slips in during the very first run.
_guard_uploads()


# --- The sign-in ---------------------------------------------------------------------------------------


def gate() -> bool:
    """True when the app may run: no sign-in configured, or the user is signed in (then a sign-out
    button goes in the sidebar). Otherwise the sign-in is shown and False returned: stop there."""
    _guard_uploads()
    configured = settings()
    if "auth" in configured:
        return _note(_oidc(configured["auth"]))
    access = configured.get("access") or {}
    if access.get("password_sha256"):
        return _note(_password(access["password_sha256"], Limits.from_settings(access)))
    return True


def _note(signed_in: bool) -> bool:
    _note_session(signed_in)
    return signed_in


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


def _password(expected: str, limits: Limits) -> bool:
    if st.session_state.get(_SIGNED_IN):
        if st.sidebar.button("Sign out", key="sign_out"):
            st.session_state.pop(_SIGNED_IN, None)
            _note_session(False)
            st.rerun()
        return True
    st.title("Denial analytics")
    with st.form("sign_in"):
        password = st.text_input("Password", type="password", help="This dashboard is shared: ask its administrator.")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        address = client_address()
        attempt = THROTTLE.attempt(address, limits)
        if isinstance(attempt, Refusal):  # the password is not even checked
            st.error(attempt.message())
            return False
        if password_matches(password, expected):
            THROTTLE.succeeded(address, attempt)
            st.session_state[_SIGNED_IN] = True
            _note_session(True)
            st.rerun()
        locked = THROTTLE.failed(address, limits)
        time.sleep(limits.failure_delay)  # slows down this session's next guess
        st.error(locked.message() if locked else "Wrong password.")
    return False
