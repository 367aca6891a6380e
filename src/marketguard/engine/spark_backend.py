"""Apache Spark (PySpark 4), the scale-out engine. Imported only when asked for: pyspark is an optional extra."""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel

from marketguard.engine.base import ROW, Backend
from marketguard.errors import UnsupportedError

# PySpark warns that pandas 3 is not fully supported; the Arrow paths used here work with it.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

_SPARK_TYPES = {"string": "string", "int64": "bigint", "double": "double", "bool": "boolean"}

#: DuckDB functions sqlglot passes through unchanged, and their Spark names.
#: DuckDB functions Spark spells differently (Spark's HASH is 32-bit Murmur3: XXHASH64 is the 64-bit one).
FUNCTION_RENAMES = {"EPOCH_US": "UNIX_MICROS", "HASH": "XXHASH64", "STRLEN": "OCTET_LENGTH"}


def _rename_functions(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and node.name.upper() in FUNCTION_RENAMES:
        return exp.Anonymous(this=FUNCTION_RENAMES[node.name.upper()], expressions=node.expressions)
    return node


class SparkBackend(Backend):
    """Runs the DuckDB-dialect steps on Spark SQL after rendering them with sqlglot.

    Parameters
    ----------
    spark
        An existing ``SparkSession`` (a cluster's; not a Spark Connect client: :meth:`_without_estimates` reads
        the JVM session). When omitted a local session is started with ``master``.
    master
        Master URL for a new session, ``local[*]`` by default.
    driver_memory
        The new session's driver heap (``spark.driver.memory``; in local mode the driver is the whole
        cluster): 4g by default, raise it for large local runs.
    conf
        Extra Spark settings for a new session.
    """

    name = "spark"
    local_graphs = False

    def __init__(
        self,
        spark: Any = None,
        *,
        master: str = "local[*]",
        driver_memory: str = "4g",
        conf: dict[str, str] | None = None,
    ) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise UnsupportedError(
                "The spark engine needs PySpark: install marketguard[spark] (pip install 'marketguard[spark]')."
            ) from exc
        if spark is None:
            builder = SparkSession.builder.master(master).appName("marketguard")
            settings = {
                "spark.sql.session.timeZone": "UTC",
                "spark.sql.shuffle.partitions": "4",
                "spark.ui.enabled": "false",
                "spark.ui.showConsoleProgress": "false",
                "spark.log.level": "ERROR",
                "spark.sql.ansi.enabled": "false",
                "spark.sql.execution.arrow.pyspark.enabled": "true",
                "spark.driver.memory": driver_memory,
                **(conf or {}),
            }
            # Python workers must run this interpreter to import marketguard (PySpark reads the variable, not
            # the spark.pyspark.python setting, when the session starts from Python)
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
            for key, value in settings.items():
                builder = builder.config(key, value)
            spark = builder.getOrCreate()
            spark.sparkContext.setLogLevel("ERROR")
        self.spark = spark
        self._views: set[str] = set()

    def _render(self, sql: str) -> str:
        tree = sqlglot.parse_one(sql, read="duckdb").transform(_rename_functions)
        return tree.sql(dialect="spark", unsupported_level=ErrorLevel.RAISE)

    def _create(self, name: str, sql: str, materialize: bool) -> None:
        df = self.spark.sql(sql)
        if materialize:
            df = self._without_estimates(df.localCheckpoint(eager=True))
        df.createOrReplaceTempView(name)
        self._views.add(name)

    def _without_estimates(self, checkpointed: Any) -> Any:
        """The checkpointed rows as a fresh scan that forgets the size estimate of the plan they came from.

        Spark (SPARK-39834) keeps a checkpoint's estimated size, and a join's estimate is the product of its
        inputs', so over a pipeline of checkpointed joins the estimates compound into integers of millions of
        digits: on a 300-store market one step spent three minutes multiplying them (the open SPARK-52163
        caps them). A scan without an estimate counts as large, so joins plan as shuffles, and adaptive
        execution turns the small ones into broadcasts from the sizes it measures at run time.
        """
        from pyspark.sql import DataFrame

        plan = checkpointed._jdf.queryExecution().analyzed()
        if plan.getClass().getSimpleName() != "LogicalRDD":  # pragma: no cover - another Spark's checkpoint
            return checkpointed
        session = self.spark._jsparkSession
        return DataFrame(
            session.internalCreateDataFrame(plan.rdd(), checkpointed._jdf.schema(), False), self.spark
        )

    def _fetch(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def register_arrow(self, name: str, table: pa.Table) -> None:
        self.spark.createDataFrame(table).createOrReplaceTempView(name)
        self._views.add(name)

    def register_parquet(self, name: str, path: Path | Sequence[Path]) -> None:
        """Parquet's hidden per-file row index gives the same 1-based row numbers as DuckDB, computed in
        parallel; the files of a directory-as-table are read one by one, each offset by the rows before it."""
        import pyarrow.parquet as pq
        from pyspark.sql import functions as F

        files = [Path(path)] if isinstance(path, str | Path) else [Path(p) for p in path]
        frames, offset = [], 0
        for f in files:
            df = self.spark.read.parquet(str(f))
            frames.append(df.select((F.col("_metadata.row_index") + 1 + offset).cast("long").alias(ROW), "*"))
            offset += pq.ParquetFile(f).metadata.num_rows
        df = frames[0]
        for other in frames[1:]:
            df = df.unionByName(other, allowMissingColumns=True)
        df.createOrReplaceTempView(name)
        self._views.add(name)

    def map_groups(
        self, name: str, sql: str, key: str, fn: Callable[[pa.Table], pa.Table], schema: pa.Schema
    ) -> None:
        """Run ``fn`` on each group where the data lives (``applyInArrow``), never collecting the whole input."""
        df = self.spark.sql(self.render(sql, f"groups of {name}"))
        ddl = ", ".join(f"{f.name} {_SPARK_TYPES[str(f.type)]}" for f in schema)
        df.groupBy(key).applyInArrow(fn, schema=ddl).createOrReplaceTempView(name)
        self._views.add(name)

    def table_exists(self, name: str) -> bool:
        return name in self._views

    def drop(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        self._views.discard(name)

    def close(self) -> None:
        for name in list(self._views):
            self.drop(name)
