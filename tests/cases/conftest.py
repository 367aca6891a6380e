"""Scans' results written by hand: networks with known stores and scores."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from marketguard.pipeline.results import RESULT_SCHEMAS, write_result


def write_scan(
    path: Path,
    networks: dict[str, tuple[float, list[str]]],
    loose: tuple[str, ...] = (),
    brands: dict[str, list[str]] | None = None,
) -> Path:
    """A results directory with ``networks`` (network id -> (score, store ids)), stores in no network, and the
    brands each network sells (none by default)."""
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
    sold = [
        {"network_id": n, "brand": b, "n_listings": 3, "n_stores": 1, "n_authorized_stores": 0}
        for n, names in (brands or {}).items()
        for b in names
    ]
    for name, table_rows in (("networks", rows), ("store_scores", stores), ("network_brands", sold)):
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
