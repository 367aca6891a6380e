"""Scans' results written by hand: networks with known stores and scores."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pyarrow as pa
import pytest

from marketguard.pipeline.results import RESULT_SCHEMAS, write_result


def write_scan(path: Path, networks: dict[str, tuple[float, list[str]]], loose: tuple[str, ...] = ()) -> Path:
    """A results directory with ``networks`` (network id -> (score, store ids)) and stores in no network."""
    path.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "network_id": n,
            "n_accounts": len(stores),
            "n_stores": len(stores),
            "score": score,
            "revenue": 1000.0 * len(stores),
            "currency": "CNY",
            "reasons": [f"{len(stores)} stores share a device"],
        }
        for n, (score, stores) in networks.items()
    ]
    stores = [
        {"store_id": s, "account_id": f"A-{s}", "score": score, "network_id": n, "reasons": []}
        for n, (score, ids) in networks.items()
        for s in ids
    ] + [{"store_id": s, "account_id": f"A-{s}", "score": 0.1, "reasons": []} for s in loose]
    for name, table_rows in (("networks", rows), ("store_scores", stores)):
        schema = RESULT_SCHEMAS[name]
        table = pa.Table.from_pylist([{c: r.get(c) for c in schema.names} for r in table_rows], schema=schema)
        write_result(path, name, table)
    return path


@pytest.fixture
def scans(tmp_path: Path):
    """Two successive scans: N-1 grows and is renamed, N-2 splits, N-3 is gone, N-4 is new."""
    first = write_scan(
        tmp_path / "scan1",
        {"N-1": (0.9, ["s1", "s2"]), "N-2": (0.5, ["s3", "s4", "s5"]), "N-3": (0.2, ["s6", "s7"])},
        loose=("s9",),
    )
    second = write_scan(
        tmp_path / "scan2",
        {
            "N-0": (0.95, ["s0", "s1", "s2"]),
            "N-2": (0.6, ["s3", "s4"]),
            "N-5": (0.3, ["s5", "s9"]),
            "N-4": (0.4, ["s10", "s11"]),
        },
    )
    return first, second


#: A PostgreSQL server for the case-store tests: an SQLAlchemy URL of a role allowed to create databases (each
#: test gets its own, dropped after). `.ci/run` starts Debian's PostgreSQL and sets it; without it those tests skip.
POSTGRES_VARIABLE = "MARKETGUARD_TEST_POSTGRES"


@pytest.fixture(params=["sqlite", "postgresql"])
def case_url(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh case-store database URL on each engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'cases.sqlite'}"
        return
    server = os.environ.get(POSTGRES_VARIABLE)
    if not server:
        pytest.skip(f"no PostgreSQL server: set {POSTGRES_VARIABLE} (.ci/run does)")
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"marketguard_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
