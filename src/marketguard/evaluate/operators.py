"""Operator-level agreement of predicted networks with the true operators: is each counterfeit operator found as
one network of its own, does each agency stay whole and apart, and which networks merge operators?

Pairwise scores (:func:`marketguard.evaluate.metrics.pairwise_scores`) weigh big operators by their squared size;
an investigator works operator by operator, so these figures count operators. A store in no network is a network
of its own (a singleton): an operator of one store is found when it stands alone.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa

__all__ = [
    "MIN_NETWORK_PURITY",
    "MIN_STORE_SHARE",
    "agency_integrity",
    "merged_networks",
    "network_merges",
    "operator_recovery",
]

#: An operator is recovered when one network holds at least this share of its stores ...
MIN_STORE_SHARE = 0.8
#: ... and at least this share of that network's stores are the operator's (one case per operator, little else).
MIN_NETWORK_PURITY = 0.8


def _singletons(predicted: np.ndarray) -> np.ndarray:
    """Network codes with every store in no network given a code of its own (after the real ones)."""
    predicted = np.asarray(predicted, dtype=np.int64)
    alone = predicted < 0
    out = predicted.copy()
    start = int(predicted.max()) + 1 if predicted.size and predicted.max() >= 0 else 0
    out[alone] = start + np.arange(int(alone.sum()))
    return out


def operator_recovery(
    predicted: np.ndarray,
    operator: np.ndarray,
    is_member: np.ndarray,
    *,
    min_store_share: float = MIN_STORE_SHARE,
    min_purity: float = MIN_NETWORK_PURITY,
) -> dict[str, Any]:
    """Share of the operators of the ``is_member`` stores (e.g. the counterfeit ones) with at least
    ``min_store_share`` of their stores in one network at least ``min_purity`` theirs.

    ``predicted`` holds network codes of every store (negative: in no network), ``operator`` true operator codes;
    a network's purity counts all its stores, of any kind.
    """
    net = _singletons(predicted)
    size = np.bincount(net)
    members = np.flatnonzero(np.asarray(is_member, dtype=bool))
    ops, op_idx = np.unique(np.asarray(operator)[members], return_inverse=True)
    if ops.size == 0:
        return {"n_operators": 0, "recovered": 0, "share": float("nan")}
    pairs, count = np.unique(np.stack([op_idx, net[members]], axis=1), axis=0, return_counts=True)
    best = np.zeros(ops.size, dtype=np.int64)
    np.maximum.at(best, pairs[:, 0], count)
    is_best = count == best[pairs[:, 0]]
    op_size = np.bincount(op_idx, minlength=ops.size)
    ok = (count >= min_store_share * op_size[pairs[:, 0]]) & (count >= min_purity * size[pairs[:, 1]])
    recovered = np.zeros(ops.size, dtype=bool)
    recovered[pairs[is_best & ok, 0]] = True
    return {"n_operators": int(ops.size), "recovered": int(recovered.sum()), "share": float(recovered.mean())}


def agency_integrity(predicted: np.ndarray, operator: np.ndarray, kind: np.ndarray) -> dict[str, int]:
    """Agencies split over several networks (or partly in none), and agencies sharing a network with a
    counterfeit store: an agency runs many client stores from one office, and must stay one network of its own."""
    net = _singletons(predicted)
    kind = np.asarray(kind)
    agency = np.flatnonzero(kind == "agency")
    with_counterfeit = np.zeros(int(net.max()) + 1 if net.size else 0, dtype=bool)
    with_counterfeit[net[kind == "counterfeit"]] = True
    ops, op_idx = np.unique(np.asarray(operator)[agency], return_inverse=True)
    pairs = np.unique(np.stack([op_idx, net[agency]], axis=1), axis=0)
    n_networks = np.bincount(pairs[:, 0], minlength=ops.size) if pairs.size else np.zeros(0, np.int64)
    merged = np.zeros(ops.size, dtype=bool)
    if pairs.size:
        merged[pairs[with_counterfeit[pairs[:, 1]], 0]] = True
    # the two ways to split, told apart: stores left in no network (nothing tied them to the office, or too
    # little), and stores in two or more real networks (the office itself cut apart)
    linked = np.asarray(predicted) >= 0
    real = np.unique(np.stack([op_idx[linked[agency]], net[agency][linked[agency]]], axis=1), axis=0)
    n_real = np.bincount(real[:, 0], minlength=ops.size) if real.size else np.zeros(ops.size, np.int64)
    unlinked = np.bincount(op_idx[~linked[agency]], minlength=ops.size) > 0
    return {
        "n_agencies": int(ops.size),
        "agencies_split": int((n_networks > 1).sum()),
        "agencies_split_over_networks": int((n_real > 1).sum()),
        "agencies_with_stores_in_no_network": int((unlinked & (n_networks > 1)).sum()),
        "agencies_merged_with_counterfeit": int(merged.sum()),
    }


def merged_networks(predicted: np.ndarray, operator: np.ndarray) -> int:
    """Predicted networks that hold stores of two or more different true operators."""
    clustered = predicted >= 0
    pairs = np.unique(np.stack([predicted[clustered], operator[clustered]], axis=1), axis=0)
    if pairs.size == 0:
        return 0
    return int((np.bincount(pairs[:, 0]) > 1).sum())


def network_merges(predicted: np.ndarray, operator: np.ndarray, is_counterfeit: np.ndarray) -> dict[str, int]:
    """Networks holding stores of two or more true operators of any kind (independents included: a hub such as a
    shared warehouse or a proxy exit glues unrelated stores together), and how many of them hold counterfeit
    stores (a case that would name innocent sellers, or two gangs as one)."""
    predicted, operator = np.asarray(predicted), np.asarray(operator)
    clustered = predicted >= 0
    pairs = np.unique(np.stack([predicted[clustered], operator[clustered]], axis=1), axis=0)
    if pairs.size == 0:
        return {"any": 0, "with_counterfeit": 0}
    n_ops = np.bincount(pairs[:, 0])
    counterfeit = np.zeros(n_ops.size, dtype=bool)
    counterfeit[predicted[clustered & np.asarray(is_counterfeit, dtype=bool)]] = True
    merging = n_ops > 1
    return {"any": int(merging.sum()), "with_counterfeit": int((merging & counterfeit).sum())}


def hub_ties(links: pa.Table, operator_of: dict[str, str], hub_values: set[str]) -> dict[str, int]:
    """Linked account pairs of two different true operators (store owners both) that share nothing but hubs (the
    truth's 3PL warehouses, freight forwarders and proxy exits, and the IP networks of the exits), and the
    networks holding such a pair: the merges a hub alone would cause, which must be none."""
    nets = {_network(v) for v in hub_values if _looks_like_ip(v)}
    pairs: dict[tuple[str, str], bool] = {}
    network_of: dict[tuple[str, str], str] = {}
    columns = ("account_a", "account_b", "network_id", "kind", "artifact")
    for a, b, network, kind, artifact in zip(*(links.column(c).to_pylist() for c in columns), strict=True):
        op_a, op_b = operator_of.get(a), operator_of.get(b)
        if op_a is None or op_b is None or op_a == op_b:
            continue
        hub = artifact in hub_values or (kind == "ip_net" and artifact in nets)
        pairs[(a, b)] = pairs.get((a, b), True) and hub
        network_of[(a, b)] = network
    only_hubs = [pair for pair, hub in pairs.items() if hub]
    return {
        "cross_operator_pairs": len(pairs),
        "cross_operator_pairs_only_through_hubs": len(only_hubs),
        "networks_merging_through_hubs": len({network_of[p] for p in only_hubs}),
    }


def _looks_like_ip(value: str) -> bool:
    return (value.count(".") == 3 and value.replace(".", "").isdigit()) or value.count(":") >= 4


def _network(ip: str) -> str:
    """The /24 of an IPv4 address or the first four groups of an IPv6 one, as the linker names IP networks."""
    return ip.rsplit(".", 1)[0] if "." in ip else ":".join(ip.split(":")[:4])
