"""Shared small simulated marketplaces (module-scoped: simulating takes ~0.5 s each)."""

from __future__ import annotations

import duckdb
import pytest

from marketguard.simulate import Marketplace, simulate


def market_connection(mp: Marketplace) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with every table of ``mp`` registered, and every truth table as ``truth_<name>``."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    for name, table in mp.tables.items():
        con.register(name, table)
    for name, table in mp.truth.items():
        con.register(f"truth_{name}", table)
    return con


@pytest.fixture(scope="session")
def market() -> Marketplace:
    return simulate(n_stores=2000, seed=11, difficulty="normal")


@pytest.fixture(scope="session")
def markets_by_difficulty() -> dict[str, Marketplace]:
    return {d: simulate(n_stores=1500, seed=5, difficulty=d) for d in ("easy", "normal", "hard")}


@pytest.fixture(scope="session")
def adversarial() -> Marketplace:
    """A small adversarial marketplace: hard plus the tactics of professional evaders."""
    return simulate(n_stores=1500, seed=5, difficulty="adversarial")
