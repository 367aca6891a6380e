"""A store that looks like a genuine importer is told apart, its takedown label is not learned as counterfeit, and
its reasons say so."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from marketguard.detect.grey_market import grey_figures, grey_sentence, looks_imported


def test_importers_are_those_whose_parcels_or_reviews_say_so() -> None:
    signals = pa.table({
        "share_parcels_bonded": [0.8, 0.0, 0.4, 0.0, None],
        "share_import_complaints": [0.0, 0.2, 0.0, 0.1, 0.0],
        "share_complaints": [0.0, 0.05, 0.0, 0.3, None],
    })  # fmt: skip
    assert looks_imported(signals).tolist() == [True, True, False, False, False]


def test_without_the_import_signals_nobody_looks_imported() -> None:
    assert not looks_imported(pa.table({"x": [1.0, 2.0]})).any()


def test_the_reason_gives_the_figures() -> None:
    signals = pa.table(
        {"share_parcels_bonded": [0.75], "share_import_complaints": [0.1], "share_complaints": [0.0]}
    )
    text = grey_sentence(grey_figures(signals), 0)
    assert (
        text.startswith("possible grey-market seller")
        and "75% of its parcels" in text
        and "0% about fakes" in text
    )


def test_on_an_adversarial_market_takedowns_of_importers_are_not_learned_and_importers_rank_low(
    tmp_path_factory,
) -> None:
    from marketguard.contract import validate
    from marketguard.detect.operator_linking import OperatorLinker
    from marketguard.detect.store_risk import StoreRiskModel
    from marketguard.engine import make_backend
    from marketguard.simulate import simulate, write_marketplace

    data = tmp_path_factory.mktemp("grey")
    market = simulate(n_stores=3000, seed=5, difficulty="adversarial")
    write_marketplace(market, data)
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, data)
        OperatorLinker().fit(tables)
        model = StoreRiskModel(min_labels=10).fit(tables)
        scores, reasons = model.score(tables), model.explain(tables)
    truth = dict(
        zip(*market.truth["stores"].select(["store_id", "operator_kind"]).to_pydict().values(), strict=True)
    )
    kind = np.array([truth[s] for s in scores.column("store_id").to_pylist()])
    score = scores.column("score").to_numpy()
    assert model.mode_ == "supervised" and model.n_labels_["counterfeit_on_importers_not_learned"] > 0
    top = np.argsort(-score, kind="stable")[: int((kind == "counterfeit").sum())]
    assert (kind[top] == "grey_market").mean() <= 0.03  # the bar is 2% at 10k stores
    grey_ids = set(scores.column("store_id").filter(pa.array(kind == "grey_market")).to_pylist())
    flagged = {s for s, r in zip(*reasons.select(["store_id", "reason"]).to_pydict().values(), strict=True)
               if r == "POSSIBLE_GREY_MARKET_SELLER"}  # fmt: skip
    counterfeit_ids = set(scores.column("store_id").filter(pa.array(kind == "counterfeit")).to_pylist())
    assert len(flagged & grey_ids) >= 0.75 * len(
        grey_ids
    )  # the rest ship from their office, no complaints yet
    assert not flagged & counterfeit_ids  # the others flagged are honest cross-border sellers: importers too
