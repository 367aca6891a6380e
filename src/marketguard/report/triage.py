"""Triage lists: a scan's networks, stores, export declarations and sites, filtered and sorted, as an analyst
first reads them.

The order is documented and total, so two runs list the same rows in the same order and a limit cuts at the same
place: networks by score (highest first), then revenue at risk, then size (stores), then id; stores by score,
then the network's score, then id; declarations by score, then the network's score, then id; sites by score, then
parcels, then network and site id. Other sorts keep the rest of this order as their tie-breaks.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from marketguard.errors import ParameterError
from marketguard.report.results_dir import ResultsDir

__all__ = [
    "DECLARATION_SORTS",
    "NETWORK_SORTS",
    "SITE_SORTS",
    "STORE_SORTS",
    "list_declarations",
    "list_networks",
    "list_sites",
    "list_stores",
]

#: Sort name -> the columns it orders by, each descending except ids (ascending, the last tie-break).
NETWORK_SORTS: dict[str, tuple[str, ...]] = {
    "score": ("score", "revenue", "n_stores"),
    "revenue": ("revenue", "score", "n_stores"),
    "stores": ("n_stores", "score", "revenue"),
    "recent": ("last_seen", "score", "revenue"),
}
STORE_SORTS: dict[str, tuple[str, ...]] = {
    "score": ("score", "network_score"),
    "network": ("network_score", "score"),
}
DECLARATION_SORTS: dict[str, tuple[str, ...]] = {
    "score": ("score", "network_score"),
    "network": ("network_score", "score"),
}
SITE_SORTS: dict[str, tuple[str, ...]] = {
    "score": ("score", "n_shipments"),
    "parcels": ("n_shipments", "score"),
    "network": ("network_score", "score", "n_shipments"),
}
_NETWORK_COLUMNS = (
    "network_id",
    "score",
    "n_stores",
    "n_accounts",
    "revenue",
    "currency",
    "last_seen",
    "reasons",
)
_STORE_COLUMNS = ("store_id", "score", "rank", "account_id", "network_id", "network_score", "reasons")
_DECLARATION_COLUMNS = ("declaration_id", "score", "rank", "network_id", "network_score", "reasons")
_SITE_COLUMNS = (
    "network_id",
    "site_id",
    "rank",
    "score",
    "address",
    "address_latin",
    "n_shipments",
    "n_stores",
    "share",
    "exclusivity",
    "network_score",
    "reasons",
)


def list_networks(
    results: Path | str,
    *,
    min_score: float | None = None,
    brand: str | None = None,
    sort: str = "score",
    limit: int | None = None,
) -> pa.Table:
    """The scan's networks (``network_id, score, n_stores, n_accounts, revenue, currency, last_seen, reasons``):
    scoring ``min_score`` or more, listing ``brand`` (any case) when given, in ``sort`` order, the first
    ``limit``."""
    _check(sort, NETWORK_SORTS)
    source = ResultsDir(Path(results))
    networks = source.table("networks")
    assert networks is not None  # ResultsDir requires it
    networks = networks.select(list(_NETWORK_COLUMNS))
    if min_score is not None:
        networks = networks.filter(pc.greater_equal(networks.column("score"), min_score))
    if brand is not None:
        brands = source.table("network_brands")
        if brands is None:
            raise ParameterError(f"--brand: {results} has no network_brands (the scan had no listings)")
        wanted = brands.filter(pc.equal(pc.utf8_lower(brands.column("brand")), brand.lower()))
        networks = networks.filter(pc.is_in(networks.column("network_id"), wanted.column("network_id")))
    return _sorted(networks, NETWORK_SORTS[sort], "network_id", limit)


def list_stores(
    results: Path | str,
    *,
    min_score: float | None = None,
    network: str | None = None,
    sort: str = "score",
    limit: int | None = None,
) -> pa.Table:
    """The scan's stores (``store_id, score, rank, account_id, network_id, network_score, reasons``): scoring
    ``min_score`` or more, of ``network`` when given, in ``sort`` order, the first ``limit``."""
    _check(sort, STORE_SORTS)
    stores = _scored(results, "store_scores", "it is not a whole scan's results", min_score, network)
    return _sorted(stores.select(list(_STORE_COLUMNS)), STORE_SORTS[sort], "store_id", limit)


def list_declarations(
    results: Path | str,
    *,
    min_score: float | None = None,
    network: str | None = None,
    sort: str = "score",
    limit: int | None = None,
) -> pa.Table:
    """The scan's screened export declarations (``declaration_id, score, rank, network_id, network_score,
    reasons``): scoring ``min_score`` or more, tied to ``network`` when given, in ``sort`` order, the first
    ``limit``."""
    _check(sort, DECLARATION_SORTS)
    table = _scored(results, "declaration_scores", "the data had no export declarations", min_score, network)
    return _sorted(table.select(list(_DECLARATION_COLUMNS)), DECLARATION_SORTS[sort], "declaration_id", limit)


def list_sites(
    results: Path | str,
    *,
    min_score: float | None = None,
    network: str | None = None,
    sort: str = "score",
    limit: int | None = None,
) -> pa.Table:
    """The networks' ranked ship-from sites (``network_id, site_id, rank, score, address, address_latin,
    n_shipments, n_stores, share, exclusivity, network_score, reasons``): scoring ``min_score`` or more, of
    ``network`` when given, in ``sort`` order (ties: network id, then site id), the first ``limit``."""
    _check(sort, SITE_SORTS)
    sites = _scored(results, "sites", "the data had no shipments", min_score, network)
    keyed = sites.append_column(
        "key", pc.binary_join_element_wise(sites["network_id"], sites["site_id"], " ")
    )
    return _sorted(keyed.select([*_SITE_COLUMNS, "key"]), SITE_SORTS[sort], "key", limit).drop_columns("key")


def _scored(
    results: Path | str, name: str, why_missing: str, min_score: float | None, network: str | None
) -> pa.Table:
    """Result table ``name`` filtered by score and network, with its network's score beside each row."""
    source = ResultsDir(Path(results))
    table = source.table(name)
    if table is None:
        raise ParameterError(f"{results} has no {name}: {why_missing}")
    networks = source.table("networks")
    assert networks is not None  # ResultsDir requires it
    if min_score is not None:
        table = table.filter(pc.greater_equal(table.column("score"), min_score))
    if network is not None:
        table = table.filter(pc.equal(table.column("network_id"), network))
    at = pc.index_in(table.column("network_id"), value_set=networks.column("network_id"))
    return table.append_column("network_score", networks.column("score").take(at))


def _check(sort: str, sorts: dict[str, tuple[str, ...]]) -> None:
    if sort not in sorts:
        raise ParameterError(f"--sort must be one of {', '.join(sorts)}; got {sort!r}")


def _sorted(table: pa.Table, columns: tuple[str, ...], key: str, limit: int | None) -> pa.Table:
    """Descending by ``columns`` (missing values last), then ascending by ``key``; the first ``limit`` rows."""
    keys = [(c, "descending", "at_end") for c in columns] + [(key, "ascending", "at_end")]
    order = pc.sort_indices(table, sort_keys=keys)
    table = table.take(order)
    return table if limit is None else table.slice(0, limit)
