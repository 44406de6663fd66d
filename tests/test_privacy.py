"""Patient data and file content on the pages: names, member ids and birth dates appear on no page, chart,
table, download or export by default, masked in claim detail until "Show patient details"; stored hashed
on request; text from the files (a payer named `<script>...`) is shown as text, never as HTML or markdown."""

from __future__ import annotations

import io
import json
import re
import zipfile

import duckdb
import pyarrow.parquet as pq
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from analytics import __main__ as cli, database, loader, privacy, reference, ui
from conftest import APP, PAGES, app_runner, claim_837, remittance_835, small_history

HOSTILE = "<script>alert(1)</script><b>BOLD</b> *star*"
# Who the distinctive claims are for: none of these may appear anywhere by default.
PATIENT_LAST, PATIENT_FIRST, MEMBER = "ZQXPATLAST", "ZQXPATFIRST", "ZQXMEMBER77"
INSURED_LAST, INSURED_FIRST = "ZQXINSLAST", "ZQXINSFIRST"
SUBSCRIBER_LAST, SUBSCRIBER_FIRST, CHILD_FIRST = "ZQXSUBLAST", "ZQXSUBFIRST", "ZQXKIDFIRST"
BIRTH = "19310517"
SECRETS = (
    PATIENT_LAST,
    PATIENT_FIRST,
    MEMBER,
    INSURED_LAST,
    INSURED_FIRST,
    SUBSCRIBER_LAST,
    SUBSCRIBER_FIRST,
    CHILD_FIRST,
    BIRTH,
    "1931-05-17",
    "05/17/1931",
)
CLAIM = "ZQCLAIM1"


def remittance(
    payer: str = "ZQX PLAN",
    member: str = MEMBER,
    claim: str = CLAIM,
    control: str = "000000001",
    payment_date: str = "20261020",
) -> str:
    """A denied claim whose patient and insured are named, from `payer`; written with | as the element
    separator, so that the payer's name may hold a *."""
    clp = (
        f"CLP|{claim}|1|100|0||12|PCN{claim}|11|1~NM1|QC|1|{PATIENT_LAST}|{PATIENT_FIRST}||||MI|{member}"
        f"~NM1|IL|1|{INSURED_LAST}|{INSURED_FIRST}||||MI|{member}~DTM|050|20261001"
        f"~SVC|HC:99213|100|0||1~DTM|472|20261001~CAS|CO|50|100"
    )
    text = remittance_835(clp.replace("|", "*"), payer="PAYERNAME", payment_date=payment_date, control=control)
    return text.replace("*", "|").replace("PAYERNAME", payer)


def claims(member: str = MEMBER, claim: str = "ZQBILLED1", control: str = "000000001") -> str:
    """An 837P for a child on a parent's plan (subscriber and patient named, birth dates), never answered."""
    text = claim_837(
        f"CLM*{claim}*100***11:B:1*Y*A*Y*Y~HI*ABK:M069~LX*1~SV1*HC:99213*100*UN*1***1~DTP*472*D8*20260801",
        submitted="20260802",
        control=control,
    )
    return (
        text.replace("NM1*IL*1*DOE*JANE****MI*M1", f"NM1*IL*1*{SUBSCRIBER_LAST}*{SUBSCRIBER_FIRST}****MI*{member}")
        .replace("DMG*D8*19800101*F", "DMG*D8*19700101*F")
        .replace("CLM*", f"HL*9*2*23*0~PAT*19~NM1*QC*1*{SUBSCRIBER_LAST}*{CHILD_FIRST}~DMG*D8*{BIRTH}*M~CLM*", 1)
        .replace("HL*2*1*22*0", "HL*2*1*22*1")
    )


@pytest.fixture(scope="module")
def named_db(tmp_path_factory):
    """A year of demo history plus a denied claim from a hostile payer whose patient is distinctively named,
    and an unanswered 837 claim with a named subscriber, patient and birth date."""
    folder = tmp_path_factory.mktemp("privacy")
    db = small_history(folder)
    (folder / "named.835").write_text(remittance(payer=HOSTILE))
    (folder / "named.837").write_text(claims())
    con = database.connect(db)
    results = loader.load_paths(con, [folder / "named.835", folder / "named.837"])
    assert [r.status for r in results] == ["loaded", "loaded"], [cli.result_line(r) for r in results]
    assert (
        con.execute("select count(*) from bill_claims where patient_birth_date = DATE '1931-05-17'").fetchall()[0][0]
        == 1
    )
    con.close()
    return db


