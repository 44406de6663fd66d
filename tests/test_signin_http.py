"""Sign-in over HTTP, against `streamlit run app.py` with a password in a temporary secrets file: what a
client that is not a browser can do (issue 16, item 6).

- An upload PUT to Streamlit's upload endpoint from a session that has not signed in is refused (403) before
  its body is read: the server's memory does not grow by the uploads' size.
- Wrong passwords from one address, each from a new websocket session (a new tab, a script), end in the
  lockout message; meanwhile the right password is refused from that address, while another address signs in.
- After the lockout the right password signs in, and that session's uploads are accepted.
- Many wrong passwords from many addresses slow sign-in down for everyone.
- With single sign-on ([auth]) a session that has not logged in may not upload either.
- With no sign-in configured an upload from any session is accepted, as before.

The sessions speak Streamlit's websocket protocol as bench/load_test.py does. The client address is set
with X-Forwarded-For: uvicorn, which Streamlit runs, takes the client's address from it when the connection
comes from 127.0.0.1 (its default `FORWARDED_ALLOW_IPS`), as it does behind a reverse proxy on the same host."""

from __future__ import annotations

import contextlib
import select
import socket
import subprocess
import time
import tomllib
import uuid
from pathlib import Path

import pytest

from analytics import database, loader
from conftest import CORPUS_835, needs_shared, streamlit_server as running

pytestmark = needs_shared

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery staple"
DIGEST = __import__("hashlib").sha256(PASSWORD.encode()).hexdigest()
MB = 1024 * 1024
# Small numbers, so that the tests are quick: 3 wrong passwords lock an address out for 4 seconds.
FAST = {
    "max_failures": 3,
    "window_minutes": 1,
    "lockout_minutes": 4 / 60,
    "failure_delay_seconds": 0,
    "global_max_failures": 100,
}
LOCKED = "Too many wrong passwords from this address"


def secrets_file(folder: Path, **access) -> Path:
    lines = ["[access]", f'password_sha256 = "{DIGEST}"']
    lines += [f"{key} = {value!r}" for key, value in access.items()]
    path = folder / f"secrets-{uuid.uuid4().hex[:8]}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@contextlib.contextmanager
def streamlit_server(db: Path, folder: Path, secrets: Path | None):
    """`streamlit run app.py` on a free port, reading db and the given secrets file only (an empty one
    when none is wanted: never the developer's own ~/.streamlit/secrets.toml), with no proxy trusted
    but loopback; yields (URL, process) once it answers."""
    if secrets is None:
        secrets = folder / "no-secrets.toml"
        secrets.write_text("")
    with running(db, folder, f"--secrets.files={secrets}", unset=("FORWARDED_ALLOW_IPS",)) as server:
        yield server


def rss_mb(process: subprocess.Popen) -> float:
    """The server's resident memory, in MB."""
    for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


