"""Assemble a whole simulated marketplace, and write it as Parquet.

``simulate`` runs the generators in dependency order (population, environment, catalogue, orders and
reviews, logistics, money, customs, labels), each from its own child random stream, so that a change in one
generator does not reshuffle the others and the same ``(n_stores, seed, difficulty)`` always produces
identical tables. The tactics of the ``adversarial`` preset draw from child streams of their own
(:data:`TACTIC_STREAMS`), so the older presets' tables stay byte-identical.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from marketguard.contract.spec import LOAD_ORDER

from .acquisitions import buy_stores
from .bonded import add_bonded_warehouses, bonded_hubs
from .catalog import Catalog, build_catalog
from .catalog_vocab import CATEGORIES, TEMPLATES
from .commerce import finalize_orders, genuine_orders, orders_table
from .config import DIFFICULTIES, US_PER_DAY, SimulationConfig
from .crowd_farms import crowd_farms, with_worker_orders
from .customs import build_declarations
from .environment import build_logins
from .forwarder_parcels import consolidate
from .fulfilment import contract_3pl, warehouse_hubs
from .geography import region_names
from .ids import decimal_ids, hash_ids, mix64, take_strings
from .labels import build_labels
from .logistics import build_shipments, build_sites
from .money import build_transfers
from .population import COUNTERFEIT, GREY, OPERATOR_KINDS, ROLES, Population, build_population
from .reviews import build_reviews, farm_work

__all__ = ["MIN_STORES", "Marketplace", "simulate", "write_marketplace"]

log = logging.getLogger(__name__)
_TS = pa.timestamp("us", tz="UTC")
#: An account created at least this long before its store's operator started is an aged one: the shortest lead of
#: an aged or bought account (a year), far beyond a fresh one's (days).
AGED_DAYS = 365
MIN_STORES = 100
#: Child random streams: the first twelve are the original generators' (``0..11``, 11 unused); each tactic added
#: later draws from a stream of its own, so adding one never reshuffles what the others generate. Spawning more
#: children leaves the first ones unchanged, so later tactics take the next free numbers.
N_STREAMS = 32
TACTIC_STREAMS = {
    "evasion": 12,
    "bought_stores": 13,
    "catalog_copies": 14,
    "warehouses": 15,
    "mules": 16,
    "people": 17,
    "forwarders": 18,
    "grey_market": 19,
    "crowd_farms": 20,
    "labels": 21,
    "forwarder_parcels": 22,
    "consignees": 23,
}


@dataclass
class Marketplace:
    """Contract tables, ground-truth tables and the parameters that produced them."""

    tables: dict[str, pa.Table]
    truth: dict[str, pa.Table]
    n_stores: int
    seed: int
    difficulty: str
    timings: dict[str, float] = field(default_factory=dict)

    def row_counts(self) -> dict[str, int]:
        """Rows per table (truth tables prefixed ``truth/``)."""
        counts = {name: t.num_rows for name, t in self.tables.items()}
        counts.update({f"truth/{name}": t.num_rows for name, t in self.truth.items()})
        return counts


@dataclass(frozen=True)
class _Identifiers:
    """Salts and id strings shared by several tables (the same phone is the same string everywhere)."""

    salt: int
    store: pa.Array
    account: pa.Array
    operator: pa.Array

    def phone(self, codes: np.ndarray) -> pa.Array:
        return hash_ids("ph_", codes, self.salt + 1)

    def bank(self, codes: np.ndarray) -> pa.Array:
        return hash_ids("ba_", codes, self.salt + 2)


def _identifiers(rng: np.random.Generator, pop: Population, seed: int) -> _Identifiers:
    """Opaque store/account ids from random permutations; operator ids by kind (truth only): ``op_c``,
    ``op_a``, ``op_i`` and ``op_g`` (grey-market) followed by the operator's rank among its kind."""
    salt = int(mix64(np.array([seed]), 0x5EED)[0] >> np.uint64(1))
    store = decimal_ids("S", 1_000_000 + rng.permutation(pop.n_stores), 8)
    account = decimal_ids("U", 10_000_000 + rng.permutation(pop.n_accounts), 9)
    kind = pop.op_kind
    rank = np.zeros(kind.size, dtype=np.int64)
    for k in range(len(OPERATOR_KINDS)):
        rank[kind == k] = np.arange(int((kind == k).sum()))
    prefixes = pa.array(["op_c", "op_a", "op_i", "op_g"])
    operator = pc.binary_join_element_wise(prefixes.take(pa.array(kind)), decimal_ids("", rank, 6), "")
    return _Identifiers(salt=salt, store=store, account=account, operator=operator)