@pytest.fixture
def downloads(monkeypatch):
    """Every file a download button offers during the test, as bytes: made at once, or made on a click
    (a table's CSV), which this makes as the click would."""
    offered = []
    original, deferred = MemoryMediaFileStorage.load_and_get_id, MediaFileManager.add_deferred

    def keep(self, path_or_data, mimetype, kind, filename=None):
        offered.append(path_or_data if isinstance(path_or_data, bytes) else str(path_or_data).encode())
        return original(self, path_or_data, mimetype, kind, filename)

    def make(self, data_callable, *args, **kwargs):
        made = data_callable()
        offered.append(made if isinstance(made, bytes) else str(made).encode())
        return deferred(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", keep)
    monkeypatch.setattr(MediaFileManager, "add_deferred", make)
    return offered


@pytest.fixture
def app(named_db, monkeypatch, tmp_path):
    return app_runner(named_db, monkeypatch, tmp_path)


def rendered(at: AppTest) -> str:
    """Everything the page sent to the browser: every element's message (text, labels, help, options,
    chart JSON, table data) and every table as CSV."""
    parts = []

    def walk(node):
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts += [frame.value.to_csv() for frame in at.dataframe]
    return "\n".join(parts)


def unpacked(blob: bytes) -> str:
    """A download's text: a zip's members (xlsx, Parquet export) unpacked, Parquet files read."""
    if not blob.startswith(b"PK"):
        return blob.decode("utf-8", "replace")
    out = []
    with zipfile.ZipFile(io.BytesIO(blob)) as archive:
        for name in archive.namelist():
            member = archive.read(name)
            if name.endswith(".parquet"):
                table = pq.read_table(io.BytesIO(member))
                out.append(" ".join(table.column_names))
                out.append(table.to_pandas().to_csv())
            else:
                out.append(member.decode("utf-8", "replace"))
    return "\n".join(out)


def leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s.lower() in text.lower()]


def test_no_page_shows_patient_data_by_default(app, downloads):
    seen = {}
    for page in PAGES:
        at = app(page)
        if page.endswith("claims.py"):
            at.text_input[0].input(CLAIM).run(timeout=120)
        if page.endswith("data.py"):
            next(b for b in at.button if b.label == "Prepare Parquet export").click().run(timeout=120)
        assert not at.exception, (page, [e.value for e in at.exception])
        seen[page] = rendered(at)
        assert not leaks(seen[page]), (page, leaks(seen[page]))
    # the distinctive claims are there to be leaked: the claim and the hostile payer on the pages
    assert CLAIM in seen["app_pages/claims.py"] and "ZQBILLED1" in seen["app_pages/worklist.py"]
    assert "alert(1)" in seen["app_pages/payers.py"]
    contents = [unpacked(blob) for blob in downloads]
    assert any(CLAIM in c for c in contents) and any("views" in c or "payments" in c for c in contents)
    assert any("ZQBILLED1" in c for c in contents)  # the worklist's unanswered claims, as CSV
    for content in contents:
        assert not leaks(content), leaks(content)


def test_parquet_export_holds_the_documented_views_only(named_db, monkeypatch):
    from analytics import data

    monkeypatch.setenv("DENIALS_DB", str(named_db))
    archive = zipfile.ZipFile(io.BytesIO(data.export_parquet()))
    assert sorted(archive.namelist()) == sorted(f"{v}.parquet" for v in database.PUBLIC_VIEWS)
    for name in archive.namelist():
        table = pq.read_table(io.BytesIO(archive.read(name)))
        assert not [
            c for c in table.column_names if re.search("patient_(first|last)|insured|subscriber|member|birth", c)
        ]
        assert not leaks(table.to_pandas().to_csv()), name


def test_claim_detail_masks_the_patient_until_asked_for_the_session(app):
    at = app("app_pages/claims.py")
    at.text_input[0].input(CLAIM).run(timeout=120)
    heading = next(m.value for m in at.markdown if "patient" in m.value)
    assert not leaks(heading)
    assert f"{PATIENT_FIRST[0]}•" in heading and f"{MEMBER[0]}•" in heading
    toggle = next(t for t in at.toggle if t.label == "Show patient details")
    assert toggle.value is False
    toggle.set_value(True).run(timeout=120)
    heading = next(m.value for m in at.markdown if "patient" in m.value)
    assert PATIENT_FIRST in heading and PATIENT_LAST in heading and MEMBER in heading
    # still on after another page, for the rest of the session
    at.switch_page("app_pages/overview.py").run(timeout=120)
    at.switch_page("app_pages/claims.py").run(timeout=120)
    at.text_input[0].input(CLAIM).run(timeout=120)
    assert next(t for t in at.toggle if t.label == "Show patient details").value is True
    assert PATIENT_LAST in next(m.value for m in at.markdown if "patient" in m.value)
    # ... and off in a new session
    fresh = app("app_pages/claims.py")
    fresh.text_input[0].input(CLAIM).run(timeout=120)
    assert not leaks(next(m.value for m in fresh.markdown if "patient" in m.value))


