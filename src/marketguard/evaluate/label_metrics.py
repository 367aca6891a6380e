"""Detection quality of a results directory against the dataset's ``labels``: what real users have instead of
the simulator's truth.

Labels are known outcomes of past investigations: a few entities, chosen (investigations start from complaints,
so labelled stores are mostly suspicious ones), each with 0 or 1. The figures are therefore computed over
**labelled entities only**:

stores
    ROC-AUC, average precision and precision@k (k = labelled counterfeit stores) of the results' store scores
    over the labelled stores found in the results. A store's label is its own ``store`` label, or else its
    owner account's ``account`` label (owner from ``store_scores.account_id``); labelled both ways counts as
    counterfeit, as the detectors read it. A labelled store absent from the results has no score to rank: it is
    left out and counted in ``n_missing`` (with a warning).
reviews, declarations
    The same ranking figures over the labelled reviews (declarations); also how many labelled fake and genuine
    reviews sit in a review ring, and how many labelled counterfeit and legitimate declarations were tied to a
    network.
networks
    ``counterfeit_mate_share``: of the labelled-counterfeit stores, the share whose network holds another
    labelled-counterfeit store (a recall proxy: it is also low when an operator has only one labelled store).
    ``label_purity``: over networks holding two or more labelled stores, the share of those stores carrying
    their network's majority label (1 = no network mixes counterfeit and legitimate labels); ``networks_mixed``
    counts the networks that do, each either a wrong merge or a wrong label.

What labels cannot support is listed under ``skipped`` with the reason; ``notes`` say how the scan used the
labels (a supervised scan scores labelled stores cross-fitted), and ``warnings`` what did not match.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.evaluate.inputs import (
    Results,
    dataset_warning,
    match_stores,
    read_results,
    require_match,
    scan_learning,
)
from marketguard.evaluate.labels import LabelSet, read_labels
from marketguard.evaluate.metrics import ranking_metrics, value_codes

__all__ = ["SKIPPED", "evaluate_labels", "label_network_metrics", "labelled_ranking"]

#: Figures of a truth evaluation that labels cannot support, and why.
SKIPPED = {
    "stores.agency_share_top_k": "labels do not say which stores an agency (a legitimate multi-store operator) runs",
    "stores.grey_market_share_top_k": "labels do not say which stores sell genuine goods without the brand's "
    "authorisation",
    "networks.pairwise": "pairwise precision and recall need the operator behind every store; labels only say "
    "counterfeit or not, so a network merging two counterfeit operators, or one operator split in two, is unseen",
    "reviews.farms": "labels do not say which farm wrote a fake review",
    "sites": "labels name no factories or warehouses",
    "money": "labels name no collectors or suppliers",
}
#: What label 1 and label 0 mean per entity type, as the figures name them.
OUTCOMES = {
    "store": ("counterfeit", "legitimate"),
    "account": ("fraudulent", "legitimate"),
    "review": ("fake", "genuine"),
    "declaration": ("counterfeit", "legitimate"),
}
LABELS_QUESTION = "are the labels from another dataset? Evaluate a scan of the dataset the labels belong to"
SAMPLE_NOTE = (
    "labelled entities are the investigated ones, not a random sample: average precision and precision@k "
    "follow their counterfeit share, so compare them between scans of the same labels, not with the truth's; "
    "ROC-AUC depends least on that share"
)


def evaluate_labels(
    results: Path | str, labels: Path | str | pa.Table, *, engine: str = "duckdb"
) -> dict[str, Any]:
    """Store, review, declaration and network figures of ``results`` over the labelled entities of ``labels``.

    ``labels`` is a dataset directory or DuckDB file (validated as a scan validates it, so quarantined label
    rows never count), a ``labels.parquet`` / ``labels.csv`` file, or an Arrow table of the ``labels``
    columns. See the module docstring for what each figure means.

    Raises
    ------
    EvaluationError
        When ``results`` is not a results directory, ``labels`` holds no usable label, or fewer than
        :data:`~marketguard.evaluate.inputs.MIN_MATCH` of the labels' dataset stores (of the labelled stores,
        for a lone labels file) are found in the results.
    """
    found, labelled = read_results(results), read_labels(labels, engine)
    stores = store_labels(found, labelled)
    if labelled.owners is not None:
        match_stores(
            found,
            labelled.owners,
            f"the labels' dataset {labelled.source}",
            labelled.owners,
            "are the results a scan of another dataset? Evaluate against the labels of the dataset that was "
            "scanned",
        )
    else:
        match_stores(
            found, stores.filter(stores.column("from_store")), "the labels", question=LABELS_QUESTION
        )
    dataset_warning(found, labelled.dataset, "the labels")
    learning = scan_learning(found.manifest)
    out: dict[str, Any] = {
        "against": "labels",
        "labels": _label_summary(labelled),
        "scan": learning,
        "skipped": dict(SKIPPED),
        "notes": [SAMPLE_NOTE],
    }
    # a lone labels file's stores were matched above, missing ones included: one warning is enough
    _add_stores(out, found, stores, learning, warn_missing=labelled.owners is not None)
    for entity, key, extra in (
        ("reviews", "review", "ring_id"),
        ("declarations", "declaration", "network_id"),
    ):
        _add_entity(out, found, labelled.of(key), entity, key, extra, learning)
    out["warnings"] = found.warnings
    return out


def store_labels(results: Results, labels: LabelSet) -> pa.Table:
    """``store_id, label, from_store, is_conflicting``: store labels, plus the labels of store-owning accounts
    (owner from the results); a store labelled counterfeit either way is counterfeit."""
    own = labels.of("store").rename_columns(["store_id", "label", "is_conflicting"])
    own = own.append_column("from_store", pa.array(np.ones(own.num_rows, bool)))
    parts = [own]
    if "account_id" in results.store_scores.column_names:
        accounts = labels.of("account").rename_columns(["account_id", "label", "is_conflicting"])
        owned = results.store_scores.select(["store_id", "account_id"]).join(
            accounts, "account_id", join_type="inner"
        )
        owned = owned.select(["store_id", "label", "is_conflicting"])
        parts.append(owned.append_column("from_store", pa.array(np.zeros(owned.num_rows, bool))))
    both = pa.concat_tables(parts)
    merged = both.group_by("store_id", use_threads=False).aggregate(
        [("label", "max"), ("label", "min"), ("from_store", "any"), ("is_conflicting", "any")]
    )
    conflicting = pc.or_(
        merged.column("is_conflicting_any"),
        pc.not_equal(merged.column("label_max"), merged.column("label_min")),
    )
    return pa.table(
        {
            "store_id": merged.column("store_id"),
            "label": merged.column("label_max"),
            "from_store": merged.column("from_store_any"),
            "is_conflicting": conflicting,
        }
    ).sort_by("store_id")


def _label_summary(labels: LabelSet) -> dict[str, Any]:
    """Where the labels came from, rows quarantined, and labelled entities per type and outcome."""
    table = labels.table
    by_type: dict[str, dict[str, int]] = {}
    counts = table.group_by(["entity_type", "label"], use_threads=False).aggregate([("entity_id", "count")])
    for r in counts.to_pylist():
        positive, negative = OUTCOMES.get(r["entity_type"], ("positive", "negative"))
        names = by_type.setdefault(r["entity_type"], {positive: 0, negative: 0})
        names[positive if r["label"] == 1 else negative] = r["entity_id_count"]
    conflicting = table.filter(table.column("is_conflicting")).column("entity_type")
    return {
        "source": labels.source,
        **labels.report,
        "by_entity": dict(sorted(by_type.items())),
        "conflicting": {v["values"]: v["counts"] for v in pc.value_counts(conflicting).to_pylist()},
    }


def labelled_ranking(
    labels: pa.Table, scores: pa.Table, key: str, extra: str | None = None
) -> tuple[dict[str, Any], pa.Table]:
    """Ranking figures of ``scores`` over the labelled ``key`` ids found in it (ties broken by id, as the
    results rank them), with ``n_labelled``, ``n_positive``, ``n_negative``, ``n_missing``; and the joined table
    (``key, label, score`` and ``extra``) of the labelled entities found."""
    columns = [key, "score"] + ([extra] if extra and extra in scores.column_names else [])
    joined = labels.join(scores.select(columns), key, join_type="left outer").sort_by(key)
    present = pc.is_valid(joined.column("score"))
    n_missing = joined.num_rows - int(pc.sum(present).as_py() or 0)
    joined = joined.filter(present)
    y = joined.column("label").to_numpy(zero_copy_only=False).astype(bool)
    score = joined.column("score").to_numpy(zero_copy_only=False).astype(float)
    metrics: dict[str, Any] = ranking_metrics(y, score, tie_break=np.arange(joined.num_rows))
    metrics.update(
        {
            "n_labelled": int(joined.num_rows + n_missing),
            "n_positive": int(y.sum()),
            "n_negative": int((~y).sum()),
            "n_missing": n_missing,
        }
    )
    return metrics, joined


def _add_stores(
    out: dict[str, Any], results: Results, stores: pa.Table, learning: dict[str, Any], warn_missing: bool
) -> None:
    if stores.num_rows == 0:
        out["skipped"]["stores"] = "the labels hold no store labels and no labels of store-owning accounts"
        out["skipped"]["networks"] = out["skipped"]["stores"]
        return
    metrics, joined = labelled_ranking(stores, results.store_scores, "store_id", "network_id")
    metrics["n_from_accounts"] = int(pc.sum(pc.invert(joined.column("from_store"))).as_py() or 0)
    metrics["note"] = learning_note("stores", learning)
    out["stores"] = _with_class_names(metrics, "counterfeit", "legitimate")
    if warn_missing:
        _missing_warning(results, metrics, "stores")
    _one_class(out, "stores", metrics)
    if "network_id" in joined.column_names:
        out["networks"] = label_network_metrics(joined)
        out["networks"]["n_networks"] = int(
            pc.count_distinct(results.store_scores.column("network_id")).as_py()
        )
    else:
        out["skipped"]["networks"] = "the results' store_scores has no network_id column"


def _add_entity(
    out: dict[str, Any],
    results: Results,
    labels: pa.Table,
    entity: str,
    key: str,
    extra: str,
    learning: dict[str, Any],
) -> None:
    """Reviews or declarations: ranking over the labelled ones, and how many of each label sit in a ring
    (are tied to a network)."""
    name = f"{key}_scores"
    if labels.num_rows == 0:
        out["skipped"][entity] = f"the labels hold no {key} labels"
        return
    if not results.has(name):
        out["skipped"][entity] = (
            f"the results have no {name}.parquet (the scan's input had no {entity} table)"
        )
        return
    labels = labels.rename_columns([f"{key}_id", "label", "is_conflicting"])
    ids = labels.column(f"{key}_id").combine_chunks()
    metrics, joined = labelled_ranking(
        labels, results.read(name, [f"{key}_id", "score", extra]), f"{key}_id", extra
    )
    absent = ids.filter(pc.invert(pc.is_in(ids, value_set=joined.column(f"{key}_id").combine_chunks())))
    n = metrics["n_labelled"]
    require_match(
        results, "the labels", entity, n, n - metrics["n_missing"], absent, question=LABELS_QUESTION
    )
    grouped = np.zeros(joined.num_rows, bool)
    if extra in joined.column_names:
        grouped = pc.is_valid(joined.column(extra)).to_numpy(zero_copy_only=False)
    y = joined.column("label").to_numpy(zero_copy_only=False).astype(bool)
    positive, negative = ("fake", "genuine") if entity == "reviews" else ("counterfeit", "legitimate")
    where = "in_rings" if entity == "reviews" else "tied"
    metrics[f"{positive}_{where}"] = int((y & grouped).sum())
    metrics[f"{negative}_{where}"] = int((~y & grouped).sum())
    metrics["note"] = learning_note(entity, learning)
    out[entity] = _with_class_names(metrics, positive, negative)
    _missing_warning(results, metrics, entity)
    _one_class(out, entity, metrics)


def label_network_metrics(stores: pa.Table) -> dict[str, Any]:
    """Network figures from labelled stores (``store_id, label, network_id``); see the module docstring."""
    network = value_codes(stores.column("network_id"))
    y = stores.column("label").to_numpy(zero_copy_only=False).astype(bool)
    in_network = network >= 0
    n_codes = int(network.max(initial=0)) + 1  # at least one, so that every code can index it
    positives = np.bincount(network[in_network & y], minlength=n_codes)
    negatives = np.bincount(network[in_network & ~y], minlength=n_codes)
    with_mate = y & in_network & (positives[np.maximum(network, 0)] >= 2)
    labelled = positives + negatives
    two = labelled >= 2
    n_in_two = int(labelled[two].sum())
    return {
        "n_counterfeit": int(y.sum()),
        "counterfeit_in_networks": int((y & in_network).sum()),
        "counterfeit_with_counterfeit_mate": int(with_mate.sum()),
        "counterfeit_mate_share": float(with_mate.sum() / y.sum()) if y.any() else float("nan"),
        "networks_labelled": int((labelled > 0).sum()),
        "networks_with_two_labelled": int(two.sum()),
        "networks_mixed": int(((positives > 0) & (negatives > 0)).sum()),
        "label_purity": float(np.maximum(positives, negatives)[two].sum() / n_in_two)
        if n_in_two
        else float("nan"),
    }


def learning_note(entity: str, learning: dict[str, Any]) -> str:
    """How the scan used labels to score ``entity``, and what that means for figures over labelled ones."""
    mode, one = learning["modes"][entity], entity.rstrip("s")
    if mode == "supervised":
        return (
            f"the scan learned {one} scores from its labels; each labelled one was scored by a model that "
            "never saw its label (cross-fitting), so on the scan's own labels these are held-out figures"
        )
    if mode == "saved":
        return (
            f"the scan scored {entity} with a saved model: if it was trained on these labels, labelled {entity} "
            "were scored by a model that saw them and these figures are optimistic; evaluate on labels it never saw"
        )
    if mode == "unknown":
        return f"the results' manifest does not say how {entity} were scored"
    note = f"the scan scored {entity} without learning from labels"
    if entity == "stores" and learning["labels_in_scan"]:
        note += (
            "; its store labels fed one signal (labelled-counterfeit stores in the same network), never a "
            "store's own label"
        )
    return note


def _with_class_names(metrics: dict[str, Any], positive: str, negative: str) -> dict[str, Any]:
    """``n_positive`` / ``n_negative`` named after the entity's outcomes (``n_counterfeit``, ``n_fake``...)."""
    names = {"n_positive": f"n_{positive}", "n_negative": f"n_{negative}"}
    return {names.get(k, k): v for k, v in metrics.items()}


def _missing_warning(results: Results, metrics: dict[str, Any], entity: str) -> None:
    if metrics["n_missing"]:
        results.warnings.append(
            f"{metrics['n_missing']:,} of the {metrics['n_labelled']:,} labelled {entity} are not in the results "
            "and are left out of the figures"
        )


def _one_class(out: dict[str, Any], entity: str, metrics: dict[str, Any]) -> None:
    if np.isnan(metrics["roc_auc"]):
        out["skipped"][f"{entity}.ranking"] = (
            f"the labelled {entity} found in the results are all of one outcome: ranking needs both"
        )