def _accounts_table(pop: Population, ids: _Identifiers) -> pa.Table:
    order = np.argsort(pop.acc_created, kind="stable")
    return pa.table(
        {
            "account_id": take_strings(ids.account, order),
            "created_at": pa.array(pop.acc_created[order], type=pa.timestamp("us", tz="UTC")),
            "id_document": hash_ids("id_", pop.acc_identity[order], ids.salt),
            "phone": ids.phone(pop.acc_phone[order]),
            "email": hash_ids("em_", order, ids.salt + 3),
            "bank_account": ids.bank(pop.acc_identity[order]),
            "region": take_strings(region_names(), pop.acc_region[order]),
        }
    )


_NAME_WORDS = ("优品", "潮流", "精选", "悦享", "美家", "酷玩", "时尚", "星光", "乐购", "好物", "尚品", "极客")
_NAME_SUFFIX = ("专营店", "小店", "精品店", "工作室", "百货", "折扣店", "官方店")


def _stores_table(rng: np.random.Generator, pop: Population, cat: Catalog, ids: _Identifiers) -> pa.Table:
    """Stores ordered by opening time; flagship stores are named after their brand."""
    n = pop.n_stores
    cat_zh = [c.nouns_zh[0] for c in CATEGORIES]
    plain = pc.binary_join_element_wise(
        take_strings(_NAME_WORDS, rng.integers(0, len(_NAME_WORDS), n)),
        take_strings(cat_zh, pop.store_category),
        take_strings(_NAME_SUFFIX, rng.integers(0, len(_NAME_SUFFIX), n)),
        "",
    )
    first_brand = cat.lst_brand[cat.store_ptr[:-1]]
    flagship = (pop.store_template == 3) & (first_brand >= 0)
    brand_zh = take_strings(cat.brand_zh, np.maximum(first_brand, 0))
    flag_name = pc.binary_join_element_wise(brand_zh, pa.scalar("官方旗舰店"), "")
    name = pc.if_else(pa.chunked_array([pa.array(flagship)]), flag_name, plain)
    order = np.argsort(pop.store_opened, kind="stable")
    closed = pop.store_closed[order]
    return pa.table(
        {
            "store_id": take_strings(ids.store, order),
            "account_id": take_strings(ids.account, order),  # store i is run by account i
            "opened_at": pa.array(pop.store_opened[order], type=pa.timestamp("us", tz="UTC")),
            "template": take_strings(TEMPLATES, pop.store_template[order]),
            "main_category": take_strings([c.name for c in CATEGORIES], pop.store_category[order]),
            "name": name.take(pa.array(order)),
            "closed_at": pa.array(closed, mask=closed < 0, type=pa.timestamp("us", tz="UTC")),
        }
    )


