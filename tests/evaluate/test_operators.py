"""Operator-level figures on tiny hand-built clusterings with exactly known answers."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from marketguard.evaluate.operators import agency_integrity, hub_ties, network_merges, operator_recovery

# Ten stores. Operators: c1 = stores 0-4 (counterfeit), c2 = 5-6 (counterfeit), c3 = 7 (counterfeit, one store),
# a1 = 8-9 (agency). Independents i1..i3 are stores 10-12.
OPERATOR = np.array(["c1"] * 5 + ["c2"] * 2 + ["c3"] + ["a1"] * 2 + ["i1", "i2", "i3"])
KIND = np.array(["counterfeit"] * 8 + ["agency"] * 2 + ["independent"] * 3)


def _codes(values: np.ndarray) -> np.ndarray:
    return np.unique(values, return_inverse=True)[1]


def test_an_operator_counts_with_80_percent_of_its_stores_in_one_80_percent_pure_network() -> None:
    # N0 = stores 0-3 of c1 and independent 10: 4 of c1's 5 stores (80%), 4 of 5 stores c1's (80%) -> found
    # N1 = c2's store 5 with agency stores 8, 9: c2 has half its stores there -> not found (and 6 is alone)
    # c3's only store 7 is in no network: a singleton network of its own, pure -> found
    predicted = np.array([0, 0, 0, 0, -1, 1, -1, -1, 1, 1, 0, -1, -1])
    m = operator_recovery(predicted, _codes(OPERATOR), KIND == "counterfeit")
    assert m == {"n_operators": 3, "recovered": 2, "share": pytest.approx(2 / 3)}


def test_a_network_less_than_80_percent_pure_does_not_count() -> None:
    # c1's five stores with two independents: 5 of 7 (71%) are c1's
    predicted = np.array([0, 0, 0, 0, 0, -1, -1, -1, -1, -1, 0, 0, -1])
    m = operator_recovery(predicted, _codes(OPERATOR), KIND == "counterfeit")
    assert (m["recovered"], m["n_operators"]) == (1, 3)  # only c3, alone
    looser = operator_recovery(predicted, _codes(OPERATOR), KIND == "counterfeit", min_purity=0.7)
    assert looser["recovered"] == 2


def test_an_operator_whose_stores_are_all_unlinked_is_not_recovered() -> None:
    predicted = np.full(OPERATOR.size, -1)
    m = operator_recovery(predicted, _codes(OPERATOR), KIND == "counterfeit")
    assert m["recovered"] == 1  # c3 alone; c1 and c2 are scattered over singletons


def test_agencies_split_or_merged_with_counterfeit_stores() -> None:
    a2 = np.array(["a2"] * 3)
    operator = np.r_[OPERATOR, a2]
    kind = np.r_[KIND, ["agency"] * 3]
    # a1 (8, 9) shares network 1 with c2's store 5; a2 (13-15) is split over networks 2 and 3
    predicted = np.array([0, 0, 0, 0, 0, 1, 1, -1, 1, 1, -1, -1, -1, 2, 2, 3])
    assert agency_integrity(predicted, _codes(operator), kind) == {
        "n_agencies": 2,
        "agencies_split": 1,
        "agencies_split_over_networks": 1,
        "agencies_with_stores_in_no_network": 0,
        "agencies_merged_with_counterfeit": 1,
    }
    # an agency with one store in no network is split too (its clients' stores must stay together), and
    # counted apart from an agency cut over networks
    predicted[15] = -1
    m = agency_integrity(predicted, _codes(operator), kind)
    assert (
        m["agencies_split"],
        m["agencies_split_over_networks"],
        m["agencies_with_stores_in_no_network"],
    ) == (
        1,
        0,
        1,
    )


def test_merges_through_a_hub_count_independents_too() -> None:
    # N0: c1 whole, pure. N1: c2 glued to independents 10 and 11 through a shared warehouse.
    # N2: independents 12 and agency a1: a merge with no counterfeit store.
    predicted = np.array([0, 0, 0, 0, 0, 1, 1, -1, 2, 2, 1, 1, 2])
    merges = network_merges(predicted, _codes(OPERATOR), KIND == "counterfeit")
    assert merges == {"any": 2, "with_counterfeit": 1}
    assert network_merges(np.full(OPERATOR.size, -1), _codes(OPERATOR), KIND == "counterfeit") == {
        "any": 0,
        "with_counterfeit": 0,
    }


def test_a_pair_of_operators_tied_only_by_hubs_counts_and_one_with_real_evidence_does_not() -> None:
    # u1 (op X) and u2 (op Y) share a proxy exit and its /24; u3 (Y) and u4 (Z) a proxy exit and a device;
    # u5 and u6 (both X) a proxy exit: one operator, no merge.
    links = pa.table(
        {
            "account_a": ["u1", "u1", "u3", "u3", "u5"],
            "account_b": ["u2", "u2", "u4", "u4", "u6"],
            "network_id": ["N1", "N1", "N2", "N2", "N3"],
            "kind": ["ip", "ip_net", "ip", "device", "ip"],
            "artifact": ["1.2.3.4", "1.2.3", "240e:0300:0001:0002:aaaa:bbbb:cccc:dddd", "dv1", "9.9.9.9"],
        }
    )
    operator_of = {"u1": "X", "u2": "Y", "u3": "Y", "u4": "Z", "u5": "X", "u6": "X"}
    hubs = {"1.2.3.4", "240e:0300:0001:0002:aaaa:bbbb:cccc:dddd", "9.9.9.9", "some 3PL address"}
    assert hub_ties(links, operator_of, hubs) == {
        "cross_operator_pairs": 2,
        "cross_operator_pairs_only_through_hubs": 1,
        "networks_merging_through_hubs": 1,
    }
