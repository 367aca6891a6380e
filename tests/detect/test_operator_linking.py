"""Exact networks and evidence of the operator linker on hand-built marketplaces (NetworkX style)."""

from __future__ import annotations

import pytest

from marketguard.contract import validate
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.engine import make_backend
from tests.conftest import write_tiny


def _market(n_public: int) -> dict:
    """Six store owners. A1/A2 share a device (their main one); A3, A4, A5 log in on a public Wi-Fi with
    ``n_public`` strangers; A6 shares only a phone number with A1. Each account also has its own phone device
    on its own IP, so nothing else is shared."""
    owners = [f"A{i}" for i in range(1, 7)]
    public = [f"P{i}" for i in range(n_public)]
    logins = []
    for i, acc in enumerate(owners):
        logins += [(acc, f"own-{acc}", None, f"10.{i}.0.1")] * 3
    logins += [("A1", "dev-x", None, "10.0.0.1")] * 3 + [("A2", "dev-x", None, "10.1.0.1")] * 3
    logins += [(acc, f"own-{acc}", "wifi-cafe", "198.51.100.7") for acc in ("A3", "A4", "A5")]
    logins += [(p, f"dp{i}", "wifi-cafe", "198.51.100.7") for i, p in enumerate(public)]
    accounts = owners + public
    n = len(accounts)
    return {
        "accounts": {
            "account_id": accounts,
            "created_at": ["2025-01-01"] * n,
            "id_document": [f"doc{i}" for i in range(n)],
            "phone": ["ph-shared", "p2", "p3", "p4", "p5", "ph-shared"] + [None] * n_public,
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
            "ip": [r[3] for r in logins],
            "device_id": [r[1] for r in logins],
            "wifi_bssid": [r[2] for r in logins],
        },
    }


@pytest.fixture
def fitted(tmp_path):
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "m", "parquet", tables=_market(500)))
        yield OperatorLinker().fit(tables), tables


def test_exact_networks(fitted) -> None:
    linker, _ = fitted
    networks = sorted((r["network_id"], r["account_id"]) for r in linker.assignments_.to_pylist())
    # device pair and phone pair join into one operator; the public Wi-Fi links nobody
    assert networks == [("N-A1", "A1"), ("N-A1", "A2"), ("N-A1", "A6")]


def test_evidence_of_each_link(fitted) -> None:
    linker, _ = fitted
    rows = linker.links_.select(
        ["account_a", "account_b", "kind", "artifact", "n_sharing", "n_events"]
    ).to_pylist()
    assert rows == [
        {
            "account_a": "A1",
            "account_b": "A2",
            "kind": "device",
            "artifact": "dev-x",
            "n_sharing": 2,
            "n_events": 6,
        },
        {
            "account_a": "A1",
            "account_b": "A6",
            "kind": "phone",
            "artifact": "ph-shared",
            "n_sharing": 2,
            "n_events": 2,
        },
    ]
    device = linker.links_.to_pylist()[0]
    assert device["weight"] == pytest.approx(0.9)  # two sharers, fully engaged, same period
    assert device["pair_strength"] == pytest.approx(0.9)


def test_the_public_wifi_is_a_hub_not_a_link(fitted) -> None:
    linker, _ = fitted
    hubs = {(h["kind"], h["artifact"]): h["n_accounts"] for h in linker.hubs_.to_pylist()}
    assert hubs[("wifi", "wifi-cafe")] == 503
    assert hubs[("ip", "198.51.100.7")] == 503


def test_explain_names_the_shared_artifacts(fitted) -> None:
    linker, tables = fitted
    evidence = linker.explain(tables, ids=["N-A1"]).to_pylist()
    assert [(e["reason"], e["value"]) for e in evidence] == [
        ("SHARED_DEVICE", pytest.approx(0.9)),
        ("SHARED_PHONE", pytest.approx(0.8)),
    ]
    assert evidence[0]["detail"].startswith("device dev-x shared in the network (6 events")


