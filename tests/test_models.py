"""The SQL graph (analytics/models.py): every file of queries/staging and queries/marts says in its header
what it builds and what it needs, the headers match the SQL, and the database is built from them."""

import re

import duckdb
import pytest

from analytics import database, derived, models

QUERIES = models.QUERIES
SCHEMA_TABLES = set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", (QUERIES / "schema.sql").read_text()))
_CTE = re.compile(
    r"(?:\bwith\b(?:\s+recursive)?|,)\s*(\w+)(?:\s*\([\w\s,]*\))?\s+as\s*(?:not\s+)?(?:materialized\s*)?\(", re.I
)
_RELATION = re.compile(r"(?<!distinct )\b(?:from|join|update|into)\s+([a-z_][a-z0-9_]*)\b(?!\s*\()", re.I)
_CALL = re.compile(r"\b([a-z_][a-z0-9_]*)\s*\(", re.I)


def _closing(text: str, start: int) -> int:
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return len(text)


def read_by(text: str, macros: set) -> set:
    """The relations and macros a SQL text reads: FROM / JOIN / UPDATE targets and macro calls, less its
    own CTEs (a CTE named like the relation it imports reads that relation), its own macros and temporary
    tables."""
    body = re.sub(r"--[^\n]*", "", text)
    found: set = set()
    defined: list = []
    recursive = re.search(r"\bwith\s+recursive\b", body, re.I) is not None

    def scan(part: str) -> None:
        found.update(r.lower() for r in _RELATION.findall(part) if r.lower() not in defined)
        found.update(c.lower() for c in _CALL.findall(part) if c.lower() in macros)

    position = 0
    while (cte := _CTE.search(body, position)) is not None:
        scan(body[position : cte.start()])
        end = _closing(body, cte.end() - 1)
        if recursive:  # WITH RECURSIVE: a CTE may read itself
            defined.append(cte.group(1).lower())
        scan(body[cte.end() : end])  # else its own name, not defined yet, is the relation it shadows
        defined.append(cte.group(1).lower())
        position = end + 1
    scan(body[position:])
    # less its own macros and the temporary tables it makes (an update's steps)
    return found - {m.lower() for m in re.findall(r"CREATE OR REPLACE (?:MACRO|TEMP TABLE) (\w+)", text)}


def test_every_sql_file_of_the_graph_has_a_header_the_graph_reads():
    files = sorted(p for folder in models.FOLDERS for p in (QUERIES / folder).glob("*.sql"))
    assert len(models.graph()) == len(files)
    assert {m.path for m in models.graph().values()} == {f"{p.parent.name}/{p.stem}" for p in files}


def test_a_file_without_a_header_is_refused_with_its_name():
    with pytest.raises(ValueError, match=r"queries/marts/nameless\.sql"):
        models.parse("marts/nameless", "-- a comment\nselect 1")


def test_a_partition_line_names_the_key_and_its_column_and_heads_only_a_table_or_an_update():
    header = "-- builds: table t\n-- needs: fact_units\n"
    assert models.parse("marts/t", header + "-- partition: claim_key\nselect 1").partition == ("claim_key", "claim_key")
    assert models.parse("marts/t", header + "-- partition: unit_id as denial_id\nselect 1").partition == (
        "unit_id",
        "denial_id",
    )
    assert models.parse("marts/t", header + "select 1").partition is None
    assert models.parse("marts/u", "-- builds: update t\n-- needs: t\n-- partition: claim_key\nselect 1").partition
    with pytest.raises(ValueError, match="only a table or an update"):
        models.parse("marts/v", "-- builds: view v\n-- needs: fact_units\n-- partition: claim_key\nselect 1")


def test_every_partitioned_table_has_the_column_its_partition_line_names(tmp_path):
    """A table rebuilt per claim (analytics/derived.py) holds the column its header names."""
    con = database.connect(tmp_path / "p.duckdb")
    partitioned = [m for m in models.after_load() if m.partition and m.kind == "table"]
    assert {m.names[0] for m in partitioned} >= {
        "adjudication_links",
        "recovery_events",
        "recovery_outcomes",
        "claim_facts",
    }
    for model in partitioned:
        columns = {r[0] for r in con.execute(f"DESCRIBE {model.names[0]}").fetchall()}
        assert model.partition[1] in columns, model.path
    con.close()


def test_each_header_names_exactly_what_its_sql_reads():
    graph = models.graph()
    macros = {name for m in graph.values() if m.kind in ("macros", "units table") for name in m.names}
    for model in graph.values():
        read = read_by(model.text(), macros)
        # a need may name a file whose statements must run first (an update, the query that fills a table)
        ordering = {n for n in model.needs if n in graph and n not in read}
        # a units table is filled by its query (a need), not read by its own file
        read -= set(model.names) if model.kind == "units table" else set()
        assert set(model.needs) - ordering == read, model.path


