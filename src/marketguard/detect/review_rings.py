"""Review rings: dense blocks of the review graph, and groups of linked accounts that review together.

Reviews are edges of a bipartite graph, reviewer x (store, time bucket) when listings say which store a listing
belongs to, else reviewer x (listing, time bucket): a farm's campaign is a burst of reviews on one client's
listings, so the bucket keeps two farms that served the same store in different weeks apart and is what makes
the graph time-aware. Each edge weighs Fraudar's camouflage-resistant ``1 / log(degree + 5)`` times
``1 + log(1 + burst excess)`` (how far the listing's pace around the review exceeds its usual pace). Greedy
peeling (:func:`~marketguard.graph.dense_blocks.dense_blocks`) finds dense blocks round after round; a block is
a ring when it has between ``min_reviewers`` and ``max_reviewers`` reviewers and both sides co-review (at least
two reviews per reviewer and per column inside), which rejects the large, loose blocks peeling ends with on
honest traffic. Rings are numbered densest first.

A second kind of ring needs no co-reviewing: ``min_environment_reviewers`` reviewers from one group of accounts
the operator linker tied together by shared devices, Wi-Fi or identities (``environment_groups``; a farm's phone
racks), which catches farms that spread their reviews one per store, and the camouflage reviews of every farm
account.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.engine.base import Step
from marketguard.engine.tables import Tables
from marketguard.features.review_signals import RATING
from marketguard.features.signals.catalogue import US_PER_DAY
from marketguard.graph.dense_blocks import column_weights, dense_blocks

__all__ = ["DENSE_BLOCK", "RING_SCHEMA", "SHARED_ENVIRONMENT", "RingSettings", "find_rings"]

RING_SCHEMA = pa.schema(
    [
        ("ring_id", pa.string()),
        ("density", pa.float64()),
        ("n_reviewers", pa.int64()),
        ("n_targets", pa.int64()),
        ("n_reviews", pa.int64()),
        ("evidence", pa.string()),
    ]
)

#: What a ring was found from: a dense block of the review graph, or a group of linked accounts (shared
#: devices, Wi-Fi, identities: :class:`~marketguard.detect.operator_linking.OperatorLinker`'s
#: ``environment_groups``) writing reviews.
DENSE_BLOCK, SHARED_ENVIRONMENT = "dense_block", "shared_environment"


@dataclass(frozen=True)
class RingSettings:
    """The ring search's parameters (the review fraud detector's, by the same names)."""

    n_rounds: int = 60
    min_reviewers: int = 3
    max_reviewers: int = 1000
    min_environment_reviewers: int = 5
    bucket_days: int = 7


@dataclass
class _Rings:
    """Rings as they are found: each edge's and each reviewer's ring (-1: none) and one tuple per ring
    (density, reviewers, targets, reviews, evidence)."""

    of_review: np.ndarray
    of_reviewer: np.ndarray
    kept: list[tuple[float, int, int, int, str]] = field(default_factory=list)


def find_rings(tables: Tables, settings: RingSettings) -> pa.Table:
    """The rings (:data:`RING_SCHEMA`), densest dense blocks first, then environment rings; registers
    ``review_rings`` (review_id, ring_id, ring_density) and ``reviewer_rings`` (account_id, ring_id,
    ring_density)."""
    edges = _ring_edges(tables, settings.bucket_days)
    rows = edges.column("r").to_numpy().astype(np.int64)
    cols = edges.column("c").to_numpy().astype(np.int64)
    n_rows = int(rows.max()) + 1 if rows.size else 0
    n_cols = int(cols.max()) + 1 if cols.size else 0
    burst = np.nan_to_num(edges.column("listing_burst").to_numpy(zero_copy_only=False).astype(np.float64))
    weights = column_weights(cols, n_cols) * (1.0 + np.log1p(np.maximum(burst - 1.0, 0.0)))
    rings = _Rings(np.full(rows.size, -1, dtype=np.int64), np.full(n_rows, -1, dtype=np.int64))
    _add_dense_rings(rows, cols, n_rows, n_cols, weights, settings, rings)
    group_codes = pc.dictionary_encode(edges.column("group_id").combine_chunks()).indices
    group_of = pc.fill_null(group_codes, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    _add_environment_rings(rows, cols, group_of, weights, settings, rings)
    return _register(tables, edges, rows, rings)


def _ring_edges(tables: Tables, bucket_days: int) -> pa.Table:
    """One row per review: its reviewer's code ``r``, its (target, time bucket) column ``c``, the listing's
    burst around it and the reviewer's environment group, in review_id order."""
    tables.run(Step(RATING.step_name, RATING.sql(tables)))
    by_store = tables.has("listings")
    target = "l.store_id" if by_store else "rv.listing_id"
    joined = "JOIN listings l ON rv.listing_id = l.listing_id" if by_store else ""
    bucket = bucket_days * US_PER_DAY
    linked = tables.backend.table_exists("environment_groups")
    group = "g.group_id" if linked else "CAST(NULL AS VARCHAR)"
    groups = "LEFT JOIN environment_groups g ON rv.reviewer_account_id = g.account_id" if linked else ""
    return tables.fetch(
        "WITH e AS (SELECT rv.review_id, rv.reviewer_account_id AS account_id, "
        f"{target} AS target, epoch_us(rv.ts) // {bucket} AS bucket, b.listing_burst, {group} AS group_id "
        f"FROM reviews rv {joined} JOIN {RATING.step_name} b ON rv.review_id = b.review_id {groups}) "
        "SELECT review_id, account_id, dense_rank() OVER (ORDER BY account_id) - 1 AS r, "
        "dense_rank() OVER (ORDER BY target, bucket) - 1 AS c, listing_burst, group_id FROM e "
        "ORDER BY review_id",
        "review ring edges",
    )