def _truth_population(pop: Population, ids: _Identifiers) -> dict[str, pa.Table]:
    """Truth of stores (operator, kind, purchase, aged account) and accounts (operator or farm, role).

    ``bought_at`` is when the operator bought the store (null: it opened it); ``is_aged_account`` says the store's
    account was created at least a year before its operator started running it (bought or rented accounts,
    bought stores), hiding the young-account tell. Grey-market stores are not counterfeit (``operator_kind``
    ``grey_market``, role ``grey_market_seller``): their goods are genuine.
    """
    cf = pop.store_kind == COUNTERFEIT
    aged = cf & (pop.store_active - pop.acc_created[: pop.n_stores] >= AGED_DAYS * US_PER_DAY)
    farm_ids = decimal_ids("farm_", np.arange(max(pop.n_farms, 1)), 4)
    op_or_farm = pa.concat_arrays([ids.operator, farm_ids])
    code = np.where(
        pop.acc_op >= 0, pop.acc_op, np.where(pop.acc_farm >= 0, pop.op_kind.size + pop.acc_farm, -1)
    )
    return {
        "stores": pa.table(
            {
                "store_id": ids.store,
                "is_counterfeit": pa.array(pop.store_kind == COUNTERFEIT),
                "operator_id": ids.operator.take(pa.array(pop.store_op)),
                "operator_kind": take_strings(OPERATOR_KINDS, pop.store_kind),
                "bought_at": pa.array(pop.store_bought, mask=pop.store_bought < 0, type=_TS),
                "is_aged_account": pa.array(aged),
            }
        ),
        "accounts": pa.table(
            {
                "account_id": ids.account,
                "operator_id": take_strings(op_or_farm, np.maximum(code, 0), mask=code < 0),
                "role": take_strings(ROLES, pop.acc_role),
            }
        ),
    }


def _check(n_stores: int, seed: int, difficulty: str) -> SimulationConfig:
    problems = []
    if not isinstance(n_stores, (int, np.integer)) or isinstance(n_stores, bool) or n_stores < MIN_STORES:
        problems.append(
            f"The 'n_stores' parameter of simulate must be an int in the range [{MIN_STORES}, inf). "
            f"Got {n_stores!r} instead."
        )
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        problems.append(f"The 'seed' parameter of simulate must be a non-negative int. Got {seed!r} instead.")
    if difficulty not in DIFFICULTIES:
        problems.append(
            f"The 'difficulty' parameter of simulate must be one of {sorted(DIFFICULTIES)}. "
            f"Got {difficulty!r} instead."
        )
    if problems:
        raise ValueError(" ".join(problems))
    return DIFFICULTIES[difficulty]


