"""Benchmark: store risk scoring, its quality against the simulator's truth, and which signals matter.

On a simulated marketplace (linking run first, untimed): the signal catalogue's features (timed), then the
unsupervised scoring and reasons for every store (timed, the issue's "scoring after features" bar: <= 10 s
for 100k stores on 2 cores). Quality, unsupervised and supervised (LightGBM on the simulator's
store labels, about 10%; labelled stores scored by cross-fitting): store ROC-AUC, average precision,
precision among the top k (k = true counterfeit stores) and the shares of agency and grey-market stores there
(the evasion issue's bar: 2% each; run with ``--difficulty adversarial``). Importance: each signal's own ROC-AUC (oriented:
0.5 = useless), the supervised model's top features by share of LightGBM's total gain, and an ablation of
the unsupervised score: without each group, and with that group alone. The labels propagated over the linker's
evidence (``label_reach``): time, store ties per second, the stores it reaches (and those the one-hop network
count misses), its ROC-AUC among unlabelled stores against the network count's, and the supervised quality
without it. Prints JSON lines.

    python benchmarks/store_risk.py --stores 100000
    python benchmarks/store_risk.py --stores 10000 --difficulty hard
"""

from __future__ import annotations

import json
import time

import numpy as np
import pyarrow.parquet as pq
from sklearn.metrics import average_precision_score, roc_auc_score

from common import ensure_market, market_parser, peak_mb
from marketguard.contract import validate
from marketguard.detect.label_reach import label_reach, store_ties
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.detect.store_risk import NEUTRAL, StoreRiskModel
from marketguard.engine import make_backend
from marketguard.features.signals import GROUPS

TARGET_SCORING_SECONDS_100K = 10.0


def main() -> None:
    parser = market_parser(__doc__)
    args = parser.parse_args()
    data = ensure_market(args.stores, args.seed, args.difficulty)
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, data)
        OperatorLinker().fit(tables)
        start = time.perf_counter()
        model = StoreRiskModel(mode="unsupervised").fit(tables)
        features = time.perf_counter() - start
        start = time.perf_counter()
        scores = model.score(tables)
        reasons = model.explain(tables)
        scoring = time.perf_counter() - start
        start = time.perf_counter()
        supervised = StoreRiskModel(mode="supervised").fit(tables)
        supervised_scores = supervised.score(tables)
        supervised.explain(tables)
        training = time.perf_counter() - start - features  # the features are computed again inside fit
        reach_line = _label_reach(tables, supervised)
        # the ablation: the same supervised fit without the labels propagated over the evidence
        propagate, StoreRiskModel._label_reach = StoreRiskModel._label_reach, lambda self, tables, y: []
        one_hop = StoreRiskModel(mode="supervised").fit(tables).score(tables)
        StoreRiskModel._label_reach = propagate
    truth = pq.read_table(data / "truth" / "stores.parquet").to_pydict()
    counterfeit = dict(zip(truth["store_id"], truth["is_counterfeit"], strict=True))
    kind = dict(zip(truth["store_id"], truth["operator_kind"], strict=True))
    ids = scores.column("store_id").to_pylist()
    y = np.array([counterfeit[s] for s in ids], dtype=bool)
    kinds = np.array([kind[s] for s in ids])
    common = {"bench": "store_risk", "stores": len(ids), "difficulty": args.difficulty}
    target = TARGET_SCORING_SECONDS_100K * len(ids) / 100_000
    print(
        json.dumps(
            {
                **common,
                "name": "speed",
                "signals": len(model.used_),
                "features_seconds": round(features, 2),
                "scoring_seconds": round(scoring, 3),
                "reason_rows": reasons.num_rows,
                "stores_per_s": round(len(ids) / scoring),
                "peak_rss_mb": peak_mb(),
                "target_scoring_seconds": target,
                "ratio_scoring_over_target": round(scoring / target, 4),
            }
        )
    )
    print(
        json.dumps(
            {
                **common,
                "name": "quality",
                "mode": "unsupervised",
                **_quality(y, kinds, scores.column("score").to_numpy()),
            }
        )
    )
    labelled = supervised.n_labels_
    print(
        json.dumps(
            {
                **common,
                "name": "quality",
                "mode": "supervised",
                "labelled_stores": labelled,
                "train_cross_fit_explain_seconds": round(training, 2),
                **_quality(y, kinds, supervised_scores.column("score").to_numpy()),
            }
        )
    )
    unlabelled = np.isnan(supervised.y_)
    reached = reach_line.pop("c")
    print(
        json.dumps(
            {
                **common,
                **reach_line,
                "unlabelled_roc_auc_reach": round(
                    float(roc_auc_score(y[unlabelled], reached[unlabelled])), 4
                ),
                "unlabelled_roc_auc_network_count": round(
                    float(
                        roc_auc_score(
                            y[unlabelled],
                            supervised.signals_.column("network_counterfeit_stores").to_numpy()[unlabelled],
                        )
                    ),
                    4,
                ),
                "supervised_without_reach": _quality(y, kinds, one_hop.column("score").to_numpy()),
            }
        )
    )
    gain = supervised.booster_.feature_importance(importance_type="gain")
    for name, value in sorted(
        zip(supervised.feature_names_, gain.tolist(), strict=True), key=lambda x: -x[1]
    )[:15]:
        print(
            json.dumps(
                {
                    **common,
                    "name": "lightgbm_importance",
                    "feature": name,
                    "gain_share": round(value / gain.sum(), 4),
                }
            )
        )
    risk = np.where(np.isnan(model.percentiles_), NEUTRAL, model.percentiles_)
    group_of = {s.name: g.name for g in GROUPS for s in g.signals}
    groups = np.array([group_of[s.name] for s in model.used_])
    for j, signal in enumerate(model.used_):
        known = ~np.isnan(model.percentiles_[:, j])
        auc = roc_auc_score(y[known], model.percentiles_[known, j]) if len(set(y[known])) == 2 else None
        print(
            json.dumps(
                {
                    **common,
                    "name": "signal",
                    "signal": signal.name,
                    "group": groups[j],
                    "oriented_roc_auc": None if auc is None else round(float(auc), 4),
                    "known_share": round(float(known.mean()), 3),
                }
            )
        )
    for group in dict.fromkeys(groups):
        without = risk[:, groups != group].mean(axis=1)
        alone = risk[:, groups == group].mean(axis=1)
        print(
            json.dumps(
                {
                    **common,
                    "name": "ablation",
                    "group": group,
                    "roc_auc_without": round(float(roc_auc_score(y, without)), 4),
                    "roc_auc_alone": round(float(roc_auc_score(y, alone)), 4),
                }
            )
        )


