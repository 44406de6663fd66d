"""The staging and marts SQL of queries/ on Spark SQL: the same files, in the order of the SQL graph.

Each file is transpiled with sqlglot (read='duckdb', write='spark') after a few rewrites of the AST for
what sqlglot does not carry over (docs/scale.md lists them): DuckDB macros are inlined where they are
called (parameters replaced by the arguments), `len(list)` becomes `array_size`, `list_has_any` becomes
`arrays_overlap`, `format('{}')` becomes `format_string('%s')`, `rowid` becomes
`monotonically_increasing_id()`, a list of tuples sorted and indexed becomes an array of structs. Where a file
cannot be carried over so, a reviewed Spark SQL variant sits beside it (`queries/marts/spark/NAME.sql`) and is
used instead; for an `update` its variant is a query whose result replaces the table. tests/test_spark.py
checks that every file transpiles and runs on Spark, or has its variant.

About 510 lines in one module: the AST rewrites are small and each one exists for the transpiler below
them; apart, a reader would chase one translation over several files.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import sqlglot
from sqlglot import exp

from analytics import models, reference
from analytics.database import sql
from analytics.spark.lake import RAW_TABLES, Lake, schema_of, spark_type

QUERIES = models.QUERIES
# the load's units query reads the files first_id..last_id; on Spark it reads every file at once
ALL_FILES = {"first_id": "0", "last_id": str(2**31 - 1)}

_MACRO = re.compile(r"CREATE\s+OR\s+REPLACE\s+MACRO\s+(\w+)\s*\(([^)]*)\)\s+AS\s+(TABLE\s+)?(.*)", re.S | re.I)


@dataclass(frozen=True)
class Macro:
    name: str
    params: tuple
    table: bool
    body: str  # DuckDB SQL: a query (table macro) or an expression


def variant_path(model: models.Model) -> Path:
    """queries/marts/spark/NAME.sql for queries/marts/NAME.sql: in a folder of its own, since
    models.graph() reads every *.sql file of queries/marts (a NAME.spark.sql beside it would be taken
    for a DuckDB model)."""
    folder, name = model.path.rsplit("/", 1)
    return QUERIES / folder / "spark" / f"{name}.sql"


def has_variant(model: models.Model) -> bool:
    return variant_path(model).exists()


def statements(text: str) -> list[str]:
    """A file's statements (split at a ';' that ends a line), comment lines dropped."""
    body = models.without_comments(text)
    return [s.strip() for s in re.split(r";\s*$", body, flags=re.M) if s.strip()]


def macros_of(model: models.Model) -> list[Macro]:
    out = []
    for statement in statements(model.text()):
        found = _MACRO.match(statement)
        if found:
            params = tuple(p.strip() for p in found.group(2).split(",") if p.strip())
            out.append(Macro(found.group(1).lower(), params, bool(found.group(3)), found.group(4).strip()))
    return out


def _substitute(tree: exp.Expression, values: dict) -> exp.Expression:
    """Parameters (unqualified names) replaced by the argument expressions."""

    def swap(node):
        if isinstance(node, exp.Column) and not node.table and node.name.lower() in values:
            return values[node.name.lower()].copy()
        return node

    return tree.transform(swap)


def _own_ctes(body: exp.Expression, prefix: str) -> exp.Expression:
    """A macro body's CTEs renamed PREFIX__NAME (read under their own names as aliases): Spark SQL
    written by sqlglot lifts nested CTEs to the top, where initial_claims' `claims` and claim_rollup's
    `claims` would clash."""
    with_ = body.args.get("with_") or body.args.get("with")
    if with_ is None:
        return body
    names = {cte.alias_or_name: f"{prefix}__{cte.alias_or_name}" for cte in with_.expressions}

    def rename(node):
        if isinstance(node, exp.Table) and node.name in names and not node.args.get("db"):
            alias = node.alias or node.name
            return exp.Table(
                this=exp.to_identifier(names[node.name]), alias=exp.TableAlias(this=exp.to_identifier(alias))
            )
        return node

    body = body.transform(rename)
    with_ = body.args.get("with_") or body.args.get("with")
    for cte in with_.expressions if with_ is not None else []:
        cte.set("alias", exp.TableAlias(this=exp.to_identifier(names[cte.alias_or_name])))
    return body