def plain(markdown: str) -> str:
    """What markdown with backslash escapes shows (escapes resolved, invisible joiners dropped)."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def test_markdown_escaping_keeps_text_as_it_is():
    for text in (
        HOSTILE,
        "A :smile: $5 :red[x] :material/home: :+1: _x_ [l](http://e) ~~s~~ a&amp;b",
        "a\\b`c`",
        "# heading",
        "1. list",
        "- item",
        "lfh-x12__managed-care.835",
    ):
        escaped = ui.md(text)
        assert plain(escaped) == text
        assert not re.search(r"(?<!\\)[<>*\[\]`$~&]", escaped.replace("\\\\", ""))
        assert not re.search(r":[\w+/-]+:", escaped.replace("\\", ""))  # no emoji or icon code left
    assert ui.md("_x_ a_b") == "\\_x\\_ a_b" and ui.md("# h").startswith("\\#")
    assert ui.md("lfh-x12__managed-care.835") == "lfh-x12__managed-care.835"  # plain names read the same
    assert ui.md("line\nbreak") == "line break"


def test_a_hostile_payer_name_shows_as_text(app):
    claims_page = app("app_pages/claims.py")
    claims_page.text_input[0].input(CLAIM).run(timeout=120)
    heading = next(m.value for m in claims_page.markdown if "patient" in m.value)
    assert ui.md(HOSTILE) in heading and "<script>" not in heading and "*star*" not in heading
    assert HOSTILE in plain(heading)
    payers = app("app_pages/payers.py", payer=HOSTILE)  # the filter from the URL: one payer, this one
    assert list(payers.dataframe[0].value["payer_name"]) == [HOSTILE]  # tables show text as it is
    captions = [c.value for c in payers.caption if "alert" in c.value]
    assert captions and all(ui.md(HOSTILE) in c and "<script>" not in c for c in captions)
    # every markdown-rendered element on the pages that shows the name escapes it
    for at in (claims_page, payers):
        for element in (*at.markdown, *at.caption, *at.info, *at.success, *at.error, *at.warning):
            if "alert" in element.value:
                assert "<script>" not in element.value and "<b>" not in element.value
    # charts: plotly.js would read <b> as bold; entities show the characters
    for chart in payers.get("plotly_chart"):
        spec = chart.proto.spec
        if "alert(1)" in spec:
            assert "<script>" not in json.dumps(json.loads(spec), ensure_ascii=False) and "&lt;script&gt;" in spec


def test_load_can_store_patient_data_hashed(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    (folder / "a.835").write_text(remittance(control="000000001"))
    (folder / "b.835").write_text(remittance(claim="ZQCLAIM2", control="000000002", payment_date="20261021"))
    (folder / "c.837").write_text(claims())
    db = tmp_path / "hashed.duckdb"
    assert cli.main(["--db", str(db), "load", "--hash-patient-data", str(folder)]) == 0
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert not found_anywhere(con, SECRETS)
        member = con.execute("select list(distinct patient_member_id) from remit_claims").fetchall()[0][0]
        assert len(member) == 1 and privacy.is_hashed(member[0])  # the same member id in both files: one hash
        # 835 and 837 link on it too; the insured's id is the patient's here
        assert con.execute("select list(distinct subscriber_member_id) from bill_claims").fetchall()[0][0] == member
        assert (
            con.execute("select count(*) from bill_claims where patient_birth_date is not null").fetchall()[0][0] == 0
        )
        assert privacy.is_hashed(con.execute("select birth_date_hash from bill_birth_date_hashes").fetchall()[0][0])
        salt = con.execute("select value from meta where key = 'patient_data_salt'").fetchall()[0][0]
        assert len(salt) == 64
        import hashlib

        assert member[0] == hashlib.sha256((salt + MEMBER).encode()).hexdigest()
    finally:
        con.close()
    # another database has another salt: the same id hashes differently
    other = tmp_path / "other.duckdb"
    assert cli.main(["--db", str(other), "load", "--hash-patient-data", str(folder / "a.835")]) == 0
    con = duckdb.connect(str(other), read_only=True)
    assert con.execute("select patient_member_id from remit_claims").fetchall()[0][0] != member[0]
    con.close()


def found_anywhere(con, needles) -> list[tuple]:
    """(table, column, needle) wherever a text column of any table holds one of the needles."""
    hits = []
    for table, column in con.execute("""select table_name, column_name from information_schema.columns
            where data_type = 'VARCHAR' and table_name in (select table_name from information_schema.tables
            where table_type = 'BASE TABLE')""").fetchall():
        for needle in needles:
            if con.execute(
                f'select count(*) from "{table}" where contains(upper("{column}"), upper(?))', [needle]
            ).fetchall()[0][0]:
                hits.append((table, column, needle))
    for needle in ("1931-05-17",):
        hits += [("bill_claims", "patient_birth_date", needle)] * con.execute(
            "select count(*) from bill_claims where patient_birth_date = DATE '1931-05-17'"
        ).fetchall()[0][0]
    return hits


def test_the_database_setting_makes_hashing_the_default(tmp_path):
    db = tmp_path / "set.duckdb"
    con = database.connect(db)
    settings = tmp_path / "settings.csv"
    settings.write_text("setting,value,description\nno_answer_days,45,\nhash_patient_data,true,every load hashed\n")
    reference.load(con, "settings", settings)
    (tmp_path / "a.835").write_text(remittance())
    assert loader.load_paths(con, [tmp_path / "a.835"])[0].status == "loaded"
    assert not found_anywhere(con, SECRETS)
    # one load may still say otherwise
    (tmp_path / "b.835").write_text(remittance(claim="ZQCLAIM2", control="000000002"))
    with privacy.hashing(False):
        assert loader.load_paths(con, [tmp_path / "b.835"])[0].status == "loaded"
    assert con.execute("select patient_last_name from remit_claims where claim_id = 'ZQCLAIM2'").fetchall() == [
        (PATIENT_LAST,)
    ]
    con.close()


def test_claim_detail_says_the_data_was_stored_hashed(tmp_path, monkeypatch):
    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    (tmp_path / "a.835").write_text(remittance())
    with privacy.hashing(True):
        loader.load_paths(con, [tmp_path / "a.835"])
    con.close()
    monkeypatch.setenv("DENIALS_DB", str(db))
    monkeypatch.setenv("DENIALS_DEMO_DB", str(tmp_path / "unused-demo.duckdb"))
    at = AppTest.from_file(APP).run(timeout=120)
    at.switch_page("app_pages/claims.py").run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    next(t for t in at.toggle if t.label == "Show patient details").set_value(True).run(timeout=120)
    heading = next(m.value for m in at.markdown if "patient" in m.value)
    assert not leaks(heading) and "…" in heading
    assert any("stored hashed" in c.value for c in at.caption)


def test_the_data_page_checkbox_stores_uploads_hashed(tmp_path, monkeypatch):
    db = tmp_path / "own.duckdb"
    con = database.connect(db)
    (tmp_path / "a.835").write_text(remittance())
    loader.load_paths(con, [tmp_path / "a.835"])
    con.close()
    monkeypatch.setenv("DENIALS_DB", str(db))
    monkeypatch.setenv("DENIALS_DEMO_DB", str(tmp_path / "unused-demo.duckdb"))
    at = AppTest.from_file(APP).run(timeout=120)
    at.switch_page("app_pages/data.py").run(timeout=120)
    box = at.checkbox(key="x12_hash")
    assert box.value is False  # the database's setting: shipped false
    box.check()
    upload = remittance(claim="ZQCLAIM2", control="000000002").encode()
    at.file_uploader[0].set_value(("b.835", upload, "text/plain")).run(timeout=120)
    next(b for b in at.button if b.label == "Load").click().run(timeout=120)
    assert not at.exception and any("b.835" in s.value for s in at.success), [e.value for e in at.exception]
    con = duckdb.connect(str(db), read_only=True)
    rows = dict(con.execute("select claim_id, patient_last_name from remit_claims").fetchall())
    con.close()
    assert rows[CLAIM] == PATIENT_LAST and privacy.is_hashed(rows["ZQCLAIM2"])
