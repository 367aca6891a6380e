"""Farm-client claims against the truth: a ring read as the farm that wrote most of its reviews, a network as the
operator of most of its stores, and a farm's clients the counterfeit operators two of its accounts faked for."""

from __future__ import annotations

import pyarrow as pa
import pytest

from marketguard.evaluate.farm_clients import farm_client_metrics


def test_rows_are_true_when_the_ring_s_farm_served_the_network_s_operator() -> None:
    # farm F1 (accounts a1, a2) faked reviews at operator X's stores S1, S2; farm F2 (b1) at Y's S3 alone.
    truth = pa.table(
        {
            "review_id": ["r1", "r2", "r3", "r4", "r5"],
            "is_fake": [True, True, True, True, False],
            "farm_id": ["F1", "F1", "F1", "F2", None],
        }
    )
    reviews = pa.table(
        {
            "review_id": ["r1", "r2", "r3", "r4", "r5"],
            "store_id": ["S1", "S2", "S1", "S3", "S4"],
            "reviewer_account_id": ["a1", "a2", "a1", "b1", "h1"],
        }
    )
    stores = pa.table(
        {
            "store_id": ["S1", "S2", "S3", "S4"],
            "operator_id": ["X", "X", "Y", "Z"],
            "operator_kind": ["counterfeit", "counterfeit", "counterfeit", "independent"],
            "network_id": ["N-X", "N-X", "N-Y", "N-Z"],
        }
    )
    # ring_1 is F1's (2 of its 3 reviews), ring_2 mixes F2 and an honest review (purity 0.5: F2's)
    review_rings = pa.table(
        {"review_id": ["r1", "r2", "r5", "r4"], "ring_id": ["ring_1", "ring_1", "ring_1", "ring_2"]}
    )
    ring_networks = pa.table({"ring_id": ["ring_1", "ring_1", "ring_2"], "network_id": ["N-X", "N-Z", "N-Y"]})
    m = farm_client_metrics(ring_networks, review_rings, truth, reviews, stores, purity=0.5)
    # F2 served Y with one account only: no client by the rule; F1 served X (a1 and a2)
    assert m["farm_clients"] == 1
    assert (m["ring_network_rows"], m["ring_network_rows_true"]) == (3, 1)
    assert m["ring_network_precision"] == pytest.approx(1 / 3)
    assert m["ring_network_precision_of_farm_rings"] == pytest.approx(1 / 3)
    assert (m["farm_clients_found"], m["farm_clients_of_recovered_farms"]) == (1, 1)
    assert m["farm_client_recall_of_recovered_farms"] == 1.0
