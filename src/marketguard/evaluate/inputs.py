"""What ``evaluate`` compares, checked before any metric: a scan's results directory, the simulator's truth, and
whether the two (or the labels) describe the same stores.

Metrics of a results directory against another dataset's truth or labels are numbers without meaning that look
like numbers with one, so every mismatch found here either stops with an :class:`EvaluationError` naming both
sides and the fix, or is recorded as a warning string that the metrics carry and the CLI prints.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from marketguard.errors import MarketguardError

__all__ = [
    "MIN_MATCH",
    "EvaluationError",
    "Results",
    "check_truth",
    "dataset_warning",
    "match_results",
    "match_stores",
    "read_results",
    "require_match",
    "scan_learning",
]

#: Below this share of the truth's (or labels') stores found in the results, with the same owner account when
#: both sides know it, ``evaluate`` refuses to compute metrics. Ids from another dataset overlap only by chance
#: (near 0; simulated datasets reuse store ids, but their owners differ), while the same dataset loses stores
#: only to quarantine, normally a few percent: one half leaves a wide margin on both sides, and mirrors the
#: contract's ``STRUCTURAL_SHARE``, past which a column is taken to be wrong rather than dirty.
MIN_MATCH = 0.5
N_EXAMPLES = 3
SCAN_HINT = "pass the directory written by `marketguard scan DATASET --out RESULTS`"


class EvaluationError(MarketguardError, ValueError):
    """The results, truth or labels cannot be compared: wrong directory, or another dataset's ids."""


@dataclass
class Results:
    """A scan's results directory, read once: store scores, the manifest (None when absent), warnings so far."""

    path: Path
    store_scores: pa.Table
    manifest: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return (self.path / f"{name}.parquet").is_file()

    def read(self, name: str, columns: Sequence[str] | None = None) -> pa.Table:
        """Result ``name``, with those of ``columns`` it has (all when None)."""
        path = self.path / f"{name}.parquet"
        if columns is not None:
            present = set(pq.read_schema(path).names)
            columns = [c for c in columns if c in present]
        return pq.read_table(path, columns=columns)


def _is_dataset(path: Path) -> bool:
    return any((path / f"{t}.{ext}").is_file() for t in ("stores", "accounts") for ext in ("parquet", "csv"))


def read_results(results: Path | str) -> Results:
    """Read ``results/store_scores.parquet`` and ``manifest.json``, or say what was passed instead.

    A missing manifest alone is a warning, not an error: the scores can still be ranked, but neither the
    dataset check nor the supervised-scan note can be made.
    """
    path = Path(results)
    if not path.is_dir():
        raise EvaluationError(f"RESULTS {path} is not a directory: {SCAN_HINT}")
    scores, manifest = path / "store_scores.parquet", path / "manifest.json"
    if not scores.is_file():
        missing = (
            "store_scores.parquet is" if manifest.is_file() else "store_scores.parquet and manifest.json are"
        )
        looks = (
            f"; {path} looks like a dataset (it has a stores table): scan it first"
            if _is_dataset(path)
            else ""
        )
        raise EvaluationError(
            f"{path} is not a scan's results directory: {missing} missing{looks}. {SCAN_HINT}"
        )
    names = set(pq.read_schema(scores).names)
    lacking = [c for c in ("store_id", "score") if c not in names]
    if lacking:
        raise EvaluationError(
            f"{scores} has no {' or '.join(lacking)} column: it was not written by a marketguard scan. {SCAN_HINT}"
        )
    wanted = [c for c in ("store_id", "account_id", "score", "network_id") if c in names]
    out = Results(path, pq.read_table(scores, columns=wanted), None)
    if manifest.is_file():
        out.manifest = json.loads(manifest.read_text(encoding="utf-8"))
    else:
        out.warnings.append(
            f"{path} has no manifest.json: cannot check which dataset was scanned or whether it learned from labels"
        )
    return out


