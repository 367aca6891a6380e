"""How findings read in reason sentences: counts with their noun, amounts as a case quotes them.

Detectors, tracing and the scan all write plain-language reasons; one wording keeps them consistent.
"""

from __future__ import annotations

__all__ = ["compact_amount", "in_currency", "noun", "plural"]


def noun(n: int, word: str) -> str:
    """``word`` as it reads after the count ``n``: 'store' / 'stores', 'address' / 'addresses'."""
    return word if n == 1 else word + ("es" if word.endswith(("s", "sh", "ch", "x")) else "s")


def plural(n: int, word: str) -> str:
    """'1 store', '3 stores', '2 addresses', '1,204 parcels'."""
    return f"{n:,} {noun(n, word)}"


def compact_amount(amount: float) -> str:
    """1,020,000 -> '1.02M': the way a case quotes a figure."""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(amount) >= size:
            return f"{amount / size:.2f}{unit}"
    return f"{amount:,.0f}"


def in_currency(figure: str, currency: str | None) -> str:
    """'CNY 1.02M'; the figure alone when no currency is known; flagged when the sum mixes several."""
    if not currency:
        return figure
    return f"{figure} (several currencies)" if currency == "mixed" else f"{currency} {figure}"
