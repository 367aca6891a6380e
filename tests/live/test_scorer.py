"""The live scorer after replaying events up to a time scores every store as a batch scan of the data cut there
scores it with the same model; late events wait for their references; bad ones are refused with reasons."""

from __future__ import annotations

import math
import time

import numpy as np
import pyarrow.parquet as pq
import pytest

from marketguard.contract import validate
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.detect.store_risk import StoreRiskModel, load_saved
from marketguard.engine import make_backend
from marketguard.errors import ModelError
from marketguard.live.events import BadEvent, read_event
from marketguard.live.replay import in_time_order
from marketguard.live.scorer import LiveScorer, _means_of_mates, reference_data
from marketguard.pipeline.train import train_model
from tests.live.conftest import EVENT_TABLES, cut, reference, time_at


@pytest.mark.parametrize("fraction", [0.6])
def test_replayed_scores_equal_the_batch_scan_of_the_data_cut_at_that_time(
    trained, tmp_path, fraction
) -> None:
    market, model = trained
    cut(market, time_at(market, fraction), tmp_path / "cut")
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, tmp_path / "cut")
        OperatorLinker(kinds=()).fit(tables)
        scored = StoreRiskModel.load(model).fit(tables)
        batch = dict(
            zip(scored.signals_.column("store_id").to_pylist(), scored.scores_.tolist(), strict=True)
        )
        rows = {t: backend.con.sql(f"SELECT * FROM {t}").to_arrow_table() for t in EVENT_TABLES}
    scorer = LiveScorer(load_saved(model), *reference(market), threshold=0.5, peaks=True)
    latencies = []
    for event in in_time_order(rows):
        start = time.perf_counter()
        scorer.process(read_event(event))
        latencies.append(time.perf_counter() - start)
    assert scorer.n_held == 0 and len(batch) > 100
    differences = [abs(scorer.score(store) - score) for store, score in batch.items()]
    assert max(differences) <= 1e-9
    # an alert is the moment a store first crossed the threshold (its score may fall again as data comes)
    assert scorer.flagged and all(a.score >= 0.5 and a.reasons for a in scorer.flagged.values())
    # peaks kept (flagged stores scored on): a store is flagged iff its peak reached the threshold
    assert scorer.peaks is not None and set(scorer.peaks.ever) == set(scorer.signals.stores)
    assert set(scorer.flagged) == {s for s, peak in scorer.peaks.ever.items() if peak >= 0.5}
    assert all(scorer.peaks.ever[s] >= a.score for s, a in scorer.flagged.items())
    assert all(peak <= scorer.peaks.ever[s] for s, peak in scorer.peaks.before_sale.items())
    print(f"cut {fraction}: {len(latencies)} events, p99 {np.percentile(latencies, 99) * 1000:.2f} ms")


def test_an_event_waits_for_its_reference_and_bad_ones_are_refused(trained) -> None:
    market, model = trained
    scorer = LiveScorer(load_saved(model), *reference(market), max_held=2)
    account = {"event_id": "a", "event": "account_created", "account_id": "acc", "created_at": "2025-01-01"}
    store = {
        "event_id": "s",
        "event": "store_opened",
        "store_id": "st",
        "account_id": "acc",
        "opened_at": "2025-01-02",
        "template": "basic",
    }
    login = {"event_id": "l", "event": "login", "account_id": "acc", "ts": "2025-01-03", "ip": "203.0.113.9"}
    assert scorer.process(read_event(store)) == [] and scorer.process(read_event(login)) == []
    assert scorer.n_held == 2 and "st" not in scorer.signals.stores  # both wait for the account
    with pytest.raises(BadEvent) as full:  # a third would pass the bound: refused, with the batch's reason
        scorer.process(read_event(login | {"event_id": "l2"}))
    assert [p.reason for p in full.value.problems] == ["dangling_reference:account_id"]
    scorer.process(read_event(account))  # the account arrives: both apply, in the order they came
    assert scorer.n_held == 0 and scorer.signals.stores["st"].account_id == "acc"
    assert scorer.signals.owners["acc"].n_logins == 1
    assert (
        scorer.process(read_event(login)) == [] and scorer.signals.owners["acc"].n_logins == 1
    )  # same id: once
    with pytest.raises(BadEvent) as twice:
        scorer.process(read_event(store | {"event_id": "s2"}))
    assert [p.reason for p in twice.value.problems] == ["duplicate_key:store_id"]
    listing = {
        "event_id": "li",
        "event": "listing_created",
        "listing_id": "li",
        "store_id": "st",
        "title": "t",
        "price": 1.0,
        "brand": "no such brand",
        "listed_at": "2025-01-04",
    }
    with pytest.raises(BadEvent) as brand:
        scorer.process(read_event(listing))
    assert [p.reason for p in brand.value.problems] == ["dangling_reference:brand"]
    twins = [listing | {"event_id": f"twin{i}", "store_id": "later", "brand": None} for i in range(2)]
    waiting = LiveScorer(load_saved(model), *reference(market))
    for twin in twins:  # two listings with one id, both waiting for their store
        waiting.process(read_event(twin))
    waiting.process(read_event(account))
    waiting.process(read_event(store | {"store_id": "later"}))  # the store comes: the first applies, not both
    assert waiting.n_held == 0 and len(waiting.signals.stores["later"].listings) == 1
    assert [p.reason for bad in waiting.refused_on_release for p in bad.problems] == [
        "duplicate_key:listing_id"
    ]
    risk = scorer.risk("st")
    assert 0.0 <= risk.score <= 1.0 and math.isfinite(risk.score)
    closing = {"event": "store_closed", "store_id": "later", "closed_at": "2025-01-05"}
    early = LiveScorer(load_saved(model), *reference(market))
    early.process(read_event(closing | {"event_id": "c"}))  # closed before it opened, as far as events go
    assert early.n_held == 1
    early.process(read_event(account))
    early.process(read_event(store | {"store_id": "later"}))
    assert early.n_held == 0 and early.signals.stores["later"].closed
    assert early.process(read_event(closing | {"event_id": "c2"})) == []  # closing twice: still closed
    assert not waiting.signals.stores["later"].closed  # its opening said nothing of a closing


