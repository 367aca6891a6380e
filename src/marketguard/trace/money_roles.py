"""Roles on the money trail, read off the flow structure (see :mod:`marketguard.trace.money` for the rules in
words): which parties pass the money on, which are shared by unrelated stores, where it pools, who is paid from
there.

Each threshold below is a share of a party's own network money, so the rules do not depend on amounts or on the
size of a network.
"""

from __future__ import annotations

import numpy as np

from marketguard.trace.money_chain import pool_share
from marketguard.trace.money_ledger import Ledger, pass_through

__all__ = ["COLLECTOR", "MULE", "OTHER", "ROLES", "SUPPLIER", "assign_roles", "passing"]

COLLECTOR, SUPPLIER, MULE, OTHER = 0, 1, 2, 3
#: In rank order within a network: the pools first, then who they pay, then the accounts in between.
ROLES = ("collector", "supplier", "mule", "other")

#: A pool is fed by the store accounts: at least this share of its network money came from them directly or
#: through pass-throughs (not paid out of another pool, as a supplier is).
MIN_FED = 0.5
#: A party fed by one store account pools it when at least this share of its network money came through
#: pass-throughs: an owner sweeping to their own account pays it directly; money routed through mules first is
#: being hidden, and a collector in use for a month may get one store's money only.
MIN_LAYERED = 0.1
#: Money that came mostly through pass-throughs is judged against the network's pools, not its store accounts:
#: a chain of mules delivers weeks late and out of order, so a collector replaced every month shares the store
#: accounts' departures with its predecessor and successor.
LAYERED = 0.5
#: A pool of network money holds mostly network money: an honest account that got a slip of it (a landlord, a
#: utility, a mule's employer) receives far more from elsewhere.
MIN_PURITY = 0.5
#: A supplier is paid mostly by the collectors.
MIN_FROM_COLLECTOR = 0.5


def passing(
    ledger: Ledger, received: np.ndarray, passed_on: np.ndarray, parties: np.ndarray, window: float
) -> np.ndarray:
    """Per party, the share of the traced money it received that it paid on to other parties within ``window``
    (lot by lot, as the replay attributed it: a mule's own salary and savings do not hide what it forwards).
    Parties whose traced money the replay could not time (a hub, money in the ledger's last ``window``) fall
    back to first in, first out over everything they received; only ``parties`` are computed that way."""
    share = passed_on / np.maximum(received, 1e-300)
    untimed = np.zeros(received.size, bool)
    untimed[parties] = True
    untimed &= received <= 0
    if untimed.any():
        share[untimed] = pass_through(ledger, window, untimed)[untimed]
    return share


def assign_roles(
    rows: dict[str, np.ndarray],
    rec: dict[str, np.ndarray],
    ledger: Ledger,
    is_pass: np.ndarray,
    shared: np.ndarray,
    traced_in: np.ndarray,
    min_collector_share: float,
    min_active_us: float,
) -> np.ndarray:
    """Collectors where the money pools while they are in use; suppliers paid mostly by the collectors; mules
    (pass-throughs not shared by unrelated stores) between; the rest other. Adds to ``rows`` what the rules read: ``fed``, ``layered``, ``purity``, ``active_share`` (for money
    that came mostly through pass-throughs, its share of what reached the network's pools from its store
    accounts while it received) and ``from_collector``."""
    src = ledger.src[rec["t"]]
    via_pass = (rec["hops"] > 1) & is_pass[src]
    fed = (rec["hops"] == 1) | via_pass
    amount = np.maximum(rows["amount"], 1e-300)
    n = rows["amount"].size
    rows["fed"] = np.bincount(rec["group"][fed], rec["carried"][fed], minlength=n) / amount
    rows["layered"] = np.bincount(rec["group"][via_pass], rec["carried"][via_pass], minlength=n) / amount
    total_in = np.bincount(ledger.dst, ledger.amount, minlength=traced_in.size)
    rows["purity"] = np.minimum(traced_in[rows["party"]] / np.maximum(total_in[rows["party"]], 1e-300), 1.0)
    excluded = is_pass[rows["party"]] | shared
    candidate = (rows["fed"] >= MIN_FED) & (rows["purity"] >= MIN_PURITY) & ~excluded
    layered = rows["layered"] >= LAYERED
    rows["active_share"] = np.where(
        layered, pool_share(ledger, rows, rec, candidate, min_active_us), rows["active_share"]
    )
    pooled = (rows["n_seeds"] >= 2) | (rows["layered"] >= MIN_LAYERED)
    pools = candidate & pooled & (rows["active_share"] >= min_collector_share)
    role = np.where(pools, COLLECTOR, OTHER)
    n_parties = len(ledger.names)
    collector_keys = rows["net"][pools] * n_parties + rows["party"][pools]
    from_collector = np.isin(rec["net"] * n_parties + src, collector_keys)
    paid = np.bincount(rec["group"][from_collector], rec["carried"][from_collector], minlength=n)
    rows["from_collector"] = paid / amount
    role[(role == OTHER) & ~excluded & (rows["from_collector"] >= MIN_FROM_COLLECTOR)] = SUPPLIER
    role[(role == OTHER) & is_pass[rows["party"]] & ~shared] = MULE
    return role