def test_the_same_wifi_without_strangers_is_strong_evidence(tmp_path) -> None:
    market = _market(0)
    market["accounts"]["phone"][5] = "p6"  # A6 no longer shares the phone
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "m", "parquet", tables=market))
        linker = OperatorLinker().fit(tables)
    # three accounts alone on one router and one IP: specific, so they are linked; A6 now shares nothing
    networks = sorted((r["network_id"], r["account_id"]) for r in linker.assignments_.to_pylist())
    assert networks == [("N-A1", "A1"), ("N-A1", "A2"), ("N-A3", "A3"), ("N-A3", "A4"), ("N-A3", "A5")]
    kinds = {r["kind"] for r in linker.links_.to_pylist() if r["network_id"] == "N-A3"}
    assert kinds == {"wifi", "ip", "ip_net"}


def test_store_less_groups_are_environment_groups_not_networks(tmp_path) -> None:
    """Two buyers on one phone: no store, so no network, but a group other detectors (review farms) read."""
    market = _market(0)
    market["accounts"]["account_id"] += ["B1", "B2"]
    for column, values in (("created_at", ["2025-01-01"] * 2), ("id_document", ["docB1", "docB2"])):
        market["accounts"][column] += values
    market["accounts"]["phone"] += ["pB1", "pB2"]
    logins = market["logins"]
    for acc in ("B1", "B2"):
        for column, value in (("account_id", acc), ("ts", "2025-02-02T00:00:00Z"), ("ip", "10.9.9.9")):
            logins[column] += [value] * 2
        logins["device_id"] += ["rack-7"] * 2
        logins["wifi_bssid"] += [None] * 2
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "m", "parquet", tables=market))
        linker = OperatorLinker().fit(tables)
        groups = backend.fetch("SELECT * FROM environment_groups ORDER BY group_id, account_id", "groups")
    assert "B1" not in linker.assignments_.column("account_id").to_pylist()
    expected = [("A1", "G-A1", 3), ("A2", "G-A1", 3), ("A6", "G-A1", 3), ("A3", "G-A3", 3)]
    expected += [("A4", "G-A3", 3), ("A5", "G-A3", 3), ("B1", "G-B1", 2), ("B2", "G-B1", 2)]
    assert groups.to_pylist() == [{"account_id": a, "group_id": g, "n_accounts": n} for a, g, n in expected]


def test_engagement_scales_the_evidence(tmp_path) -> None:
    # A1 and A2 each made half of their logins on dev-x: full weight when half is enough (min_share 0.2),
    # 0.9 * 0.5 / 0.9 = 0.5 when 90% is asked for
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "m", "parquet", tables=_market(500)))
        strict = OperatorLinker(min_share=0.9, min_link_strength=0.6).fit(tables)
        assert sorted(strict.assignments_.column("account_id").to_pylist()) == [
            "A1",
            "A6",
        ]  # the phone remains
        default = OperatorLinker(min_link_strength=0.6).fit(tables)
        assert sorted(default.assignments_.column("account_id").to_pylist()) == ["A1", "A2", "A6"]


def test_what_two_accounts_share_in_one_ip_network_counts_once(tmp_path) -> None:
    """A1/A2 share one exact address (so its /24 too): the address's 0.45, not 1 - 0.55 x 0.75. A3/A4 share
    only the /24 (two addresses of one provider's pool): 0.25. A5/A6 share two addresses of one network: the
    stronger one, not both."""
    logins = [("A1", "198.51.100.7"), ("A2", "198.51.100.7"), ("A3", "203.0.113.1"), ("A4", "203.0.113.2")]
    logins += [("A5", "192.0.2.1"), ("A5", "192.0.2.2"), ("A6", "192.0.2.1"), ("A6", "192.0.2.2")]
    owners = [f"A{i}" for i in range(1, 7)]
    data = {
        "accounts": {"account_id": owners, "created_at": ["2025-01-01"] * 6},
        "stores": {
            "store_id": [f"S{i}" for i in range(1, 7)],
            "account_id": owners,
            "opened_at": ["2025-02-01"] * 6,
            "template": ["basic"] * 6,
        },
        "logins": {
            "account_id": [a for a, _ in logins],
            "ts": ["2025-02-02T00:00:00Z"] * len(logins),
            "ip": [ip for _, ip in logins],
            "device_id": [f"d-{a}" for a, _ in logins],
        },
    }
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, write_tiny(tmp_path / "m", "parquet", tables=data))
        OperatorLinker(min_link_strength=0.2).fit(tables)
        strengths = backend.fetch(
            "SELECT account_a, account_b, round(strength, 9) AS s FROM pair_strength ORDER BY account_a", "t"
        ).to_pylist()
    assert strengths == [
        {"account_a": "A1", "account_b": "A2", "s": 0.45},
        {"account_a": "A3", "account_b": "A4", "s": 0.25},
        {"account_a": "A5", "account_b": "A6", "s": 0.45},
    ]