def check_truth(truth: Path | str) -> Path:
    """``truth`` as the simulator's truth directory, or an error saying what it looks like instead."""
    path = Path(truth)
    stores = path / "stores.parquet"
    labels = (
        f"evaluate against the dataset's labels instead (labels={path}; --labels {path} on the command line)"
    )
    if (path / "truth").is_dir():
        dataset_hint = f"{path} looks like a dataset: pass {path / 'truth'} as the truth, or {labels}"
    else:
        dataset_hint = f"{path} looks like a dataset, and only simulated datasets have a truth: {labels}"
    if not path.is_dir():
        raise EvaluationError(
            f"truth {path} is not a directory: pass the simulator's DATASET/truth directory"
        )
    if (path / "truth").is_dir():
        raise EvaluationError(dataset_hint)
    if not stores.is_file():
        hint = dataset_hint if _is_dataset(path) else "pass the simulator's DATASET/truth directory"
        raise EvaluationError(f"{path} has no stores.parquet: {hint}")
    names = set(pq.read_schema(stores).names)
    if "is_counterfeit" not in names:
        raise EvaluationError(f"{stores} has no is_counterfeit column. {dataset_hint}")
    lacking = [c for c in ("store_id", "operator_id", "operator_kind") if c not in names]
    if lacking:
        raise EvaluationError(
            f"{stores} lacks {', '.join(lacking)}: it is not the simulator's truth (simulate again to write it)"
        )
    return path


def _examples(ids: pa.Array) -> str:
    return ", ".join(str(v) for v in ids.slice(0, N_EXAMPLES).to_pylist())


def match_stores(
    results: Results,
    stores: pa.Table,
    what: str,
    owners: pa.Table | None = None,
    question: str | None = None,
) -> dict[str, int]:
    """Check that the store ids of ``what`` (the truth, the labels) are the results' stores.

    A store matches when its id is in the results and, when ``owners`` (``store_id, account_id`` of the
    dataset the truth or labels belong to) and the results both know its owner account, with the same owner:
    simulated datasets reuse store ids, so the id alone cannot tell two of them apart. Below
    :data:`MIN_MATCH` of the stores matching raises (``question`` ends the message); any shortfall adds a
    warning to ``results``.

    Returns
    -------
    ``n_stores``, ``n_missing`` (not in the results) and ``n_other_owner`` (in the results with another owner).
    """
    ids = pc.unique(stores.column("store_id").combine_chunks().drop_null())
    found = pc.is_in(ids, value_set=results.store_scores.column("store_id").combine_chunks())
    n, n_found = len(ids), int(pc.sum(found).as_py() or 0)
    compare = owners is not None and "account_id" in results.store_scores.column_names
    n_other = _other_owners(results, owners, ids) if compare and owners is not None else 0
    n_match = n_found - n_other
    absent = ids.filter(pc.invert(found))
    require_match(results, what, "stores", n, n_match, absent, compare, n_other, question)
    if n_match < n:
        parts = [f"{n - n_found:,} missing from the results"] if n_found < n else []
        parts += [f"{n_other:,} with another owner account"] if n_other else []
        results.warnings.append(
            f"{n - n_match:,} of the {n:,} stores in {what} are not comparable ({'; '.join(parts)}): "
            "quarantined by the scan, or the results come from another version of the dataset"
        )
    return {"n_stores": n, "n_missing": n - n_found, "n_other_owner": n_other}


def _other_owners(results: Results, owners: pa.Table, ids: pa.Array) -> int:
    """Stores of ``ids`` that the results hold under another owner account than ``owners`` says."""
    mine = owners.filter(pc.is_in(owners.column("store_id"), value_set=ids))
    pairs = mine.select(["store_id", "account_id"]).join(
        results.store_scores.select(["store_id", "account_id"]),
        "store_id",
        join_type="inner",
        right_suffix="_results",
    )
    differ = pc.fill_null(pc.not_equal(pairs.column("account_id"), pairs.column("account_id_results")), False)
    return int(pc.sum(differ).as_py() or 0)


