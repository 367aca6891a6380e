"""``LiveScorer``: score stores as events arrive, and raise an alert the first time a store crosses the threshold.

The state is the operator index (:class:`~marketguard.detect.operator_index.OperatorIndex`, linking by internet
environment and identities as the events reveal them) and the live signals
(:class:`~marketguard.live.signals.LiveSignals`); a store's score is the saved model's (``marketguard train
--signals live``) on its signals and its network mates' means, exactly as a batch scan with that model scores the
data cut at the same moment (a test checks every store). After each event the stores it may have changed are
scored again: its own store, the stores of the account it names, and their network mates (whose means moved).

Events are applied as they arrive; every tally is a count, a sum, a minimum or a sorted list, so the state does
not depend on the order events come in, only on which have come, and an event late by hours counts at its own
time. An event whose reference has not arrived yet (a login of an account created a moment later elsewhere, an
order of a listing still in flight) is held until it does, up to ``max_held`` events; past that it is refused
with the batch's reason (``dangling_reference``), never dropped silently. An event id already applied is
ignored; a second row with a table's key (two listings ``l1``) is refused as the batch refuses it
(``duplicate_key``).
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import BinaryIO

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.contract.spec import TABLES
from marketguard.detect.index_storage import KeySet
from marketguard.detect.operator_index import OperatorIndex
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.detect.scoring import strongest_own_first, value_sentence
from marketguard.detect.store_risk import FLAGGED, SavedModel
from marketguard.detect.tree_paths import PathExplainer
from marketguard.engine.tables import Tables
from marketguard.errors import MarketguardError, ModelError
from marketguard.features.signals import LIVE, Signal
from marketguard.live.events import (
    EVENT_KINDS,
    EVENT_TABLES,
    ROW_KINDS,
    UPDATE_KINDS,
    BadEvent,
    Event,
    problem,
)
from marketguard.live.signals import READS, SIGNAL_NAMES, LiveSignals
from marketguard.memory import give_back_free_memory

__all__ = ["SNAPSHOT_FORMAT", "Alert", "LiveScorer", "Peaks", "StaleSnapshot", "StoreRisk", "reference_data"]

#: Events whose reference has not arrived that are held at most (about 1 KB each: 100 MB).
MAX_HELD = 100_000
#: Per event table: (column, table it refers to) for the references between events. ``listings.brand`` refers
#: to the brands the scorer was given (reference data): checked, never held.
_REFERENCES = {
    table: [
        (c.name, c.references[0])
        for c in TABLES[table].columns
        if c.references and c.references[0] in EVENT_TABLES
    ]
    for table in EVENT_TABLES
}
_INDEXED = ("accounts", "stores", "logins")
_SIGNALS: dict[str, Signal] = {s.name: s for g in LIVE for s in g.signals}


#: What a snapshot starts with: its format. Changed whenever the state's layout changes (the pickle of another
#: layout would not load, or load wrong): a service finding another format rebuilds from its log instead.
SNAPSHOT_FORMAT = b"marketguard-live-6\n"


class StaleSnapshot(MarketguardError):
    """A snapshot of another format than this code writes."""


@dataclass(frozen=True)
class StoreRisk:
    """A store's score now, and the features that raised it most (sentences, strongest first)."""

    store_id: str
    score: float
    reasons: list[str]


@dataclass(frozen=True)
class Alert:
    """A store crossing the threshold for the first time: when (the event's time), its score and reasons."""

    store_id: str
    flagged_at: datetime
    score: float
    reasons: list[str]


@dataclass
class Peaks:
    """Each store's highest score so far, and its highest before its first order: every threshold's alerts in
    one replay (a store crosses ``t`` iff its peak reaches it), which is what an operating curve is read from."""

    ever: dict[str, float]
    before_sale: dict[str, float]

    def see(self, store: str, score: float, sold: bool) -> None:
        if score > self.ever.get(store, -1.0):
            self.ever[store] = score
        if not sold and score > self.before_sale.get(store, -1.0):
            self.before_sale[store] = score


