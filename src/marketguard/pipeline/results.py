"""The results contract: names, columns and types of every table a scan writes, the same on every engine.

Downstream tools (reports, API, console) read these tables, never the raw inputs. A table's schema lives with
the code that makes it (``trace.sites``, ``trace.money``, ``detect.review_rings``); this module gathers them.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from marketguard.detect.review_rings import RING_SCHEMA
from marketguard.detect.ring_clients import RING_NETWORK_SCHEMA
from marketguard.detect.store_risk import FLAGGED
from marketguard.features.networks import SHARED_COUNTS, SHARED_WORDS
from marketguard.trace.money import MONEY_SCHEMA
from marketguard.trace.sites import SITES_SCHEMA

__all__ = [
    "FLAGGED_SCORE",
    "NETWORK_SHARED_WORDS",
    "OPTIONAL_RESULTS",
    "RESULT_SCHEMAS",
    "conform",
    "write_result",
]

#: A store or network scoring this or more is flagged (store scores are calibrated probabilities; a network's
#: score is mostly its riskiest stores'): what reports call high risk.
FLAGGED_SCORE = FLAGGED

_TS = pa.timestamp("us", tz="UTC")
_REASONS = pa.list_(pa.string())

#: How each shared-artifact count of ``networks`` reads in a sentence, strongest evidence first (reports read
#: it here, with the rest of the results contract).
NETWORK_SHARED_WORDS = SHARED_WORDS

RESULT_SCHEMAS: dict[str, pa.Schema] = {
    "store_scores": pa.schema(
        [
            ("store_id", pa.string()),
            ("account_id", pa.string()),
            ("score", pa.float64()),
            ("rank", pa.int64()),
            ("network_id", pa.string()),
            ("reasons", _REASONS),
        ]
    ),
    "networks": pa.schema(
        [
            ("network_id", pa.string()),
            ("n_accounts", pa.int64()),
            ("n_stores", pa.int64()),
            ("n_id_documents", pa.int64()),
            ("score", pa.float64()),
            ("revenue", pa.float64()),
            ("currency", pa.string()),
            ("n_orders", pa.int64()),
            ("revenue_window", pa.float64()),
            ("n_orders_window", pa.int64()),
            ("window_days", pa.int64()),
            ("window_end", _TS),
            ("first_seen", _TS),
            ("last_seen", _TS),
            *[(col, pa.int64()) for col in SHARED_COUNTS.values()],
            ("reasons", _REASONS),
        ]
    ),
    "links": pa.schema(
        [
            ("account_a", pa.string()),
            ("account_b", pa.string()),
            ("network_id", pa.string()),
            ("kind", pa.string()),
            ("artifact", pa.string()),
            ("weight", pa.float64()),
            ("n_sharing", pa.int64()),
            ("n_events", pa.int64()),
            ("first_seen", _TS),
            ("last_seen", _TS),
            ("pair_strength", pa.float64()),
        ]
    ),
    "review_scores": pa.schema(
        [
            ("review_id", pa.string()),
            ("score", pa.float64()),
            ("rank", pa.int64()),
            ("ring_id", pa.string()),
            ("reasons", _REASONS),
        ]
    ),
    "reviewer_scores": pa.schema(
        [
            ("account_id", pa.string()),
            ("score", pa.float64()),
            ("n_reviews", pa.int64()),
            ("ring_id", pa.string()),
            ("ring_density", pa.float64()),
        ]
    ),
    "review_rings": RING_SCHEMA,
    "ring_networks": RING_NETWORK_SCHEMA,
    "sites": SITES_SCHEMA,
    "money": MONEY_SCHEMA,
    "declaration_scores": pa.schema(
        [
            ("declaration_id", pa.string()),
            ("score", pa.float64()),
            ("rank", pa.int64()),
            ("network_id", pa.string()),
            ("reasons", _REASONS),
        ]
    ),
    "network_brands": pa.schema(
        [
            ("network_id", pa.string()),
            ("brand", pa.string()),
            ("n_listings", pa.int64()),
            ("n_stores", pa.int64()),
            ("n_authorized_stores", pa.int64()),
        ]
    ),
    "network_listings": pa.schema(
        [
            ("network_id", pa.string()),
            ("store_id", pa.string()),
            ("listing_id", pa.string()),
            ("brand", pa.string()),
            ("title", pa.string()),
            ("price", pa.float64()),
            ("currency", pa.string()),
            ("reference_price", pa.float64()),
            ("price_ratio", pa.float64()),
            ("authorized", pa.bool_()),
            ("listed_at", _TS),
        ]
    ),
    "network_revenue": pa.schema(
        [
            ("network_id", pa.string()),
            ("month", pa.string()),
            ("revenue", pa.float64()),
            ("currency", pa.string()),
            ("n_orders", pa.int64()),
            ("units", pa.int64()),
        ]
    ),
}

#: Results written only when the scan's input allows (e.g. review scores need reviews).
OPTIONAL_RESULTS = (
    "review_scores",
    "reviewer_scores",
    "review_rings",
    "ring_networks",
    "sites",
    "money",
    "network_revenue",
    "network_brands",
    "network_listings",
    "declaration_scores",
)


def conform(name: str, table: pa.Table) -> pa.Table:
    """Select and cast ``table`` to the documented schema of result ``name``."""
    schema = RESULT_SCHEMAS[name]
    return table.select(schema.names).cast(schema)


def write_result(out: Path, name: str, table: pa.Table) -> int:
    """Write one result table as ``out/<name>.parquet``; returns its row count."""
    conformed = conform(name, table)
    pq.write_table(conformed, out / f"{name}.parquet")
    return conformed.num_rows
