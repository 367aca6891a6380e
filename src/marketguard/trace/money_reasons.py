"""The money trail's reasons: what reached each party and by which chain, then why it has its role (see
:mod:`marketguard.trace.money` for the rules they put in words)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from marketguard.features.signals.catalogue import US_PER_DAY
from marketguard.sentences import plural
from marketguard.trace.money_roles import COLLECTOR, LAYERED, MIN_FED, MIN_LAYERED, MIN_PURITY, SUPPLIER

__all__ = ["chain_reason", "network_reasons"]


def network_reasons(
    currency: str,
    rows: dict[str, np.ndarray],
    facts: dict[str, np.ndarray],
    via: list[list[str]],
    n_seeds: np.ndarray,
    pass_days: float,
    nouns: np.ndarray,
) -> list[list[str]]:
    """Plain-language reasons, one list per row: what reached the party, by which chain, then why it has its
    role."""
    money = f"{currency} " if currency else ""
    window = f"{pass_days:g} day{'s' if pass_days != 1 else ''}"
    out = []
    for i in range(rows["net"].size):
        k, direct, n = int(rows["n_seeds"][i]), int(rows["n_direct"][i]), int(n_seeds[i])
        through = f" ({k - direct} of them only through other accounts)" if k > direct else ""
        source = (
            "the network's store account)"
            if n == 1
            else f"the network's {n} store accounts) from {k} of them"
        )
        hops, longest = int(rows["hops"][i]), int(rows["longest_hops"][i])
        away = plural(hops, "hop") if longest == hops else f"{hops}-{longest} hops"
        said = [
            f"received {money}{rows['amount'][i]:,.0f} ({_pct(rows['share'][i])} of what left {source}{through}, "
            f"{plural(rows['n_transfers'][i], 'transfer')}, {away} away"
        ]
        if longest > 1:
            noun = "mule" if facts["via_mules"][i] and via[i] else "account"
            said.append(chain_reason(hops - 1, longest - 1, via[i], float(rows["median_delay"][i]), noun))
        if facts["role"][i] == COLLECTOR:
            said.append(_period_reason(rows, i))
        passed = _pct(facts["passed"][i])
        if facts["shared"][i]:
            said.append(f"also receives from {facts['unrelated'][i]} unrelated store accounts: {nouns[i]}")
        if facts["is_mule"][i]:
            said.append(
                f"paid on {passed} of the network's money to other accounts within {window} of receiving it: "
                "a pass-through (mule)"
            )
        elif facts["role"][i] == COLLECTOR:
            said.append(f"keeps the money (pays on only {passed} within {window}): where the money pools")
        elif facts["role"][i] == SUPPLIER:
            said.append(_supplier_reason(rows, i, passed, window))
        elif not facts["shared"][i]:
            said.append(_other_reason(rows, i, n))
        out.append(said)
    return out


def chain_reason(fewest: int, most: int, via: list[str], median_days: float, noun: str = "account") -> str:
    """How the money came: 'through 2-4 mules, mostly m1 > m2 > m3; 9 days after it left the store accounts
    (median)' (``fewest`` and ``most`` count the accounts between a store account and the party; ``noun`` is
    'mule' when the accounts of the main path all pass the money on)."""
    if fewest == most:
        count = plural(most, noun)
    elif fewest == 0:
        count = f"up to {plural(most, noun)} (some straight)"
    else:
        count = f"{fewest}-{most} {noun}s"
    path = f", mostly {' > '.join(via)}" if via else ", mostly straight from the store accounts"
    return f"through {count}{path}; {_days(median_days)} after it left the store accounts (median)"


def _period_reason(rows: dict[str, np.ndarray], i: int) -> str:
    """When a collector was in use, and how much of the network's money it took in that time."""
    first, last = (_date(rows[c][i]) for c in ("first", "last"))
    return f"in use from {first} to {last}: {_pct(rows['active_share'][i])} of {_yardstick(rows, i)} then"


def _yardstick(rows: dict[str, np.ndarray], i: int) -> str:
    """What a party's ``active_share`` is a share of."""
    if rows["layered"][i] >= LAYERED:
        return "the network's money that reached a pool from the same store accounts"
    return "what left the store accounts"


def _other_reason(rows: dict[str, np.ndarray], i: int, n_network: int) -> str:
    """Why a party that is neither a pass-through nor shared is no collector (the first rule it fails)."""
    if rows["fed"][i] < MIN_FED:
        return (
            f"only {_pct(rows['fed'][i])} of its network money came from the store accounts or pass-throughs: "
            "it is paid from where the money pools, not a pool itself"
        )
    if rows["purity"][i] < MIN_PURITY:
        return (
            f"the network's money is only {_pct(rows['purity'][i])} of all it receives: an account with a life of "
            "its own that got some of it, not a pool"
        )
    if rows["n_seeds"][i] < 2 and rows["layered"][i] < MIN_LAYERED:
        if n_network == 1:
            return (
                "the network has a single store account, paying it straight: nothing pools here (it may be the "
                "owner's own account)"
            )
        return (
            f"holds the money of only one of the network's {n_network} store accounts, paid straight, not "
            "through pass-throughs: no pooling"
        )
    return (
        f"only {_pct(rows['active_share'][i])} of {_yardstick(rows, i)} while it was in use: too little to be "
        "where it pools"
    )


def _supplier_reason(rows: dict[str, np.ndarray], i: int, passed: str, window: str) -> str:
    n = int(rows["n_transfers"][i])
    days = (rows["last"][i] - rows["first"][i]) / US_PER_DAY / max(n - 1, 1)
    cadence = f", about every {days:.0f} days" if n > 1 else ""
    source = (
        "receives from nobody else in the network"
        if rows["from_collector"][i] >= 0.99
        else f"{_pct(rows['from_collector'][i])} of its network money came from the collectors"
    )
    return (
        f"paid {plural(n, 'time')} by the collectors{cadence}; {source}; keeps it (pays on {passed} within "
        f"{window}): a supplier"
    )


def _days(days: float) -> str:
    if not np.isfinite(days) or days < 1:
        return "within a day"
    return plural(round(days), "day")


def _date(us: int) -> str:
    return datetime.fromtimestamp(int(us) / 1e6, UTC).strftime("%Y-%m-%d")


def _pct(x: float) -> str:
    return "<1%" if 0 < x < 0.005 else f"{x:.0%}"
