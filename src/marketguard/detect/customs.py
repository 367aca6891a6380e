"""Customs screening: score export declarations and tie them to the operator networks behind them.

First the ties: every network's phones (its accounts' phones and, with shipments, the sender phones its stores
ship under, when at least half of that phone's parcels are the network's: a 3PL's phone ties nobody) and the
written addresses its parcels leave from (same rule) feed an
:class:`~marketguard.detect.exporter_ties.ExporterIndex`; each declaration's exporter is matched on phone
(exact), address (normalised key, else fuzzy) and company name (fuzzy, against exporters already tied); a phone
or address on more exporters' declarations than an operator has fronts is a forwarder's or broker's and ties
nobody. An exporter still untied that files under a shared forwarder's contacts is tied when its goods fit the
catalogue of one network that forwarder ships for a thousand times better than chance or the next network
(:mod:`marketguard.detect.forwarder_ties`); and one still untied that ships to a small consignee whose tied
exporters are all one network's (:mod:`marketguard.detect.consignee_ties`). Then
the signals of :mod:`marketguard.features.declaration_signals`: under-valuation against the brand's reference
price and against the goods' typical declared value, HS code against the described and branded goods, the
exporter's history, the ties and the tied network's risk.

Unsupervised (no labels): half the score is the mean of the signals' oriented percentiles, half the tie (1 when
the exporter is tied to a network) times that network's risk score; a tie to a risky network is the one signal
that takes an operator's own phone or site to produce, so it ranks first. Supervised, when ``labels`` hold
``min_labels`` counterfeit and ``min_labels`` legitimate declarations: LightGBM on every signal, cross-fitted.

:meth:`CustomsScreener.score_one` scores one declaration (a dict) against the fitted state for a customs
system's real-time check, with the same signals computed in Python (a test pins them to the SQL).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.special import expit

from marketguard.detect.base import Detector, Interval, Options, evidence_table
from marketguard.detect.consignee_ties import ConsigneeTies
from marketguard.detect.exporter_matching import exporter_key
from marketguard.detect.exporter_ties import ExporterIndex
from marketguard.detect.forwarder_ties import (
    ForwarderTie,
    forwarder_ties,
    with_forwarder_tie,
    with_forwarder_ties,
)
from marketguard.detect.scoring import (
    choose_mode,
    cross_fit,
    entity_labels,
    labels_after_now,
    oriented_percentiles,
    strongest,
    value_sentence,
)
from marketguard.engine.base import significant
from marketguard.engine.tables import Tables
from marketguard.features import trace_inputs
from marketguard.features.declaration_lookup import DeclarationLookup
from marketguard.features.declaration_signals import (
    DECLARATION,
    DECLARATION_GROUPS,
    LINKS,
)
from marketguard.features.signals import Signal
from marketguard.features.signals.catalogue import signal_steps

#: The signals saying a declaration is tied to a network, one per kind of evidence (the links group's own).
LINKED_BY = tuple(s.name for s in LINKS.signals if s.name.startswith("linked_by_"))
#: The score an unknown signal value contributes.
NEUTRAL = 0.5
#: A tied network's risk when the scan has not scored networks.
UNSCORED_NETWORK = 0.5

_NETWORK_PHONES = (
    "SELECT an.network_id, a.phone, s.store_id, 'account' AS kind FROM account_networks an "
    "JOIN accounts a ON an.account_id = a.account_id LEFT JOIN stores s ON a.account_id = s.account_id "
    "WHERE a.phone IS NOT NULL AND a.phone <> ''"
)
_PARCELS = (
    f"SELECT network_id, store_id, {{col}} AS value FROM ({trace_inputs.PARCELS}) p "
    "WHERE {col} IS NOT NULL AND {col} <> ''"
)


def _exclusive(col: str, kind: str) -> str:
    """(network_id, value, store_id, kind) for the values at least half of whose parcels are the network's: a
    3PL warehouse's phone or address, shared by hundreds of stores, ties nobody."""
    parcels = _PARCELS.format(col=col)
    return (
        f"SELECT DISTINCT p.network_id, p.value, p.store_id, '{kind}' AS kind FROM ({parcels}) p JOIN "
        f"(SELECT value, network_id FROM (SELECT value, network_id, count(*) AS n, "
        "sum(count(*)) OVER (PARTITION BY value) AS total "
        f"FROM ({parcels}) a GROUP BY value, network_id) c WHERE network_id IS NOT NULL AND 2 * n >= total) e "
        "ON p.value = e.value AND p.network_id = e.network_id"
    )


