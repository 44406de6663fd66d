"""Large files are streamed: read in pieces cut after an SE segment or at the end of an interchange,
parsed with the readers' state carried from piece to piece, inserted piece by piece in one transaction.

The threshold and the piece size are lowered here so that every corpus file is cut into many pieces;
what is stored must be exactly what loading each file whole stores (every table, every column), and a
cut-off file must be refused whole, after some of its pieces were already inserted.
"""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from analytics import billed_claims, database, derived, loader, remittance, x12
from analytics.ingest import memory, streaming
from analytics.x12 import NotX12Error, chunks, decode, stream
from conftest import CORPUS_835, CORPUS_837, corpus_files, needs_shared, remittance_835, rows
from test_fuzz import CONTENT, mutate, mutation

pytestmark = needs_shared

FILES = corpus_files(CORPUS_835) + corpus_files(CORPUS_837)


def _blocks(text: str, size: int):
    return (text[i : i + size] for i in range(0, len(text), size))


def _segments(pieces) -> list:
    return [(c.delimiters, c.enveloped, s) for c in pieces for s in c.segments]


def _same_as_whole(text: str, block: int, piece: int) -> None:
    """stream() yields the segments chunks() yields, with the same delimiters, interchanges counted once,
    and refuses what it refuses with the same message."""
    try:
        whole, refused = list(chunks(text)), None
    except NotX12Error as e:
        whole, refused = None, str(e)
    got, failed = [], None
    try:
        for part in stream(_blocks(text, block), piece):
            got += part
    except NotX12Error as e:
        failed = str(e)
    assert failed == refused
    if refused is None:
        assert _segments(got) == _segments(whole)
        assert sum(c.enveloped and not c.continued for c in got) == sum(c.enveloped for c in whole)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_stream_yields_what_chunks_yields(path, monkeypatch):
    text = decode(path.read_bytes())
    if text.lstrip("\ufeff \t\r\n~").startswith("ISA"):
        # look ahead no further than needed, so that even the first ISA header arrives in bits
        monkeypatch.setattr(x12, "_LOOKAHEAD", 30)
    sizes = ((1, 1), (7, 50), (100, 300)) if len(text) < 20_000 else ((1000, 200), (4096, 20_000))
    for block, piece in (*sizes, (len(text) + 1, 10**9)):
        _same_as_whole(text, block, piece)


@settings(
    max_examples=150,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    name=st.sampled_from(sorted(CONTENT)),
    mutations=st.lists(mutation, min_size=1, max_size=4),
    block=st.integers(1, 400),
    piece=st.integers(1, 3000),
)
def test_stream_yields_what_chunks_yields_on_damaged_files(name, mutations, block, piece):
    try:
        text = decode(mutate(CONTENT[name], mutations))
    except NotX12Error:
        return
    _same_as_whole(text, block, piece)


def _read_in_pieces(text: str, piece: int):
    """Both readers over the pieces, carrying their state; rows of all pieces together, and the counts
    the readers give at the end (they count the whole file so far)."""
    readers = remittance.Reader(), billed_claims.Reader()
    totals = [None, None]
    for part in [*stream(_blocks(text, 97), piece), None]:
        for k, reader in enumerate(readers):
            reader.feed(part or ())
            if part is None:
                reader.finish()
            one = reader.take()
            if totals[k] is None:
                totals[k] = one
                continue
            for name, found in one.rows.items():
                totals[k].rows[name].extend(found)
            totals[k].interchange_keys.extend(one.interchange_keys)
            for name in ("kind", "interchanges", "transaction_sets", "segments", "skipped_sets"):
                setattr(totals[k], name, getattr(one, name))
    return tuple(_as_tuple(total) for total in totals)