def test_a_model_of_the_whole_catalogue_is_refused(trained, tmp_path) -> None:
    market, _ = trained
    train_model(market, tmp_path / "all.json")
    with pytest.raises(ModelError, match="--signals live"):
        LiveScorer(load_saved(tmp_path / "all.json"))


def test_a_scorer_started_from_the_history_scores_as_one_fed_every_event(trained, tmp_path) -> None:
    """Built in bulk from the data up to a time (a batch link, rows table by table), then fed the events after
    it, the scorer scores every store as one that was fed every event; at its start it has flagged exactly the
    stores scoring over the threshold."""
    market, model = trained
    at = time_at(market, 0.5)
    cut(market, at, tmp_path / "history")
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, tmp_path / "history")
        started = LiveScorer.from_history(load_saved(model), tables, threshold=0.5)
        # the labels known at the cut, of stores known then (as the history's scorer reads them)
        known = reference_data(
            {t: tables.fetch(f"SELECT * FROM {t}", t) for t in ("brands", "authorized_sellers", "labels")}
        )
    at_start = {s: started.score(s) for s in started.signals.stores}
    assert started.flagged and set(started.flagged) == {s for s, x in at_start.items() if x >= 0.5}
    assert all(a.flagged_at <= at and a.reasons for a in started.flagged.values())
    everything = LiveScorer(load_saved(model), *known, threshold=0.5)
    rows = {t: pq.read_table(market / f"{t}.parquet") for t in EVENT_TABLES}
    n_later = 0
    for event in in_time_order(rows):
        read = read_event(event)
        everything.process(read)
        if read.at > at:
            started.process(read)
            n_later += 1
    assert n_later > 1_000 and started.n_held == everything.n_held == 0
    assert len(at_start) < len(everything.signals.stores) == len(started.signals.stores)
    differences = [abs(started.score(s) - everything.score(s)) for s in everything.signals.stores]
    assert max(differences) <= 1e-9
    # a row of the history sent again as an event (it has no id to know it by) is refused, not counted twice
    assert started.history_until is not None and started.history_until <= at
    again = next(read_event(e) for e in in_time_order({"logins": rows["logins"]}))
    with pytest.raises(BadEvent, match="in_history:ts"):
        started.process(again)
    assert max(abs(started.score(s) - everything.score(s)) for s in everything.signals.stores) <= 1e-9


def test_a_mates_mean_leaves_out_the_store_itself_and_what_is_unknown() -> None:
    values = np.array(
        [[1.0, np.nan, 5.0], [3.0, np.nan, np.nan], [8.0, 2.0, np.nan], [np.nan, np.nan, np.nan]]
    )
    means = _means_of_mates(values, np.array([0, 2, 3]))
    want = [[5.5, 2.0, np.nan], [2.0, np.nan, 5.0], [4.0, 2.0, 5.0]]  # the others' known values, averaged
    np.testing.assert_array_equal(means, np.array(want))
    assert np.isnan(_means_of_mates(values[:1], np.array([0]))).all()  # alone in its network: no mates
