"""The load command: atomic per file, idempotent, and clear about input it cannot use."""

from __future__ import annotations

from concurrent.futures import Future
from pathlib import Path

import duckdb
import pytest

from analytics import database, loader
from analytics.ingest import memory, store, workers
from conftest import CORPUS_835, load_cli, load_text, needs_shared, remittance_835, rows, table_counts

pytestmark = needs_shared

ROOT = Path(__file__).resolve().parent.parent
GOOD = CORPUS_835 / "edi835parser__emedny_sample.txt"


def counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return table_counts(con)
    finally:
        con.close()


def bad_inputs(folder: Path) -> dict[str, Path]:
    folder.mkdir()
    text = GOOD.read_text()
    files = {
        "empty": folder / "empty.835",
        "binary": folder / "image.835",
        "truncated": folder / "truncated.835",
        "not_x12": folder / "notes.txt",
    }
    files["empty"].write_bytes(b"")
    files["binary"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    files["truncated"].write_text(text[: len(text) // 2])
    files["not_x12"].write_text("Patient,Amount\nSmith,100.00\n")
    return files


@pytest.mark.parametrize("kind", ["empty", "binary", "truncated", "not_x12"])
def test_bad_file_gives_one_clear_line_and_changes_nothing(tmp_path, kind):
    db = tmp_path / "d.duckdb"
    assert load_cli(str(GOOD), db=db).returncode == 0
    before = counts(db)
    path = bad_inputs(tmp_path / "in")[kind]
    done = load_cli(str(path), db=db)
    assert done.returncode == 1
    problem = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(problem) == 1 and str(path) in problem[0] and "nothing loaded" in problem[0]
    assert {"empty": "empty", "binary": "binary", "truncated": "truncated 835", "not_x12": "not an X12 file"}[
        kind
    ] in problem[0]
    assert counts(db) == before


def test_unreadable_path_fails_clearly(tmp_path):
    done = load_cli(str(tmp_path / "missing.835"), db=tmp_path / "d.duckdb")
    assert done.returncode == 1
    assert "missing.835: no such file or folder" in done.stderr


def test_cli_loads_folders_recursively_and_summarises(tmp_path):
    nested = tmp_path / "in" / "2024" / "march"
    nested.mkdir(parents=True)
    (nested / "a.835").write_bytes(GOOD.read_bytes())
    (tmp_path / "in" / "b.835").write_bytes((CORPUS_835 / "lfh-x12__managed-care.835").read_bytes())
    done = load_cli(str(tmp_path / "in"), db=tmp_path / "d.duckdb")
    assert done.returncode == 0, done.stderr
    out = done.stdout.splitlines()
    assert out[0].startswith("loaded") and "b.835: 1 payment(s), 2 claim(s)" in out[0]
    assert "a.835: 1 payment(s), 3 claim(s), 10 line(s)" in out[1]
    assert out[-1].startswith("2 file(s): 2 loaded. Added 2 payment(s), 5 claim(s), 12 service line(s)")


def test_a_folder_that_holds_the_database_loads_its_files_and_not_the_database(tmp_path):
    """`load . --db ./denials.duckdb` in the folder of one's 835s: the database, its log, its lock and the
    dashboard's copies were read as input and reported failed (binary, not X12) on every load."""
    folder = tmp_path / "remittances"
    folder.mkdir()
    (folder / "a.835").write_bytes(GOOD.read_bytes())
    db = folder / "denials.duckdb"
    first = load_cli(str(folder), db=db)
    again = load_cli(str(folder), db=db)
    assert first.returncode == again.returncode == 0, (first.stderr, again.stderr)
    assert db.with_name(db.name + ".dashboard").is_dir() and db.with_name(db.name + ".lock").exists()  # beside it
    assert first.stdout.splitlines()[-1].startswith("1 file(s): 1 loaded.")
    assert again.stdout.splitlines() == [
        "already loaded  " + str(folder / "a.835") + ": same content as a.835; nothing changed",
        "1 file(s): 1 already loaded. Added 0 payment(s), 0 claim(s), 0 service line(s), 0 adjustment(s) to "
        + str(db)
        + ".",
    ]


def test_a_file_is_recorded_at_its_real_path_through_a_linked_folder_or_a_link(con, tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (real / "a.835").write_text(remittance_835("CLP*A1*1*100*100*0*12*X1*11*1", payment="100"))
    (real / "b.835").write_text(remittance_835("CLP*B1*1*100*100*0*12*X2*11*1", payment="100"))
    (tmp_path / "linked").symlink_to(real)
    (tmp_path / "link.835").symlink_to(real / "b.835")
    results = loader.load_paths(con, [tmp_path / "linked" / "a.835", tmp_path / "link.835"])
    assert [r.status for r in results] == ["loaded", "loaded"]
    assert rows(con, "SELECT file_name, file_path FROM source_files ORDER BY file_id") == [
        ("a.835", str(real.resolve() / "a.835")),
        ("link.835", str(real.resolve() / "b.835")),
    ]


def test_same_content_under_another_name_is_not_loaded_twice(con, tmp_path):
    first = load_text(con, tmp_path, GOOD.read_text(), "first.835")
    second = load_text(con, tmp_path, GOOD.read_text(), "copy-of-first.835")
    assert (first.status, second.status) == ("loaded", "already loaded")
    assert "first.835" in second.message
    assert rows(con, "SELECT count(*) FROM claims") == [(3,)]


def test_a_file_that_fails_to_store_leaves_nothing_behind(con, tmp_path, monkeypatch):
    load_text(con, tmp_path, GOOD.read_text(), "good.835")
    before = table_counts(con)
    real_insert = store.insert

    def failing(cur, table, incoming):
        if table == "remit_adjustments":  # after payments, claims and lines went in
            raise duckdb.ConstraintException("simulated failure half-way through the file")
        return real_insert(cur, table, incoming)

    monkeypatch.setattr(store, "insert", failing)
    result = load_text(con, tmp_path, remittance_835("CLP*X1*1*100*0*0*12*P*11*1~SVC*HC:99213*100*0**1~CAS*CO*50*100"))
    assert result.status == "failed" and "simulated failure" in result.message
    assert table_counts(con) == before


def test_one_bad_file_in_a_batch_does_not_keep_the_others_out(con, tmp_path, monkeypatch):
    folder = tmp_path / "batch"
    folder.mkdir()
    for n in range(3):
        (folder / f"f{n}.835").write_text(
            remittance_835(f"CLP*C{n}*1*10*10*0*12*P*11*1", payment="10", control=f"00000000{n}")
        )
    real_insert = store.insert

    def failing(cur, table, incoming):
        if table == "remit_claims":
            # the chunk's rows are all there; batch_files says which files this attempt writes
            cur.register("probe", incoming)
            writing_c1 = cur.execute(
                "SELECT count(*) FROM probe JOIN batch_files USING (file_index) WHERE claim_id = 'C1'"
            ).fetchall()[0][0]
            cur.unregister("probe")
            if writing_c1:
                raise duckdb.ConstraintException("claim C1 cannot be stored")
        return real_insert(cur, table, incoming)

    monkeypatch.setattr(store, "insert", failing)
    results = {r.path.name: r.status for r in loader.load_paths(con, [folder])}
    assert results == {"f0.835": "loaded", "f1.835": "failed", "f2.835": "loaded"}
    assert rows(con, "SELECT claim_id FROM claims ORDER BY claim_id") == [("C0",), ("C2",)]


def test_a_file_with_neither_835_nor_837_is_skipped_with_a_note(con, tmp_path):
    isa = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240315*1200*^*00501*000000001*0*P*:"
    text = (
        "~".join(
            [
                isa,
                "GS*HI*A*B*20240315*1200*1*X*005010X217",
                "ST*278*0001",
                "BHT*0007*13*1*20240315*1200",
                "SE*3*0001",
                "GE*1*1",
                "IEA*1*000000001",
            ]
        )
        + "~"
    )
    result = load_text(con, tmp_path, text, "authorisation.278")
    assert (
        result.status == "skipped" and "no 835 or 837 transaction set" in result.message and "278 x1" in result.message
    )
    assert rows(con, "SELECT count(*) FROM source_files") == [(0,)]


def test_delimiter_variants_load_the_same_rows(con, tmp_path):
    star = remittance_835("CLP*D1*1*100*80*0*12*P*11*1~SVC*HC:99213:25*100*80**1~CAS*CO*45*20", payment="80")
    variants = {
        "pipe.835": star.replace("*", "|").replace(":", "^").replace("|^|", "|^|"),
        "newline.835": star.replace("~\n", "\n"),
        "crlf.835": star.replace("~\n", "\r\n"),
        "bom_indented.835": "\ufeff" + star.replace("~\n", "~\n    "),
        "one_line.835": star.replace("~\n", "~"),
    }
    for n, (name, text) in enumerate(variants.items()):
        result = load_text(con, tmp_path, text.replace("000000001", f"00000000{n + 2}"), name)
        assert result.status == "loaded", (name, result.message)
    found = rows(
        con,
        "SELECT file_name, procedure_code, modifiers, charge_amount, paid_amount FROM service_lines ORDER BY file_name",
    )
    assert [r[1:] for r in found] == [("99213", ["25"], 100, 80)] * len(variants)


def test_repetition_separator_is_read_from_isa11(con, tmp_path):
    text = remittance_835("CLP*E1*1*10*10*0*12*P*11*1", payment="10")
    assert "*^*00501*" in text  # ISA11 = '^' in 5010
    assert load_text(con, tmp_path, text).status == "loaded"


def test_database_path_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DENIALS_DB", str(tmp_path / "elsewhere.duckdb"))
    assert database.default_path() == tmp_path / "elsewhere.duckdb"
    monkeypatch.delenv("DENIALS_DB")
    assert database.default_path() == ROOT / "var" / "denials.duckdb"


def test_parallel_chunked_load_stores_exactly_what_a_sequential_load_does(tmp_path, monkeypatch):
    """Workers, small chunks merged into larger transactions: same rows, keys and diagnostics."""

    def snapshot(con):
        return {
            "claims": rows(
                con, "SELECT file_name, claim_id, status_code, charge_amount, paid_amount FROM claims ORDER BY ALL"
            ),
            "lines": rows(
                con,
                "SELECT c.claim_id, c.file_name, l.procedure_code, l.paid_amount FROM service_lines l"
                " JOIN claims c USING (claim_key) ORDER BY ALL",
            ),
            "adjustments": rows(
                con,
                "SELECT a.file_name, a.claim_id, a.reason_code, a.amount, l.procedure_code"
                " FROM adjustments a LEFT JOIN service_lines l USING (line_key) ORDER BY ALL",
            ),
            "denials": rows(
                con, "SELECT file_name, claim_id, procedure_code, denied_amount, category FROM denials ORDER BY ALL"
            ),
            "diagnostics": rows(
                con,
                "SELECT f.file_name, d.segment_position, d.message FROM load_diagnostics d"
                " JOIN source_files f USING (file_id) ORDER BY ALL",
            ),
            "keys": rows(con, "SELECT count(DISTINCT claim_key), count(*) FROM remit_claims"),
        }

    sequential = database.connect(tmp_path / "sequential.duckdb")
    for path in sorted(CORPUS_835.iterdir()):
        loader.load_file(sequential, path)
    monkeypatch.setattr(memory, "CHUNK_BYTES", 64 * 1024)
    monkeypatch.setattr(memory, "WRITE_BYTES", 256 * 1024)
    parallel = database.connect(tmp_path / "parallel.duckdb")
    results = loader.load_paths(parallel, [CORPUS_835])
    # one corpus file repeats 156 times the interchange another holds once: the same interchange, loaded once
    assert {r.path.name: r.status for r in results if r.status != "loaded"} == {
        "x12parser-js__profee-multiple_156_isa.edi": "already loaded"
    }
    assert snapshot(parallel) == snapshot(sequential)


def test_parse_ahead_is_bounded_by_the_bytes_in_flight_not_by_the_number_of_files(tmp_path, monkeypatch):
    """Six files just under the streaming threshold once peaked at 7.5 GB on 2 cores: each parsed file's
    rows waited in memory, as many as the window of files allowed. Now the input parsed or being
    parsed ahead of the writer never exceeds memory.AHEAD_BYTES (a group larger than that goes alone)."""
    sizes = [3000, 3000, 3000, 9000, 1000, 1000, 1000, 3000]
    groups = []
    for n, size in enumerate(sizes):
        path = tmp_path / f"{n}.835"
        path.write_bytes(b"x" * size)
        groups.append([path])
    monkeypatch.setattr(memory, "AHEAD_BYTES", 6000)

    class Pool:
        """Parses nothing: counts the bytes submitted and not yet handed to the writer."""

        def __init__(self):
            self.in_flight = self.most = 0

        def submit(self, group):
            self.in_flight += sum(p.stat().st_size for p in group)
            self.most = max(self.most, self.in_flight)
            return Future()

        def result(self, group, item):
            self.in_flight -= sum(p.stat().st_size for p in group)
            return group

    pool = Pool()
    assert list(workers.in_order(pool, groups)) == groups  # in order
    assert pool.most == 9000  # the large group alone; never more than 6000 bytes of the others
    pool.most = 0
    assert list(workers.in_order(pool, groups[:3] + groups[4:])) == groups[:3] + groups[4:]
    assert pool.most == 6000


def test_a_transaction_is_written_once_the_rows_waiting_for_it_fill_the_memory_allowed(tmp_path, monkeypatch):
    """Transactions take about memory.WRITE_BYTES of input, or less when the parsed rows waiting for one
    reach memory.WRITE_HELD_BYTES (claims of one segment take 60 times their input in memory)."""
    folder = tmp_path / "in"
    folder.mkdir()
    for n in range(4):
        claims = (f"CLP*F{n}C{k}*1*100*100*0*12*X{k}*11*1" for k in range(500))
        (folder / f"{n}.835").write_text(remittance_835(*claims, payment="50000", control=f"00000000{n}"))
    monkeypatch.setattr(memory, "CHUNK_BYTES", 1)  # a group per file
    monkeypatch.setattr(memory, "WRITE_BYTES", 1 << 30)

    def transactions(held: int) -> int:
        monkeypatch.setattr(memory, "WRITE_HELD_BYTES", held)
        con = database.connect(tmp_path / f"{held}.duckdb")
        results = loader.load_paths(con, [folder], rebuild=False)
        assert [r.status for r in results] == ["loaded"] * 4
        return rows(con, "SELECT count(DISTINCT loaded_at) FROM source_files")[0][0]  # now() of each transaction

    assert transactions(1 << 30) == 1
    assert transactions(1) == 4


@pytest.mark.parametrize("streamed", [False, True], ids=["whole", "streamed"])
def test_a_nul_byte_past_the_first_64_kib_is_refused_as_binary(con, tmp_path, monkeypatch, streamed):
    text = remittance_835(*(f"CLP*C{n}*1*100*100*0*12*X{n}*11*1" for n in range(3000)), payment="300000")
    assert len(text) > 100_000
    at = text.index("C2999")
    path = tmp_path / "nul.835"
    path.write_bytes(text[:at].encode() + b"\x00" + text[at + 1 :].encode())
    if streamed:
        monkeypatch.setattr(memory, "STREAM_BYTES", 0)
    [result] = loader.load_paths(con, [path])
    assert (result.status, result.message) == (
        "failed",
        "the file is binary (it contains NUL bytes), not X12 text; nothing loaded",
    )
    assert rows(con, "SELECT count(*) FROM source_files") == [(0,)]


def test_a_symbolic_link_loop_named_on_the_command_line_is_called_one(tmp_path):
    loop = tmp_path / "loop.835"
    loop.symlink_to(loop)
    there, back = tmp_path / "there.835", tmp_path / "back.835"
    there.symlink_to(back)
    back.symlink_to(there)
    missing = tmp_path / "missing.835"
    done = load_cli(str(loop), str(there), str(missing), db=tmp_path / "d.duckdb")
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"failed          {loop}: a symbolic link loop (the link leads back to itself)",
        f"failed          {there}: a symbolic link loop (the link leads back to itself)",
        f"failed          {missing}: no such file or folder",
    ]


def test_a_newline_in_a_file_name_does_not_split_its_line(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "march\n2024\t.835").write_text(remittance_835("CLP*A1*1*100*100*0*12*X1*11*1", payment="100"))
    done = load_cli(str(folder), db=tmp_path / "d.duckdb")
    assert done.returncode == 0, done.stderr
    first, summary = done.stdout.splitlines()
    assert first.startswith(f"loaded          {folder}/march\\n2024\\t.835: 1 payment(s)")
    assert summary.startswith("1 file(s): 1 loaded.")


def test_an_isa_header_with_too_few_elements_is_named_as_malformed(con, tmp_path):
    text = remittance_835("CLP*A1*1*100*100*0*12*X1*11*1", payment="100")
    isa, rest = text.split("~", 1)
    short = "*".join(isa.split("*")[:11])  # ISA and 10 elements, ending with ISA10 (the time)
    [result] = [load_text(con, tmp_path, short + "~" + rest)]
    assert (result.status, result.message) == (
        "failed",
        "the ISA header is malformed: it has 10 elements where 16 are needed; nothing loaded",
    )