def _as_tuple(parsed) -> tuple:
    return (
        parsed.kind,
        parsed.rows,
        parsed.interchanges,
        parsed.transaction_sets,
        parsed.segments,
        parsed.skipped_sets,
        parsed.interchange_keys,
    )


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_readers_in_pieces_read_what_they_read_whole(path):
    text = decode(path.read_bytes())
    whole = _as_tuple(remittance.read(text)), _as_tuple(billed_claims.read(text))
    for piece in (1, 500, 20000) if len(text) < 20_000 else (5000,):
        assert _read_in_pieces(text, piece) == whole


def _tables(con) -> dict:
    """Every table the loader writes, every column, sorted; less the time of loading, and what the
    recovery model derives from all files after the load (its tables, fact_units.readjudication): it
    breaks ties between equal adjudications arbitrarily (queries/marts/adjudication_links.sql), so two
    loads of the same files may already differ there."""
    names = [
        n
        for (n,) in rows(
            con,
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE'"
            " AND table_name NOT LIKE 'ref_%' AND table_name <> 'meta' ORDER BY 1",
        )
        if n not in derived.TABLES
    ]
    assert {"source_files", "remit_claims", "bill_lines", "fact_units", "load_diagnostics"} <= set(names)
    exclude = {"source_files": "EXCLUDE (loaded_at)", "fact_units": "EXCLUDE (readjudication)"}
    return {n: rows(con, f"SELECT * {exclude.get(n, '')} FROM {n} ORDER BY ALL") for n in names}


@pytest.fixture(scope="module")
def whole_load(tmp_path_factory):
    con = database.connect(tmp_path_factory.mktemp("whole") / "whole.duckdb")
    results = {
        r.path.name: (r.status, r.counts, r.diagnostics, r.kind)
        for r in loader.load_paths(con, [CORPUS_835, CORPUS_837])
    }
    yield results, _tables(con)
    con.close()


def test_streamed_load_stores_exactly_what_a_whole_load_does(whole_load, tmp_path, monkeypatch):
    """The larger half of the corpus streamed (835s, 837s, the file mixing 835, 837 and 278 sets), the
    rest parsed by the worker processes in between, as a load of a folder does."""
    threshold = 1300
    monkeypatch.setattr(memory, "STREAM_BYTES", threshold)
    monkeypatch.setattr(memory, "PIECE_CHARS", 5000)  # the largest file in 170 pieces
    monkeypatch.setattr(memory, "READ_BYTES", 999)
    monkeypatch.setattr(memory, "CHUNK_BYTES", 20_000)  # several worker groups between the streamed files
    assert streaming.units_by_piece()  # units derived piece by piece, as for a file far larger than memory
    streamed = {p.name for p in FILES if p.stat().st_size > threshold}
    assert len(streamed) > 30 and "pyx12__mult_isa_mixed_278_835_837.txt" in streamed
    con = database.connect(tmp_path / "streamed.duckdb")
    results = {
        r.path.name: (r.status, r.counts, r.diagnostics, r.kind)
        for r in loader.load_paths(con, [CORPUS_835, CORPUS_837])
    }
    want_results, want_tables = whole_load
    assert results == want_results
    assert _tables(con) == want_tables
    con.close()


def _table_counts(con) -> dict:
    return {n: rows(con, f"SELECT count(*) FROM {n}")[0][0] for n in _tables(con)}


def _streaming_database(tmp_path, monkeypatch, piece: int):
    """A fresh database whose loads stream every file, in pieces of about `piece` characters."""
    monkeypatch.setattr(memory, "STREAM_BYTES", 0)
    monkeypatch.setattr(memory, "PIECE_CHARS", piece)
    return database.connect(tmp_path / "d.duckdb")


def _big_835(copies: int) -> str:
    """Interchanges of a corpus file repeated with their own control numbers."""
    text = (CORPUS_835 / "oopfactory__5010_Nth_835_WithMultipleInterchanges.txt").read_text().lstrip("\ufeff")
    return "\n".join(text.replace("*0000000", f"*{n:07d}") for n in range(copies))  # ISA13, IEA02


