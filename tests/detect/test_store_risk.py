"""Store risk on a small simulated marketplace: unsupervised without labels, supervised (cross-fitted,
calibrated, explained) with them, both deterministic and checked against the simulator's truth."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import roc_auc_score

from marketguard.contract import validate
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.detect.store_risk import StoreRiskModel
from marketguard.engine import make_backend
from marketguard.errors import ModelError, ParameterError


def _fit(path, **params) -> tuple[StoreRiskModel, pa.Table, pa.Table]:
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, path)
        OperatorLinker().fit(tables)
        model = StoreRiskModel(**params).fit(tables)
        return model, model.score(tables), model.explain(tables)


def _truth(path, scores: pa.Table) -> np.ndarray:
    truth = pq.read_table(path / "truth" / "stores.parquet").to_pydict()
    counterfeit = dict(zip(truth["store_id"], truth["is_counterfeit"], strict=True))
    return np.array([counterfeit[s] for s in scores.column("store_id").to_pylist()])


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    """1,500 stores: enough store labels (about 10%) for the supervised mode to learn."""
    from marketguard.simulate import simulate, write_marketplace

    out = tmp_path_factory.mktemp("risk")
    write_marketplace(simulate(n_stores=1500, seed=11, difficulty="normal"), out)
    return out


@pytest.fixture(scope="module")
def supervised(market):
    return _fit(market, min_labels=10)


def test_with_labels_the_model_is_supervised_calibrated_and_ranks_unlabelled_stores(supervised, market):
    model, scores, _ = supervised
    assert (
        model.mode_ == "supervised"
        and min(model.n_labels_["counterfeit"], model.n_labels_["legitimate"]) >= 10
    )
    y, score = _truth(market, scores), scores.column("score").to_numpy()
    assert ((score >= 0) & (score <= 1)).all()
    labels = pq.read_table(market / "labels.parquet").to_pydict()
    labelled = {e for e, t in zip(labels["entity_id"], labels["entity_type"], strict=True) if t == "store"}
    unlabelled = np.array([s not in labelled for s in scores.column("store_id").to_pylist()])
    assert roc_auc_score(y[unlabelled], score[unlabelled]) > 0.97
    assert roc_auc_score(y[~unlabelled], score[~unlabelled]) > 0.9  # scored by folds that never saw them
    counterfeit_mean, honest_mean = score[y].mean(), score[~y].mean()
    assert counterfeit_mean > 0.5 > honest_mean  # calibrated probabilities, not ranks


def test_labels_propagate_over_the_linker_s_evidence(supervised, market) -> None:
    """The labels reached over the linker's pairs are model features: unlabelled counterfeit stores reach
    stores labelled counterfeit far more often than honest stores do."""
    model, scores, _ = supervised
    assert {"reach_counterfeit_labels", "reach_legitimate_labels"} <= set(model.feature_names_)
    y = _truth(market, scores)
    unlabelled = np.isnan(model.y_)
    reach = model.signals_.column("reach_counterfeit_labels").to_numpy()
    assert reach[unlabelled & y].mean() > 0.15 > 10 * reach[unlabelled & ~y].mean()


def test_supervised_reasons_name_features_with_their_values(supervised) -> None:
    model, scores, evidence = supervised
    top = scores.sort_by([("score", "descending")]).column("store_id")[0].as_py()
    rows = [r for r in evidence.to_pylist() if r["store_id"] == top]
    assert 1 <= len(rows) <= model.n_reasons
    assert rows == sorted(rows, key=lambda r: -r["value"]) and all(r["value"] > 0 for r in rows)
    assert all(r["detail"] for r in rows) and any(
        c.isdigit() for r in rows for c in r["detail"]
    )  # with numbers
    assert all(r["reason"].lower().removeprefix("mates_") in model.feature_signals_ for r in rows)


def test_without_labels_the_model_is_unsupervised_and_still_ranks(small_market) -> None:
    model, scores, evidence = _fit(small_market, mode="unsupervised")
    assert model.mode_ == "unsupervised"
    assert roc_auc_score(_truth(small_market, scores), scores.column("score").to_numpy()) > 0.95
    assert evidence.num_rows > 0 and "riskier than" in evidence.column("detail")[0].as_py()


def test_the_same_data_gives_the_same_scores(supervised, market) -> None:
    _, again, _ = _fit(market, min_labels=10)
    assert again.equals(supervised[1])


def test_labels_dated_after_the_data_are_not_learned_from(supervised, market, tmp_path) -> None:
    """Every third store label moved past the data's last login (2025), not as far as the validator's future,
    and turned wrong: the model scores as if those labels did not exist (and without them the scores change)."""
    labels = pq.read_table(market / "labels.parquet")
    is_store = np.array([t == "store" for t in labels.column("entity_type").to_pylist()])
    moved = is_store & (np.cumsum(is_store) % 3 == 0)
    future = pa.array(
        np.where(moved, np.datetime64("2026-06-01", "us"), labels.column("labeled_at").to_numpy())
    )
    label = labels.column("label").to_numpy()
    shifted = labels.set_column(
        labels.schema.get_field_index("labeled_at"),
        "labeled_at",
        future.cast(labels.schema.field("labeled_at").type),
    ).set_column(labels.schema.get_field_index("label"), "label", pa.array(np.where(moved, 1 - label, label)))
    runs = {}
    for name, table in (("shifted", shifted), ("dropped", labels.filter(pa.array(~moved)))):
        data = tmp_path / name
        shutil.copytree(market, data)
        pq.write_table(table, data / "labels.parquet")
        runs[name] = _fit(data, min_labels=10)[1]
    assert runs["shifted"].equals(runs["dropped"])
    assert not runs["dropped"].equals(supervised[1])


def test_supervised_mode_refuses_to_run_without_labels_of_both_kinds(tiny) -> None:
    with pytest.raises(
        ParameterError,
        match="needs at least 30 labelled stores of each kind; the labels hold 0 counterfeit and 0 legitimate "
        r"stores \(2 more are dated after the data's last login",
    ):
        _fit(tiny(), mode="supervised")


def test_a_saved_model_scores_new_data_like_the_model_that_trained_it(supervised, market, tmp_path) -> None:
    model, scores, _ = supervised
    path = model.save(tmp_path / "model.json")
    saved = json.loads(path.read_text())
    assert (
        saved["training"]["labels"] == model.n_labels_
        and saved["training"]["metrics"]["cross_fitted_roc_auc"] > 0.9
    )
    loaded, again, evidence = _fit_saved(path, market)
    assert loaded.mode_ == "saved" and evidence.num_rows > 0
    labels = pq.read_table(market / "labels.parquet").to_pydict()
    labelled = {e for e, t in zip(labels["entity_id"], labels["entity_type"], strict=True) if t == "store"}
    unlabelled = np.array([s not in labelled for s in scores.column("store_id").to_pylist()])
    np.testing.assert_allclose(
        again.column("score").to_numpy()[unlabelled], scores.column("score").to_numpy()[unlabelled]
    )


def _fit_saved(path, data) -> tuple[StoreRiskModel, pa.Table, pa.Table]:
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, data)
        OperatorLinker().fit(tables)
        model = StoreRiskModel.load(path).fit(tables)
        return model, model.score(tables), model.explain(tables)


def test_a_saved_model_scores_data_without_labels(supervised, market, tmp_path) -> None:
    """No labels, nothing to reach: the propagated labels are 0, not a missing signal."""
    path = supervised[0].save(tmp_path / "model.json")
    unlabelled = tmp_path / "unlabelled"
    shutil.copytree(market, unlabelled)
    (unlabelled / "labels.parquet").unlink()
    loaded, scores, _ = _fit_saved(path, unlabelled)
    assert scores.num_rows == supervised[1].num_rows
    assert pc.max(loaded.signals_.column("reach_counterfeit_labels")).as_py() == 0.0


def test_a_saved_model_refuses_data_without_its_signals(supervised, market, tmp_path) -> None:
    path = supervised[0].save(tmp_path / "model.json")
    partial = tmp_path / "partial"
    shutil.copytree(market, partial)
    (partial / "reviews.parquet").unlink()
    with pytest.raises(ModelError, match="share_complaints: needs reviews"):
        _fit_saved(path, partial)


def test_a_file_that_is_not_a_model_is_refused(tmp_path) -> None:
    (tmp_path / "x.json").write_text('{"format": "something else"}')
    with pytest.raises(ModelError, match="not a marketguard store risk model"):
        StoreRiskModel.load(tmp_path / "x.json")


def test_an_unsupervised_model_cannot_be_saved(small_market, tmp_path) -> None:
    model, _, _ = _fit(small_market, mode="unsupervised")
    with pytest.raises(ModelError, match="only a model trained on labels"):
        model.save(tmp_path / "m.json")