def _add_dense_rings(
    rows: np.ndarray,
    cols: np.ndarray,
    n_rows: int,
    n_cols: int,
    weights: np.ndarray,
    settings: RingSettings,
    rings: _Rings,
) -> None:
    """Dense blocks that co-review and are not too large become rings, densest first; a review or reviewer
    already in a denser ring stays there."""
    if rows.size == 0:
        return
    blocks = dense_blocks(
        rows,
        cols,
        n_rows,
        n_cols,
        weights=weights,
        n_blocks=settings.n_rounds,
        min_rows=settings.min_reviewers,
    )
    for block in blocks:  # densest first
        inside = block.edges[rings.of_review[block.edges] < 0]
        n_edges = int(inside.size)
        if (
            block.rows.size > settings.max_reviewers
            or n_edges < 2 * block.rows.size
            or n_edges < 2 * block.cols.size
        ):
            continue
        ring = len(rings.kept)
        rings.of_review[inside] = ring
        fresh = block.rows[rings.of_reviewer[block.rows] < 0]
        rings.of_reviewer[fresh] = ring
        rings.kept.append((block.density, int(block.rows.size), int(block.cols.size), n_edges, DENSE_BLOCK))


def _add_environment_rings(
    rows: np.ndarray,
    cols: np.ndarray,
    group_of: np.ndarray,
    weights: np.ndarray,
    settings: RingSettings,
    rings: _Rings,
) -> None:
    """Rings from environment groups (after the dense blocks, which keep their reviews and reviewers): a
    group adds a ring when at least ``min_reviewers`` of its reviewers are in no ring yet."""
    for members in _environment_groups(rows, cols, group_of, weights, settings):
        fresh = np.unique(rows[members])
        fresh = fresh[rings.of_reviewer[fresh] < 0]
        if fresh.size < settings.min_reviewers:
            continue  # already told by dense blocks
        inside = members[rings.of_review[members] < 0]
        ring = len(rings.kept)
        rings.of_review[inside] = ring
        rings.of_reviewer[fresh] = ring
        n_reviewers, n_targets = np.unique(rows[members]).size, np.unique(cols[members]).size
        density = float(weights[members].sum()) / (n_reviewers + n_targets)
        rings.kept.append((density, n_reviewers, n_targets, int(inside.size), SHARED_ENVIRONMENT))


def _environment_groups(
    rows: np.ndarray, cols: np.ndarray, group_of: np.ndarray, weights: np.ndarray, settings: RingSettings
) -> list[np.ndarray]:
    """Edge indices of each environment group with ``min_environment_reviewers`` to ``max_reviewers``
    reviewers, densest group first (density as Fraudar's: edge weight over reviewers plus columns)."""
    grouped = np.flatnonzero(group_of >= 0)
    if grouped.size == 0:
        return []
    n_groups = int(group_of.max()) + 1
    pairs = np.unique(np.column_stack([group_of[grouped], rows[grouped]]), axis=0)
    reviewers = np.bincount(pairs[:, 0], minlength=n_groups)
    eligible = (reviewers >= settings.min_environment_reviewers) & (reviewers <= settings.max_reviewers)
    chosen = grouped[eligible[group_of[grouped]]]
    if chosen.size == 0:
        return []
    order = chosen[np.argsort(group_of[chosen], kind="stable")]
    starts = np.flatnonzero(np.diff(group_of[order], prepend=-1))
    members = np.split(order, starts[1:])
    density = [float(weights[m].sum()) / (np.unique(rows[m]).size + np.unique(cols[m]).size) for m in members]
    return [members[i] for i in np.argsort(-np.array(density), kind="stable")]


def _register(tables: Tables, edges: pa.Table, rows: np.ndarray, rings: _Rings) -> pa.Table:
    """Number the rings, register who is in which, and return the rings table."""
    kept = rings.kept
    ids = np.array([f"ring_{i + 1:04d}" for i in range(len(kept))], dtype=object)
    density = np.array([k[0] for k in kept], dtype=np.float64)
    member = np.flatnonzero(rings.of_review >= 0)
    tables.backend.register_arrow(
        "review_rings",
        pa.table(
            {
                "review_id": edges.column("review_id").take(pa.array(member)),
                "ring_id": pa.array(ids[rings.of_review[member]].tolist(), pa.string()),
                "ring_density": pa.array(density[rings.of_review[member]]),
            }
        ),
    )
    first = np.unique(rows, return_index=True)[1]  # one edge per reviewer, to read its account id
    accounts = edges.column("account_id").take(pa.array(first))
    in_ring = rings.of_reviewer[rows[first]]
    chosen = np.flatnonzero(in_ring >= 0)
    tables.backend.register_arrow(
        "reviewer_rings",
        pa.table(
            {
                "account_id": accounts.take(pa.array(chosen)),
                "ring_id": pa.array(ids[in_ring[chosen]].tolist(), pa.string()),
                "ring_density": pa.array(density[in_ring[chosen]]),
            }
        ),
    )
    return pa.table(
        {
            "ring_id": pa.array(ids.tolist(), pa.string()),
            "density": pa.array(density),
            "n_reviewers": pa.array([k[1] for k in kept], pa.int64()),
            "n_targets": pa.array([k[2] for k in kept], pa.int64()),
            "n_reviews": pa.array([k[3] for k in kept], pa.int64()),
            "evidence": pa.array([k[4] for k in kept], pa.string()),
        },
        schema=RING_SCHEMA,
    )