@pytest.mark.parametrize("cut", ["last set", "middle set", "837 set"])
def test_a_truncated_big_file_is_refused_whole(tmp_path, monkeypatch, cut):
    con = _streaming_database(tmp_path, monkeypatch, piece=2000)
    assert loader.load_file(con, CORPUS_835 / "edi835parser__emedny_sample.txt").status == "loaded"
    before = _table_counts(con)
    big = _big_835(6)
    if cut == "last set":
        text = big[: big.rindex("SE*") - 40]
    elif cut == "middle set":
        at = big.index("CLP*", len(big) // 2)
        text = big[:at] + big[big.index("GE*", at) :]  # a set that never reaches its SE, then the envelope goes on
    else:
        claims_text = (CORPUS_837 / "imsweb-x12__837P_x12_many_claims.txt").read_text()
        text = big + claims_text[: claims_text.rindex("SE*")]
    path = tmp_path / "big.835"
    path.write_text(text)
    result = loader.load_file(con, path)
    assert result.status == "failed" and "truncated" in result.message and "nothing loaded" in result.message
    assert ("truncated 837" in result.message) == (cut == "837 set")
    assert _table_counts(con) == before
    assert rows(con, "SELECT count(*) FROM source_files") == [(1,)]
    # the same message as the file loaded whole
    monkeypatch.setattr(memory, "STREAM_BYTES", 10**12)
    assert loader.load_file(con, path).message == result.message
    con.close()


def test_a_big_file_loads_once_and_its_keys_continue_across_pieces(tmp_path, monkeypatch):
    con = _streaming_database(tmp_path, monkeypatch, piece=3000)
    path = tmp_path / "big.835"
    path.write_text(_big_835(5))
    first = loader.load_file(con, path)
    assert first.status == "loaded", first.message
    again = loader.load_file(con, path)
    assert again.status == "already loaded"
    assert rows(
        con, "SELECT count(*), count(DISTINCT claim_key), min(claim_key), max(claim_key) FROM remit_claims"
    ) == [(first.counts["claims"], first.counts["claims"], 1, first.counts["claims"])]
    assert rows(
        con,
        "SELECT count(*) FROM remit_service_lines l LEFT JOIN remit_claims c USING (claim_key) "
        "WHERE c.claim_key IS NULL",
    ) == [(0,)]
    assert rows(con, "SELECT interchanges, transaction_sets FROM source_files") == [(15, first.counts["payments"])]
    con.close()


def test_a_file_that_changes_while_it_loads_is_refused(tmp_path, monkeypatch):
    con = _streaming_database(tmp_path, monkeypatch, piece=2000)
    path = tmp_path / "growing.835"
    path.write_text(_big_835(3))
    real = streaming.survey

    def survey_then_append(p):
        found = real(p)
        with open(p, "a") as f:
            f.write(remittance_835("CLP*Z1*1*10*10*0*12*P*11*1", payment="10", control="000000777"))
        return found

    monkeypatch.setattr(streaming, "survey", survey_then_append)
    result = loader.load_file(con, path)
    assert result.status == "failed" and "changed while it was being loaded" in result.message
    assert rows(con, "SELECT count(*) FROM source_files") == [(0,)]
    con.close()


def test_memory_limit_is_lowered_while_streaming_and_restored(tmp_path, monkeypatch):
    con = _streaming_database(tmp_path, monkeypatch, piece=3000)
    before = rows(con, "SELECT current_setting('memory_limit')")
    seen = []
    real = streaming.piece_units

    def spy(cur, *args):
        seen.append(memory.to_bytes(cur.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]))
        return real(cur, *args)

    monkeypatch.setattr(streaming, "piece_units", spy)
    path = tmp_path / "big.835"
    path.write_text(_big_835(2))
    assert loader.load_file(con, path).status == "loaded"
    assert seen and max(seen) <= memory.STREAM_MEMORY * 1.01
    assert rows(con, "SELECT current_setting('memory_limit')") == before
    con.close()


