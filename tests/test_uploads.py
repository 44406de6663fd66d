"""What the Data page refuses before the loader reads it, and what it says: an upload over the size limit,
a zip archive, an image or a PDF, each named with its reason; an 837 is loaded as claims and says so."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from analytics import data, database, loader, uploads
from conftest import claim_837, needs_shared, remittance_835

pytestmark = needs_shared

APP = str(Path(__file__).resolve().parent.parent / "app.py")
X12 = remittance_835("CLP*A1*1*100*100*0*12*P1*11*1~SVC*HC:99213*100*100**1~DTM*472*20240301").encode()


def archive(name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr(name, content)
    return buffer.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 32


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("remits.zip", archive("a.835", X12), "remits.zip is a zip archive: unzip it and load the files inside"),
        (
            "remits.835.gz",
            gzip.compress(X12),
            "remits.835.gz is a gzip archive: decompress it and load the files inside",
        ),
        ("scan.png", PNG, "scan.png is an image/PDF (PNG image), not an X12 file"),
        ("scan.jpg", JPEG, "scan.jpg is an image/PDF (JPEG image), not an X12 file"),
        ("eob.pdf", PDF, "eob.pdf is an image/PDF (PDF), not an X12 file"),
        ("photo.heic", b"\x00\x00\x00\x18ftypheic" + b"\x00" * 16, "photo.heic is an image/PDF, not an X12 file"),
    ],
)
def test_archives_images_and_pdfs_are_refused_by_their_first_bytes(name, content, expected):
    assert uploads.problem(name, content).startswith(expected)
    # whatever the file is called
    assert uploads.problem("march.835", content).startswith(expected.replace(name, "march.835"))


def test_a_file_over_the_limit_is_refused_naming_the_file_and_the_limit():
    big = X12 + b" " * (2 * 1024 * 1024)
    message = uploads.problem("big.835", big, limit=2)
    assert message.startswith("big.835 is 2.0 MB, over the upload limit of 2 MB (server.maxUploadSize")
    assert uploads.problem("big.835", big, limit=3) is None
    assert uploads.problem("remit.835", X12) is None


def test_the_limit_is_the_configured_one():
    assert uploads.limit_mb(50) == 50
    assert uploads.limit_mb(None) == uploads.limit_mb(0) == uploads.DEFAULT_LIMIT_MB
    shipped = (Path(APP).parent / ".streamlit" / "config.toml").read_text()
    assert f"maxUploadSize = {uploads.DEFAULT_LIMIT_MB}" in shipped


def test_screen_splits_what_loads_from_what_is_refused():
    accepted, refused = uploads.screen([("a.835", X12), ("b.zip", archive("b.835", X12)), ("c.pdf", PDF)])
    assert [name for name, _ in accepted] == ["a.835"]
    assert [r.name for r in refused] == ["b.zip", "c.pdf"]


def test_an_837_result_says_it_was_read_as_claims(con, tmp_path):
    text = claim_837("CLM*B1*100***11:B:1*Y*A*Y*Y~HI*ABK:M069~LX*1~SV1*HC:99213*100*UN*1***1~DTP*472*D8*20240301")
    [result] = loader.load_contents(con, [(Path("billed.txt"), text.encode())])
    level, name, message = uploads.outcome(result)
    assert (level, name) == ("success", "billed.txt") and message.startswith("read as 837 claims")
    [again] = loader.load_contents(con, [(Path("again.txt"), text.encode())])
    assert uploads.outcome(again) == ("info", "again.txt", "same content as billed.txt; nothing changed")
    [bad] = loader.load_contents(con, [(Path("notes.txt"), b"hello")])
    assert uploads.outcome(bad)[:2] == ("error", "notes.txt")


def test_a_file_name_with_a_colon_is_kept_whole(con, tmp_path):
    """The page shows the name and the outcome apart: a name with ': ' in it is not cut there."""
    [result] = loader.load_contents(con, [(Path("march: corrected.txt"), b"hello")])
    assert uploads.outcome(result)[1] == "march: corrected.txt"


@pytest.fixture
def data_page(own_db):
    db = own_db

    def upload(*files: tuple[str, bytes]) -> AppTest:
        at = AppTest.from_file(APP).run(timeout=120)
        at.switch_page("app_pages/data.py").run(timeout=120)
        at.file_uploader[0].set_value([(name, content, "application/octet-stream") for name, content in files])
        at.run(timeout=120)
        next(b for b in at.button if b.label == "Load").click().run(timeout=120)
        assert not at.exception, [e.value for e in at.exception]
        return at

    upload.db = db
    return upload


def count(db: Path, query: str) -> int:
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(query).fetchall()[0][0]
    finally:
        con.close()


def test_the_data_page_names_each_refused_upload_and_loads_the_rest(data_page):
    billed = claim_837("CLM*B1*100***11:B:1*Y*A*Y*Y~HI*ABK:M069~LX*1~SV1*HC:99213*100*UN*1***1~DTP*472*D8*20240301")
    at = data_page(
        ("remits.zip", archive("a.835", X12)),
        ("scan.png", PNG),
        ("eob.pdf", PDF),
        ("billed.837", billed.encode()),
        ("a.835", X12),
    )
    errors = " ".join(e.value for e in at.error)
    assert "remits.zip is a zip archive: unzip it and load the files inside" in errors
    assert "scan.png is an image/PDF" in errors and "eob.pdf is an image/PDF" in errors
    successes = [s.value for s in at.success]
    assert any("billed.837" in s and "read as 837 claims" in s for s in successes)
    assert any("a.835" in s and "payment(s)" in s for s in successes)
    assert count(data_page.db, "select count(*) from bill_claims where claim_id = 'B1'") == 1
    assert count(data_page.db, "select count(*) from source_files") == 3  # the corpus file, the 837, the 835


def test_the_data_page_checks_the_configured_size_limit(data_page):
    config.set_option("server.maxUploadSize", 1)
    try:
        at = data_page(("big.835", X12 + b" " * (1024 * 1024)))
    finally:
        config.set_option("server.maxUploadSize", uploads.DEFAULT_LIMIT_MB)
    assert any("big.835 is 1.0 MB, over the upload limit of 1 MB" in e.value for e in at.error)
    assert count(data_page.db, "select count(*) from source_files") == 1


def test_two_uploads_sharing_a_name_stem_each_show_their_diagnostics(data_page):
    # both out of balance (paid 90 of 100 with nothing adjusted, line and claim): diagnostics each, in a table each
    unbalanced = [
        remittance_835(
            f"CLP*S{n}*1*100*90*0*12*PS{n}*11*1~SVC*HC:99213*100*90**1~DTM*472*20240301",
            payment="90",
            control=f"00000000{n}",
        ).encode()
        for n in (1, 2)
    ]
    at = data_page(("march.835", unbalanced[0]), ("march.txt", unbalanced[1]))
    assert sum("march" in s.value for s in at.success) == 2
    assert [e.label for e in at.expander if "diagnostic" in e.label] == [
        "2 diagnostic(s) in march.835",
        "2 diagnostic(s) in march.txt",
    ]


def test_loaded_files_count_billed_claims_and_show_the_time_of_day(data_page):
    billed = claim_837("CLM*B2*100***11:B:1*Y*A*Y*Y~HI*ABK:M069~LX*1~SV1*HC:99213*100*UN*1***1~DTP*472*D8*20240301")
    at = data_page(("billed.837", billed.encode()))
    files = next(d.value for d in at.dataframe if "billed_claims" in d.value.columns)
    row = files[files["file_name"] == "billed.837"].iloc[0]
    assert (row["holds"], row["claims"], row["billed_claims"]) == ("837", 0, 1)
    from analytics import ui

    assert ui.column_config(files)["loaded_at"]["type_config"]["format"] == "YYYY-MM-DD HH:mm"


def test_loaded_files_list_the_file_loaded_last_first(tmp_path):
    """Files loaded in one transaction share its time: among them, too, the one loaded last comes first."""
    folder = tmp_path / "first load"
    folder.mkdir()
    for n, name in enumerate(["a.835", "b.835", "c.835"]):
        claim = f"CLP*{name[0]}1*1*100*100*0*12*P1*11*1~SVC*HC:99213*100*100**1~DTM*472*20240301"
        text = remittance_835(claim, payment="100", control=f"00000000{n}")
        (folder if name != "c.835" else tmp_path).joinpath(name).write_text(text)
    con = database.connect(tmp_path / "files.duckdb")
    loader.load_paths(con, [folder])  # a and b, in one transaction
    loader.load_paths(con, [tmp_path / "c.835"])
    con.close()
    files = data.query("app/loaded_files", path=tmp_path / "files.duckdb")
    assert list(files["file_name"]) == ["c.835", "b.835", "a.835"]


def test_the_demo_label_goes_once_your_own_files_load(tmp_path, monkeypatch):
    from analytics import demo

    demo.build(tmp_path / "demo.duckdb", tmp_path / "demo-835", months=2, lines=300, seed=2)
    monkeypatch.setenv("DENIALS_DB", str(tmp_path / "own.duckdb"))  # none yet: the dashboard shows the demo
    monkeypatch.setenv("DENIALS_DEMO_DB", str(tmp_path / "demo.duckdb"))
    at = AppTest.from_file(APP).run(timeout=120)
    at.switch_page("app_pages/data.py").run(timeout=120)
    label = next(w.value for w in at.warning if "Demo data" in w.value)
    assert f"`DENIALS_DB` names `{tmp_path / 'own.duckdb'}`, where there is no database yet" in label
    at.file_uploader[0].set_value([("mine.835", X12, "application/octet-stream")]).run(timeout=120)
    next(b for b in at.button if b.label == "Load").click().run(timeout=120)
    assert not at.exception, [e.value for e in at.exception]
    assert any("mine.835" in s.value for s in at.success)  # the result, kept across the page's new run
    assert not any("Demo data" in w.value for w in at.warning)