class Session:
    """One browser session as the server sees it: a websocket speaking Streamlit's protocol, from
    `address` (sent as X-Forwarded-For)."""

    def __init__(self, url: str, address: str | None = None):
        from websockets.sync.client import connect

        headers = {"X-Forwarded-For": address} if address else None
        self.socket = connect(
            url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit"],
            additional_headers=headers,
            max_size=None,
            proxy=None,
            open_timeout=30,
            legacy=True,
        )
        self.session_id = None
        self.widgets: dict[str, str] = {}  # label -> widget id
        self.errors: list[str] = []
        self.titles: list[str] = []
        self.run()

    def run(self, states=None) -> Session:
        """Asks the server to run the app (with these widget states) and reads every message until the run
        has finished: the errors and titles shown, the widgets' ids."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        request = BackMsg()
        request.rerun_script.page_name = ""
        request.rerun_script.query_string = ""
        if states is not None:
            request.rerun_script.widget_states.CopyFrom(states)
        self.socket.send(request.SerializeToString())
        self.errors, self.titles = [], []
        while True:
            message = ForwardMsg()
            message.ParseFromString(self.socket.recv(timeout=120))
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self.session_id = message.new_session.initialize.session_id
            elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
                element = message.delta.new_element
                what = element.WhichOneof("type")
                if what == "exception":
                    raise RuntimeError(f"exception shown: {element.exception.message}")
                if what == "alert" and element.alert.format == element.alert.ERROR:
                    self.errors.append(element.alert.body)
                elif what == "heading":
                    self.titles.append(element.heading.body)
                elif what in ("text_input", "button"):
                    widget = getattr(element, what)
                    self.widgets[widget.label] = widget.id
            elif kind == "script_finished" and message.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                return self

    def sign_in(self, password: str) -> Session:
        """Types the password and presses Sign in, as the browser sends a submitted form."""
        from streamlit.proto.WidgetStates_pb2 import WidgetStates

        states = WidgetStates()
        typed = states.widgets.add()
        typed.id, typed.string_value = self.widgets["Password"], password
        pressed = states.widgets.add()
        pressed.id, pressed.trigger_value = self.widgets["Sign in"], True
        return self.run(states)

    @property
    def signed_in(self) -> bool:
        return "Overview" in self.titles

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.socket.close()


def upload(url: str, session_id: str, size: int) -> tuple[int, int]:
    """PUTs a file of `size` bytes to Streamlit's upload endpoint for the session, as the file uploader
    does (multipart form, XSRF token in cookie and header: a script makes its own), sending the body
    without waiting for an answer, as an attacker would, until the server answers or closes; returns the
    HTTP status and how many bytes of the file were sent."""
    from streamlit.web.server.starlette.starlette_app_utils import generate_xsrf_token_string

    host, port = url.removeprefix("http://").split(":")
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.835"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    token = generate_xsrf_token_string()
    request = (
        f"PUT /_stcore/upload_file/{session_id}/{uuid.uuid4()} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        f"Content-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(head) + size + len(tail)}\r\n"
        f"Cookie: _streamlit_xsrf={token}\r\nX-Xsrftoken: {token}\r\nConnection: close\r\n\r\n"
    ).encode()
    chunk = b"\0" * MB
    answer, sent = b"", 0
    with socket.create_connection((host, int(port)), timeout=120) as s:
        try:
            s.sendall(request + head)
            while sent < size:
                if select.select([s], [], [], 0)[0]:  # answered before the body was sent
                    break
                s.sendall(chunk[: min(size - sent, MB)])
                sent += min(size - sent, MB)
            else:
                s.sendall(tail)
        except (BrokenPipeError, ConnectionResetError):
            pass
        with contextlib.suppress(ConnectionResetError):
            while b"\r\n" not in answer:
                got = s.recv(65536)
                if not got:
                    break
                answer += got
    return (int(answer.split()[1]) if answer else 0), sent


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("signin-http")
    db = folder / "own.duckdb"
    con = database.connect(db)
    loader.load_paths(con, [CORPUS_835 / "edi835parser__emedny_sample.txt"])
    con.close()
    return db, folder


@pytest.fixture(scope="module")
def gated_server(small_db):
    db, folder = small_db
    with streamlit_server(db, folder, secrets_file(folder, **FAST)) as server:
        yield server


def test_an_upload_before_sign_in_is_refused_before_its_body_is_read(gated_server):
    url, process = gated_server
    session = Session(url, "192.0.2.10")
    assert "Password" in session.widgets
    assert not session.signed_in and session.session_id
    limit = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]["maxUploadSize"]  # 200 MB
    before = rss_mb(process)
    answers = [upload(url, session.session_id, limit * MB - 4096) for _ in range(4)]
    grown = rss_mb(process) - before
    print(
        f"server RSS {before:.0f} MB before 4 uploads of {limit} MB, grown by {grown:.0f} MB; "
        f"(status, MB sent before the answer): {[(status, round(sent / MB)) for status, sent in answers]}"
    )
    session.close()
    assert [status for status, _ in answers] == [403] * 4
    # answered before the body was read: the client could not even send most of it
    assert all(sent < limit * MB / 4 for _, sent in answers)
    assert grown < limit / 4, f"the server's memory grew by {grown:.0f} MB"


def test_wrong_passwords_from_one_address_end_in_a_lockout(gated_server):
    url, _ = gated_server
    address = "198.51.100.7"
    shown = []
    for _ in range(FAST["max_failures"]):  # each guess from a new session: a new tab, or a script
        session = Session(url, address).sign_in("guess")
        shown.append(session.errors)
        session.close()
    assert shown[0] == ["Wrong password."]
    assert shown[-1] and shown[-1][0].startswith(f"{LOCKED}: try again in ")
    # the right password from that address is refused too, and the message says so
    session = Session(url, address).sign_in(PASSWORD)
    assert not session.signed_in
    assert session.errors[0].startswith(LOCKED) and "the right password is refused too" in session.errors[0]
    session.close()
    # another address is not locked out
    other = Session(url, "198.51.100.8").sign_in(PASSWORD)
    assert other.signed_in and not other.errors
    other.close()


def test_after_the_lockout_the_right_password_signs_in_and_uploads_are_accepted(gated_server):
    url, _ = gated_server
    address = "203.0.113.9"
    for _ in range(FAST["max_failures"]):
        Session(url, address).sign_in("guess").close()
    locked = Session(url, address).sign_in(PASSWORD)
    assert not locked.signed_in and locked.errors[0].startswith(LOCKED)
    locked.close()
    time.sleep(FAST["lockout_minutes"] * 60 + 0.5)
    session = Session(url, address).sign_in(PASSWORD)
    assert session.signed_in and not session.errors
    assert upload(url, session.session_id, 1000)[0] == 204  # signed in: the uploader works
    session.close()


def test_many_wrong_passwords_from_many_addresses_slow_everyone_down(small_db):
    db, folder = small_db
    settings = {**FAST, "global_max_failures": 4, "global_interval_seconds": 60}
    with streamlit_server(db, folder, secrets_file(folder, **settings)) as (url, _):
        for n in range(settings["global_max_failures"]):  # one guess each from four addresses: no lockout
            session = Session(url, f"198.51.100.{20 + n}").sign_in("guess")
            assert session.errors == ["Wrong password."]
            session.close()
        # above the ceiling one attempt a minute is checked, from all addresses together
        Session(url, "198.51.100.30").sign_in("guess").close()
        slowed = Session(url, "198.51.100.31").sign_in(PASSWORD)
        assert not slowed.signed_in
        assert slowed.errors[0].startswith("Many wrong passwords on this dashboard lately")
        slowed.close()


def test_with_single_sign_on_an_upload_before_sign_in_is_refused(small_db):
    """[auth] (OpenID Connect): a session whose st.user.is_logged_in is false may not upload either."""
    db, folder = small_db
    secrets = folder / "auth.toml"
    secrets.write_text(
        '[auth]\nredirect_uri = "http://127.0.0.1/oauth2callback"\ncookie_secret = "' + "x" * 32 + '"\n'
        'client_id = "id"\nclient_secret = "secret"\n'
        'server_metadata_url = "https://idp.example/.well-known/openid-configuration"\n'
    )
    with streamlit_server(db, folder, secrets) as (url, _):
        session = Session(url)
        assert not session.signed_in and "Sign in" in session.widgets
        assert upload(url, session.session_id, 1000)[0] == 403
        session.close()


def test_with_no_sign_in_configured_uploads_work_as_before(small_db):
    db, folder = small_db
    with streamlit_server(db, folder, None) as (url, _):
        session = Session(url)
        assert session.signed_in
        assert upload(url, session.session_id, 1000)[0] == 204
        session.close()
