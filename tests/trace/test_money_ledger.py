"""The ledger coded by the engine is the ledger read here: same rows, order, parties, kinds and currency."""

from __future__ import annotations

import numpy as np

from marketguard.contract import validate
from marketguard.engine import make_backend
from marketguard.features import trace_inputs
from marketguard.trace.money_ledger import fetch_ledger, read_ledger


def test_the_engine_codes_the_ledger_exactly_as_read_ledger_does(small_market) -> None:
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, small_market)
        fetched = fetch_ledger(tables)
        transfers = tables.fetch(trace_inputs.TRANSFERS, "transfers")
        seeds = tables.fetch(
            "SELECT DISTINCT 'N' AS network_id, a.bank_account AS party FROM accounts a "
            "JOIN stores s ON a.account_id = s.account_id WHERE a.bank_account IS NOT NULL",
            "every owner's account as a seed",
        )
    read = read_ledger(transfers, seeds)
    assert fetched.ts.size == read.ts.size > 1000
    for column in ("ts", "amount", "kind"):
        assert np.array_equal(getattr(fetched, column), getattr(read, column)), column
    for column in ("src", "dst"):
        assert fetched.names.take(getattr(fetched, column)).equals(read.names.take(getattr(read, column)))
    assert np.array_equal(fetched.is_party[fetched.src], read.is_party[read.src])
    assert fetched.currency == read.currency
    assert fetched.names.to_pylist() == sorted(fetched.names.to_pylist())  # codes in name order, as read's