def test_every_need_is_built_by_a_file_loaded_or_shipped():
    graph = models.graph()
    built = {name for m in graph.values() for name in m.names} | set(graph)
    for model in graph.values():
        for name in model.needs:
            assert name in built or name in SCHEMA_TABLES or name.startswith("ref_") or name in models.PYTHON_TABLES, (
                f"{model.path} needs {name}: nothing builds it"
            )


def test_the_build_order_puts_every_file_after_what_it_needs():
    order = list(models.graph())
    for position, model in enumerate(models.graph().values()):
        for name in model.needs:
            needed = models.owner(name)
            if needed is not None:
                assert order.index(needed.node) < position, f"{model.path} before {needed.path}"


def test_the_after_load_step_rebuilds_its_tables_in_order_and_the_findings_last():
    steps = [m.node for m in models.after_load()]
    assert steps.index("adjudication_links") < steps.index("readjudication_flags") < steps.index("claim_facts")
    assert derived.TABLES[-1] == "change_findings_rows"
    assert "claim_facts" in derived.TABLES and "readjudication_flags" not in derived.TABLES


def test_a_new_database_has_everything_the_headers_say_is_built(tmp_path):
    con = database.connect(tmp_path / "new.duckdb")
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()}
        macros = {
            r[0]
            for r in con.execute(
                "SELECT function_name FROM duckdb_functions() WHERE function_type IN ('macro', 'table_macro')"
            ).fetchall()
        }
    finally:
        con.close()
    for model in models.graph().values():
        if model.kind == "view":
            assert model.names[0] in views
        elif model.kind in ("table", "units table"):
            assert model.names[0] in tables
        elif model.kind == "macros":
            assert set(model.names) <= macros
    assert set(models.PYTHON_TABLES) <= tables
    assert set(database.PUBLIC_VIEWS) == {
        m.names[0] for m in models.graph().values() if m.kind == "view" and m.documented
    } | {"claim_status"}


def test_a_database_built_by_an_earlier_release_order_still_opens(tmp_path):
    """The header order replaces hand-kept tuples: opening twice rebuilds nothing and breaks nothing."""
    path = tmp_path / "again.duckdb"
    database.connect(path).close()
    con = database.connect(path)
    try:
        assert derived.refresh(con) is False
        assert con.execute("SELECT count(*) FROM monthly_measures").fetchall() == [(0,)]
    finally:
        con.close()
    duckdb.connect(str(path)).close()


def test_a_regroup_line_names_the_columns_of_the_groups_and_heads_only_a_table():
    header = "-- builds: table t\n-- needs: fact_units\n"
    assert models.parse("marts/t", header + "-- regroup: basis, basis_date\nselect 1").regroup == (
        "basis",
        "basis_date",
    )
    assert models.parse("marts/t", header + "select 1").regroup is None
    accumulated = models.parse("marts/t", header + "-- accumulate: payer_key, procedure_code\nselect 1")
    assert accumulated.accumulate == ("payer_key", "procedure_code") and accumulated.regroup is None
    with pytest.raises(ValueError, match="only a table is regrouped"):
        models.parse("marts/v", "-- builds: view v\n-- needs: fact_units\n-- regroup: basis\nselect 1")


def _top_level_commas(text: str) -> int:
    depth = commas = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        commas += char == "," and depth == 0
    return commas


def test_a_query_that_keeps_the_first_rows_breaks_ties_so_every_run_keeps_the_same_ones():
    # 'limit N' after an order by a measure alone keeps rows that tie at the cut in any order: the Site of
    # care heatmap's 15 codes changed from run to run on the corpus (12 codes with denials, 3 tied at $0)
    untied = []
    for path in sorted(QUERIES.rglob("*.sql")):
        for order in re.findall(r"order by\s+(.*?)\s+limit\s+\d+", path.read_text(), flags=re.S | re.I):
            if _top_level_commas(order) == 0:
                untied.append(f"{path.relative_to(QUERIES)}: order by {order}")
    assert untied == []


def test_the_units_are_judged_again_for_their_own_sql_and_not_for_a_filter_s():
    """refresh_facts judges every unit again when the text of the units query, its table or what they read
    changes (minutes at 10M lines): the dashboard's filters, which only read the units, stay out of it."""
    graph = models.graph()
    judged = models.closure([graph["fact_units"], graph["adjudication_units"]])
    built = {name for model in judged for name in model.names}
    assert "fact_units" in built and "adjudication_units" in built
    assert not built & {"unit_matches", "filtered_adjudications", "filtered_units"}