def inline(tree: exp.Expression, macros: dict) -> exp.Expression:
    """Macro calls replaced by their bodies, repeatedly (a macro may call another)."""
    for _ in range(10):
        changed = False

        def swap(node):
            nonlocal changed
            name = None
            if isinstance(node, exp.Anonymous):
                name = str(node.this).lower()
            if name not in macros:
                return node
            macro = macros[name]
            if macro.table:
                return node  # a table macro is inlined where its Table is (`tables`), on the next pass
            values = dict(zip(macro.params, node.expressions, strict=True))
            body = _substitute(sqlglot.parse_one(macro.body, read="duckdb"), values)
            changed = True
            return exp.Paren(this=body) if not isinstance(body, exp.Select) else exp.Subquery(this=body)

        def tables(node):
            nonlocal changed
            if isinstance(node, exp.Table) and isinstance(node.this, exp.Anonymous):
                name = str(node.this.this).lower()
                if name in macros and macros[name].table:
                    macro = macros[name]
                    values = dict(zip(macro.params, node.this.expressions, strict=True))
                    body = _own_ctes(_substitute(sqlglot.parse_one(macro.body, read="duckdb"), values), name)
                    changed = True
                    return exp.Subquery(this=body, alias=exp.TableAlias(this=exp.to_identifier(node.alias_or_name)))
            return node

        tree = tree.transform(tables).transform(swap)
        if not changed:
            break
    return tree


def _inline_windows(tree: exp.Expression) -> exp.Expression:
    """Named windows (`WINDOW w AS (...)`, one built on another) written out in each OVER: Spark does
    not take a window defined on another."""
    for select in list(tree.find_all(exp.Select)):
        named = select.args.get("windows")
        if not named:
            continue
        specs: dict = {}
        for window in named:
            base = specs.get(window.alias) if window.alias else None
            full = {key: window.args.get(key) or (base or {}).get(key) for key in ("partition_by", "order", "spec")}
            specs[window.name] = full

        def fill(node, specs=specs):
            if isinstance(node, exp.Window) and node.alias in specs and node.args.get("over"):
                for key, value in specs[node.alias].items():
                    if value is not None:
                        node.set(key, value.copy() if isinstance(value, exp.Expression) else [v.copy() for v in value])
                node.set("alias", None)
            return node

        for expression in select.expressions:
            expression.transform(fill, copy=False)
        select.set("windows", None)
    return tree


def _spark_rewrites(tree: exp.Expression) -> exp.Expression:
    """What sqlglot does not carry over from DuckDB to Spark, rewritten in the tree."""
    tree = _inline_windows(tree)

    def fix(node):
        # `AS NOT MATERIALIZED` / `AS MATERIALIZED`: DuckDB's hints; Spark plans CTEs itself
        if isinstance(node, exp.CTE) and node.args.get("materialized") is not None:
            node.set("materialized", None)
            return node
        # UNION ALL BY NAME (initial_claims: claim_facts and its columns replaced under a filter, the same
        # columns in the same order): by position on Spark
        if isinstance(node, exp.Union) and node.args.get("by_name"):
            node.set("by_name", None)
            return node
        # rowid (remarks.sql: the order a table's rows were stored in): Spark has none; its
        # monotonically_increasing_id() grows with the order the lake's files hold the rows in, the order the
        # reader wrote them (a file's rows together, in order): the same order within a claim, other values
        if isinstance(node, exp.Column) and not node.table and node.name.lower() == "rowid":
            return exp.Anonymous(this="monotonically_increasing_id", expressions=[])
        # HUGEINT: Spark's widest exact integer is DECIMAL(38, 0)
        if isinstance(node, exp.DataType) and node.this == exp.DataType.Type.INT128:
            return exp.DataType.build("DECIMAL(38, 0)")
        # len(list): every len() in queries/ is of a list; Spark's length() is of strings
        if isinstance(node, exp.Length):
            return exp.ArraySize(this=node.this)
        # list_has_any(a, b): sqlglot writes `a && b`, which Spark does not have
        if isinstance(node, exp.ArrayOverlaps):
            return exp.Anonymous(this="arrays_overlap", expressions=[node.this, node.expression])
        # format('{} ...', ...) (fmt style) -> format_string('%s ...')
        if (
            isinstance(node, exp.Anonymous)
            and str(node.this).lower() == "format"
            or (type(node).__name__ == "Format" and hasattr(node, "expressions"))
        ):
            args = list(node.expressions) if isinstance(node, exp.Anonymous) else [node.this, *node.expressions]
            if args and isinstance(args[0], exp.Literal) and args[0].is_string:
                pattern = args[0].this.replace("%", "%%")
                pattern = re.sub(r"\{:g\}", "%s", pattern).replace("{}", "%s")
                return exp.Anonymous(this="format_string", expressions=[exp.Literal.string(pattern), *args[1:]])
        # list((a, b)): a list of tuples -> array of structs col1, col2 (sorted the same way)
        if isinstance(node, exp.ArrayAgg) and isinstance(node.this, exp.Tuple):
            items = node.this.expressions
            pairs = []
            for i, item in enumerate(items):
                pairs += [exp.Literal.string(f"col{i + 1}"), item]
            return exp.ArrayAgg(this=exp.Anonymous(this="named_struct", expressions=pairs))
        # pair[2] on such a struct inside a lambda -> pair.col2 (1-based in DuckDB)
        if (
            isinstance(node, exp.Bracket)
            and isinstance(node.this, exp.Identifier)
            and node.find_ancestor(exp.Lambda) is not None
            and len(node.expressions) == 1
            and isinstance(node.expressions[0], exp.Literal)
        ):
            return exp.Dot(
                this=exp.column(node.this.this), expression=exp.to_identifier(f"col{int(node.expressions[0].this) + 1}")
            )
        return node

    return tree.transform(fix)