class CustomsScreener(Detector):
    """Score export declarations (``declaration_id, score``); learns ``features_``, ``links_`` and
    ``scores_``.

    Requires ``declarations``; ``brands`` adds the reference-price signal; an operator linking run before it
    (``account_networks``) adds the ties, with ``accounts`` for phones and ``shipments`` (with orders,
    listings, stores) for sender phones and sites. ``network_scores`` (network_id, score), when given to
    :meth:`fit`, weighs each tie by the network's risk. Reason codes: the signal names in upper case, e.g.
    ``VALUE_TO_REFERENCE``, ``LINKED_BY_PHONE``.

    Parameters
    ----------
    mode
        ``"auto"`` (supervised when labels hold ``min_labels`` of each kind), ``"unsupervised"`` or
        ``"supervised"``.
    min_labels
        Labelled declarations of each class needed for ``"auto"`` to train.
    n_folds
        Cross-fitting folds.
    n_reasons
        Reasons kept per declaration.
    random_state
        Seed of the folds and of LightGBM.
    """

    parameter_constraints: ClassVar[Mapping[str, Interval | Options]] = {
        "mode": Options(("auto", "unsupervised", "supervised")),
        "min_labels": Interval(int, 2, None),
        "n_folds": Interval(int, 2, None),
        "n_reasons": Interval(int, 1, None),
        "random_state": Interval(int, 0, None),
    }
    required_tables = ("declarations",)

    def __init__(
        self,
        *,
        mode: str = "auto",
        min_labels: int = 30,
        n_folds: int = 5,
        n_reasons: int = 3,
        random_state: int = 0,
    ) -> None:
        self.mode = mode
        self.min_labels = min_labels
        self.n_folds = n_folds
        self.n_reasons = n_reasons
        self.random_state = random_state

    # -- fit ----------------------------------------------------------------------------------------------
    def fit(
        self, tables: Tables, labels: pa.Table | None = None, *, network_scores: pa.Table | None = None
    ) -> CustomsScreener:
        self._validate_params()
        self._check_tables(tables)
        self._tie(tables, network_scores)
        steps, available, self.missing_ = signal_steps(tables, DECLARATION_GROUPS, DECLARATION)
        tables.run(steps)
        self.features_ = tables.fetch(
            "SELECT * FROM declaration_features ORDER BY declaration_id", "fetch declaration features"
        )
        self.available_: list[Signal] = available
        self.used_: list[Signal] = [s for s in available if s.direction != 0]
        self._remember(tables)
        y = entity_labels(tables, "declaration", self.features_.column("declaration_id"))
        self.mode_ = choose_mode(
            self.mode,
            y,
            self.min_labels,
            ("declarations", "counterfeit", "legitimate"),
            labels_after_now(tables, "declaration"),
        )
        X = self._matrix(self.features_)
        if self.mode_ == "supervised":
            fitted = cross_fit(
                X, y, [s.name for s in self.available_], n_folds=self.n_folds, random_state=self.random_state
            )
            self.booster_, self.metrics_ = fitted.booster, fitted.metrics
            self.calibration_ = fitted.calibration
            self.scores_ = expit(fitted.calibration[0] * fitted.raw + fitted.calibration[1])
        else:
            self.percentiles_ = self._percentiles(X)
            self.scores_ = self._unsupervised(self.percentiles_, X)
        self.X_ = X
        return self

    def _tie(self, tables: Tables, network_scores: pa.Table | None) -> None:
        """Register ``declaration_links`` and ``declaration_network_scores`` when networks exist."""
        for name in ("declaration_links", "declaration_network_scores"):
            tables.backend.drop(name)
        self.index_: ExporterIndex | None = None
        self.forwarder_ties_: dict[str, ForwarderTie] = {}
        self.consignee_ties_ = ConsigneeTies({})
        declarations = tables.fetch(
            "SELECT declaration_id, exporter, exporter_address, exporter_phone, brand, consignee, "
            "destination_country FROM declarations "
            "ORDER BY declaration_id",
            "declarations for ties",
        )
        empty = pa.table({"declaration_id": declarations.column("declaration_id")})
        if not tables.backend.table_exists("account_networks"):
            self.links_ = empty
            return
        phones = [_NETWORK_PHONES] if tables.has("accounts") else []
        addresses = []
        if tables.has("shipments", "orders", "listings"):
            phones.append(_exclusive("sender_phone", "sender"))
            addresses.append(_exclusive("origin_address", "site"))
        none = (
            "SELECT CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), 'none' WHERE 1 = 0"
        )
        network_phones = tables.fetch(
            " UNION ALL ".join(phones or [none]) + " ORDER BY 1, 2, 3, 4", "network phones"
        ).rename_columns(["network_id", "phone", "store_id", "kind"])
        network_addresses = (
            tables.fetch(" UNION ALL ".join(addresses or [none]) + " ORDER BY 1, 2, 3", "network addresses")
            .rename_columns(["network_id", "address", "store_id", "kind"])
            .group_by(["network_id", "address"], use_threads=False)
            .aggregate([])
            .sort_by([("network_id", "ascending"), ("address", "ascending")])
        )
        self.index_ = ExporterIndex.build(network_phones, network_addresses)
        exporters = declarations.column("exporter")
        exporter_keys = [exporter_key(e) for e in exporters.to_pylist()]
        self.forwarder_ties_ = forwarder_ties(tables, declarations, exporter_keys)
        links = with_forwarder_ties(self.index_.link(declarations), exporter_keys, self.forwarder_ties_)
        consignees = declarations.column("consignee")
        keys = ConsigneeTies.keys(consignees, declarations.column("destination_country"))
        self.consignee_ties_ = ConsigneeTies.learn(
            exporters, exporter_keys, consignees, keys, links.column("network_id")
        )
        self.links_ = self.consignee_ties_.apply(links, keys)
        tables.backend.register_arrow("declaration_links", self.links_)
        if network_scores is None:
            ids = pc.unique(pc.drop_null(self.links_.column("network_id")))
            network_scores = pa.table(
                {"network_id": ids, "score": pa.array(np.full(len(ids), UNSCORED_NETWORK), pa.float64())}
            )
        self.network_scores_ = dict(
            zip(
                network_scores.column("network_id").to_pylist(),
                network_scores.column("score").to_pylist(),
                strict=True,
            )
        )
        tables.backend.register_arrow(
            "declaration_network_scores", network_scores.select(["network_id", "score"])
        )

    def _matrix(self, features: pa.Table) -> np.ndarray:
        if not self.available_:
            return np.empty((features.num_rows, 0))
        return np.column_stack(
            [
                features.column(s.name).to_numpy(zero_copy_only=False).astype(np.float64)
                for s in self.available_
            ]
        )

    def _percentiles(self, X: np.ndarray) -> np.ndarray:
        used = [self.available_.index(s) for s in self.used_]
        if not used:
            return np.empty((X.shape[0], 0))
        return np.column_stack(
            [oriented_percentiles(X[:, j], self.used_[k].direction) for k, j in enumerate(used)]
        )

    def _unsupervised(self, percentiles: np.ndarray, X: np.ndarray) -> np.ndarray:
        risk = np.where(np.isnan(percentiles), NEUTRAL, percentiles)
        mean = risk.mean(axis=1) if risk.shape[1] else np.full(risk.shape[0], NEUTRAL)
        return 0.5 * mean + 0.5 * self._tie_strength(X)

    def _tie_strength(self, X: np.ndarray) -> np.ndarray:
        names = [s.name for s in self.available_]
        if "linked_network_score" not in names:
            return np.zeros(X.shape[0])
        tied = np.zeros(X.shape[0], bool)
        for name in LINKED_BY:
            tied |= X[:, names.index(name)] > 0
        return tied * np.nan_to_num(X[:, names.index("linked_network_score")])

    # -- the state the real-time path reads ---------------------------------------------------------------
    def _remember(self, tables: Tables) -> None:
        """What :meth:`score_one` needs: the declaration lookup (references, typical values, histories,
        destinations) and, per used signal, its fitted values sorted for percentiles."""
        ids = self.features_.column("declaration_id").to_pylist()
        tied = [n is not None for n in self.network_ids().to_pylist()]
        self.lookup_ = DeclarationLookup.from_tables(tables, dict(zip(ids, tied, strict=True)))
        self.sorted_ = {
            s.name: np.sort(np.round(v[~np.isnan(v)], 9))
            for s in self.used_
            for v in [self.features_.column(s.name).to_numpy(zero_copy_only=False).astype(np.float64)]
        }

    # -- score and explain --------------------------------------------------------------------------------
    def score(self, tables: Tables) -> pa.Table:
        self._check_fitted()
        return pa.table(
            {
                "declaration_id": self.features_.column("declaration_id"),
                "score": pa.array(self.scores_, pa.float64()),
            }
        )

    def network_ids(self) -> pa.ChunkedArray:
        """The network each declaration is tied to (null: none), row-aligned with :meth:`score`."""
        self._check_fitted()
        if "network_id" not in self.links_.column_names:
            return pa.chunked_array([pa.nulls(self.features_.num_rows, pa.string())])
        order = pc.index_in(
            self.features_.column("declaration_id"), value_set=self.links_.column("declaration_id")
        )
        return self.links_.column("network_id").take(order)

    def explain(self, tables: Tables, ids: list[str] | None = None) -> pa.Table:
        """The signals that raised each declaration's score most, strongest first, with the tie evidence."""
        self._check_fitted()
        declaration_ids = self.features_.column("declaration_id")
        if ids is None:
            rows = np.arange(declaration_ids.length())
        else:
            found = pc.index_in(pa.array(ids, pa.string()), value_set=declaration_ids)
            rows = np.unique(pc.drop_null(found).to_numpy(zero_copy_only=False).astype(np.int64))
        lift, names = self._lifts(rows)
        values = {s.name: self.X_[rows, self.available_.index(s)] for s in self.available_}
        evidence = self._tie_evidence()
        signals = {s.name: s for s in self.available_}
        out: tuple[list, list, list, list] = ([], [], [], [])
        for i, row in enumerate(rows):
            declaration = declaration_ids[int(row)].as_py()
            for j in _reason_columns(lift[i], names, self.n_reasons, declaration in evidence):
                name = names[j]
                value = float(values[name][i])
                detail = value_sentence(signals[name], value)
                if name.startswith("linked_") and declaration in evidence:
                    detail = "; ".join(evidence[declaration])
                out[0].append(declaration)
                out[1].append(name.upper())
                out[2].append(float(lift[i, j]))
                out[3].append(detail)
        return evidence_table("declaration_id", *out)

    def _lifts(self, rows: np.ndarray) -> tuple[np.ndarray, list[str]]:
        """Per fitted row, how much each signal raised its score (TreeSHAP, or percentile above neutral)."""
        X = self.X_[rows]
        if self.mode_ == "supervised":
            contributions = np.asarray(self.booster_.predict(X, pred_contrib=True))[:, :-1]
            return contributions, [s.name for s in self.available_]
        return self._percentile_lifts(self.percentiles_[rows], X), [s.name for s in self.used_]

    def _percentile_lifts(self, percentiles: np.ndarray, X: np.ndarray) -> np.ndarray:
        lift = np.where(np.isnan(percentiles), 0.0, percentiles - NEUTRAL)
        names = [s.name for s in self.used_]
        if "linked_network_score" in names:  # the tie lifts the score by half: it comes first
            lift[:, names.index("linked_network_score")] += 0.5 * self._tie_strength(X)
        return lift

    def _percentile(self, signal: Signal, value: float, fitted_row: bool) -> float:
        """Average rank of ``value`` among the fitted values, oriented (1 = riskiest), over their count: a fitted
        row is among them (as at fit time), a new one joins them (so it stays in (0, 1])."""
        fitted = self.sorted_[signal.name]
        if np.isnan(value) or fitted.size == 0:
            return math.nan
        v = float(np.round(value, 9))  # as the fitted values were: the two break a tie differently
        below, upto = bisect.bisect_left(fitted, v), bisect.bisect_right(fitted, v)
        if signal.direction < 0:
            below, upto = fitted.size - upto, fitted.size - below
        if fitted_row:
            return (below + (upto - below + 1) / 2) / fitted.size
        return (below + (upto - below + 2) / 2) / (fitted.size + 1)

    def _tie_evidence(self) -> dict[str, list[str]]:
        if "evidence" not in self.links_.column_names:
            return {}
        return {
            r["declaration_id"]: r["evidence"]
            for r in self.links_.select(["declaration_id", "evidence"]).to_pylist()
            if r["evidence"]
        }

    # -- real time ----------------------------------------------------------------------------------------
    def score_one(self, declaration: Mapping[str, Any]) -> dict[str, Any]:
        """Score one declaration (the contract's columns as a dict) against the fitted state: ``score``,
        ``network_id`` and ``reasons``. Milliseconds: no engine, no table scans."""
        self._check_fitted()
        values, network, evidence = self._signals_of(declaration)
        x = np.array([[values.get(s.name, math.nan) for s in self.available_]])
        if self.mode_ == "supervised":
            raw = float(self.booster_.predict(x, raw_score=True)[0])
            score = float(expit(self.calibration_[0] * raw + self.calibration_[1]))
            lift = np.asarray(self.booster_.predict(x, pred_contrib=True))[0, :-1]
            names = [s.name for s in self.available_]
        else:
            fitted_row = str(declaration.get("declaration_id")) in self.lookup_.tied
            p = np.array(
                [[self._percentile(s, values.get(s.name, math.nan), fitted_row) for s in self.used_]]
            )
            score = float(self._unsupervised(p, x)[0])
            lift, names = self._percentile_lifts(p, x)[0], [s.name for s in self.used_]
        signals = {s.name: s for s in self.available_}
        reasons = [
            "; ".join(evidence)
            if names[j].startswith("linked_") and evidence
            else value_sentence(signals[names[j]], float(values.get(names[j], math.nan)))
            for j in _reason_columns(lift, names, self.n_reasons, bool(evidence))
        ]
        return {"score": score, "network_id": network, "reasons": reasons}

    def _signals_of(self, d: Mapping[str, Any]) -> tuple[dict[str, float], str | None, list[str]]:
        """The declaration signals of one declaration, in Python (the SQL's twins; a test pins them), its
        network and the tie's evidence."""
        out = {
            k: significant(v) for k, v in self.lookup_.signals(d, {s.name for s in self.available_}).items()
        }
        network, evidence = None, []
        if self.index_ is not None:
            link = with_forwarder_tie(self.index_.link_one(d), d.get("exporter"), self.forwarder_ties_)
            link = self.consignee_ties_.tie_one(link, d.get("consignee"), d.get("destination_country"))
            network, evidence = link.network_id, list(link.evidence)
            out["linked_by_phone"] = float(bool(link.phone_match))
            out["linked_by_address"] = float(link.address_match is not None)
            out["linked_by_name"] = float(bool(link.name_match))
            out["linked_by_forwarder"] = float(link.forwarder_match)
            out["linked_by_consignee"] = float(link.consignee_match)
            out["linked_network_score"] = float(self.network_scores_.get(network, 0.0)) if network else 0.0
        return out, network, evidence


def _reason_columns(lift: np.ndarray, names: list[str], n: int, has_evidence: bool) -> list[int]:
    """The strongest ``n`` signals (:func:`strongest`), the tie counted once: when the declaration's tie
    evidence is written out, every ``linked_*`` signal would repeat it, so only the strongest of them is kept
    and the next signals fill the freed places."""
    out: list[int] = []
    tie_seen = False
    for j in strongest(lift, len(names)):
        linked = names[j].startswith("linked_")
        if linked and has_evidence and tie_seen:
            continue
        tie_seen = tie_seen or linked
        out.append(j)
        if len(out) == n:
            break
    return out