class LiveScorer:
    """Scores stores from events with ``model`` (trained with ``--signals live``).

    ``reference_prices`` (brand -> reference price) and ``authorised`` ((brand, store) pairs) are the
    ``brands`` and ``authorized_sellers`` tables; ``labels`` the stores' (store id, label, labelled at) of the
    ``labels`` table (the identity group counts a network's stores labelled counterfeit once they are known:
    :class:`~marketguard.live.signals.LiveSignals`); ``threshold``: the score that raises an alert; ``peaks``:
    keep every store's highest score (:class:`Peaks`), at the cost of scoring flagged stores on;
    ``ids_applied_once_by_caller``: the caller applies each event id once (its log refuses a repeated one), so
    the scorer keeps no set of them.
    """

    def __init__(
        self,
        model: SavedModel,
        reference_prices: Mapping[str, float] | None = None,
        authorised: Iterable[tuple[str, str]] = (),
        labels: Iterable[tuple[str, int, datetime | None]] = (),
        *,
        threshold: float = FLAGGED,
        max_held: int = MAX_HELD,
        peaks: bool = False,
        ids_applied_once_by_caller: bool = False,
    ) -> None:
        if model.signals != "live":
            raise ModelError(
                f"the model {model.path} was trained on the whole catalogue; the live path scores with a model "
                "trained on the signals events keep current: marketguard train --signals live"
            )
        self.model, self.threshold, self.max_held = model, threshold, max_held
        self._features_of_model = list(model.features)
        self.brands = dict(reference_prices or {})
        self.signals = LiveSignals(self.brands, authorised, labels)
        self.index = OperatorIndex(OperatorLinker(kinds=()))
        self.known: dict[str, KeySet] = {t: KeySet() for t in EVENT_TABLES if TABLES[t].key}
        # every event id applied, to apply each once; None when the caller's log already does (the service's):
        # the set would grow with every event for as long as the service runs, and ride in every snapshot
        self.applied: set[str] | None = None if ids_applied_once_by_caller else set()
        self.held: dict[tuple[str, str], list[Event]] = {}
        self.n_held = 0
        # held events refused when their reference came: reported
        self.refused_on_release: list[BadEvent] = []
        self.flagged: dict[str, Alert] = {}
        # the latest time in the history the scorer was built from (from_history): what came by then is in it
        self.history_until: datetime | None = None
        # kept when asked (a replay measuring every threshold): flagged stores are then scored on, not skipped
        self.peaks = Peaks({}, {}) if peaks else None
        self._explainer = PathExplainer(model.booster)
        own = [f for f in model.features if not f.startswith("mates_")]
        mates = [f.removeprefix("mates_") for f in model.features if f.startswith("mates_")]
        unknown = [f for f in own + mates if f not in SIGNAL_NAMES]
        if unknown:
            raise ModelError(f"the model {model.path} reads signals the live path does not keep: {unknown}")
        # positions in the live signals' vector of the model's own features, then of its mates' means
        self._own = np.array([SIGNAL_NAMES.index(f) for f in own], dtype=np.int64)
        self._mates = np.array([SIGNAL_NAMES.index(f) for f in mates], dtype=np.int64)

    @classmethod
    def from_history(
        cls,
        model: SavedModel,
        tables: Tables,
        *,
        threshold: float = FLAGGED,
        max_held: int = MAX_HELD,
        batch: int = 50_000,
        ids_applied_once_by_caller: bool = False,
    ) -> LiveScorer:
        """A scorer that has seen a validated dataset (the history a service starts from), built in bulk rather
        than event by event: the operator index from a batch link of it
        (:meth:`~marketguard.detect.operator_index.OperatorIndex.from_batch`; a 100k-store marketplace's 10.8M
        logins would take the event path tens of minutes), the signals from its rows table by table (each tally
        is order-free; a table's references come first; the tables no signal reads are not read row by row), the
        keys seen packed from the key columns (:class:`~marketguard.detect.index_storage.KeySet`). Its
        ``brands``, ``authorized_sellers`` and ``labels`` are the reference data. The stores scoring
        ``threshold`` or more at the end are flagged then (their alert is the history's, dated at its last
        login), so events raise alerts only for what they change.
        History rows carry no event ids: an event dated by the history's end (``history_until``, its latest time
        of any table) is refused (``in_history``): the history holds what happened by then, and a login sent
        again would count twice."""
        reference = {
            t: tables.fetch(f"SELECT * FROM {t}", f"history: {t}")
            for t in ("brands", "authorized_sellers", "labels")
            if tables.has(t)
        }
        scorer = cls(
            model,
            *reference_data(reference),
            threshold=threshold,
            max_held=max_held,
            ids_applied_once_by_caller=ids_applied_once_by_caller,
        )
        scorer.index = OperatorIndex.from_batch(OperatorLinker(kinds=()).fit(tables), tables)
        ends = []
        for table in EVENT_TABLES:
            if not tables.has(table):
                continue
            kind = ROW_KINDS[table]
            time_column = EVENT_KINDS[kind][1]
            key = TABLES[table].key
            # a table no signal reads gives only its keys and its latest time
            columns = "*" if table in READS else ", ".join(c for c in (key, time_column) if c)
            data = tables.fetch(f"SELECT {columns} FROM {table}", f"history: {table}")
            for column in (time_column, "closed_at") if table == "stores" else (time_column,):
                ends.append(pc.max(data.column(column)).as_py())
            if key:  # packed, from the column: no string per row
                scorer.known[table] = KeySet(data.column(key).combine_chunks())
            if table in READS:
                for start in range(0, data.num_rows, batch):
                    for row in data.slice(start, batch).to_pylist():
                        scorer.signals.apply(Event("", kind, table, row[time_column], row))
            del data
        scorer.history_until = max((end for end in ends if end is not None), default=None)
        if scorer.signals.as_of is not None:
            at = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=scorer.signals.as_of)
            scorer._score(set(scorer.signals.stores), at)
        give_back_free_memory()  # the history's rows, read once
        return scorer

    # -- snapshots ------------------------------------------------------------------------------------------
    def snapshot(self) -> bytes:
        """The state as bytes, behind :data:`SNAPSHOT_FORMAT` (the model is not in it: :meth:`restore` is given
        it again)."""
        out = io.BytesIO()
        self.snapshot_to(out)
        return out.getvalue()

    def snapshot_to(self, out: BinaryIO) -> None:
        """:meth:`snapshot` written to ``out`` as it is pickled, never whole in memory (1.8 GB at 1M accounts)."""
        out.write(SNAPSHOT_FORMAT)
        state = {k: v for k, v in self.__dict__.items() if k not in ("model", "_explainer")}
        pickle.dump(state, out, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def restore(cls, snapshot: bytes, model: SavedModel) -> LiveScorer:
        """The scorer a :meth:`snapshot` was taken of, scoring with ``model`` (the one it was taken with).
        Raises :class:`StaleSnapshot` for one of another format (taken by another version of this code)."""
        if not snapshot.startswith(SNAPSHOT_FORMAT):
            raise StaleSnapshot("the snapshot was taken by another version of marketguard's live scorer")
        scorer = cls.__new__(cls)
        # our own file, written by snapshot(): trusted
        scorer.__dict__.update(pickle.loads(snapshot[len(SNAPSHOT_FORMAT) :]))
        if model.features != scorer._features_of_model:
            raise ModelError(f"the snapshot was taken with another model than {model.path}")
        scorer.model, scorer._explainer = model, PathExplainer(model.booster)
        return scorer

    # -- events ---------------------------------------------------------------------------------------------
    def process(self, event: Event) -> list[Alert]:
        """Apply ``event`` (or hold it until its references arrive) and return the alerts it raised."""
        if self.applied is not None and event.event_id in self.applied:
            return []
        self._check(event)
        missing = self._missing(event)
        if self.applied is not None:
            self.applied.add(event.event_id)
        if missing is not None:
            self._hold(event, missing)
            return []
        alerts = self._score(self._apply(event), event.at)
        key = None if event.kind in UPDATE_KINDS else TABLES[event.table].key
        for waiting in self.held.pop((event.table, event.row[key]), []) if key else []:
            self.n_held -= 1
            if self.applied is not None:
                self.applied.discard(waiting.event_id)
            try:
                alerts += self.process(waiting)
            except BadEvent as bad:
                # accepted when it came, refused now (a key another held event took first)
                self.refused_on_release.append(bad)
        return alerts

    def _check(self, event: Event) -> None:
        key = TABLES[event.table].key
        problems = []
        if key and event.kind not in UPDATE_KINDS and event.row[key] in self.known[event.table]:
            problems.append(problem("duplicate_key", key))
        if self.history_until is not None and event.at <= self.history_until:
            problems.append(
                problem(
                    "in_history", EVENT_KINDS[event.kind][1], f"it ends at {self.history_until.isoformat()}"
                )
            )
        brand = event.row.get("brand") if event.table == "listings" else None
        if brand is not None and brand not in self.brands:
            problems.append(problem("dangling_reference", "brand"))
        if problems:
            raise BadEvent(event.event_id, problems)

    def _missing(self, event: Event) -> tuple[str, str] | None:
        """The first (table, id) the event refers to that has not arrived."""
        for column, table in _references(event):
            value = event.row[column]
            if value is not None and value not in self.known[table]:
                return table, value
        return None

    def _hold(self, event: Event, missing: tuple[str, str]) -> None:
        if self.n_held >= self.max_held:
            if self.applied is not None:
                self.applied.discard(event.event_id)
            column = next(c for c, t in _references(event) if event.row[c] == missing[1])
            raise BadEvent(
                event.event_id,
                [problem("dangling_reference", column, f"{self.n_held:,} events already wait for theirs")],
            )
        self.held.setdefault(missing, []).append(event)
        self.n_held += 1

    def _apply(self, event: Event) -> set[str]:
        """Apply an event whose references are known; the stores whose score it may have changed."""
        table, row = event.table, event.row
        if event.kind not in UPDATE_KINDS:  # a closing changes a row the keys and the index know already
            key = TABLES[table].key
            if key:
                self.known[table].add(row[key])
            if table in _INDEXED:
                self.index.add(table, row)
        store = self.signals.apply(event)
        if table == "logins" or table == "accounts":
            return self._network_stores(row["account_id"])
        if store is None:
            return set()
        return self._network_stores(self.signals.stores[store].account_id)

    def _network_stores(self, account: str) -> set[str]:
        """The account's stores and its network mates' stores."""
        _, mates = self.index.network_mates(account)
        return {s for a in (account, *mates) for s in self.signals.owned.get(a, ())}

    # -- scores ---------------------------------------------------------------------------------------------
    def risk(self, store_id: str) -> StoreRisk:
        """The store's score now, with its reasons. Raises KeyError for a store not (yet) opened."""
        return self._explained(store_id, self._features([store_id])[0])

    def score(self, store_id: str) -> float:
        """The store's score now (no reasons)."""
        return self.model.probability(self._explainer.raw(self._features([store_id])[0]))

    @cached_property
    def _of_mates(self) -> np.ndarray:
        """Which of the model's features are network mates' means (computed once, not per alert)."""
        return np.array([name.startswith("mates_") for name in self.model.features])

    def _explained(self, store_id: str, x: np.ndarray) -> StoreRisk:
        lift = self._explainer.contributions(x.reshape(1, -1))[0, :-1]
        reasons = []
        for j in strongest_own_first(lift, self.model.n_reasons, self._of_mates):
            name = self.model.features[j]
            text = value_sentence(_SIGNALS[name.removeprefix("mates_")], float(x[j]))
            reasons.append(f"network mates (mean): {text}" if name.startswith("mates_") else text)
        return StoreRisk(store_id, self.model.probability(self._explainer.raw(x)), reasons)

    def _features(self, stores: list[str]) -> np.ndarray:
        """The model's features for each store, a row each: its signals, then its network mates' means (NaN:
        unknown). An event re-scores a network's stores together: the network's members are read once, each
        store's signals once, and a mate's mean is the network's sum less the store's own, as the batch takes it
        (``mean_of_mates``), so a network of n stores sums n vectors once rather than n - 1 for each store."""
        out = np.empty((len(stores), len(self._own) + len(self._mates)))
        networks: dict[str, tuple[str | None, tuple[str, ...] | None]] = {}  # owner -> network, its accounts
        by_network: dict[str | None, list[int]] = {}
        for row, store in enumerate(stores):
            owner = self.signals.stores[store].account_id
            found = networks.get(owner)
            if found is None:
                network, mates = self.index.network_mates(owner)
                found = (network, (owner, *mates) if network else None)
                for member in found[1] or (owner,):  # every member has the same network
                    networks[member] = found
            by_network.setdefault(found[0], []).append(row)
        for network, rows in by_network.items():
            accounts = networks[self.signals.stores[stores[rows[0]]].account_id][1]
            if network is None or accounts is None:
                out[rows, : len(self._own)] = self.signals.vectors([stores[r] for r in rows])[:, self._own]
                out[rows, len(self._own) :] = np.nan
                continue
            members = [s for a in accounts for s in self.signals.owned.get(a, ())]
            at = {s: i for i, s in enumerate(members)}
            signals = self.signals.vectors(members, accounts, self.signals.network_tallies(accounts))
            mine = np.array([at[stores[row]] for row in rows], np.int64)
            out[rows, : len(self._own)] = signals[np.ix_(mine, self._own)]
            out[rows, len(self._own) :] = _means_of_mates(np.ascontiguousarray(signals[:, self._mates]), mine)
        return out

    def _score(self, stores: set[str], at: datetime) -> list[Alert]:
        peaks = self.peaks
        # not ``stores - flagged.keys()``: a set less a dict's keys walks the keys (105 us at 8,000 alerts)
        todo = sorted(stores if peaks is not None else [s for s in stores if s not in self.flagged])
        if not todo:
            return []
        x = self._features(todo)
        alerts = []
        for store, row, raw in zip(todo, x, self._explainer.raws(x).tolist(), strict=True):
            score = self.model.probability(raw)
            if peaks is not None:
                peaks.see(store, score, sold=len(self.signals.stores[store].order_times) > 0)
                if store in self.flagged:
                    continue
            if score >= self.threshold:
                risk = self._explained(store, row)
                alert = Alert(store, at, risk.score, risk.reasons)
                self.flagged[store] = alert
                alerts.append(alert)
        return alerts


@numba.njit(cache=True)
def _means_of_mates(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each of ``rows``: the mean of each column of ``values`` (a network's stores) over the other rows, NaN
    read as unknown and NaN where no other row knows it: the column sums taken once, row by row, and the row's
    own value taken back out (one compiled pass; a dozen array operations per network cost more)."""
    n, m = values.shape
    total, count = np.zeros(m), np.zeros(m)
    for i in range(n):
        for j in range(m):
            if not np.isnan(values[i, j]):
                total[j] += values[i, j]
                count[j] += 1.0
    out = np.empty((rows.size, m))
    for k in range(rows.size):
        for j in range(m):
            value, t, c = values[rows[k], j], total[j], count[j]
            if not np.isnan(value):
                t, c = t - value, c - 1.0
            out[k, j] = t / c if c > 0 else np.nan
    return out


def _references(event: Event) -> list[tuple[str, str]]:
    """(column, table) of what the event refers to: its table's references, or the row an update changes."""
    if event.kind in UPDATE_KINDS:
        return [(TABLES[event.table].key or "", event.table)]
    return _REFERENCES[event.table]


def reference_data(
    tables: Mapping[str, pa.Table],
) -> tuple[dict[str, float], list[tuple[str, str]], list[tuple[str, int, datetime | None]]]:
    """The scorer's reference data from the ``brands``, ``authorized_sellers`` and ``labels`` tables (any may be
    missing): brand -> reference price, the (brand, store) pairs, and the stores' (store, label, labelled at)."""
    brands, authorised, labels = tables.get("brands"), tables.get("authorized_sellers"), tables.get("labels")
    prices = (
        dict(
            zip(brands.column("brand").to_pylist(), brands.column("reference_price").to_pylist(), strict=True)
        )
        if brands is not None
        else {}
    )
    pairs = (
        list(
            zip(
                authorised.column("brand").to_pylist(), authorised.column("store_id").to_pylist(), strict=True
            )
        )
        if authorised is not None
        else []
    )
    stores = (
        [
            (r["entity_id"], r["label"], r["labeled_at"])
            for r in labels.select(["entity_type", "entity_id", "label", "labeled_at"]).to_pylist()
            if r["entity_type"] == "store"
        ]
        if labels is not None
        else []
    )
    return prices, pairs, stores
