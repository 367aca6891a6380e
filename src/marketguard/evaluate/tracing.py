"""Tracing quality against simulator truth: were each counterfeit operator's own sites and money parties found?

Each counterfeit operator is matched to the predicted network holding most of its stores (none: everything of
that operator counts as missed). Sites: a true factory or warehouse is found when one of the network's top
``SITE_TOP`` predicted sites lies within ``SITE_KM`` of it. Money: a true collector (supplier) is found when it is
among the network's top ``MONEY_TOP`` parties predicted as collectors (suppliers) active while it was: an operator
has one or two collectors at a time and one to three suppliers, so one top 3 over all roles could not hold them
all, and an operator replacing its collectors every month or two uses a dozen over a year, so every one of them
counts, each against the collectors of its own months.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.evaluate.metrics import dominant_values

SITE_TOP, SITE_KM, MONEY_TOP = 5, 2.0, 3
EARTH_KM = 6371.0088
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def operator_networks(true_stores: pa.Table, store_networks: pa.Table) -> dict[str, str]:
    """Counterfeit operator -> the predicted network holding most of its stores (ties: smallest network id)."""
    joined = true_stores.filter(pc.equal(true_stores.column("operator_kind"), "counterfeit")).join(
        store_networks.select(["store_id", "network_id"]), "store_id", join_type="inner"
    )
    return dominant_values(joined.column("operator_id"), joined.column("network_id"))


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def site_metrics(
    sites: pa.Table, true_sites: pa.Table, counterfeit: set[str], networks: dict[str, str]
) -> dict[str, Any]:
    """Recall of counterfeit operators' factories and warehouses among their networks' top predicted sites
    (``counterfeit``: every counterfeit operator, networked or not)."""
    own = true_sites.filter(pc.is_in(true_sites.column("kind"), value_set=pa.array(["factory", "warehouse"])))
    own = own.filter(
        pc.is_in(own.column("operator_id"), value_set=pa.array(sorted(counterfeit), pa.string()))
    )
    top = sites.filter(pc.less_equal(sites.column("rank"), SITE_TOP)).to_pylist()
    by_network: dict[str, list[tuple[float, float]]] = {}
    for s in top:
        if s["lat"] is not None and s["lon"] is not None:
            by_network.setdefault(s["network_id"], []).append((s["lat"], s["lon"]))
    found = 0
    rows = own.to_pylist()
    for t in rows:
        points = by_network.get(networks.get(t["operator_id"], ""), [])
        if points:
            lat, lon = np.array(points).T
            found += bool((haversine_km(t["lat"], t["lon"], lat, lon) <= SITE_KM).any())
    return {
        "recall": found / len(rows) if rows else float("nan"),
        "found": found,
        "true_sites": len(rows),
        "operators": len({t["operator_id"] for t in rows}),
        "operators_without_network": len({t["operator_id"] for t in rows} - set(networks)),
    }


def money_metrics(
    money: pa.Table, parties: pa.Table, counterfeit: set[str], networks: dict[str, str]
) -> dict[str, Any]:
    """Recall (and precision of the top ``MONEY_TOP`` per role) of counterfeit operators' collectors and
    suppliers (``counterfeit``: every counterfeit operator, networked or not).

    Every party the operator used over the year counts. A true party is found when it is among the top
    ``MONEY_TOP`` of its role in its operator's network, counting only the predicted parties of that role active
    during its own active span (``first_received_at`` .. ``last_received_at`` in the truth against ``first_seen``
    .. ``last_seen`` in the results, when both sides have them): a collector replaced every month or two competes
    with the collectors of its own months, not with those of the whole year. Parties active all year (the older
    presets' collectors, every supplier) compete with all of their role, as before.
    """
    ranked: dict[tuple[str, str], list[tuple[str, int, int]]] = {}
    timed = {"first_seen", "last_seen"} <= set(money.column_names)
    for r in money.sort_by([("network_id", "ascending"), ("rank", "ascending")]).to_pylist():
        span = _span(r.get("first_seen"), r.get("last_seen")) if timed else _ALWAYS
        ranked.setdefault((r["network_id"], r["role"]), []).append((r["party"], *span))
    true_timed = {"first_received_at", "last_received_at"} <= set(parties.column_names)
    out: dict[str, Any] = {}
    found_all = total_all = 0
    for role in ("collector", "supplier"):
        true = [p for p in parties.to_pylist() if p["role"] == role and p["operator_id"] in counterfeit]
        found = 0
        for p in true:
            span = _span(p.get("first_received_at"), p.get("last_received_at")) if true_timed else _ALWAYS
            candidates = ranked.get((networks.get(p["operator_id"], ""), role), [])
            active = [party for party, lo, hi in candidates if lo <= span[1] and hi >= span[0]]
            found += p["party"] in active[:MONEY_TOP]
        truth_of = {(networks.get(p["operator_id"], ""), p["party"]) for p in true}
        predicted = [
            (network, party)
            for network in set(networks.values())
            for party, _, _ in ranked.get((network, role), [])[:MONEY_TOP]
        ]
        correct = sum(pair in truth_of for pair in predicted)
        out[role] = {
            "recall": found / len(true) if true else float("nan"),
            "found": found,
            "true": len(true),
            "precision_top": correct / len(predicted) if predicted else float("nan"),
        }
        found_all, total_all = found_all + found, total_all + len(true)
    out["recall"] = found_all / total_all if total_all else float("nan")
    return out


#: A span without bounds (a side that does not record when a party was active).
_ALWAYS = (-(2**62), 2**62)


def _span(first: Any, last: Any) -> tuple[int, int]:
    """A party's active span as integer microseconds; a missing end leaves that side open."""
    lo = _ALWAYS[0] if first is None else _micros(first)
    hi = _ALWAYS[1] if last is None else _micros(last)
    return lo, hi


def _micros(value: Any) -> int:
    """Microseconds since the epoch of a timestamp read from Arrow (``datetime``, aware or naive UTC)."""
    if isinstance(value, int):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
