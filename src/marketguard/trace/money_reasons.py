"""The money trail's reasons: what reached each party, then why it has its role (see
:mod:`marketguard.trace.money` for the rules they put in words)."""

from __future__ import annotations

import numpy as np

from marketguard.features.signals.catalogue import US_PER_DAY
from marketguard.sentences import plural

__all__ = ["COLLECTOR", "OTHER", "ROLES", "SUPPLIER", "network_reasons"]

COLLECTOR, SUPPLIER, OTHER = 0, 1, 2
ROLES = ("collector", "supplier", "other")


def network_reasons(
    currency: str,
    rows: dict[str, np.ndarray],
    facts: dict[str, np.ndarray],
    n_seeds: np.ndarray,
    pass_days: float,
    nouns: np.ndarray,
) -> list[list[str]]:
    """Plain-language reasons, one list per row: what reached the party, then why it has its role."""
    money = f"{currency} " if currency else ""
    window = f"{pass_days:g} day{'s' if pass_days != 1 else ''}"
    out = []
    for i in range(rows["net"].size):
        k, direct, n = int(rows["n_seeds"][i]), int(rows["n_direct"][i]), int(n_seeds[i])
        via = f" ({k - direct} of them only through other accounts)" if k > direct else ""
        source = (
            "the network's store account)"
            if n == 1
            else f"the network's {n} store accounts) from {k} of them"
        )
        said = [
            f"received {money}{rows['amount'][i]:,.0f} ({_pct(rows['share'][i])} of what left {source}{via}, "
            f"{plural(rows['n_transfers'][i], 'transfer')}, {plural(rows['hops'][i], 'hop')} away"
        ]
        passed = _pct(facts["passed"][i])
        if facts["shared"][i]:
            said.append(f"also receives from {facts['unrelated'][i]} unrelated store accounts: {nouns[i]}")
        if facts["is_mule"][i]:
            said.append(f"paid on {passed} of what it received within {window}: a pass-through (mule)")
        elif facts["role"][i] == COLLECTOR:
            said.append(f"keeps the money (pays on only {passed} within {window}): where the money pools")
        elif facts["role"][i] == SUPPLIER:
            said.append(_supplier_reason(rows, i, passed, window))
        elif not facts["shared"][i]:
            said.append(_other_reason(n, k, rows["share"][i], rows["fed"][i]))
        out.append(said)
    return out


def _other_reason(n_network: int, n_held: int, share: float, fed: float) -> str:
    """Why a party that is neither a pass-through nor shared is no collector."""
    if n_network == 1:
        return "the network has a single store account, so nothing pools here (it may be the owner's own account)"
    if n_held < 2:
        return f"holds the money of only one of the network's {n_network} store accounts: no pooling"
    if fed < 0.5:
        return (
            f"only {_pct(fed)} of its network money came from the store accounts or pass-throughs: "
            "it is paid from where the money pools, not a pool itself"
        )
    return f"only {_pct(share)} of the network's money: too little to be where it pools"


def _supplier_reason(rows: dict[str, np.ndarray], i: int, passed: str, window: str) -> str:
    n = int(rows["n_transfers"][i])
    days = (rows["last"][i] - rows["first"][i]) / US_PER_DAY / max(n - 1, 1)
    cadence = f", about every {days:.0f} days" if n > 1 else ""
    source = (
        "receives from nobody else in the network"
        if rows["from_collector"][i] >= 0.99
        else f"{_pct(rows['from_collector'][i])} of its network money came from the collector"
    )
    return (
        f"paid {plural(n, 'time')} by the collector{cadence}; {source}; keeps it (pays on {passed} within "
        f"{window}): a supplier"
    )


def _pct(x: float) -> str:
    return "<1%" if 0 < x < 0.005 else f"{x:.0%}"
