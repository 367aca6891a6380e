"""Store risk: every store gets a counterfeit-risk score in [0, 1] with reasons a person can check.

Unsupervised mode, for a platform with no investigation history: each signal of the catalogue
(:mod:`marketguard.features.signals`) with a direction is turned into a percentile among the scanned stores,
oriented so that 1 is the riskiest end (ties share their average rank); a store's score is the mean of its
percentiles, an unknown value counting as the middle (0.5). Percentiles make the combination robust: no
signal's scale or outliers can dominate, and a store is suspicious only when many independent tells agree.
A store's reasons are the signals that pushed its score up the most, with their values.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pyarrow as pa
from scipy.stats import rankdata

from marketguard.detect.base import Detector, Interval, evidence_table
from marketguard.engine.tables import Tables
from marketguard.features.signals import GROUPS, Signal, signal_steps

#: The score an unknown signal value contributes (the middle of the percentile scale).
NEUTRAL = 0.5


class StoreRiskModel(Detector):
    """Score stores from the signal catalogue (unsupervised: mean of oriented percentiles).

    Requires ``stores``, ``accounts`` and ``logins``; every other table adds its signal group (see
    ``docs/signals.md``), and the operator linker's ``account_networks`` adds the identity group. Learns
    ``signals_`` (one row per store: every available signal and its network), ``used_`` (the signals
    scored) and ``missing_`` (signals left out, with the table they need). Reason codes: the signal names in
    upper case, e.g. ``SHARE_FAR_BELOW``.

    Parameters
    ----------
    n_reasons
        Reasons kept per store (the strongest first).
    """

    parameter_constraints: ClassVar[Mapping[str, Interval]] = {"n_reasons": Interval(int, 1, None)}
    required_tables = ("stores", "accounts", "logins")

    def __init__(self, *, n_reasons: int = 3) -> None:
        self.n_reasons = n_reasons

    def fit(self, tables: Tables, labels: pa.Table | None = None) -> StoreRiskModel:
        self._validate_params()
        self._check_tables(tables)
        steps, available, self.missing_ = signal_steps(tables, GROUPS)
        tables.run(steps)
        network = (
            "an.network_id"
            if tables.backend.table_exists("account_networks")
            else "CAST(NULL AS VARCHAR) AS network_id"
        )
        joined = (
            "LEFT JOIN account_networks an ON s.account_id = an.account_id"
            if tables.backend.table_exists("account_networks")
            else ""
        )
        self.signals_ = tables.fetch(
            f"SELECT f.*, {network} FROM store_features f JOIN stores s ON f.store_id = s.store_id {joined} "
            "ORDER BY f.store_id",
            "fetch store features",
        )
        self.used_: list[Signal] = [s for s in available if s.direction != 0]
        self.percentiles_ = (
            np.column_stack([_oriented_percentiles(self._values(s), s.direction) for s in self.used_])
            if self.used_
            else np.empty((self.signals_.num_rows, 0))
        )
        return self

    def _values(self, signal: Signal) -> np.ndarray:
        return self.signals_.column(signal.name).to_numpy(zero_copy_only=False).astype(np.float64)

    def score(self, tables: Tables) -> pa.Table:
        self._check_fitted()
        risk = np.where(np.isnan(self.percentiles_), NEUTRAL, self.percentiles_)
        total = risk.mean(axis=1) if risk.shape[1] else np.full(risk.shape[0], NEUTRAL)
        return pa.table(
            {"store_id": self.signals_.column("store_id"), "score": pa.array(total, pa.float64())}
        )

    def explain(self, tables: Tables, ids: list[str] | None = None) -> pa.Table:
        """The signals that raised each store's score most (percentile above the middle), strongest first."""
        self._check_fitted()
        store_ids = self.signals_.column("store_id").to_pylist()
        wanted = set(ids) if ids is not None else None
        lift = np.where(np.isnan(self.percentiles_), 0.0, self.percentiles_ - NEUTRAL)
        values = {s.name: self._values(s) for s in self.used_}
        out: tuple[list, list, list, list] = ([], [], [], [])
        for i, store in enumerate(store_ids):
            if wanted is not None and store not in wanted:
                continue
            top = [j for j in np.argsort(-lift[i], kind="stable")[: self.n_reasons] if lift[i, j] > 0]
            for j in top:
                signal = self.used_[j]
                row = (
                    store,
                    signal.name.upper(),
                    float(lift[i, j] / len(self.used_)),
                    _sentence(signal, values[signal.name][i], self.percentiles_[i, j]),
                )
                for column, item in zip(out, row, strict=True):
                    column.append(item)
        return evidence_table("store_id", *out)


def _oriented_percentiles(x: np.ndarray, direction: int) -> np.ndarray:
    """Percentile in (0, 1] of each known value, 1 = riskiest end; NaN stays NaN."""
    out = np.full(x.shape, np.nan)
    known = ~np.isnan(x)
    n = int(known.sum())
    if n:
        ranks = rankdata(x[known] if direction > 0 else -x[known])  # average ranks for ties
        out[known] = ranks / n
    return out


def _sentence(signal: Signal, value: float, percentile: float) -> str:
    """ "<meaning>: <value> (riskier than <p>% of stores)" with the value written for people."""
    as_percent = signal.name.startswith("share_") or signal.name.endswith("_ratio")
    shown = f"{value:.0%}" if as_percent else f"{value:,.2f}".rstrip("0").rstrip(".")
    return f"{signal.meaning}: {shown} (riskier than {percentile:.0%} of stores)"
