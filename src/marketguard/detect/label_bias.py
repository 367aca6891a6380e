"""Is the labelled sample like the rest? A check of label selection bias for a supervised detector.

Investigation labels are not a random sample: cases start from complaints and audits, which find the sloppiest
sellers first. A model trained on them can learn "cheap and full of tell words" and miss the careful ones, while
its cross-fitted figures, measured on labelled rows only, stay high. Two figures say how far to trust them:

- **adversarial validation**: how well the detector's own features tell labelled rows from unlabelled ones
  (cross-fitted ROC-AUC of a small LightGBM). About 0.5: the labels are a fair sample; near 1: the labelled rows
  are a population of their own, and the features that separate them most are named.
- **the two populations scored separately**: mean score and share flagged among labelled and unlabelled rows;
  a model that flags labelled-looking rows only flags far fewer unlabelled rows than the labelled positive
  share would suggest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from marketguard.detect.scoring import lgb_params

__all__ = ["BIASED_AUC", "selection_check", "selection_line"]

#: Labelled rows this distinguishable from unlabelled ones are not a fair sample: an AUC of 0.7 is the usual line
#: between "weak" and "acceptable" discrimination (Hosmer and Lemeshow, Applied Logistic Regression, 2000).
BIASED_AUC = 0.7
#: Unlabelled rows compared, at most this many per labelled row (sampled once, seeded): enough for the AUC to
#: be stable, and the check stays cheap when few of millions of rows are labelled.
UNLABELLED_PER_LABELLED = 5
#: A small model is enough to see whether the populations differ: fewer, shallower trees than the detector's.
TREES = 100
FOLDS = 3


def selection_check(
    X: np.ndarray,
    y: np.ndarray,
    scores: np.ndarray,
    feature_names: list[str],
    *,
    random_state: int,
    flag: float,
) -> dict[str, Any]:
    """The selection-bias figures for features ``X``, labels ``y`` (1 / 0 / NaN) and calibrated ``scores``;
    ``flag`` is the score above which a row counts as flagged."""
    import lightgbm as lgb
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    labelled = ~np.isnan(y)
    populations = {
        name: {
            "rows": int(rows.sum()),
            "mean_score": float(scores[rows].mean()) if rows.any() else float("nan"),
            "flagged_share": float((scores[rows] >= flag).mean()) if rows.any() else float("nan"),
        }
        for name, rows in (("labelled", labelled), ("unlabelled", ~labelled))
    }
    populations["labelled"]["positive_share"] = float(np.nanmean(y)) if labelled.any() else float("nan")
    rng = np.random.default_rng(random_state)
    others = np.flatnonzero(~labelled)
    others = np.sort(rng.permutation(others)[: UNLABELLED_PER_LABELLED * int(labelled.sum())])
    rows = np.r_[np.flatnonzero(labelled), others]
    target = labelled[rows].astype(np.int64)
    if min(np.bincount(target, minlength=2)) < FOLDS:
        return {"populations": populations}
    params = lgb_params(random_state) | {"num_iterations": TREES, "num_leaves": 7}
    held_out, gain = np.empty(rows.size), np.zeros(X.shape[1])
    for fit_rows, test_rows in StratifiedKFold(FOLDS, shuffle=True, random_state=random_state).split(
        rows, target
    ):
        booster = lgb.train(
            params, lgb.Dataset(X[rows[fit_rows]], target[fit_rows], feature_name=feature_names)
        )
        held_out[test_rows] = booster.predict(X[rows[test_rows]], raw_score=True)
        gain += booster.feature_importance("gain")
    auc = float(roc_auc_score(target, held_out))
    top = [feature_names[j] for j in np.argsort(-gain, kind="stable")[:3] if gain[j] > 0]
    return {
        "populations": populations,
        "labelled_vs_unlabelled_auc": auc,
        "biased": auc >= BIASED_AUC,
        "most_different": top,
    }


def selection_line(check: dict[str, Any]) -> str:
    """The check as one line for people."""
    lab, unl = check["populations"]["labelled"], check["populations"]["unlabelled"]
    line = (
        f"labelled stores: {lab['rows']:,} ({lab['positive_share']:.0%} counterfeit), {lab['flagged_share']:.1%} "
        f"flagged; unlabelled: {unl['rows']:,}, {unl['flagged_share']:.1%} flagged"
    )
    if "labelled_vs_unlabelled_auc" not in check:
        return line + "; too few labels to check how they were chosen"
    auc, top = check["labelled_vs_unlabelled_auc"], ", ".join(check["most_different"])
    if check["biased"]:
        return (
            f"{line}; the labelled stores are not a fair sample (told apart from the others with ROC-AUC "
            f"{auc:.2f}, most by {top}): the cross-fitted figures hold for stores like them"
        )
    return f"{line}; the labelled stores look like the others (ROC-AUC {auc:.2f} telling them apart)"
