"""Naming networks: which account groups are reported, and under which stable id.

A network (or group) is named after its **earliest-created account** (``accounts.created_at``; ties and
accounts without a creation time: the smallest id): ``N-<account id>``. An operator grows a network with new
accounts, which are created after the namesake, so the name survives growth (a name after the smallest id
changes whenever a joining account's id sorts first, which random or reissued ids do at any time). A merge of
two networks keeps the older one's name; a bought, years-old account that joins renames it, as a merge would.
Between scans, cases follow networks by their stores (``cases.matching``), whatever they are named.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

#: Creation time of an account the accounts table does not date: after every dated one.
UNDATED = np.iinfo(np.int64).max

#: The SQL giving :func:`assign_networks` its ``created`` table.
CREATED_SQL = "SELECT account_id, epoch_us(created_at) AS created_us FROM accounts"


def empty_assignments() -> pa.Table:
    return pa.table({"account_id": pa.array([], pa.string()), "network_id": pa.array([], pa.string())})


GROUP_SCHEMA = pa.schema([("account_id", pa.string()), ("group_id", pa.string()), ("n_accounts", pa.int64())])


def namesakes(table: pa.Table, created: pa.Table) -> pa.Table:
    """``label, first, n``: per label of ``table`` (``account_id, label``), its earliest-created account (the
    module's rule; ``created``: ``account_id, created_us``) and its number of accounts."""
    at = pc.index_in(table.column("account_id"), value_set=created.column("account_id"))
    when = pc.fill_null(created.column("created_us").take(at), UNDATED)
    ordered = table.append_column("created_us", when).sort_by(
        [("label", "ascending"), ("created_us", "ascending"), ("account_id", "ascending")]
    )
    labels = ordered.column("label").to_numpy()
    starts = np.flatnonzero(np.r_[True, labels[1:] != labels[:-1]]) if len(labels) else np.array([], np.int64)
    counts = np.diff(np.r_[starts, len(labels)])
    return pa.table(
        {
            "label": ordered.column("label").take(starts),
            "first": ordered.column("account_id").take(starts),
            "n": pa.array(counts, pa.int64()),
        }
    )


def environment_groups(account_ids: pa.Array, labels: np.ndarray, created: pa.Table) -> pa.Table:
    """``account_id, group_id, n_accounts`` for every group of at least two linked accounts, store or not: the
    networks plus the store-less groups (review farms, households) that other detectors read. A group is named
    ``G-<earliest-created account>``, as networks are."""
    if len(account_ids) == 0:
        return GROUP_SCHEMA.empty_table()
    sizes = np.bincount(labels)
    keep = sizes[labels] >= 2
    table = pa.table({"account_id": account_ids, "label": labels}).filter(pa.array(keep))
    first = namesakes(table, created)
    lookup = pa.table(
        {
            "label": first.column("label"),
            "group_id": pc.binary_join_element_wise("G-", first.column("first"), ""),
            "n_accounts": first.column("n"),
        }
    )
    joined = table.join(lookup, "label").select(["account_id", "group_id", "n_accounts"])
    return joined.sort_by([("group_id", "ascending"), ("account_id", "ascending")]).cast(GROUP_SCHEMA)


def assign_networks(
    account_ids: pa.Array, labels: np.ndarray, store_owners: pa.ChunkedArray, created: pa.Table
) -> pa.Table:
    """``account_id, network_id`` for groups (accounts sharing a label) of at least two accounts including a
    store owner. A network is named ``N-<earliest-created account>`` (the module's rule): the same across runs
    and engines, unchanged when unrelated parts of the marketplace change or when a new account joins it."""
    if len(account_ids) == 0:
        return empty_assignments()
    is_owner = pc.is_in(account_ids, value_set=store_owners.combine_chunks()).to_numpy(zero_copy_only=False)
    sizes = np.bincount(labels)
    has_store = np.bincount(labels, weights=is_owner.astype(np.float64), minlength=sizes.size) > 0
    keep = (sizes[labels] >= 2) & has_store[labels]
    table = pa.table({"account_id": account_ids, "label": labels}).filter(pa.array(keep))
    if table.num_rows == 0:
        return empty_assignments()
    first = namesakes(table, created)
    names = pc.binary_join_element_wise("N-", first.column("first"), "")
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