def require_match(
    results: Results,
    what: str,
    entity: str,
    n: int,
    n_match: int,
    absent: pa.Array,
    owner_checked: bool = False,
    n_other: int = 0,
    question: str | None = None,
) -> None:
    """Raise when fewer than :data:`MIN_MATCH` of the ``n`` ``entity`` of ``what`` match the results, naming
    both counts and example ids absent from the results."""
    if not n or n_match >= MIN_MATCH * n:
        return
    same = " with the same owner account" if owner_checked else ""
    details = [f"{n_other:,} more appear with another owner"] if n_other else []
    if len(absent):
        details.append(f"e.g. {_examples(absent)} are not there" + (" at all" if n_other else ""))
    shown = f" ({'; '.join(details)})" if details else ""
    question = question or f"is {what} from another dataset? Evaluate a scan of the dataset {what} belongs to"
    raise EvaluationError(
        f"{n_match:,} of the {n:,} {entity} in {what} appear in the results {results.path}{same}{shown}: {question}"
    )


def match_results(results: Results, ids: pa.Array, what: str) -> int:
    """Results stores absent from ``what``, which lists every store of its dataset (the simulator's truth): the
    results of a scan of that dataset hold a subset of them, so many absent stores mean another dataset.

    Raises below :data:`MIN_MATCH` of the results' stores present; returns how many are absent (warned)."""
    scored = results.store_scores.column("store_id").combine_chunks()
    absent = scored.filter(pc.invert(pc.is_in(scored, value_set=ids)))
    n, n_absent = len(scored), len(absent)
    if n and n - n_absent < MIN_MATCH * n:
        raise EvaluationError(
            f"{n - n_absent:,} of the {n:,} stores in the results {results.path} appear in {what} "
            f"(e.g. {_examples(absent)} do not): is {what} from another dataset? "
            f"Evaluate against the truth of the dataset that was scanned"
        )
    if n_absent:
        results.warnings.append(
            f"{n_absent:,} of the {n:,} stores in the results are not in {what} (e.g. {_examples(absent)}): "
            "the results come from another version of the dataset"
        )
    return n_absent


def dataset_warning(results: Results, dataset: Path | None, what: str) -> None:
    """Warn when the manifest's scanned dataset and the dataset of ``what`` are two existing, different paths."""
    if results.manifest is None or dataset is None or not results.manifest.get("dataset"):
        return
    scanned = Path(results.manifest["dataset"])
    if not (scanned.exists() and dataset.exists()) or os.path.samefile(scanned, dataset):
        return
    results.warnings.append(
        f"the results are a scan of {scanned}, but {what} belongs to {dataset}: check that they are the same data"
    )


#: Stage notes of the manifest that say how each entity was scored, and the entity's name in the metrics.
SCORING_STAGES = {"stores": "score_stores", "reviews": "score_reviews", "declarations": "screen_declarations"}


def scan_learning(manifest: dict[str, Any] | None) -> dict[str, Any]:
    """How the scan scored each entity (``supervised``, ``saved``, ``unsupervised`` or ``unknown``), and whether
    its input had labels, read from the stage notes of ``manifest.json``."""
    modes = dict.fromkeys(SCORING_STAGES, "unknown")
    labels_read = None
    if manifest is not None:
        notes = {s["name"]: s.get("notes") or [] for s in manifest.get("stages", [])}
        for entity, stage in SCORING_STAGES.items():
            first = (notes.get(stage) or [""])[0].split(" ", 1)[0]
            if first in ("supervised", "saved", "unsupervised"):
                modes[entity] = first
        inputs = manifest.get("inputs", {})
        labels_read = bool(inputs.get("labels", {}).get("rows_accepted", 0))
    return {"modes": modes, "labels_in_scan": labels_read}