def _label_reach(tables, model: StoreRiskModel) -> dict:
    """The label propagation alone (store ties and the walk), timed, on the supervised model's labels."""
    start = time.perf_counter()
    owners = model.signals_.column("account_id").combine_chunks()
    ties = store_ties(tables, owners)
    reach = label_reach(tables, owners, model.y_)
    seconds = time.perf_counter() - start
    c = reach["reach_counterfeit_labels"]
    return {
        "name": "label_reach",
        "labelled_stores": int((~np.isnan(model.y_)).sum()),
        "store_ties": int(ties.nnz),
        "seconds": round(seconds, 3),
        "ties_per_s": round(ties.nnz / seconds),
        "stores_reaching_counterfeit_labels": int((c > 0).sum()),
        "stores_reaching_only_across_networks_or_owners": int(
            ((c > 0) & (model.signals_.column("network_counterfeit_stores").to_numpy() == 0)).sum()
        ),
        "c": c,
    }


def _quality(y: np.ndarray, kinds: np.ndarray, score: np.ndarray) -> dict[str, float]:
    k = int(y.sum())
    top = np.argsort(-score, kind="stable")[:k]
    return {
        "roc_auc": round(float(roc_auc_score(y, score)), 4),
        "average_precision": round(float(average_precision_score(y, score)), 4),
        "precision_at_k": round(float(y[top].mean()), 4),
        "k": k,
        "agency_share_top_k": round(float(np.mean(kinds[top] == "agency")), 4),
        "grey_market_share_top_k": round(float(np.mean(kinds[top] == "grey_market")), 4),
        "share_bar_top_k": 0.02,  # the evasion issue's bar for each honest look-alike
    }


if __name__ == "__main__":
    main()
