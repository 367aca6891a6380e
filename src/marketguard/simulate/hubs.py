"""Hubs of the ground truth (``truth/hubs``): identifiers that honest and counterfeit sellers share by design.

A hub is a third party serving many unrelated sellers: a 3PL or bonded warehouse (its address and sender phones on
parcels), a freight forwarder (its desk phone and warehouse address on declarations), a residential-proxy exit (a
household's home IP in logins), a big importer receiving many exporters' goods (its name as consignee). Linking
through a hub merges strangers; the truth lists every identifier of every hub, one row each, so that an evaluation
can tell a merge through a hub from a real link.

Columns: ``hub_id`` (``3pl_0003`` or ``bonded_0002`` as in ``truth/sites``, ``fwd_0001``, ``exit_000042``,
``imp_0007``), ``kind`` (``3pl_warehouse``, ``bonded_warehouse``, ``freight_forwarder``, ``proxy_exit``,
``shared_importer``), ``field`` (the contract
column the identifier appears in, one of :data:`HUB_FIELDS`) and ``value`` (the identifier as written there).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa

from .ids import take_strings

__all__ = ["HUB_FIELDS", "hub_rows", "warehouse_rows"]

#: Contract columns in which a hub's identifiers appear.
HUB_FIELDS = (
    "shipments.origin_address",
    "shipments.sender_phone",
    "declarations.exporter_address",
    "declarations.exporter_phone",
    "logins.ip",
    "declarations.consignee",
)


def hub_rows(
    hub: pa.Array | pa.ChunkedArray, kind: str, field: str, value: pa.Array | pa.ChunkedArray
) -> pa.Table:
    """Rows of ``truth/hubs``: one per identifier of a hub."""
    assert field in HUB_FIELDS, field
    zeros = np.zeros(len(value), dtype=np.int64)
    return pa.table(
        {
            "hub_id": hub,
            "kind": take_strings([kind], zeros).combine_chunks(),
            "field": take_strings([field], zeros).combine_chunks(),
            "value": value,
        }
    )


def warehouse_rows(
    owner: pa.Array,
    variants: pa.Array,
    kind: str,
    warehouses: np.ndarray,
    n_variants: int,
    phones: tuple[int, int, Callable[[np.ndarray], pa.Array]],
) -> pa.Table:
    """The hub rows of ``warehouses`` (site codes, ascending): each way their address is written (``n_variants``
    each, in ``variants``) and their sender phones, ``phones`` = (per warehouse, the first one's code, how a code
    is written): the warehouses' phones are consecutive codes from the first warehouse's."""
    per, base, phone_text = phones
    first = int(warehouses[0]) if warehouses.size else 0
    site = np.repeat(warehouses, n_variants)
    address = site * n_variants + np.tile(np.arange(n_variants), warehouses.size)
    phone_site = np.repeat(warehouses, per)
    phone = base + (phone_site - first) * per + np.tile(np.arange(per), warehouses.size)
    return pa.concat_tables(
        [
            hub_rows(owner.take(pa.array(site)), kind, HUB_FIELDS[0], variants.take(pa.array(address))),
            hub_rows(owner.take(pa.array(phone_site)), kind, HUB_FIELDS[1], phone_text(phone)),
        ]
    )
