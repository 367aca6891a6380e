"""Numbers and dates as a case report prints them. Every function accepts ``None`` (a value the scan could
not compute) and prints a dash, so a missing figure is visible rather than a crash or a misleading zero."""

from __future__ import annotations

import math

DASH = "—"


def integer(value: float | None) -> str:
    """``12,345``."""
    return DASH if value is None else f"{round(value):,}"


def amount(value: float | None) -> str:
    """Money in full, with thousands separators: tables, where exact figures are compared."""
    if value is None:
        return DASH
    return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"


def compact(value: float | None) -> str:
    """Money or counts at a glance: ``1.02M``, ``38.4k``, ``950``."""
    if value is None:
        return DASH
    size = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if size >= limit:
            scaled = value / limit
            return f"{scaled:.3g}{suffix}" if abs(scaled) < 1000 else f"{scaled:,.0f}{suffix}"
    return f"{value:.3g}" if size < 1 and size > 0 else f"{value:,.0f}"


def percent(value: float | None, digits: int = 0) -> str:
    """A share in [0, 1] as ``42%``."""
    return DASH if value is None else f"{100 * value:.{digits}f}%"


def score(value: float | None) -> str:
    """A score in [0, 1] with the precision a reader can use."""
    return DASH if value is None else f"{value:.2f}"


def day(timestamp: str | None) -> str:
    """The date part of an ISO timestamp."""
    return DASH if not timestamp else timestamp[:10]


def number(value: float) -> str:
    """A coordinate in SVG: short and locale-free."""
    if not math.isfinite(value):
        return "0"
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
