"""Engines: the only code that talks to DuckDB or Spark."""

from __future__ import annotations

from typing import Any

from marketguard.engine.base import ROW, Backend, Step
from marketguard.engine.tables import Tables
from marketguard.errors import ParameterError

ENGINES = ("duckdb", "spark")

#: How :func:`make_backend` starts a Spark session unless told otherwise: the command line's ``--spark-master``
#: and ``--spark-driver-memory`` (or ``MARKETGUARD_SPARK_MASTER`` / ``MARKETGUARD_SPARK_DRIVER_MEMORY``) set them
#: once for the whole run, since one command may start its session in any of several stages.
SPARK_SETTINGS: dict[str, str] = {"master": "local[*]", "driver_memory": "4g"}


def make_backend(engine: str = "duckdb", **options: Any) -> Backend:
    """Create a backend by name; pyspark is imported only for ``"spark"``."""
    if engine == "duckdb":
        from marketguard.engine.duckdb_backend import DuckDBBackend

        return DuckDBBackend(**options)
    if engine == "spark":
        from marketguard.engine.spark_backend import SparkBackend

        return SparkBackend(**(SPARK_SETTINGS | options))
    raise ParameterError(f"The 'engine' parameter must be one of {ENGINES}. Got {engine!r} instead.")


__all__ = ["ENGINES", "ROW", "Backend", "Step", "Tables", "make_backend"]
