"""The money trail of a case as a reader follows it: the chain from the store accounts through the mules to the
collector and its supplier, and how each party's row reads (hops, dates, delay, accounts in between).

Everything is read off the ``money`` rows the scan wrote (``via``, ``hops``, ``longest_hops``,
``median_delay_days``, ``first_seen``, ``last_seen``, ``active_share``); nothing is recomputed. Rows of scans
older than these columns read them as null and print a dash.
"""

from __future__ import annotations

from typing import Any

from marketguard.report import formatting as fmt
from marketguard.sentences import plural

Row = dict[str, Any]

__all__ = ["ARROW", "STORES", "chain_text", "delay", "hops", "in_use", "main_chain", "via"]

#: Between two accounts of a chain.
ARROW = " → "
#: What the chain starts from.
STORES = "store accounts"


def main_chain(money: list[Row] | None) -> list[Row]:
    """The chain that carried the most money to the network's first collector, then on to the supplier it paid
    most: one step per account, from the store accounts on (``party`` is None for them). Empty without a
    collector or without the ``via`` column."""
    rows = money or []
    collector = next((m for m in rows if m.get("role") == "collector" and m.get("via") is not None), None)
    if collector is None:
        return []
    by_party = {m["party"]: m for m in rows}
    steps = [*collector["via"], collector["party"]]
    supplier = next(
        (
            m
            for m in rows
            if m.get("role") == "supplier" and (m.get("via") or [None])[-1] == collector["party"]
        ),
        None,
    )
    if supplier is not None:
        steps.append(supplier["party"])
    chain: list[Row] = [{"party": None, "role": STORES, "hops": 0, "amount": None}]
    for party in steps:
        row = by_party.get(party, {})
        chain.append(
            {
                "party": party,
                "role": row.get("role"),
                "hops": row.get("hops"),
                "amount": row.get("amount"),
                "median_delay_days": row.get("median_delay_days"),
            }
        )
    return chain


def hops(row: Row) -> str:
    """'3', or '2–4' when the party's money came along paths of several lengths."""
    fewest, most = row.get("hops"), row.get("longest_hops")
    if fewest is None or most is None or most == fewest:
        return fmt.integer(fewest)
    return f"{fewest:,}–{most:,}"


def via(row: Row) -> str:
    """The accounts between the store accounts and the party on its main path: 'm1 → m2', or 'direct'."""
    path = row.get("via")
    if path is None:
        return fmt.DASH
    return ARROW.join(path) if path else "direct"


def delay(row: Row) -> str:
    """Median days from the store accounts to the party."""
    days = row.get("median_delay_days")
    if days is None:
        return fmt.DASH
    return "same day" if days < 1 else f"{days:,.0f} d"


def in_use(row: Row) -> str:
    """'2025-02-01 to 2025-04-30 (87%)': when it received the network's money, and its share then."""
    span = f"{fmt.day(row.get('first_seen'))} to {fmt.day(row.get('last_seen'))}"
    share = row.get("active_share")
    return span if share is None else f"{span} ({fmt.percent(share)})"


def chain_text(chain: list[Row], currency: str | None = None) -> str:
    """The chain in one line: 'store accounts → m1 (other) → c (collector, 1.55k, 3 hops, 6 d) → p (supplier)'."""
    parts = []
    for step in chain:
        if step["party"] is None:
            parts.append(step["role"])
            continue
        facts = [step["role"] or "party"]
        if step["role"] in ("collector", "supplier"):
            money = fmt.compact(step["amount"])
            facts.append(f"{currency} {money}" if currency else money)
            facts.append(fmt.DASH if step["hops"] is None else plural(int(step["hops"]), "hop"))
            facts.append(delay(step))
        parts.append(f"{step['party']} ({', '.join(facts)})")
    return ARROW.join(parts)