def _needs_columns(tree: exp.Expression) -> bool:
    """Whether the tree has a `* REPLACE (...)`, which Spark SQL does not have (`* EXCLUDE` it has, as
    `* EXCEPT`)."""
    return any(star.args.get("replace") for star in tree.find_all(exp.Star))


def split_ctes(tree: exp.Expression, prefix: str) -> tuple[list[tuple[str, str]], str]:
    """A query's CTEs read more than once, as (relation name, Spark SQL) to build first, and the query
    that reads them by those names. Spark inlines every CTE where it is read, so a chain of CTEs each
    read twice grows a plan exponentially (minutes of planning for a few thousand rows); built one by
    one, each plan stays small. A recursive CTE, and what reads it, stays in the query."""
    with_ = tree.args.get("with_") or tree.args.get("with")
    if not isinstance(tree, exp.Select) or with_ is None or with_.args.get("recursive"):
        return [], tree.sql(dialect="spark")
    parts: list[tuple[str, str]] = []
    ctes = list(with_.expressions)
    kept = []
    for n, cte in enumerate(ctes):
        name = cte.alias_or_name
        later = [c.this for c in ctes[n + 1 :]] + [tree]
        reads = sum(
            1 for node in later for table in node.find_all(exp.Table) if table.name == name and not table.args.get("db")
        )
        if reads < 2:
            kept.append(cte)
            continue
        relation = f"{prefix}__{name}"
        body = cte.this.copy()
        # earlier CTEs kept inline go with it
        if kept:
            body.set("with_", exp.With(expressions=[k.copy() for k in kept]))
        parts.append((relation, body.sql(dialect="spark")))

        def rename(node, name=name, relation=relation):
            if isinstance(node, exp.Table) and node.name == name and not node.args.get("db"):
                alias = node.alias or name
                return exp.Table(this=exp.to_identifier(relation), alias=exp.TableAlias(this=exp.to_identifier(alias)))
            return node

        for c in ctes[n + 1 :]:
            c.set("this", c.this.transform(rename))
        tree.set("expressions", [e.transform(rename) for e in tree.expressions])
        for key in ("from_", "from", "joins", "where", "group", "having", "order", "qualify"):
            value = tree.args.get(key)
            if isinstance(value, list):
                tree.set(key, [v.transform(rename) for v in value])
            elif isinstance(value, exp.Expression):
                tree.set(key, value.transform(rename))
    with_.set("expressions", kept) if kept else tree.set("with_" if "with_" in tree.args else "with", None)
    return parts, tree.sql(dialect="spark")


def spark_trees(text: str, macros: dict, params: dict | None = None, schema: dict | None = None) -> list:
    """DuckDB SQL (one file's statements) as sqlglot trees ready to be written as Spark SQL. `schema`
    (relation -> column -> Spark type) lets sqlglot expand `* REPLACE (...)` into columns."""
    from sqlglot.optimizer.qualify import qualify

    out = []
    for statement in statements(text):
        for name, value in (params or {}).items():
            statement = statement.replace(f"${name}", value)
        tree: exp.Expression = sqlglot.parse_one(statement, read="duckdb")  # type: ignore[assignment]
        tree = inline(tree, macros)
        if schema is not None and _needs_columns(tree):
            tree = qualify(
                tree,
                schema=sqlglot.schema.MappingSchema(schema, dialect="spark"),
                dialect="duckdb",
                validate_qualify_columns=False,
                quote_identifiers=False,
                identify=False,
            )
        out.append(_spark_rewrites(tree))
    return out


