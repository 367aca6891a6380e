"""Network ids survive growth: a network is named after its earliest-created account, in the batch linker (both
clustering paths' naming rules) and in the operator index."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from marketguard.contract import validate
from marketguard.detect.networks import assign_networks, environment_groups
from marketguard.detect.operator_index import OperatorIndex
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.engine import make_backend


def _joining(account: str, created_at: str):
    """An edit of the tiny dataset: ``account`` logs in on A1 and A2's device and Wi-Fi router."""

    def edit(data: dict) -> None:
        new = {"account_id": account, "created_at": created_at, "id_document": "d9", "phone": "p9"}
        new |= {"email": "e9", "bank_account": "b9", "region": None}
        for column, value in new.items():
            data["accounts"][column].append(value)
        login = {
            "account_id": account,
            "ts": "2025-02-01T11:00:00Z",
            "ip": "203.0.113.9",
            "device_id": "dev1",
        }
        login |= {"wifi_bssid": "aa:bb:cc:00:00:01", "user_agent": "ua"}
        for column, value in login.items():
            data["logins"][column].append(value)

    return edit


def _networks(dataset: Path) -> dict[str, str]:
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, dataset)
        found = OperatorLinker().fit(tables).assignments_
    return dict(
        zip(found.column("account_id").to_pylist(), found.column("network_id").to_pylist(), strict=True)
    )


def test_a_network_keeps_its_id_when_a_new_account_joins_it(tiny) -> None:
    assert _networks(tiny()) == {"A1": "N-A1", "A2": "N-A1"}
    # "A0" sorts before "A1": named after the smallest id, the network would become N-A0
    grown = _networks(tiny(_joining("A0", "2025-02-01T00:00:00Z")))
    assert grown == {"A0": "N-A1", "A1": "N-A1", "A2": "N-A1"}
    # an older account joining renames it, as a merge with an older network would (documented)
    assert _networks(tiny(_joining("Z9", "2020-01-01T00:00:00Z")))["A1"] == "N-Z9"


def test_the_index_keeps_the_id_when_a_new_account_joins(tiny) -> None:
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, tiny())
        index = OperatorIndex.from_batch(OperatorLinker().fit(tables), tables)
    assert index.network_of("A1")[0] == "N-A1"
    when = datetime(2025, 2, 1, 11, tzinfo=UTC)
    index.add_account("A0", when)
    for _ in range(2):
        index.add_login("A0", when, ip="203.0.113.9", device_id="dev1", wifi_bssid="aa:bb:cc:00:00:01")
    assert index.network_of("A0")[0] == index.network_of("A1")[0] == "N-A1"


def test_namesake_is_the_earliest_created_then_the_smallest_id() -> None:
    ids = pa.array(["B", "A", "C", "D", "E"])
    labels = np.array([0, 0, 0, 1, 1])
    created = pa.table({"account_id": ["A", "B", "C", "D"], "created_us": [5, 5, 1, 7]})  # E undated
    named = assign_networks(ids, labels, pa.chunked_array([["A", "D"]]), created)
    assert dict(zip(named.column(0).to_pylist(), named.column(1).to_pylist(), strict=True)) == {
        "A": "N-C",
        "B": "N-C",
        "C": "N-C",
        "D": "N-D",
        "E": "N-D",
    }
    tied = pa.table({"account_id": ["A", "B"], "created_us": [5, 5]})
    groups = environment_groups(pa.array(["B", "A"]), np.array([0, 0]), tied)
    assert groups.column("group_id").to_pylist() == ["G-A", "G-A"]