def _limit(cur) -> float:
    return memory.to_bytes(memory.limit_of(cur))


def test_the_rebuild_after_a_load_holds_what_rebuild_memory_gives_and_the_limit_is_put_back(tmp_path, monkeypatch):
    con = _streaming_database(tmp_path, monkeypatch, piece=3000)
    before = rows(con, "SELECT current_setting('memory_limit')")
    given = 1024**3  # under DuckDB's own limit (80% of the machine)
    assert _limit(con) > given
    monkeypatch.setattr(memory, "rebuild_memory", lambda cur: given)
    writing, rebuilding = [], []
    units, refresh = streaming.piece_units, derived.refresh

    def writing_spy(cur, *args):
        writing.append(_limit(cur))
        return units(cur, *args)

    def rebuilding_spy(cur, *args, **kwargs):
        rebuilding.append(_limit(cur))
        return refresh(cur, *args, **kwargs)

    monkeypatch.setattr(streaming, "piece_units", writing_spy)
    monkeypatch.setattr(derived, "refresh", rebuilding_spy)
    path = tmp_path / "big.835"
    path.write_text(_big_835(2))
    assert loader.load_file(con, path).status == "loaded"
    assert writing and max(writing) <= memory.STREAM_MEMORY * 1.01
    assert rebuilding == [pytest.approx(given, rel=0.01)]
    assert rows(con, "SELECT current_setting('memory_limit')") == before
    con.close()


def test_a_rebuild_may_hold_what_the_database_takes_on_disk_within_its_bounds(tmp_path, monkeypatch):
    con = database.connect(tmp_path / "d.duckdb")
    path = tmp_path / "big.835"
    path.write_text(_big_835(2))
    assert loader.load_file(con, path).status == "loaded"
    on_disk = memory.on_disk(con)
    assert memory.rebuild_memory(con) == memory.STREAM_MEMORY  # a small database: the load's own limit
    monkeypatch.setattr(memory, "STREAM_MEMORY", on_disk // 4)
    assert memory.rebuild_memory(con) == on_disk  # a large one (for these bounds): what it takes on disk
    monkeypatch.setattr(memory, "REBUILD_MEMORY", on_disk // 2)
    assert memory.rebuild_memory(con) == on_disk // 2  # never above REBUILD_MEMORY
    monkeypatch.setattr(memory, "REBUILD_MEMORY", 1024**3)
    monkeypatch.setattr(memory.os, "sysconf", lambda name: {"SC_PAGE_SIZE": 1, "SC_PHYS_PAGES": on_disk}[name])
    assert memory.rebuild_memory(con) == on_disk // 4  # nor above a quarter of the machine's memory
    con.close()


def test_a_rebuild_out_of_its_memory_runs_again_with_the_memory_there_was_before_the_load(tmp_path, monkeypatch):
    monkeypatch.setattr(memory, "rebuild_memory", lambda cur: 1024**3)
    con = database.connect(tmp_path / "d.duckdb")
    before = _limit(con)
    seen = []
    refresh = derived.refresh

    def short_of_memory_once(cur, *args, **kwargs):
        seen.append(_limit(cur))
        if len(seen) == 1:
            raise duckdb.OutOfMemoryException("Out of Memory Error: could not allocate block")
        return refresh(cur, *args, **kwargs)

    monkeypatch.setattr(derived, "refresh", short_of_memory_once)
    path = tmp_path / "one.835"
    path.write_text(remittance_835("CLP*C1*1*100*80**12*P1~SVC*HC:99213*100*80**1~DTM*472*20240301~CAS*CO*45*20~"))
    assert loader.load_file(con, path).status == "loaded"
    assert seen == [pytest.approx(1024**3, rel=0.01), pytest.approx(before, rel=0.01)]
    assert _limit(con) == pytest.approx(before, rel=0.01)
    assert rows(con, "SELECT claim_id FROM claim_facts") == [("C1",)]  # the second rebuild ran
    con.close()
