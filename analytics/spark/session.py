"""A SparkSession for the loads and the SQL: local mode by default, settings the project relies on.

The executors import `analytics` (the readers run there): in local mode they inherit PYTHONPATH, set
here to the project root before the JVM starts; on a cluster the package is shipped as a zip
(`SparkContext.addPyFile`). Nothing is downloaded at run time (no --packages, no Maven).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def java_missing() -> str | None:
    """Why Spark cannot start here (no Java, no pyspark), or None when it can."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return "pyspark is not installed (pip install -r requirements-spark.txt)"
    java = Path(os.environ["JAVA_HOME"]) / "bin" / "java" if os.environ.get("JAVA_HOME") else None
    if java is None or not java.exists():
        found = shutil.which("java")
        java = Path(found) if found else None
    if java is None:
        return "no Java runtime (java on PATH or JAVA_HOME): Spark needs Java 17 or later"
    try:
        subprocess.run([str(java), "-version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        return f"java -version failed: {e}"
    return None


def start(
    master: str | None = None, shuffle_partitions: int = 4, app: str = "denial-analytics", conf: dict | None = None
):
    """The SparkSession (created once per process; `master` defaults to $SPARK_MASTER, else local[2])."""
    from pyspark.sql import SparkSession

    master = master or os.environ.get("SPARK_MASTER") or "local[2]"
    local = master.startswith("local")
    if local:
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        path = os.environ.get("PYTHONPATH", "")
        if str(PROJECT_ROOT) not in path.split(os.pathsep):
            os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), path) if p)
    builder = (
        SparkSession.builder.master(master)
        .appName(app)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "4g"))
        .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
        .config("spark.sql.parquet.compression.codec", "zstd")
    )
    if local:
        builder = builder.config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    if not local:
        spark.sparkContext.addPyFile(str(_package_zip()))
    return spark


def _package_zip() -> Path:
    """The analytics package as a zip the executors import (cluster mode)."""
    target = Path(tempfile.mkdtemp(prefix="analytics-")) / "analytics.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for file in sorted((PROJECT_ROOT / "analytics").rglob("*.py")):
            z.write(file, file.relative_to(PROJECT_ROOT).as_posix())
    return target
