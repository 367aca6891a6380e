"""Where the linker's evidence around a store leads: to stores labelled counterfeit, or legitimate.

The labels table holds the few stores an investigator or a brand already decided. A store tied to one of them by
the linker's evidence (the same owner account, pooled money, shared ship-from sites, copied listings, an office)
inherits some of that decision even with a custom template and fair prices, and even when the tie crosses the
line between two operator networks (a strong pair the clustering split) or the store's owner is in no network
(two stores of one account). The identity signal ``network_counterfeit_stores`` counts labelled mates inside one
network; this follows the evidence itself, weighted by its strength, over several steps and across networks:
label propagation over the evidence graph (:mod:`marketguard.graph.absorbing_walk`), every labelled store's own
label left out.

The labels read are the store risk model's: known by the data's "now", and without the takedowns of stores that
look like genuine importers (:mod:`marketguard.detect.grey_market`), which would carry a brand's channel dispute
to the importer's sister stores as if it were counterfeiting.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from marketguard.engine.tables import Tables
from marketguard.features.signals.propagated import SIGNALS
from marketguard.graph.absorbing_walk import absorption, leave_one_out

__all__ = ["NO_TIE", "PAIRS", "SIGNALS", "label_reach", "store_ties"]

#: The linker's strong account pairs with their strengths (kept after its fit, across networks too).
PAIRS = "account_pairs"
#: The weight of every store's tie to "no evidence": one certain tie's worth, so one pair of strength 0.5 to a
#: labelled store gives 1/3, not 1 (a single weak tie is not a certainty), and many strong ties nearly 1.
NO_TIE = 1.0
#: The weight of the tie between two stores of one owner account: the same owner, certain.
SAME_OWNER = 1.0


def label_reach(tables: Tables, owners: pa.Array, y: np.ndarray) -> dict[str, np.ndarray]:
    """Per store (``owners``: the owner account of each store row; ``y``: its label, 1 / 0 / NaN): the two
    :data:`SIGNALS`. Reads :data:`PAIRS`, which the operator linker leaves."""
    ties = store_ties(tables, owners)
    labelled = ~np.isnan(y)
    reached = absorption(ties, labelled, leak=NO_TIE)
    known = y[labelled]
    return {
        SIGNALS[0].name: leave_one_out(reached, labelled, (known == 1).astype(np.float64)),
        SIGNALS[1].name: leave_one_out(reached, labelled, (known == 0).astype(np.float64)),
    }


def store_ties(tables: Tables, owners: pa.Array) -> sp.csr_matrix:
    """The symmetric store-by-store weights: the strength of the owners' strong pair, :data:`SAME_OWNER` between
    two stores of one account."""
    n = len(owners)
    pairs = tables.fetch(
        f"SELECT account_a, account_b, strength FROM {PAIRS} ORDER BY account_a, account_b",
        "fetch account pairs",
    )
    stores = pa.table({"account": owners, "row": pa.array(np.arange(n, dtype=np.int64))})
    tied = pairs.join(stores.rename_columns(["account_a", "row_a"]), "account_a", join_type="inner").join(
        stores.rename_columns(["account_b", "row_b"]), "account_b", join_type="inner"
    )
    same = stores.join(stores.rename_columns(["account", "other"]), "account", join_type="inner")
    same = same.filter(pc.not_equal(same.column("row"), same.column("other")))
    rows = np.concatenate([_ints(tied, "row_a"), _ints(tied, "row_b"), _ints(same, "row")])
    cols = np.concatenate([_ints(tied, "row_b"), _ints(tied, "row_a"), _ints(same, "other")])
    strength = tied.column("strength").to_numpy().astype(np.float64)
    weights = np.concatenate([strength, strength, np.full(same.num_rows, SAME_OWNER)])
    matrix = sp.csr_matrix((weights, (rows, cols)), shape=(n, n))
    matrix.sum_duplicates()
    matrix.sort_indices()
    return matrix


def _ints(table: pa.Table, name: str) -> np.ndarray:
    return table.column(name).to_numpy().astype(np.int64)
