"""Baseline store risk: a documented weighted sum of four signals, to be replaced by the store risk model.

score = 0.20 * basic template
      + 0.35 * share of branded listings priced below half the brand's reference price
      + 0.30 * min(1, other stores sharing the owner's device/Wi-Fi network / 3)
      + 0.15 * owner account younger than ``young_account_days`` when the store opened

The weights are set by hand (not learned); they are the starting line that later detectors must beat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.detect.base import Detector, Interval, evidence_table
from marketguard.engine.tables import Tables
from marketguard.features.store_signals import FAR_BELOW_SHARE, branded_prices_sql, store_signals_sql

WEIGHTS = {
    "BASIC_TEMPLATE": 0.20,
    "PRICE_FAR_BELOW_REFERENCE": 0.35,
    "SHARED_ENVIRONMENT": 0.30,
    "YOUNG_ACCOUNT": 0.15,
}


class BaselineStoreRisk(Detector):
    """Score stores with the hand-weighted baseline above.

    Requires ``stores`` and ``accounts``; uses ``listings`` + ``brands`` for prices and the linker's
    ``account_networks`` for the shared environment when present. Learns ``signals_`` (one row per store).
    Reason codes: ``BASIC_TEMPLATE``, ``PRICE_FAR_BELOW_REFERENCE``, ``SHARED_ENVIRONMENT``, ``YOUNG_ACCOUNT``.

    Parameters
    ----------
    young_account_days
        An owner account younger than this when its store opened counts as young.
    linked_stores_full
        Number of other stores in the network at which the shared-environment signal saturates.
    """

    parameter_constraints: ClassVar[Mapping[str, Interval]] = {
        "young_account_days": Interval(int, 0, None),
        "linked_stores_full": Interval(int, 1, None),
    }
    required_tables = ("stores", "accounts")

    def __init__(self, *, young_account_days: int = 30, linked_stores_full: int = 3) -> None:
        self.young_account_days = young_account_days
        self.linked_stores_full = linked_stores_full

    def fit(self, tables: Tables, labels: pa.Table | None = None) -> BaselineStoreRisk:
        self._validate_params()
        self._check_tables(tables)
        with_prices = tables.has("listings", "brands")
        with_networks = tables.backend.table_exists("account_networks")
        steps = [branded_prices_sql()] if with_prices else []
        tables.run([*steps, store_signals_sql(with_prices, with_networks)])
        self.signals_ = tables.fetch("SELECT * FROM store_signals ORDER BY store_id", "fetch store signals")
        return self

    def _contributions(self) -> dict[str, np.ndarray]:
        s = self.signals_
        n_branded = s.column("n_branded").to_numpy(zero_copy_only=False).astype(float)
        far = s.column("n_far_below").to_numpy(zero_copy_only=False).astype(float)
        linked = s.column("n_linked_stores").to_numpy(zero_copy_only=False).astype(float)
        age = pc.fill_null(s.column("account_age_days"), 10**6).to_numpy(zero_copy_only=False)
        return {
            "BASIC_TEMPLATE": WEIGHTS["BASIC_TEMPLATE"] * s.column("is_basic_template").to_numpy(),
            "PRICE_FAR_BELOW_REFERENCE": WEIGHTS["PRICE_FAR_BELOW_REFERENCE"]
            * np.divide(far, n_branded, out=np.zeros_like(far), where=n_branded > 0),
            "SHARED_ENVIRONMENT": WEIGHTS["SHARED_ENVIRONMENT"]
            * np.minimum(1.0, linked / self.linked_stores_full),
            "YOUNG_ACCOUNT": WEIGHTS["YOUNG_ACCOUNT"] * (age < self.young_account_days),
        }

    def score(self, tables: Tables) -> pa.Table:
        self._check_fitted()
        total = np.clip(sum(self._contributions().values()), 0.0, 1.0)
        return pa.table(
            {"store_id": self.signals_.column("store_id"), "score": pa.array(total, pa.float64())}
        )

    def explain(self, tables: Tables, ids: list[str] | None = None) -> pa.Table:
        """Evidence rows for every signal that contributes, strongest first within each store."""
        self._check_fitted()
        contrib = self._contributions()
        rows = self.signals_.to_pylist()
        wanted = set(ids) if ids is not None else None
        out: tuple[list, list, list, list] = ([], [], [], [])
        for i, row in enumerate(rows):
            if wanted is not None and row["store_id"] not in wanted:
                continue
            found = sorted(((contrib[c][i], c) for c in WEIGHTS if contrib[c][i] > 0), reverse=True)
            for value, code in found:
                for lst, item in zip(
                    out, (row["store_id"], code, float(value), _sentence(code, row, self)), strict=True
                ):
                    lst.append(item)
        return evidence_table("store_id", *out)


def _sentence(code: str, row: dict, model: BaselineStoreRisk) -> str:
    if code == "BASIC_TEMPLATE":
        return "uses the platform's basic shop template"
    if code == "PRICE_FAR_BELOW_REFERENCE":
        ratio = row["median_price_ratio"]
        median = f"; median price {ratio:.0%} of reference" if ratio is not None else ""
        return (
            f"{row['n_far_below']} of {row['n_branded']} branded listings priced below "
            f"{FAR_BELOW_SHARE:.0%} of the brand's reference price{median}"
        )
    if code == "SHARED_ENVIRONMENT":
        n = row["n_linked_stores"]
        return f"owner shares a device or Wi-Fi router with the accounts of {n} other store{'s' if n != 1 else ''}"
    return f"owner account was {row['account_age_days']} days old when the store opened"
