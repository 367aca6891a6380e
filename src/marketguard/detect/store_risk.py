"""Store risk: every store gets a counterfeit-risk score in [0, 1] with reasons a person can check.

Unsupervised mode, for a platform with no investigation history: each signal of the catalogue
(:mod:`marketguard.features.signals`) with a direction is turned into a percentile among the scanned stores,
oriented so that 1 is the riskiest end (ties share their average rank); a store's score is the mean of its
percentiles, an unknown value counting as the middle (0.5). Percentiles make the combination robust: no
signal's scale or outliers can dominate, and a store is suspicious only when many independent tells agree.
A store's reasons are the signals that pushed its score up the most, with their values.

Supervised mode, when the ``labels`` table holds enough store outcomes: LightGBM on the signals plus each
signal's mean over the store's network mates (see :mod:`marketguard.features.neighbours`) plus the labels
propagated over the linker's evidence (:mod:`marketguard.detect.label_reach`). Every labelled
store is scored by a model that did not see its label (k-fold cross-fitting); the other stores by the model
trained on all labels. Scores are calibrated to probabilities with Platt scaling fitted on the held-out
predictions, and a store's reasons are the features with the largest positive contributions (LightGBM's
``pred_contrib``, i.e. TreeSHAP values).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import expit

from marketguard import __version__
from marketguard.detect.base import Detector, Interval, Options, evidence_table
from marketguard.detect.grey_market import GREY_REASON, grey_figures, grey_sentence, looks_imported
from marketguard.detect.label_bias import selection_check
from marketguard.detect.label_reach import PAIRS as REACH_PAIRS
from marketguard.detect.label_reach import label_reach
from marketguard.detect.scoring import (
    choose_mode,
    cross_fit,
    entity_labels,
    labels_after_now,
    oriented_percentiles,
    strongest,
    strongest_own_first,
    value_sentence,
)
from marketguard.detect.tree_paths import path_contributions
from marketguard.engine.tables import Tables
from marketguard.errors import ModelError
from marketguard.features.neighbours import mean_of_mates
from marketguard.features.signals import SIGNAL_SETS, Signal, signal_steps
from marketguard.features.signals.catalogue import MissingSignal
from marketguard.features.signals.propagated import SIGNALS as REACH_SIGNALS

#: The score an unknown signal value contributes (the middle of the percentile scale).
NEUTRAL = 0.5
#: A calibrated score at or above this is a store the model calls more likely counterfeit than not.
FLAGGED = 0.5
#: The saved model file's format; a file of another format is refused.
MODEL_FORMAT = "marketguard-store-risk/1"


class StoreRiskModel(Detector):
    """Score stores from the signal catalogue (unsupervised: mean of oriented percentiles).

    Requires ``stores``, ``accounts`` and ``logins``; every other table adds its signal group (see
    ``docs/signals.md``), and the operator linker's ``account_networks`` adds the identity group. Learns
    ``signals_`` (one row per store: every available signal and its network), ``used_`` (the signals
    scored) and ``missing_`` (signals left out, with the table they need). Reason codes: the signal names in
    upper case, e.g. ``SHARE_FAR_BELOW``.

    Parameters
    ----------
    mode
        ``"auto"`` (supervised when the labels hold ``min_labels`` counterfeit and ``min_labels`` legitimate
        stores, else unsupervised), ``"unsupervised"`` or ``"supervised"``.
    min_labels
        Labelled stores of each class needed for ``"auto"`` to train.
    n_folds
        Cross-fitting folds for the labelled stores' own scores.
    n_reasons
        Reasons kept per store (the strongest first).
    random_state
        Seed of the folds and of LightGBM.
    signals
        ``"all"`` (the whole catalogue) or ``"live"`` (the groups events keep current, for a model the live
        path scores with: :data:`~marketguard.features.signals.LIVE`).
    """

    parameter_constraints: ClassVar[Mapping[str, Interval | Options]] = {
        "mode": Options(("auto", "unsupervised", "supervised")),
        "signals": Options(tuple(SIGNAL_SETS)),
        "min_labels": Interval(int, 2, None),
        "n_folds": Interval(int, 2, None),
        "n_reasons": Interval(int, 1, None),
        "random_state": Interval(int, 0, None),
    }
    required_tables = ("stores", "accounts", "logins")
    _saved: dict | None = None  # set by load(): the saved model's document
    _saved_path = ""

    def __init__(
        self,
        *,
        mode: str = "auto",
        min_labels: int = 30,
        n_folds: int = 5,
        n_reasons: int = 3,
        random_state: int = 0,
        signals: str = "all",
    ) -> None:
        self.mode = mode
        self.signals = signals
        self.min_labels = min_labels
        self.n_folds = n_folds
        self.n_reasons = n_reasons
        self.random_state = random_state

    def fit(self, tables: Tables, labels: pa.Table | None = None) -> StoreRiskModel:
        self._validate_params()
        self._check_tables(tables)
        steps, available, self.missing_ = signal_steps(tables, SIGNAL_SETS[self.signals])
        tables.run(steps)
        network, joined = (
            ("an.network_id", "LEFT JOIN account_networks an ON s.account_id = an.account_id")
            if tables.backend.table_exists("account_networks")
            else ("CAST(NULL AS VARCHAR) AS network_id", "")
        )
        self.signals_ = tables.fetch(
            f"SELECT f.*, s.account_id, {network} FROM store_features f JOIN stores s ON f.store_id = s.store_id {joined} "
            "ORDER BY f.store_id",
            "fetch store features",
        )
        self.used_: list[Signal] = [s for s in available if s.direction != 0]
        self.imported_ = looks_imported(self.signals_)
        self.grey_figures_ = grey_figures(self.signals_)
        y = entity_labels(tables, "store", self.signals_.column("store_id"))
        unlearned = (y == 1) & self.imported_  # a brand's takedown of an importer: not learned as counterfeit
        y = np.where(unlearned, np.nan, y)
        if self._saved is not None:
            self.mode_ = "saved"
            self._fit_saved(available + self._label_reach(tables, y), self._saved)
            return self
        self.mode_ = choose_mode(
            self.mode,
            y,
            self.min_labels,
            ("stores", "counterfeit", "legitimate"),
            labels_after_now(tables, "store"),
        )
        self.n_labels_ = {
            "counterfeit": int(np.sum(y == 1)),
            "legitimate": int(np.sum(y == 0)),
            "counterfeit_on_importers_not_learned": int(unlearned.sum()),
        }
        if self.mode_ == "supervised":
            self._fit_supervised(available + self._label_reach(tables, y), y)
        else:
            self.percentiles_ = (
                np.column_stack([oriented_percentiles(self._values(s), s.direction) for s in self.used_])
                if self.used_
                else np.empty((self.signals_.num_rows, 0))
            )
        return self

    def _label_reach(self, tables: Tables, y: np.ndarray) -> list[Signal]:
        """The labels propagated over the linker's evidence (:mod:`marketguard.detect.label_reach`), added to
        ``signals_``: features of a model that learnt their weight, not of the unsupervised mean. Without the
        linker's pairs they are missing, and say so (without labels they are 0: nothing to reach). Not for a
        model of the live signals: events do not keep them current."""
        if self.signals != "all":
            return []
        if not tables.backend.table_exists(REACH_PAIRS):
            self.missing_ = [*self.missing_, *(MissingSignal(s.name, (REACH_PAIRS,)) for s in REACH_SIGNALS)]
            return []
        reach = label_reach(tables, self.signals_.column("account_id").combine_chunks(), y)
        for name, values in reach.items():
            self.signals_ = self.signals_.append_column(name, pa.array(values, pa.float64()))
        return list(REACH_SIGNALS)

    def _matrix(self, available: list[Signal]) -> tuple[np.ndarray, list[str]]:
        """The signals and their network mates' means, one row per store."""
        own = np.column_stack([self._values(s) for s in available])
        network = self.signals_.column("network_id").combine_chunks()
        encoded = pc.dictionary_encode(network)
        codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
        # a mate's label-derived signal counts this store's own label: averaging it would leak the answer
        shared = [j for j, s in enumerate(available) if not s.from_labels]
        mates = mean_of_mates(own[:, shared], codes)
        names = [s.name for s in available] + [f"mates_{available[j].name}" for j in shared]
        return np.hstack([own, mates]), names

    def _fit_supervised(self, available: list[Signal], y: np.ndarray) -> None:
        X, self.feature_names_ = self._matrix(available)
        self.feature_signals_ = {s.name: s for s in available}
        fitted = cross_fit(X, y, self.feature_names_, n_folds=self.n_folds, random_state=self.random_state)
        self.booster_, self.calibration_ = fitted.booster, fitted.calibration
        self.metrics_: dict[str, Any] = {"labelled_stores": fitted.n_labelled, **fitted.metrics}
        self.y_ = y
        self._apply(X, fitted.raw)

    def check_selection(self) -> dict[str, Any]:
        """Label selection bias (:func:`~marketguard.detect.label_bias.selection_check`): how unlike the other
        stores the labelled ones are, and the two populations scored separately; kept in ``metrics_`` (and so in
        a saved model) as ``selection``. Supervised fits only."""
        self._check_fitted()
        if self.mode_ != "supervised":
            raise ModelError("the selection check needs a model trained on labels (mode 'supervised')")
        self.metrics_["selection"] = selection_check(
            self.X_, self.y_, self.scores_, self.feature_names_, random_state=self.random_state, flag=FLAGGED
        )
        return self.metrics_["selection"]

    def _apply(self, X: np.ndarray, raw: np.ndarray) -> None:
        """Calibrated scores and per-feature contributions from the booster's raw scores."""
        slope, intercept = self.calibration_
        self.scores_ = expit(slope * raw + intercept)
        # path credits, not TreeSHAP: every store is explained, and TreeSHAP took 24 s of the 100k-store
        # adversarial fit's 37 (deep trees on careful operators); the strongest reason agrees on nearly every row
        contributions = path_contributions(self.booster_, X)
        self.contributions_ = contributions[:, :-1]  # the last column is the bias
        self.X_ = X

    # -- saved models -----------------------------------------------------------------------------------
    def save(self, path: Path | str) -> Path:
        """Write the trained model and its metadata (signals, training size, cross-fitted metrics) as JSON."""
        self._check_fitted()
        if self.mode_ != "supervised":
            raise ModelError("only a model trained on labels can be saved (this one scored unsupervised)")
        document = {
            "format": MODEL_FORMAT,
            "marketguard_version": __version__,
            "params": {
                "n_reasons": self.n_reasons,
                "random_state": self.random_state,
                "signals": self.signals,
            },
            "features": self.feature_names_,
            "training": {
                "stores": self.signals_.num_rows,
                "labels": self.n_labels_,
                "metrics": self.metrics_,
            },
            "calibration": list(self.calibration_),
            "booster": self.booster_.model_to_string(),
        }
        path = Path(path)
        path.write_text(json.dumps(document, indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path: Path | str) -> StoreRiskModel:
        """A saved model: ``fit(tables)`` then computes the signals and scores with it, training nothing."""
        try:
            document = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise ModelError(f"{path}: not a readable model file ({exc})") from exc
        if not isinstance(document, dict) or document.get("format") != MODEL_FORMAT:
            raise ModelError(f"{path}: not a marketguard store risk model (expected format {MODEL_FORMAT})")
        _check_document(document, str(path))
        model = cls(mode="supervised", **document["params"])
        model._saved = document
        model._saved_path = str(path)
        return model

    def _fit_saved(self, available: list[Signal], document: dict) -> None:
        import lightgbm as lgb

        needed = [f for f in document["features"] if not f.startswith("mates_")]
        have = {s.name: s for s in available}
        absent = [name for name in needed if name not in have]
        if absent:
            why = {m.signal: m for m in self.missing_}
            listed = "; ".join(why.get(name, f"{name}: not in this version's catalogue") for name in absent)
            raise ModelError(
                f"the model {self._saved_path} was trained on signals this data cannot give: {listed}. "
                "Add the tables, or train a model on the signals this data has."
            )
        X, names = self._matrix([have[name] for name in needed])
        if names != document["features"]:
            raise ModelError(
                f"the model {self._saved_path} expects features {document['features']}, got {names}"
            )
        self.feature_names_ = names
        self.feature_signals_ = have
        try:
            self.booster_ = lgb.Booster(model_str=document["booster"])
        except lgb.basic.LightGBMError as exc:
            raise ModelError(
                f"the model {self._saved_path} holds a damaged booster ({exc}); train it again"
            ) from exc
        self.calibration_ = (float(document["calibration"][0]), float(document["calibration"][1]))
        self.metrics_ = document["training"]["metrics"]
        self._apply(X, np.asarray(self.booster_.predict(X, raw_score=True), dtype=np.float64))

    def _values(self, signal: Signal) -> np.ndarray:
        return self.signals_.column(signal.name).to_numpy(zero_copy_only=False).astype(np.float64)

    def score(self, tables: Tables) -> pa.Table:
        self._check_fitted()
        if self.mode_ in ("supervised", "saved"):
            return pa.table(
                {"store_id": self.signals_.column("store_id"), "score": pa.array(self.scores_, pa.float64())}
            )
        risk = np.where(np.isnan(self.percentiles_), NEUTRAL, self.percentiles_)
        total = risk.mean(axis=1) if risk.shape[1] else np.full(risk.shape[0], NEUTRAL)
        return pa.table(
            {"store_id": self.signals_.column("store_id"), "score": pa.array(total, pa.float64())}
        )

    def explain(self, tables: Tables, ids: list[str] | None = None) -> pa.Table:
        """The signals that raised each store's score most (percentile above the middle), strongest first."""
        self._check_fitted()
        if self.mode_ in ("supervised", "saved"):
            return self._explain_supervised(ids)
        store_ids = self.signals_.column("store_id").to_pylist()
        wanted = set(ids) if ids is not None else None
        lift = np.where(np.isnan(self.percentiles_), 0.0, self.percentiles_ - NEUTRAL)
        values = {s.name: self._values(s) for s in self.used_}
        out: tuple[list, list, list, list] = ([], [], [], [])
        for i, store in enumerate(store_ids):
            if wanted is not None and store not in wanted:
                continue
            self._grey_reason(i, store, out)
            for j in strongest(lift[i], self.n_reasons):
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

    def _grey_reason(self, i: int, store: str, out: tuple[list, list, list, list]) -> None:
        """Open the reasons of a store that looks like a genuine importer with "possible grey-market seller"."""
        if not self.imported_[i]:
            return
        row = (store, GREY_REASON, 0.0, grey_sentence(self.grey_figures_, i))
        for column, item in zip(out, row, strict=True):
            column.append(item)

    def _explain_supervised(self, ids: list[str] | None) -> pa.Table:
        """The features whose contributions raised the store's log-odds most, strongest first, with its own
        strongest among them (:func:`~marketguard.detect.scoring.strongest_own_first`)."""
        store_ids = self.signals_.column("store_id").to_pylist()
        wanted = set(ids) if ids is not None else None
        out: tuple[list, list, list, list] = ([], [], [], [])
        of_mates = np.array([name.startswith("mates_") for name in self.feature_names_])
        for i, store in enumerate(store_ids):
            if wanted is not None and store not in wanted:
                continue
            self._grey_reason(i, store, out)
            lift = self.contributions_[i]
            for j in strongest_own_first(lift, self.n_reasons, of_mates):
                name = self.feature_names_[j]
                mates = name.startswith("mates_")
                signal = self.feature_signals_[name.removeprefix("mates_")]
                text = value_sentence(signal, self.X_[i, j])
                row = (
                    store,
                    name.upper(),
                    float(lift[j]),
                    f"network mates (mean): {text}" if mates else text,
                )
                for column, item in zip(out, row, strict=True):
                    column.append(item)
        return evidence_table("store_id", *out)


@dataclass(frozen=True)
class SavedModel:
    """A saved model as a scorer of one store at a time reads it (:mod:`marketguard.live.scorer`)."""

    path: str
    features: list[str]  # the signals, then their network mates' means (``mates_<signal>``)
    booster: Any
    calibration: tuple[float, float]
    signals: str
    n_reasons: int

    def probability(self, raw: float) -> float:
        """The calibrated score of a raw (log-odds) score."""
        slope, intercept = self.calibration
        return float(expit(slope * raw + intercept))


def load_saved(path: Path | str) -> SavedModel:
    """The model file ``path`` (checked as :meth:`StoreRiskModel.load` checks it) with its booster read."""
    import lightgbm as lgb

    document = StoreRiskModel.load(path)._saved
    assert document is not None
    try:
        booster = lgb.Booster(model_str=document["booster"])
    except lgb.basic.LightGBMError as exc:
        raise ModelError(f"the model {path} holds a damaged booster ({exc}); train it again") from exc
    params = document["params"]
    return SavedModel(
        str(path),
        list(document["features"]),
        booster,
        (float(document["calibration"][0]), float(document["calibration"][1])),
        params.get("signals", "all"),
        int(params.get("n_reasons", 3)),
    )


def _sentence(signal: Signal, value: float, percentile: float) -> str:
    """ "<meaning>: <value> (riskier than <p>% of stores)" with the value written for people."""
    return f"{value_sentence(signal, value)} (riskier than {percentile:.0%} of stores)"


#: The parts of a saved model and their JSON types: a file missing one is damaged, not a model to run.
_DOCUMENT_PARTS: dict[str, type | tuple[type, ...]] = {
    "params": dict,
    "features": list,
    "training": dict,
    "calibration": list,
    "booster": str,
}


def _check_document(document: dict, path: str) -> None:
    """Raise a :class:`ModelError` naming every missing or mistyped part of a saved model."""
    wrong = [name for name, kind in _DOCUMENT_PARTS.items() if not isinstance(document.get(name), kind)]
    params = document.get("params")
    if isinstance(params, dict):
        wrong += [f"params.{k}" for k in params if k not in ("n_reasons", "random_state", "signals")]
        if params.get("signals", "all") not in SIGNAL_SETS:
            wrong.append("params.signals")
    calibration = document.get("calibration")
    if isinstance(calibration, list) and (
        len(calibration) != 2 or not all(isinstance(v, int | float) for v in calibration)
    ):
        wrong.append("calibration")
    training = document.get("training")
    if isinstance(training, dict) and not isinstance(training.get("metrics"), dict):
        wrong.append("training.metrics")
    if wrong:
        raise ModelError(
            f"{path}: a damaged model file (missing or malformed: {', '.join(wrong)}); train it again"
        )