def to_spark(text: str, macros: dict, params: dict | None = None, schema: dict | None = None) -> list[str]:
    """DuckDB SQL (one file's statements) as Spark SQL statements."""
    return [tree.sql(dialect="spark") for tree in spark_trees(text, macros, params, schema)]


# -- building on Spark ---------------------------------------------------------------------------------

# The marts the lake publishes (the dashboard reads them, tests compare them with DuckDB's).
MARTS = ("denials", "recoveries", "monthly_measures", "claim_status")


def duckdb_tables(statement: str | None = None, reference_db: str | None = None) -> dict:
    """Name -> Arrow table of the reference tables (the shipped ones, or those of a DuckDB database in
    force there); with `statement`, the columns of the table it creates, as (name, type)."""
    import duckdb

    if reference_db is not None:
        con = duckdb.connect(reference_db, read_only=True)
    else:
        con = duckdb.connect()
        con.execute(sql("schema"))
        reference.ensure_tables(con)
    try:
        if statement is not None:
            con.execute(statement.replace("CREATE OR REPLACE TABLE", "CREATE OR REPLACE TEMP TABLE", 1))
            name = re.search(r"TABLE\s+(\w+)", statement, re.I).group(1)  # type: ignore[union-attr]
            return dict(
                con.execute(
                    "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = ? ORDER BY column_index",
                    [name],
                ).fetchall()
            )
        names = [
            r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'ref_%'").fetchall()
        ]
        return {name: con.table(name).to_arrow_table() for name in names}
    finally:
        con.close()


class BuildError(RuntimeError):
    """A model of the graph that Spark refused: the file, and Spark's reason."""


class Builder:
    """Runs the SQL graph's models on Spark, each once, in the graph's order; tables are written to the
    build folder as Parquet and read back from there (so a long graph does not grow one plan)."""

    def __init__(self, spark, lake, build: str, reference_db: str | None = None) -> None:
        self.spark, self.lake, self.build = spark, lake, build
        self.macros: dict = {}
        self.written: dict = {}  # name -> folder
        self.stale: list = []  # folders of tables written again
        self.seconds: dict = {}  # node -> seconds it took
        self.statements: dict = {}  # node -> the Spark SQL run (for review)
        self.reference_db = reference_db

    def register_sources(self) -> None:

        for table in RAW_TABLES:
            self.lake.read_raw(table).createOrReplaceTempView(table)
        for meta, table in (("files", "source_files"), ("interchanges", "source_interchanges")):
            schema = schema_of(table)
            frame = self.lake.read_meta(meta, schema)
            frame.select(*(frame[f.name].cast(f.dataType) for f in schema.fields)).createOrReplaceTempView(table)
        for name, table in duckdb_tables(reference_db=self.reference_db).items():
            self.spark.createDataFrame(table).createOrReplaceTempView(name)

    def query(self, model: models.Model) -> str:
        """The Spark SQL that gives the model's rows (its variant when it has one); the CTEs it reads
        more than once are built first, as relations of their own (split_ctes)."""
        if has_variant(model):
            return "\n".join(statements(variant_path(model).read_text()))
        (tree,) = spark_trees(model.text(), self.macros, ALL_FILES, self.schema())
        parts, statement = split_ctes(tree, f"_{model.node}")
        for relation, part in parts:
            self.materialize(
                relation, self.spark.sql(part), folder=self.lake.path("marts", self.build, "_cte", relation)
            )
        return statement

    def schema(self) -> dict:
        """Every relation registered so far -> its columns and their Spark types."""
        out = {}
        for table in self.spark.catalog.listTables():
            if table.isTemporary:
                out[table.name] = {
                    f.name: f.dataType.simpleString() for f in self.spark.table(table.name).schema.fields
                }
        return out

    def run(self, model: models.Model) -> None:
        try:
            self._run(model)
        except Exception as e:  # the file that failed, and Spark's first line: the plan it prints is long
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            where = (
                variant_path(model).relative_to(QUERIES.parent) if has_variant(model) else f"queries/{model.path}.sql"
            )
            raise BuildError(f"{where}: {first[:500]}") from e

    def _run(self, model: models.Model) -> None:
        if model.kind == "macros":
            for macro in macros_of(model):
                self.macros[macro.name] = macro
            return
        if model.kind == "units table":  # fact_units: the units query's rows in the table's columns
            create, *rest = statements(model.text())
            for macro in (m for m in macros_of(model)):
                self.macros[macro.name] = macro
            columns = duckdb_tables(create)

            source = self.spark.table(model.needs[0])
            have = set(source.columns)
            from pyspark.sql import functions as F

            frame = source.select(
                *(
                    (F.col(c) if c in have else F.lit(False if c == "readjudication" else None))
                    .cast(spark_type(k))
                    .alias(c)
                    for c, k in columns.items()
                )
            )
            self.materialize(model.names[0], frame)
            return
        text = self.query(model)
        self.statements[model.node] = text
        frame = self.spark.sql(text)
        if model.kind == "view" or model.kind == "units query":
            frame.createOrReplaceTempView(model.names[0])
        elif model.kind == "update":  # its variant's query: the table's new rows, in the table's columns
            frame = frame.select(*self.spark.table(model.names[0]).columns)
            self.materialize(model.names[0], frame)
        else:
            self.materialize(model.names[0], frame)

    def materialize(self, name: str, frame, folder: str | None = None) -> None:
        """Write a table of the build and read it from there; a table written again (an update) goes to
        a new folder (Spark cannot overwrite what it reads), and the old one is removed."""
        if folder is not None:  # a CTE built apart: read from there, not published
            frame.write.mode("overwrite").parquet(folder)
            self.spark.read.parquet(folder).createOrReplaceTempView(name)
            return
        old = self.written.get(name)
        folder = self.lake.path("marts", self.build, name)
        n = 1
        while old is not None and (folder == old or self.lake.exists(folder)):
            folder, n = self.lake.path("marts", self.build, f"{name}.{n}"), n + 1
        frame.write.mode("overwrite").parquet(folder)
        self.written[name] = folder
        self.spark.read.parquet(folder).createOrReplaceTempView(name)
        if old is not None and old != folder:
            self.stale.append(old)  # removed once the build is written: a view may still read it


