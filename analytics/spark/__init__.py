"""Loads and the SQL graph on Apache Spark, for histories one machine cannot hold (docs/scale.md).

Optional: nothing here is imported by `analytics` itself, and pyspark and sqlglot are needed only
when these modules are (requirements-spark.txt). `session` starts Spark, `lake` lays out the lake
(Parquet) and publishes into it, `load` runs the project's readers in the executors, `sql` builds
the staging and marts SQL of queries/ on Spark SQL, `cli` is `python -m analytics spark ...`.
"""
