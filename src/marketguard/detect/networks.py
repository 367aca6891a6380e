"""Naming networks: which account groups are reported, and under which stable id."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def empty_assignments() -> pa.Table:
    return pa.table({"account_id": pa.array([], pa.string()), "network_id": pa.array([], pa.string())})


GROUP_SCHEMA = pa.schema([("account_id", pa.string()), ("group_id", pa.string()), ("n_accounts", pa.int64())])


def environment_groups(account_ids: pa.Array, labels: np.ndarray) -> pa.Table:
    """``account_id, group_id, n_accounts`` for every group of at least two linked accounts, store or not: the
    networks plus the store-less groups (review farms, households) that other detectors read. A group is named
    ``G-<smallest account id>``, as networks are."""
    if len(account_ids) == 0:
        return GROUP_SCHEMA.empty_table()
    sizes = np.bincount(labels)
    keep = sizes[labels] >= 2
    table = pa.table({"account_id": account_ids, "label": labels}).filter(pa.array(keep))
    first = table.group_by("label").aggregate([("account_id", "min"), ("account_id", "count")])
    lookup = pa.table(
        {
            "label": first.column("label"),
            "group_id": pc.binary_join_element_wise("G-", first.column("account_id_min"), ""),
            "n_accounts": first.column("account_id_count").cast(pa.int64()),
        }
    )
    joined = table.join(lookup, "label").select(["account_id", "group_id", "n_accounts"])
    return joined.sort_by([("group_id", "ascending"), ("account_id", "ascending")]).cast(GROUP_SCHEMA)


def assign_networks(account_ids: pa.Array, labels: np.ndarray, store_owners: pa.ChunkedArray) -> pa.Table:
    """``account_id, network_id`` for groups (accounts sharing a label) of at least two accounts including a
    store owner. A network is named ``N-<smallest account id>``: stable across runs and engines, and unchanged
    when unrelated parts of the marketplace change."""
    if len(account_ids) == 0:
        return empty_assignments()
    is_owner = pc.is_in(account_ids, value_set=store_owners.combine_chunks()).to_numpy(zero_copy_only=False)
    sizes = np.bincount(labels)
    has_store = np.bincount(labels, weights=is_owner.astype(np.float64), minlength=sizes.size) > 0
    keep = (sizes[labels] >= 2) & has_store[labels]
    table = pa.table({"account_id": account_ids, "label": labels}).filter(pa.array(keep))
    if table.num_rows == 0:
        return empty_assignments()
    first = table.group_by("label").aggregate([("account_id", "min")])
    names = pc.binary_join_element_wise("N-", first.column("account_id_min"), "")
    lookup = pa.table({"label": first.column("label"), "network_id": names})
    joined = table.join(lookup, "label").select(["account_id", "network_id"])
    return joined.sort_by([("network_id", "ascending"), ("account_id", "ascending")])


def strongest_link(links: pa.Table, strength: str) -> pa.Table:
    """``account_id, score``: per account in a link, the strongest of its links (column ``strength``)."""
    both = pa.concat_tables(
        [
            links.select(["account_a", strength]).rename_columns(["account_id", "score"]),
            links.select(["account_b", strength]).rename_columns(["account_id", "score"]),
        ]
    )
    best = both.group_by("account_id").aggregate([("score", "max")])
    return best.rename_columns(["account_id", "score"]).sort_by("account_id")