def needed(targets: tuple) -> set:
    """The graph's nodes that build `targets`: what they need, and the updates of the tables among them
    (readjudication_flags changes fact_units after it is filled), with what those need, transitively."""
    owners = [m for m in map(models.owner, targets) if m is not None]
    wanted = {m.node for m in models.closure(owners)}
    while True:
        built = {name for node in wanted for name in models.graph()[node].names}
        more = [
            m for m in models.graph().values() if m.kind == "update" and m.names[0] in built and m.node not in wanted
        ]
        if not more:
            return wanted
        wanted |= {m.node for m in models.closure(more)}


def order(wanted: set) -> list:
    """The models to build, in the graph's order, except that an update comes before every model that
    reads its table and is not among what the update itself needs (on DuckDB the update runs after
    the load step; on Spark what reads the table must see it updated)."""
    graph = models.graph()
    first: list = []
    for update in (m for m in graph.values() if m.kind == "update" and m.node in wanted):
        first += [m.node for m in models.closure([update]) if m.node not in first]
    return [graph[n] for n in first] + [m for m in graph.values() if m.node in wanted and m.node not in first]


def build(spark, lake_root: str, targets: tuple = MARTS, reference_db: str | None = None) -> Builder:
    """Build `targets` and everything they need on Spark from the lake's loaded tables; write them
    under marts/<build>/ and commit the build (the dashboard reads the newest committed build)."""
    import json

    lake = Lake(spark, lake_root)
    build_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime())
    builder = Builder(spark, lake, build_id, reference_db)
    builder.register_sources()
    for model in order(needed(targets)):
        clock = time.perf_counter()
        builder.run(model)
        builder.seconds[model.node] = time.perf_counter() - clock
    for name in targets:
        if name not in builder.written:
            builder.materialize(name, spark.table(name))
    # the loaded tables too, so that DuckDB can read the whole lake from one build (DENIALS_LAKE)
    for name in ("source_files",):
        builder.materialize(name, spark.table(name))
    for folder in [*builder.stale, lake.path("marts", build_id, "_cte")]:
        lake.delete(folder)
    lake.write_text(lake.path("marts", build_id, "_COMMITTED"), json.dumps(builder.written))
    for old in lake.children(lake.path("marts"))[:-2]:  # keep the previous build for readers still on it
        if old != build_id:
            lake.delete(lake.path("marts", old))
    return builder