def test_the_link_stage_counts_per_kind_the_pairs_holding_it_and_the_pairs_it_decided() -> None:
    import pyarrow as pa

    from marketguard.detect.operator_linking import evidence_by_kind

    rows = [
        ("a", "b", "device", "dv1", 0.9),  # decides: the payee alone is 0.45
        ("a", "b", "payee", "m1", 0.45),
        ("c", "d", "listing", "kingmem @ 89.9", 0.35),  # together 0.61: each decides
        ("c", "d", "site", "shenzhen|fuyongdadao|88", 0.4),
        ("e", "f", "ip", "1.2.3.4", 0.45),  # the address and its network count once: 0.45 without the router
        ("e", "f", "ip_net", "1.2.3", 0.25),
        ("e", "f", "wifi", "w1", 0.7),
    ]
    links = pa.table(
        {
            name: [r[i] for r in rows]
            for i, name in enumerate(("account_a", "account_b", "kind", "artifact", "weight"))
        }
    )
    details = evidence_by_kind(links, 0.5)
    assert details["pairs"] == 3
    assert details["pairs_without_environment"] == 1
    assert details["pairs_by_kind"] == {
        k: 1 for k in ("device", "ip", "ip_net", "listing", "payee", "site", "wifi")
    }
    assert details["decisive_by_kind"] == {"device": 1, "listing": 1, "site": 1, "wifi": 1}


def test_release_keeps_what_later_stages_read(fitted) -> None:
    linker, tables = fitted
    linker.release(tables)
    exists = tables.backend.table_exists
    assert not any(
        exists(name) for name in ("other_uses", "shared_artifacts", "pair_strength", "artifact_uses")
    )
    kept = ("links", "hubs", "account_networks", "environment_groups", "login_artifacts", "artifact_degrees")
    assert all(exists(name) for name in kept)
    # the store signals' login evidence still reads
    assert tables.fetch("SELECT count(*) AS n FROM login_artifacts", "check").column(0)[0].as_py() > 0


def test_degrees_are_counted_for_every_kind_the_evidence_graph_holds(small_market) -> None:
    """The degrees are grouped kind by kind: a kind left out of that list would have no degrees, and so no
    pairs. Every kind the default fit reads (commerce kinds included) must be counted, as one grouping over
    all the evidence rows counts it."""
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, small_market)
        OperatorLinker().fit(tables)
        kinds = {r["kind"] for r in tables.fetch("SELECT DISTINCT kind FROM artifact_uses", "k").to_pylist()}
        assert {"device", "ip_net", "phone", "listing", "site", "payee", "destination"} <= kinds
        one = (
            "SELECT artifact_key, count(*) AS n FROM artifact_uses GROUP BY artifact_key HAVING count(*) >= 2"
        )
        differ = tables.fetch(
            f"SELECT count(*) AS n FROM (({one}) EXCEPT (SELECT artifact_key, n_accounts FROM artifact_degrees)) "
            f"UNION ALL SELECT count(*) FROM ((SELECT artifact_key, n_accounts FROM artifact_degrees) EXCEPT ({one}))",
            "degrees against one grouping",
        )
        assert differ.column(0).to_pylist() == [0, 0]