def _ts_numpy(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    return pc.cast(column, pa.int64()).to_numpy()


def simulate(n_stores: int = 10_000, seed: int = 7, difficulty: str = "normal") -> Marketplace:
    """Simulate a marketplace with ``n_stores`` stores and its ground truth.

    Parameters
    ----------
    n_stores
        Number of stores; every other population (accounts ~10x, logins ~100x, listings ~10x, orders ~30x)
        scales linearly with it.
    seed
        Random seed; the same ``(n_stores, seed, difficulty)`` gives identical tables.
    difficulty
        ``"easy"``, ``"normal"``, ``"hard"`` or ``"adversarial"``: how well counterfeit operators camouflage
        (see :data:`DIFFICULTIES`). Evidence exists at every level; only its strength and kind change:
        ``adversarial`` leaves almost no shared environment (anti-detect profiles on residential proxies), so its
        operators are found through parcels, money pooling, copied catalogues and review farms instead, among
        grey-market sellers (genuine goods below the authorised price, shipped from bonded warehouses), the
        hardest honest look-alike. The older presets' output is pinned: the same ``(n_stores, seed)`` gives
        the same tables it always did.
    """
    cfg = _check(n_stores, seed, difficulty)
    children = np.random.SeedSequence(int(seed)).spawn(N_STREAMS)
    streams = [np.random.Generator(np.random.PCG64(s)) for s in children]
    tactic = {name: streams[i] for name, i in TACTIC_STREAMS.items()}
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = now - clock
        log.debug("simulate: %s took %.2fs", stage, now - clock)
        clock = now

    grey = tactic["grey_market"]
    pop = build_population(streams[0], int(n_stores), cfg, grey)
    has_grey = bool((pop.store_kind == GREY).any())
    buy_stores(tactic["bought_stores"], pop, cfg)
    crowd = crowd_farms(tactic["crowd_farms"], pop) if cfg.crowd_farms else None
    ids = _identifiers(streams[1], pop, int(seed))
    lap("population")
    logins, exit_hubs = build_logins(
        streams[2], pop, cfg, ids.account, ids.salt + 4, tactic["evasion"], crowd, grey_rng=grey
    )
    lap("logins")
    cat = build_catalog(
        streams[3], pop, cfg, ids.store, tactic["bought_stores"], tactic["catalog_copies"], grey_rng=grey
    )
    lap("catalog")
    genuine = genuine_orders(streams[4], pop, cat)
    if crowd is not None:  # crowd workers shop as buyers do, besides their farm work
        genuine = with_worker_orders(crowd, pop, genuine)
    work = farm_work(streams[5], pop, cat, cfg, genuine, crowd)
    orders, position = finalize_orders([genuine, work.brushing])
    reviews, review_truth = build_reviews(
        streams[5], pop, cat, cfg, orders, work, position[genuine.ts.size :], ids.account, grey_rng=grey
    )
    lap("orders_reviews")
    order_store = cat.lst_store[orders.listing]
    sites = build_sites(streams[6], pop, ids.operator)
    contract_3pl(tactic["warehouses"], pop, sites, cfg)
    if has_grey:
        add_bonded_warehouses(grey, pop, sites)
    shipments, site_truth, ship_store = build_shipments(
        streams[6], pop, sites, orders, order_store, cfg, ids.phone, bonded_rng=grey if has_grey else None
    )
    lap("logistics")
    transfers, parties = build_transfers(
        *(streams[7], pop, cfg, order_store, orders.ts, orders.amount, ids.bank, ids.operator),
        mule_rng=tactic["mules"],
        people_rng=tactic["people"],
    )
    lap("money")
    declarations, decl_truth, forwarders, importers = build_declarations(
        streams[8], pop, cat, sites, cfg, ids.phone, ids.operator, tactic["forwarders"], tactic["consignees"]
    )
    customs_hubs = [t for t in (None if forwarders is None else forwarders.hubs, importers) if t is not None]
    if forwarders is not None and cfg.forwarder_parcel_rate > 0:
        shipments, parcel_hubs = consolidate(
            tactic["forwarder_parcels"], cfg, pop, forwarders, shipments, ship_store, ids.phone
        )
        customs_hubs.append(parcel_hubs)
    lap("customs")
    labels = build_labels(
        streams[9],
        pop,
        ids.store,
        ids.account,
        review_truth,
        _ts_numpy(reviews["ts"]),
        decl_truth,
        _ts_numpy(declarations["filed_at"]),
        cat=cat,
        cfg=cfg,
        tactic_rng=tactic["labels"],
    )
    tables = {
        "accounts": _accounts_table(pop, ids),
        "stores": _stores_table(streams[10], pop, cat, ids),
        "logins": logins,
        **cat.tables,
        "orders": orders_table(orders, cat, ids.account),
        "reviews": reviews,
        "shipments": shipments,
        "transfers": transfers,
        "declarations": declarations,
        "labels": labels,
    }
    hubs = [
        warehouse_hubs(sites, ids.phone),
        *([bonded_hubs(sites, ids.phone)] if has_grey else []),
        *customs_hubs,
        exit_hubs,
    ]
    truth = {
        **_truth_population(pop, ids),
        "reviews": review_truth,
        "sites": site_truth,
        "parties": parties,
        "declarations": decl_truth,
        "hubs": pa.concat_tables(hubs),
    }
    lap("assemble")
    return Marketplace(
        tables={k: tables[k] for k in LOAD_ORDER},
        truth=truth,
        n_stores=int(n_stores),
        seed=int(seed),
        difficulty=difficulty,
        timings=timings,
    )


def write_marketplace(mp: Marketplace, out_dir: str | Path) -> dict[str, int]:
    """Write ``<out_dir>/<table>.parquet`` and ``<out_dir>/truth/<table>.parquet``; returns rows per file."""
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    for name, table in mp.tables.items():
        pq.write_table(table, out / f"{name}.parquet", compression="zstd", compression_level=1)
    for name, table in mp.truth.items():
        pq.write_table(table, out / "truth" / f"{name}.parquet", compression="zstd", compression_level=1)
    return mp.row_counts()
