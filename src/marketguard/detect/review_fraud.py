"""Review fraud: fake-review rings, suspicious reviews and suspicious reviewers, scored with reasons.

Rings come first (:mod:`marketguard.detect.review_rings`): dense blocks of the time-aware reviewer x (store,
week) graph found by Fraudar's greedy peeling, and groups of accounts the operator linker tied together
(``environment_groups``) that review together.

Every review then gets the signals of :mod:`marketguard.features.review_signals` (rating, reviewer history,
store, order, account, near-duplicate text, rings, the operator network). Unsupervised (no labels): a coordinated
review scores in [0.5, 1] and any other in [0, 0.5], by the mean of the oriented percentiles of the signals with
a direction within each part. Coordination is what takes more than one account to fake, so it ranks first:
ring membership (camouflage reviews by ring members included) or a reviewer that reviewed two or more of the
same less-popular stores as another account (a crowd farm's workers, whose weeks-long campaigns form no dense
block) is one fact; a reviewer that reviewed two or more stores of one operator network (stores that look
unrelated to buyers; all its reviews, as a ring member's) is another. One fact scores in [0.5, 0.75], both in [0.75, 1]. Supervised, when the ``labels`` table holds ``min_labels`` fake and ``min_labels`` genuine reviews:
LightGBM on every signal, plus the text model's score (:class:`~marketguard.text.ReviewTextModel`,
cross-fitted) when the reviews have text, scored by k-fold cross-fitting as in the store risk model. A reviewer's score is the mean of its reviews' scores.

``fit`` registers ``review_fraud_scores`` (review_id, score, ring_id, reviewer_ring_id), from which the store
signal group ``review_fraud`` feeds the store risk model.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import expit

from marketguard.detect.base import Detector, Interval, Options, evidence_table
from marketguard.detect.review_rings import RingSettings, find_rings
from marketguard.detect.scoring import (
    choose_mode,
    cross_fit,
    entity_labels,
    labels_after_now,
    oriented_percentiles,
    strongest,
    value_sentence,
)
from marketguard.detect.tree_paths import path_contributions
from marketguard.engine.tables import Tables
from marketguard.features.neighbours import mean_of_mates
from marketguard.features.review_signals import RATING, REVIEW, REVIEW_GROUPS
from marketguard.features.signals import Signal
from marketguard.features.signals.catalogue import signal_steps

#: The score an unknown signal value contributes.
NEUTRAL = 0.5
#: Two accounts that reviewed this many of the same stores (the popular ones aside) have repeated a coincidence
#: that one shared store is for any two buyers: coordination, like a ring (unsupervised, it ranks first too).
COREVIEWED_STORES = 2
#: An account that reviewed this many stores of one operator network was sent there: the network's stores look
#: unrelated to buyers (other names, templates and owners), so reaching two of them is the operator's traffic or
#: a farm it hired, the same repeated coincidence as two shared stores.
NETWORK_STORES = 2


class ReviewFraudDetector(Detector):
    """Score reviews (``review_id, score``); learns ``rings_``, ``features_`` and ``reviewer_scores_``.

    Requires ``reviews``; ``listings``, ``orders`` and ``accounts`` add their signals (see
    :mod:`marketguard.features.review_signals`), texts add near-duplicate detection and, with labels, the text
    model. Reason codes: the signal names in upper case, e.g. ``RING_DENSITY``.

    Parameters
    ----------
    mode
        ``"auto"`` (supervised when the labels hold ``min_labels`` fake and ``min_labels`` genuine reviews),
        ``"unsupervised"`` or ``"supervised"``.
    min_labels
        Labelled reviews of each class needed for ``"auto"`` to train.
    n_folds
        Cross-fitting folds.
    n_rounds
        Rounds of peeling (each finds one block, split into its connected components).
    min_ring_reviewers, max_ring_reviewers
        Size limits of a ring, in reviewers (farms run tens to hundreds of accounts).
    min_environment_reviewers
        Reviewers from one group of accounts linked by a shared environment (read from ``environment_groups``,
        which :class:`~marketguard.detect.operator_linking.OperatorLinker` registers) that make the group a ring,
        whatever they review: households share a router but rarely count more than four reviewers, and the
        linker's specificity weighting keeps offices and public Wi-Fi from linking accounts at all.
    bucket_days
        Width of the time buckets of the ring graph's columns.
    n_reasons
        Reasons kept per review.
    random_state
        Seed of the folds and of LightGBM.
    """

    parameter_constraints: ClassVar[Mapping[str, Interval | Options]] = {
        "mode": Options(("auto", "unsupervised", "supervised")),
        "min_labels": Interval(int, 2, None),
        "n_folds": Interval(int, 2, None),
        "n_rounds": Interval(int, 1, None),
        "min_ring_reviewers": Interval(int, 2, None),
        "max_ring_reviewers": Interval(int, 2, None),
        "min_environment_reviewers": Interval(int, 2, None),
        "bucket_days": Interval(int, 1, None),
        "n_reasons": Interval(int, 1, None),
        "random_state": Interval(int, 0, None),
    }
    required_tables = ("reviews",)

    def __init__(
        self,
        *,
        mode: str = "auto",
        min_labels: int = 30,
        n_folds: int = 5,
        n_rounds: int = RingSettings.n_rounds,
        min_ring_reviewers: int = RingSettings.min_reviewers,
        max_ring_reviewers: int = RingSettings.max_reviewers,
        min_environment_reviewers: int = RingSettings.min_environment_reviewers,
        bucket_days: int = RingSettings.bucket_days,
        n_reasons: int = 3,
        random_state: int = 0,
    ) -> None:
        self.mode = mode
        self.min_labels = min_labels
        self.n_folds = n_folds
        self.n_rounds = n_rounds
        self.min_ring_reviewers = min_ring_reviewers
        self.max_ring_reviewers = max_ring_reviewers
        self.min_environment_reviewers = min_environment_reviewers
        self.bucket_days = bucket_days
        self.n_reasons = n_reasons
        self.random_state = random_state

    # -- fit ----------------------------------------------------------------------------------------------
    def fit(self, tables: Tables, labels: pa.Table | None = None) -> ReviewFraudDetector:
        self._validate_params()
        self._check_tables(tables)
        self.rings_ = find_rings(
            tables,
            RingSettings(
                n_rounds=self.n_rounds,
                min_reviewers=self.min_ring_reviewers,
                max_reviewers=self.max_ring_reviewers,
                min_environment_reviewers=self.min_environment_reviewers,
                bucket_days=self.bucket_days,
            ),
        )
        self._group_texts(tables)
        steps, available, self.missing_ = signal_steps(tables, REVIEW_GROUPS, REVIEW)
        tables.run([s for s in steps if s.name != RATING.step_name])  # find_rings just computed it
        self.features_ = tables.fetch(
            "SELECT f.*, rv.reviewer_account_id AS account_id, rv.listing_id, rr.ring_id, "
            "ar.ring_id AS reviewer_ring_id "
            "FROM review_features f JOIN reviews rv ON f.review_id = rv.review_id "
            "LEFT JOIN review_rings rr ON f.review_id = rr.review_id "
            "LEFT JOIN reviewer_rings ar ON rv.reviewer_account_id = ar.account_id ORDER BY f.review_id",
            "fetch review features",
        )
        self.available_: list[Signal] = available
        self.used_: list[Signal] = [s for s in available if s.direction != 0]
        y = entity_labels(tables, "review", self.features_.column("review_id"))
        self.mode_ = choose_mode(
            self.mode, y, self.min_labels, ("reviews", "fake", "genuine"), labels_after_now(tables, "review")
        )
        self.n_labels_ = {"fake": int(np.sum(y == 1)), "genuine": int(np.sum(y == 0))}
        if self.mode_ == "supervised":
            self._fit_supervised(tables, y)
        else:
            self.percentiles_ = (
                np.column_stack([oriented_percentiles(self._values(s), s.direction) for s in self.used_])
                if self.used_
                else np.empty((self.features_.num_rows, 0))
            )
            risk = np.where(np.isnan(self.percentiles_), NEUTRAL, self.percentiles_)
            mean = risk.mean(axis=1) if risk.shape[1] else np.full(risk.shape[0], NEUTRAL)
            in_ring, coreviewed, concentrated = self._coordination()
            level = (in_ring | coreviewed).astype(np.int64) + concentrated
            self.scores_ = np.where(level == 0, 0.5 * mean, 0.5 + 0.25 * (level - 1) + 0.25 * mean)
        self.reviewer_scores_ = self._reviewer_scores(tables)
        tables.backend.register_arrow(
            "review_fraud_scores",
            pa.table(
                {
                    "review_id": self.features_.column("review_id"),
                    "score": pa.array(self.scores_, pa.float64()),
                    "ring_id": self.features_.column("ring_id"),
                    "reviewer_ring_id": self.features_.column("reviewer_ring_id"),
                }
            ),
        )
        return self

    def _group_texts(self, tables: Tables) -> None:
        """Register ``review_text_groups`` (near-duplicate texts) when the reviews have any text."""
        from marketguard.text.near_duplicates import near_duplicate_groups

        texts = tables.fetch(
            "SELECT review_id, text FROM reviews WHERE text IS NOT NULL AND text <> '' ORDER BY review_id",
            "review texts",
        )
        tables.backend.drop("review_text_groups")
        if texts.num_rows == 0:
            return
        group = near_duplicate_groups(texts.column("text").to_pylist())
        grouped = np.flatnonzero(group >= 0)
        tables.backend.register_arrow(
            "review_text_groups",
            pa.table(
                {
                    "review_id": texts.column("review_id").take(pa.array(grouped)),
                    "text_group": pa.array(group[grouped]),
                }
            ),
        )

    def _fit_supervised(self, tables: Tables, y: np.ndarray) -> None:
        own = np.column_stack([self._values(s) for s in self.available_])
        listing = pc.dictionary_encode(self.features_.column("listing_id").combine_chunks()).indices
        # the other reviews of the same listing: a listing that draws fakes draws many (see neighbours.py)
        mates = mean_of_mates(own, listing.to_numpy(zero_copy_only=False).astype(np.int64))
        X = np.hstack([own, mates])
        names = [s.name for s in self.available_] + [f"listing_mean_{s.name}" for s in self.available_]
        text = self._text_scores(tables, y)
        if text is not None:
            X, names = np.column_stack([X, text[0]]), [*names, "text_score"]
        self.feature_names_ = names
        fitted = cross_fit(X, y, names, n_folds=self.n_folds, random_state=self.random_state)
        self.booster_ = fitted.booster
        self.metrics_ = {"labelled_reviews": fitted.n_labelled, **fitted.metrics}
        if text is not None:
            self.metrics_["text_model_fits_at_iteration_limit"] = text[1]
        slope, intercept = fitted.calibration
        self.scores_ = expit(slope * fitted.raw + intercept)
        self.X_ = X

    def _text_scores(self, tables: Tables, y: np.ndarray) -> tuple[np.ndarray, int] | None:
        """The text model's P(fake) per review, cross-fitted for labelled reviews, and how many of its fits
        stopped at the solver's iteration limit; None without texts."""
        from sklearn.model_selection import StratifiedKFold

        from marketguard.text import ReviewTextModel

        texts = tables.fetch(
            "SELECT rv.review_id, rv.text FROM review_features f JOIN reviews rv ON f.review_id = rv.review_id "
            "ORDER BY f.review_id",
            "review texts for the text model",
        )
        column = np.array([t or "" for t in texts.column("text").to_pylist()], dtype=object)
        labelled = np.flatnonzero(~np.isnan(y) & (column != ""))
        target = y[labelled].astype(np.int64) if labelled.size else np.empty(0, np.int64)
        if labelled.size == 0 or min(np.bincount(target, minlength=2)) < self.min_labels:
            return None
        # the texts are read once (word and character counts, the terms of the labelled ones: no model is fitted
        # on the others); the model and each fold weigh their rows' counts
        corpus = ReviewTextModel().count(column.tolist(), learn=labelled)
        model = ReviewTextModel().fit_corpus(corpus, labelled, target)
        out, unconverged = model.corpus_proba(corpus), int(not model.converged_)
        folds = StratifiedKFold(
            n_splits=min(self.n_folds, int(np.bincount(target).min())),
            shuffle=True,
            random_state=self.random_state,
        )
        for fit_rows, test_rows in folds.split(labelled, target):
            model = ReviewTextModel().fit_corpus(corpus, labelled[fit_rows], target[fit_rows])
            out[labelled[test_rows]] = model.corpus_proba(corpus, labelled[test_rows])
            unconverged += int(not model.converged_)
        out[column == ""] = np.nan
        return out, unconverged

    def _coordination(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per review: whether its reviewer belongs to a ring, whether it reviewed at least
        :data:`COREVIEWED_STORES` of the same stores as another account (a farm's workers, spread over weeks and
        camouflaged, still review the same client stores), and whether it reviewed at least
        :data:`NETWORK_STORES` stores of one operator network."""
        in_ring = pc.is_valid(self.features_.column("reviewer_ring_id")).to_numpy(zero_copy_only=False)
        return (
            in_ring,
            self._at_least("reviewer_shared_stores", COREVIEWED_STORES),
            self._at_least("reviewer_network_stores", NETWORK_STORES),
        )

    def _at_least(self, name: str, threshold: int) -> np.ndarray:
        """Whether each review's signal ``name`` is at least ``threshold`` (False where it was not computed)."""
        if name not in self.features_.column_names:
            return np.zeros(self.features_.num_rows, dtype=bool)
        values = self.features_.column(name).to_numpy(zero_copy_only=False)
        return np.nan_to_num(np.asarray(values, np.float64)) >= threshold

    def _reviewer_scores(self, tables: Tables) -> pa.Table:
        """Per reviewer: mean review score, reviews, and its densest ring."""
        per_review = pa.table(
            {"account_id": self.features_.column("account_id"), "score": pa.array(self.scores_)}
        )
        grouped = per_review.group_by("account_id", use_threads=False).aggregate(
            [("score", "mean"), ("score", "count")]
        )
        rings = tables.fetch("SELECT account_id, ring_id, ring_density FROM reviewer_rings", "reviewer rings")
        table = grouped.join(rings, "account_id", join_type="left outer")
        return pa.table(
            {
                "account_id": table.column("account_id"),
                "score": table.column("score_mean"),
                "n_reviews": table.column("score_count"),
                "ring_id": table.column("ring_id"),
                "ring_density": table.column("ring_density"),
            }
        ).sort_by([("score", "descending"), ("account_id", "ascending")])

    def _values(self, signal: Signal) -> np.ndarray:
        return self.features_.column(signal.name).to_numpy(zero_copy_only=False).astype(np.float64)

    # -- score and explain --------------------------------------------------------------------------------
    def score(self, tables: Tables) -> pa.Table:
        self._check_fitted()
        return pa.table(
            {"review_id": self.features_.column("review_id"), "score": pa.array(self.scores_, pa.float64())}
        )

    def explain(self, tables: Tables, ids: list[str] | None = None) -> pa.Table:
        """The signals that raised each review's score most, strongest first, with their values."""
        self._check_fitted()
        review_ids = self.features_.column("review_id")
        if ids is None:
            rows = np.arange(review_ids.length())
        else:
            found = pc.index_in(pa.array(ids, pa.string()), value_set=review_ids)
            rows = np.unique(pc.drop_null(found).to_numpy(zero_copy_only=False).astype(np.int64))
        if self.mode_ == "supervised":
            # path credits, not TreeSHAP: a scan explains every flagged review (150k at 1M reviews), and
            # TreeSHAP took 40 s there against 2 s; the strongest reason agrees on 98% of flagged reviews
            values = self.X_[rows]
            lift = path_contributions(self.booster_, values)[:, :-1]
            names = self.feature_names_
        else:
            lift = np.where(np.isnan(self.percentiles_[rows]), 0.0, self.percentiles_[rows] - NEUTRAL)
            names = [s.name for s in self.used_]
            # coordination lifts the score by half (a second kind of it by a quarter more): it comes first
            in_ring, coreviewed, concentrated = self._coordination()
            if "reviewer_ring_density" in names:
                lift[:, names.index("reviewer_ring_density")] += 0.5 * in_ring[rows]
            if "reviewer_shared_stores" in names:
                lift[:, names.index("reviewer_shared_stores")] += 0.5 * (coreviewed & ~in_ring)[rows]
            if "reviewer_network_stores" in names:
                second = (in_ring | coreviewed)[rows]
                lift[:, names.index("reviewer_network_stores")] += (
                    np.where(second, 0.25, 0.5) * concentrated[rows]
                )
            values = np.column_stack([self._values(s)[rows] for s in self.used_]) if self.used_ else lift
        signals = {s.name: s for s in self.available_}
        out: tuple[list, list, list, list] = ([], [], [], [])
        for i, row in enumerate(rows):
            review = review_ids[int(row)].as_py()
            for j in strongest(lift[i], self.n_reasons):
                name = names[j]
                if name == "text_score":
                    text = f"its text reads as fake to the text model (P = {values[i, j]:.2f})"
                elif name.startswith("listing_mean_"):
                    sentence = value_sentence(
                        signals[name.removeprefix("listing_mean_")], float(values[i, j])
                    )
                    text = f"the listing's other reviews (mean): {sentence}"
                else:
                    text = value_sentence(signals[name], float(values[i, j]))
                for column, item in zip(out, (review, name.upper(), float(lift[i, j]), text), strict=True):
                    column.append(item)
        return evidence_table("review_id", *out)
