"""Exact networks on a hand-built marketplace (NetworkX style)."""

from __future__ import annotations

import pytest

from marketguard.contract import validate
from marketguard.detect.shared_environment import SharedEnvironmentLinker
from marketguard.engine import make_backend
from marketguard.errors import ParameterError
from tests.conftest import write_tiny


def _market(n_public: int) -> dict:
    """6 store owners: S1/S2 owners share a device; S3, S4, S5 owners use a public Wi-Fi with n_public others;
    S4 and S5 owners also share a home router; S6 owner shares only a phone (not linked by this baseline)."""
    owners = [f"A{i}" for i in range(1, 7)]
    public = [f"P{i}" for i in range(n_public)]
    accounts = owners + public
    logins = [
        ("A1", "dev-x", None),
        ("A2", "dev-x", None),
        ("A3", "d3", "wifi-cafe"),
        ("A4", "d4", "wifi-cafe"),
        ("A5", "d5", "wifi-cafe"),
        ("A4", "d4", "wifi-home"),
        ("A5", "d5b", "wifi-home"),
        ("A6", "d6", None),
    ]
    logins += [(p, f"dp{i}", "wifi-cafe") for i, p in enumerate(public)]
    n = len(accounts)
    return {
        "accounts": {
            "account_id": accounts,
            "created_at": ["2025-01-01"] * n,
            "id_document": [f"doc{i}" for i in range(n)],
            "phone": ["same", "p2", "p3", "p4", "p5", "same"] + [None] * n_public,
        },
        "stores": {
            "store_id": [f"S{i}" for i in range(1, 7)],
            "account_id": owners,
            "opened_at": ["2025-02-01"] * 6,
            "template": ["basic"] * 6,
        },
        "logins": {
            "account_id": [r[0] for r in logins],
            "ts": ["2025-02-02T00:00:00Z"] * len(logins),
            "ip": ["198.51.100.1"] * len(logins),
            "device_id": [r[1] for r in logins],
            "wifi_bssid": [r[2] for r in logins],
        },
    }


@pytest.fixture
def fitted(tmp_path):
    dataset = write_tiny(tmp_path / "m", "parquet", tables=_market(500))
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, dataset)
        linker = SharedEnvironmentLinker(max_shared_accounts=50).fit(tables)
        yield linker, tables


def test_exact_networks_ignore_the_public_wifi_hub(fitted) -> None:
    linker, _ = fitted
    assignments = sorted((r["network_id"], r["account_id"]) for r in linker.assignments_.to_pylist())
    assert assignments == [("N-A1", "A1"), ("N-A1", "A2"), ("N-A4", "A4"), ("N-A4", "A5")]
    assert linker.hubs_.to_pylist() == [
        {"kind": "wifi", "artifact": "wifi-cafe", "n_accounts": 503, "n_logins": 503}
    ]


def test_links_keep_their_evidence(fitted) -> None:
    linker, tables = fitted
    assert linker.links_.select(
        ["account_a", "account_b", "network_id", "kind", "artifact", "weight"]
    ).to_pylist() == [
        {
            "account_a": "A1",
            "account_b": "A2",
            "network_id": "N-A1",
            "kind": "device",
            "artifact": "dev-x",
            "weight": 1.0,
        },
        {
            "account_a": "A4",
            "account_b": "A5",
            "network_id": "N-A4",
            "kind": "wifi",
            "artifact": "wifi-home",
            "weight": 1.0,
        },
    ]
    evidence = linker.explain(tables, ids=["N-A4"]).to_pylist()
    assert [(e["network_id"], e["reason"], e["value"]) for e in evidence] == [("N-A4", "SHARED_WIFI", 2.0)]
    assert "wifi wifi-home used by 2 accounts" in evidence[0]["detail"]


def test_score_is_the_strongest_link(fitted) -> None:
    linker, tables = fitted
    assert linker.score(tables).to_pylist() == [
        {"account_id": a, "score": 1.0} for a in ("A1", "A2", "A4", "A5")
    ]


def test_bad_parameter_names_owner_range_and_value(tmp_path) -> None:
    dataset = write_tiny(tmp_path / "m", "parquet", tables=_market(3))
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, dataset)
        with pytest.raises(
            ParameterError,
            match=r"The 'max_shared_accounts' parameter of SharedEnvironmentLinker "
            r"must be an int in the range \[2, inf\)\. Got 1 instead\.",
        ):
            SharedEnvironmentLinker(max_shared_accounts=1).fit(tables)
