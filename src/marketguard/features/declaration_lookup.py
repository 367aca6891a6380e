"""One declaration's signals in Python, for the real-time check: the twins of the SQL in
:mod:`marketguard.features.declaration_signals`, computed from what a batch run saw (brand references, the
goods' typical declared values, every exporter's filings, each destination's tied declarations) without an
engine or a table scan. The tie signals (``linked_*``) need the exporter index and stay with the screener.
A test pins every signal here to the batch SQL on a simulated market.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from marketguard.engine.tables import Tables
from marketguard.features.declaration_signals import FX_TO_CNY, SPIKE_DAYS
from marketguard.features.hs_codes import description_category, hs_category, normalise_category
from marketguard.features.signals.catalogue import US_PER_DAY

__all__ = ["DeclarationLookup"]


@dataclass(frozen=True)
class _History:
    """One exporter's filings in the fitted data: times (sorted, microseconds) and destinations."""

    times: list[int]
    destinations: frozenset[str]


@dataclass(frozen=True)
class DeclarationLookup:
    """What one declaration's signals are read against; build it with :meth:`from_tables`."""

    references: dict[str, float]  # brand -> reference unit price in CNY
    brand_categories: dict[str, str | None]
    typical: dict[str, float]  # HS category -> geometric mean declared unit value in CNY
    histories: dict[str, _History]
    destinations: dict[str, tuple[int, int]]  # destination -> (declarations, of them tied to a network)
    tied: dict[str, bool]  # fitted declaration -> tied to a network

    @classmethod
    def from_tables(cls, tables: Tables, tied: dict[str, bool]) -> DeclarationLookup:
        """Read the brands and declarations once; ``tied`` says which fitted declarations the screener tied."""
        references: dict[str, float] = {}
        brand_categories: dict[str, str | None] = {}
        if tables.has("brands"):
            for b in tables.fetch(
                "SELECT brand, reference_price, currency, category FROM brands", "brands for screening"
            ).to_pylist():
                rate = FX_TO_CNY.get((b["currency"] or "CNY").upper())
                if rate and b["reference_price"] and b["reference_price"] > 0:
                    references[b["brand"]] = float(b["reference_price"]) * rate
                brand_categories[b["brand"]] = normalise_category(b["category"])
        rows = tables.fetch(
            "SELECT declaration_id, exporter, destination_country, epoch_us(filed_at) AS t, hs_code, "
            "CAST(declared_value AS DOUBLE) AS value, quantity, currency FROM declarations ORDER BY declaration_id",
            "declarations for screening",
        ).to_pylist()
        histories: dict[str, tuple[list[int], set[str]]] = {}
        logs: dict[str, list[float]] = {}
        destinations: dict[str, tuple[int, int]] = {}
        for r in rows:
            times, dests = histories.setdefault(r["exporter"], ([], set()))
            times.append(r["t"])
            dests.add(r["destination_country"])
            unit, category = _unit_cny(r), hs_category(r["hs_code"])
            if unit and unit > 0 and category:
                logs.setdefault(category, []).append(math.log(unit))
            n, k = destinations.get(r["destination_country"], (0, 0))
            destinations[r["destination_country"]] = (n + 1, k + tied[r["declaration_id"]])
        return cls(
            references=references,
            brand_categories=brand_categories,
            typical={c: math.exp(sum(v) / len(v)) for c, v in logs.items()},
            histories={e: _History(sorted(t), frozenset(d)) for e, (t, d) in histories.items()},
            destinations=destinations,
            tied=tied,
        )

    def signals(self, d: Mapping[str, Any], names: set[str]) -> dict[str, float]:
        """The signals among ``names`` that ``d`` (the contract's columns) has a value for, ``linked_*`` aside."""
        out: dict[str, float] = {}
        unit = _unit_cny(
            {"value": d.get("declared_value"), "quantity": d.get("quantity"), "currency": d.get("currency")}
        )
        reference = self.references.get(d.get("brand") or "")
        if "value_to_reference" in names and reference and unit is not None:
            out["value_to_reference"] = unit / reference
        hs = hs_category(d.get("hs_code"))
        if "value_to_market" in names and unit and unit > 0 and hs in self.typical:
            out["value_to_market"] = unit / self.typical[hs]
        if "hs_inconsistent" in names:
            said = description_category(d.get("description"))
            branded = self.brand_categories.get(d.get("brand") or "")
            if said is not None or branded is not None:
                out["hs_inconsistent"] = float(
                    hs is None or (said is not None and said != hs) or (branded is not None and branded != hs)
                )
        if "exporter_age_days" in names:
            out.update(self._history_signals(d))
        n, k = self.destinations.get(str(d.get("destination_country")), (0, 0))
        own = self.tied.get(str(d.get("declaration_id")))
        if own is not None:  # a fitted declaration: leave itself out, as the SQL does
            n, k = n - 1, k - own
        if "destination_tied_share" in names and n > 0:
            out["destination_tied_share"] = k / n
        return out

    def _history_signals(self, d: Mapping[str, Any]) -> dict[str, float]:
        t = _epoch_us(d.get("filed_at"))
        history = self.histories.get(str(d.get("exporter")), _History([], frozenset()))
        times = history.times if t in history.times else sorted([*history.times, t])
        first, last, n = times[0], times[-1], len(times)
        window = SPIKE_DAYS * US_PER_DAY
        near = bisect.bisect_right(times, t + window) - bisect.bisect_left(times, t - window)
        pace = max((n - 1) * 2 * window / max(last - first, 2 * window), 1.0)
        return {
            "exporter_age_days": (t - first) / US_PER_DAY,
            "exporter_declarations": float(n),
            "exporter_destinations": float(len(history.destinations | {d.get("destination_country")})),
            "exporter_spike": (near - 1) / pace,
        }


def _unit_cny(r: Mapping[str, Any]) -> float | None:
    rate = FX_TO_CNY.get((r.get("currency") or "CNY").upper())
    quantity, value = r.get("quantity"), r.get("value")
    if rate is None or not quantity or quantity <= 0 or value is None:
        return None
    return float(value) * rate / quantity


def _epoch_us(ts: Any) -> int:
    if isinstance(ts, datetime):
        return int(ts.timestamp() * 1_000_000)
    if isinstance(ts, str):
        return int(datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp() * 1_000_000)
    return int(ts)
