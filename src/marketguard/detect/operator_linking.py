"""Operator linking: uncover the real operator behind stores opened with borrowed identities.

Counterfeiters open each store with someone else's identity document, phone and bank account, but run them
from the same computers, Wi-Fi routers and networks. This detector builds the evidence graph (accounts to the
artifacts they used), weights every shared artifact by kind, specificity (how few accounts share it),
engagement (how much of each account's activity used it) and time, combines a pair's evidence as independent
signals, links pairs above ``min_link_strength``, and splits oversized components with Leiden.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.detect.base import Detector, Interval, evidence_table
from marketguard.detect.catalogue_copies import priced_listings, uses_of_listings
from marketguard.detect.networks import (
    CREATED_SQL,
    GROUP_SCHEMA,
    assign_networks,
    empty_assignments,
    environment_groups,
    strongest_link,
)
from marketguard.engine.base import Step, round12
from marketguard.engine.tables import Tables
from marketguard.errors import ParameterError
from marketguard.features.commerce_evidence import (
    customer_uses_sql,
    listing_uses_sql,
    made_uses_sql,
    site_table,
    site_uses_sql,
)
from marketguard.features.customer_overlap import (
    chance_table,
    customer_evidence_sql,
    customer_pair_rows_sql,
    customer_pairs_sql,
    customer_totals_sql,
    degree_counts_sql,
    market_totals_sql,
)
from marketguard.features.evidence import (
    KIND_WEIGHTS,
    LOGIN_ARTIFACT_KINDS,
    account_artifacts_sql,
    artifact_degrees_sql,
    artifact_uses_sql,
    hubs_sql,
    ip_network,
    login_artifacts_sql,
    login_totals_sql,
    other_uses_sql,
    owner_parcels_sql,
    pair_evidence_sql,
    pair_rows_sql,
    pair_strength_sql,
    shared_artifacts_sql,
)
from marketguard.features.shared_office import office_evidence_sql
from marketguard.graph import encode_sorted, unique
from marketguard.graph.communities import weighted_networks
from marketguard.graph.label_propagation import component_labels
from marketguard.trace.money_ledger import Coded, Ledger, coded_ledger, fetch_coded
from marketguard.trace.owner_money import owner_money_uses

#: Reason code per artifact kind in ``explain``.
REASON_CODES = {
    "device": "SHARED_DEVICE",
    "wifi": "SHARED_WIFI",
    "ip": "SHARED_IP",
    "ip_net": "SHARED_IP_NETWORK",
    "id_document": "SHARED_ID_DOCUMENT",
    "phone": "SHARED_PHONE",
    "email": "SHARED_EMAIL",
    "bank_account": "SHARED_BANK_ACCOUNT",
    "listing": "SAME_LISTING",
    "customer": "SHARED_CUSTOMER",
    "site": "SHARED_SHIP_FROM_SITE",
    "payee": "SHARED_PAYEE",
    "destination": "SHARED_MONEY_DESTINATION",
    "listing_text": "NEAR_DUPLICATE_LISTING",
    "price_list": "SAME_PRICE_LIST",
    "office": "SAME_OFFICE_AND_PURSE",
}
#: The kinds read from tables beyond accounts, stores and logins, and the tables each needs.
COMMERCE_TABLES: dict[str, tuple[str, ...]] = {
    "listing": ("listings",),
    "customer": ("listings",),  # and orders or reviews
    "site": ("shipments", "orders", "listings"),
    "payee": ("transfers",),
    "destination": ("transfers",),
    "listing_text": ("listings",),
    "price_list": ("listings",),
    "office": ("transfers",),  # and a money kind in use: payee or destination
}
#: What :meth:`OperatorLinker.release` drops, views before the tables they read.
WORKING_TABLES = (
    "account_artifacts",
    "artifact_uses",
    "pair_evidence",
    "other_uses",
    "shared_rows",
    "shared_artifacts",
    "account_codes",
    "pair_strength",
    "linked_pairs",
    "owner_parcels",
    "link_edges",
    "link_components",
    "component_sizes",
    "component_parts",
    "account_groups",
    "customer_totals",
    "customer_pair_rows",
    "customer_pairs",
    "customer_evidence",
    "office_evidence",
    "overlap_evidence",
)
#: The kinds read by default. Left out, each for its cost or its risk against what it found (measured on the
#: simulator, 10k stores at every difficulty and 100k adversarial):
#:
#: - ``listing_text`` (edited copies, MinHash over every listing title) costs about 13 s at 100k stores, half
#:   the link stage again, for 2 and 1 more counterfeit operators recovered of 191 and 181 (adversarial seeds
#:   7 and 11; normal and hard unchanged);
#: - ``price_list`` tied no pair of stores in four 10k-store simulations and one pair (of one operator) in an
#:   adversarial 100k-store one; at Jaccard 0.3 it tied 129 pairs of one operator there and 120 of different ones;
#: - ``customer`` (shared buyers and reviewers weighed per pair against chance, features.customer_overlap)
#:   changed no figure on any of the four 10k-store simulations (the same-operator pairs missed share almost no
#:   customer; a review farm hired by several operators ties stores of different operators, pair precision
#:   about 0.3) and costs 8-12 s at 100k stores.
DEFAULT_KINDS = ("listing", "site", "payee", "destination", "office")
#: A shared customer counts only when its activity at the two stores comes within this many days: a brushing
#: campaign orders and reviews within days to weeks, so one operator's brushing at its stores falls in one
#: month, while a buyer who happens to shop at two stores does so at any two times (chance is credited with the
#: co-timed share the data shows: features.customer_overlap). None: timing is not read.
CO_TIMED_DAYS: float | None = 30.0


class OperatorLinker(Detector):
    """Group accounts into operator networks from weighted shared evidence.

    Requires ``accounts``, ``stores`` and ``logins``; uses ``shipments`` (with orders and listings) for sender
    phones when present. Learns ``assignments_`` (account_id, network_id for networks with at least two accounts
    and a store), ``links_`` (one row per linked pair and shared artifact, with its evidence) and ``hubs_``
    (artifacts above their kind's degree cap, never paired), ``ledger_``, the transfers as the money trail
    reads them when a money kind was read (else None: the scan's money trail reuses it), and
    ``customer_chance_``, the surprise table of the shared customers' chance model when that kind was read (else
    None; :func:`~marketguard.features.customer_overlap.chance_table`). Registers ``environment_groups``
    (account_id, group_id, n_accounts): every linked group, with or without a store, for the detectors that look
    at store-less accounts (review farms). Reason codes: see :data:`REASON_CODES`.

    Parameters
    ----------
    min_link_strength
        Pairs whose combined evidence is weaker than this are not linked.
    min_share
        Share of an account's logins on an artifact at which the artifact counts fully (less counts less).
    max_network_accounts
        Components larger than this are split into Leiden communities.
    resolution
        Leiden resolution (higher = smaller networks).
    random_state
        Seed of the Leiden runs.
    kinds
        The evidence kinds read beyond the internet environment and identities (:data:`COMMERCE_TABLES`);
        ``None``: :data:`DEFAULT_KINDS`. Each needs its tables; a kind whose tables are absent is skipped.
    """

    parameter_constraints: ClassVar[Mapping[str, Interval]] = {
        "min_link_strength": Interval(float, 0.0, 1.0),
        "min_share": Interval(float, 0.001, 1.0),
        "max_network_accounts": Interval(int, 2, None),
        "resolution": Interval(float, 0.001, None),
        "random_state": Interval(int, 0, None),
    }
    required_tables = ("accounts", "stores", "logins")

    def __init__(
        self,
        *,
        min_link_strength: float = 0.5,
        min_share: float = 0.2,
        max_network_accounts: int = 60,
        resolution: float = 1.0,
        random_state: int = 0,
        kinds: tuple[str, ...] | None = None,
    ) -> None:
        self.min_link_strength = min_link_strength
        self.min_share = min_share
        self.max_network_accounts = max_network_accounts
        self.resolution = resolution
        self.random_state = random_state
        self.kinds = kinds

    def fit(self, tables: Tables, labels: pa.Table | None = None) -> OperatorLinker:
        self._validate_params()
        self._check_tables(tables)
        self.kinds_ = self._commerce_kinds(tables)
        self.ledger_: Ledger | None = None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="commerce") as pool:
            # the commerce tables are made in Python (the ledger replay, address keys) while the engine reads
            # the parcels and the logins: 23.5 s to 20.8 s for the 100k-store adversarial fit on 2 cores
            made = self._commerce_tables(tables, pool)
            tables.run([login_artifacts_sql(), login_totals_sql()])
            commerce = {name: future.result() for name, future in made.items()}
        for name, table in commerce.items():
            tables.backend.register_arrow(name, table)
        parts = self._commerce_parts(tables)
        tables.run(
            [
                other_uses_sql(tables.has("shipments", "orders", "listings"), more=parts),
                artifact_uses_sql(),
                account_artifacts_sql(),
                artifact_degrees_sql(more=parts),
                hubs_sql(),
                *shared_artifacts_sql(),
            ]
        )
        overlaps = self._overlaps(tables)
        tables.run(
            [pair_evidence_sql(self.min_share, overlaps=overlaps), pair_strength_sql(self.min_link_strength)]
        )
        for name in commerce:  # read into the materialised evidence rows: no longer needed
            tables.backend.drop(name)
        if tables.backend.local_graphs:
            self._cluster_here(tables)
        else:
            self._cluster_on_engine(tables)
        self.assignments_ = tables.fetch(
            "SELECT account_id, network_id FROM account_networks ORDER BY network_id, account_id", "networks"
        )
        tables.run(_links_steps(self.min_share, overlaps))
        self.links_ = tables.fetch(
            "SELECT * FROM links ORDER BY network_id, account_a, account_b, kind, artifact", "fetch links"
        )
        self.hubs_ = tables.fetch(
            "SELECT kind, artifact, n_accounts, n_events FROM hubs ORDER BY n_accounts DESC, kind, artifact",
            "fetch hubs",
        )
        return self

    def release(self, tables: Tables) -> None:
        """Drop the working tables nothing reads after the fit (the pair evidence and what fed it, about 1.3 GB
        at 100k stores); kept: ``links``, ``account_pairs``, ``hubs``, ``account_networks``,
        ``environment_groups``, and the login evidence (``login_artifacts``, ``login_totals``,
        ``artifact_degrees``) the store signals read.
        :meth:`OperatorIndex.from_batch <marketguard.detect.operator_index.OperatorIndex.from_batch>` needs
        them: build an index before releasing."""
        for name in WORKING_TABLES:
            tables.backend.drop(name)

    def _commerce_kinds(self, tables: Tables) -> tuple[str, ...]:
        """The commerce kinds asked for (all by default) that the tables allow."""
        asked = DEFAULT_KINDS if self.kinds is None else self.kinds
        unknown = [k for k in asked if k not in COMMERCE_TABLES]
        if unknown or isinstance(asked, str):
            raise ParameterError(
                f"The 'kinds' parameter of OperatorLinker must be None or a tuple of {tuple(COMMERCE_TABLES)}. "
                f"Got {self.kinds!r} instead."
            )
        usable = [k for k in asked if tables.has(*COMMERCE_TABLES[k])]
        if "customer" in usable and not (tables.has("orders") or tables.has("reviews")):
            usable.remove("customer")
        if "office" in usable and not {"payee", "destination"} & set(usable):
            usable.remove("office")  # its purse is a payee's or a money destination's users
        return tuple(usable)

    def _commerce_tables(self, tables: Tables, pool: Executor) -> dict[str, Future[pa.Table]]:
        """The tables the commerce kinds in use read, being made on ``pool`` from what the engine gives on this
        thread: the address key of each ship-from address, the owners' payees and money destinations from the
        ledger (kept as ``ledger_``), the copied catalogues' evidence rows. Runs ``owner_parcels`` (which the
        sender phones read too) first, so that the addresses are keyed while the engine reads the ledger, and
        the ledger replayed while it reads the logins: the pool is never idle waiting for the engine."""
        out: dict[str, Future[pa.Table]] = {}
        copies = [k for k in ("listing_text", "price_list") if k in self.kinds_]
        if copies:
            out["catalogue_copies"] = pool.submit(uses_of_listings, priced_listings(tables), copies)
        if tables.has("shipments", "orders", "listings"):
            tables.run(owner_parcels_sql())
        if "site" in self.kinds_:
            origins = tables.fetch(
                "SELECT DISTINCT origin_address FROM owner_parcels WHERE origin_address IS NOT NULL "
                "ORDER BY origin_address",
                "ship-from addresses",
            ).column(0)
            out["origin_sites"] = pool.submit(site_table, origins.combine_chunks())
        if "payee" in self.kinds_ or "destination" in self.kinds_:
            coded = fetch_coded(tables)
            owners = tables.fetch(
                "SELECT DISTINCT a.account_id, a.bank_account FROM accounts a "
                "JOIN stores s ON a.account_id = s.account_id ORDER BY a.account_id",
                "store owners' settlement accounts",
            )
            out["owner_money_uses"] = pool.submit(self._money_uses, coded, owners)
        return out

    def _money_uses(self, coded: Coded, owners: pa.Table) -> pa.Table:
        """The owners' payees and money destinations, from the ledger the engine read (made into arrays here,
        off the engine's thread, and kept as ``ledger_``)."""
        ledger = self.ledger_ = coded_ledger(coded)
        return owner_money_uses(
            ledger, owners, payees="payee" in self.kinds_, destinations="destination" in self.kinds_
        )

    def _commerce_parts(self, tables: Tables) -> dict[str, str]:
        """The SQL of each commerce kind in use (over the tables :meth:`_commerce_tables` made)."""
        parts = {}
        if "listing" in self.kinds_:
            parts["listing"] = listing_uses_sql()
        if "customer" in self.kinds_:
            parts["customer"] = customer_uses_sql(tables.has("orders"), tables.has("reviews"))
        for kind in ("payee", "destination"):
            if kind in self.kinds_:
                parts[kind] = made_uses_sql("owner_money_uses", kind)
        for kind in ("listing_text", "price_list"):
            if kind in self.kinds_:
                parts[kind] = made_uses_sql("catalogue_copies", kind)
        if "site" in self.kinds_:
            parts["site"] = site_uses_sql("origin_sites")
        return parts

    def _overlaps(self, tables: Tables) -> str | None:
        """The evidence rows weighed per pair (the kinds of :data:`~marketguard.features.evidence.OVERLAP_KINDS`
        in use): the name of a view of them all, or None when no such kind is in use."""
        names = [name for name in (self._customer_overlaps(tables), self._offices(tables)) if name]
        if not names:
            return None
        tables.run(
            Step(
                "overlap_evidence",
                " UNION ALL ".join(f"SELECT * FROM {name}" for name in names),
                materialize=False,
            )
        )
        return "overlap_evidence"

    def _offices(self, tables: Tables) -> str | None:
        """The offices' evidence rows (:mod:`~marketguard.features.shared_office`): the name of their table, or
        None when the kind is not in use."""
        if "office" not in self.kinds_:
            return None
        tables.run(office_evidence_sql(KIND_WEIGHTS["office"]))
        return "office_evidence"

    def _customer_overlaps(self, tables: Tables) -> str | None:
        """The shared customers' evidence rows, weighed per pair against chance (:mod:`~marketguard.features.
        customer_overlap`): the name of their table, or None when the kind is not in use."""
        self.customer_chance_: pa.Table | None = None
        if "customer" not in self.kinds_:
            return None
        kw = KIND_WEIGHTS["customer"]
        tables.run([customer_totals_sql(), customer_pair_rows_sql(kw, CO_TIMED_DAYS)])
        market = tables.fetch(market_totals_sql(), "customers in the marketplace").to_pylist()[0]
        degrees = tables.fetch(degree_counts_sql(), "degrees of shared customers")
        chance = chance_table(degrees, market["n_uses"], market["n_owners"], kw)
        self.customer_chance_ = chance
        tables.backend.register_arrow("customer_chance", chance)
        tables.run([customer_pairs_sql("customer_chance", kw), customer_evidence_sql()])
        tables.backend.drop("customer_chance")
        return "customer_evidence"

    def _cluster_here(self, tables: Tables) -> None:
        """Strong pairs collected as arrays of the SQL's account codes: components and Leiden in this process."""
        pairs = tables.fetch(
            "SELECT code_a, code_b, strength FROM pair_strength ORDER BY code_a, code_b", "fetch strong pairs"
        )
        ids = tables.fetch("SELECT account_id FROM account_codes ORDER BY code", "account codes").column(0)
        owners = tables.fetch("SELECT DISTINCT account_id FROM stores", "store owners").column(0)
        if pairs.num_rows == 0:
            tables.backend.register_arrow("account_networks", empty_assignments())
            tables.backend.register_arrow("environment_groups", GROUP_SCHEMA.empty_table())
            return
        labels = self._weighted_networks(
            pairs.column("code_a").to_numpy(), pairs.column("code_b").to_numpy(), pairs, len(ids)
        )
        created = tables.fetch(CREATED_SQL, "account creation times")
        tables.backend.register_arrow(
            "account_networks", assign_networks(ids.combine_chunks(), labels, owners, created)
        )
        tables.backend.register_arrow(
            "environment_groups", environment_groups(ids.combine_chunks(), labels, created)
        )

    def _weighted_networks(
        self, src: np.ndarray, dst: np.ndarray, pairs: pa.Table, n_nodes: int
    ) -> np.ndarray:
        return weighted_networks(
            src,
            dst,
            pairs.column("strength").to_numpy(),
            n_nodes,
            max_size=self.max_network_accounts,
            resolution=self.resolution,
            seed=self.random_state,
        )

    def _labels(self, pairs: pa.Table) -> tuple[np.ndarray, pa.Array]:
        """Network label per account of ``pairs`` (accounts coded in sorted-id order)."""
        if pairs.num_rows == 0:
            return np.empty(0, np.int64), pa.array([], pa.string())
        codes, ids = encode_sorted(
            pa.chunked_array(pairs.column("account_a").chunks + pairs.column("account_b").chunks)
        )
        n = pairs.num_rows
        return self._weighted_networks(codes[:n], codes[n:], pairs, len(ids)), ids

    def _cluster_on_engine(self, tables: Tables) -> None:
        """Components as iterative SQL, Leiden per oversized component where its rows live, naming in SQL."""
        backend = tables.backend
        backend.run(Step("link_edges", "SELECT account_a AS src, account_b AS dst FROM pair_strength"))
        component_labels(backend, "link_edges", name="link_components")
        backend.run(
            Step("component_sizes", "SELECT label, count(*) AS n FROM link_components GROUP BY label")
        )
        big = (
            "SELECT c.label AS component, p.account_a, p.account_b, p.strength FROM pair_strength p "
            "JOIN link_components c ON p.account_a = c.node JOIN component_sizes s ON c.label = s.label "
            f"WHERE s.n > {self.max_network_accounts}"
        )

        def split(group: pa.Table) -> pa.Table:
            ordered = group.sort_by([("account_a", "ascending"), ("account_b", "ascending")])
            labels, ids = self._labels(ordered)
            return pa.table({"account_id": ids, "part": pa.array(labels, pa.int64())})

        backend.map_groups(
            "component_parts",
            big,
            "component",
            split,
            pa.schema([("account_id", pa.string()), ("part", pa.int64())]),
        )
        backend.run(_naming_steps())

    def score(self, tables: Tables) -> pa.Table:
        """Per networked account: the strength of its strongest link."""
        self._check_fitted()
        return strongest_link(self.links_, "pair_strength")

    def explain(self, tables: Tables, ids: list[str] | None = None) -> pa.Table:
        """Per network: one row per shared artifact (accounts sharing it inside the network, events, period)."""
        self._check_fitted()
        links = self.links_
        if ids is not None:
            links = links.filter(pc.is_in(links.column("network_id"), value_set=pa.array(ids, pa.string())))
        rows = (
            links.group_by(["network_id", "kind", "artifact"], use_threads=False)
            .aggregate(
                [
                    ("account_a", "count_distinct"),
                    ("account_b", "count_distinct"),
                    ("n_events", "sum"),
                    ("first_seen", "min"),
                    ("last_seen", "max"),
                    ("weight", "max"),
                ]
            )
            .sort_by([("network_id", "ascending"), ("weight_max", "descending"), ("artifact", "ascending")])
            .to_pylist()
        )
        return evidence_table(
            "network_id",
            [r["network_id"] for r in rows],
            [REASON_CODES[r["kind"]] for r in rows],
            [float(r["weight_max"]) for r in rows],
            [
                f"{r['kind']} {r['artifact']} shared in the network ({r['n_events_sum']} events, "
                f"{r['first_seen_min']:%Y-%m-%d} to {r['last_seen_max']:%Y-%m-%d})"
                for r in rows
            ],
        )


def evidence_by_kind(links: pa.Table, min_strength: float = 0.5) -> dict[str, object]:
    """What each evidence kind contributed: linked account pairs holding it, the pairs it decided (weaker than
    ``min_strength`` without it, the evidence combined as the linker combines it: what two accounts share inside
    one IP network counts as its strongest piece), and the pairs tied with no shared device, Wi-Fi router or IP
    (identities and what the stores do alone)."""
    if links.num_rows == 0:
        return {"pairs_by_kind": {}, "decisive_by_kind": {}, "pairs": 0, "pairs_without_environment": 0}
    kinds = links.column("kind").combine_chunks().dictionary_encode()
    kind, names = np.asarray(kinds.indices, np.int64), kinds.dictionary.to_pylist()
    joined = pc.binary_join_element_wise(links.column("account_a"), links.column("account_b"), "\x1f")
    pair = np.asarray(joined.combine_chunks().dictionary_encode().indices, np.int64)
    n_pairs = int(pair.max()) + 1
    held = unique(pair * len(names) + kind)
    counts = np.bincount(held % len(names), minlength=len(names))
    env = np.zeros(n_pairs, bool)
    # the internet environment is what logins show: a pair tied by none of it was tied by identities or trade
    env[pair[np.isin(kind, [i for i, k in enumerate(names) if k in LOGIN_ARTIFACT_KINDS])]] = True
    decided = _decided_by(links, pair, kind, len(names), min_strength)
    return {
        "pairs_by_kind": _ranked({k: int(n) for k, n in zip(names, counts, strict=True)}),
        "decisive_by_kind": _ranked({names[k]: n for k, n in decided.items() if n}),
        "pairs": n_pairs,
        "pairs_without_environment": int(n_pairs - env.sum()),
    }


def _ranked(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _decided_by(
    links: pa.Table, pair: np.ndarray, kind: np.ndarray, n_kinds: int, min_strength: float
) -> dict[int, int]:
    """Per kind code, the linked pairs holding it whose other evidence is weaker than ``min_strength``."""
    piece = _pieces(links.column("kind").combine_chunks(), links.column("artifact").combine_chunks())
    piece_code = np.asarray(piece.dictionary_encode().indices, np.int64)
    key = pair * (int(piece_code.max()) + 1) + piece_code
    log = np.log1p(-np.minimum(links.column("weight").to_numpy(zero_copy_only=False), 0.999))
    order = np.argsort(key, kind="stable")
    key, log, pair, kind = key[order], log[order], pair[order], kind[order]
    threshold = math.log1p(-min_strength)
    out = {}
    for k in range(n_kinds):
        mine = kind == k
        holding = unique(pair[mine])
        rest = ~mine & np.isin(pair, holding)
        keys, logs, pairs = key[rest], log[rest], pair[rest]
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if keys.size else np.zeros(0, np.int64)
        strongest = np.minimum.reduceat(logs, starts) if starts.size else np.zeros(0)
        total = np.bincount(np.searchsorted(holding, pairs[starts]), strongest, minlength=holding.size)
        out[k] = int((total > threshold).sum())
    return out


def _pieces(kinds: pa.Array, artifacts: pa.Array) -> pa.Array:
    """What each evidence row counts as: its IP network for an address or a network (one piece per network,
    named by :func:`~marketguard.features.evidence.ip_network`, the batch SQL's twin), else the row's own kind
    and artifact. Each distinct address is cut once."""
    is_ip = pc.equal(kinds, "ip")
    addresses = pc.unique(artifacts.filter(is_ip))
    nets = pa.array([ip_network(a) or a for a in addresses.to_pylist()], pa.string())
    net_of = nets.take(pc.index_in(artifacts, value_set=addresses))
    own = pc.binary_join_element_wise(kinds, artifacts, ":")
    return pc.if_else(pc.equal(kinds, "ip_net"), artifacts, pc.if_else(is_ip, net_of, own))


def _naming_steps() -> list[Step]:
    """The naming rules of :func:`~marketguard.detect.networks.assign_networks` and
    :func:`~marketguard.detect.networks.environment_groups` (each group after its earliest-created account), in
    SQL."""
    return [
        Step(
            "account_groups",
            "SELECT c.node AS account_id, CASE WHEN p.part IS NULL THEN c.label "
            "ELSE c.label || '/' || CAST(p.part AS VARCHAR) END AS grp FROM link_components c "
            "LEFT JOIN component_parts p ON c.node = p.account_id",
        ),
        Step(
            "group_namesakes",
            "SELECT grp, account_id AS first, n, has_store FROM (SELECT ag.grp, ag.account_id, "
            "row_number() OVER (PARTITION BY ag.grp ORDER BY a.created_at ASC NULLS LAST, ag.account_id) AS position, "
            "count(*) OVER (PARTITION BY ag.grp) AS n, "
            "max(CASE WHEN o.account_id IS NULL THEN 0 ELSE 1 END) OVER (PARTITION BY ag.grp) AS has_store "
            "FROM account_groups ag LEFT JOIN accounts a ON ag.account_id = a.account_id "
            "LEFT JOIN (SELECT DISTINCT account_id FROM stores) o ON ag.account_id = o.account_id) ranked "
            "WHERE position = 1",
        ),
        Step(
            "account_networks",
            "SELECT g.account_id, 'N-' || m.first AS network_id FROM account_groups g "
            "JOIN group_namesakes m ON g.grp = m.grp WHERE m.n >= 2 AND m.has_store = 1",
        ),
        Step(
            "environment_groups",
            "SELECT g.account_id, 'G-' || m.first AS group_id, m.n AS n_accounts FROM account_groups g "
            "JOIN group_namesakes m ON g.grp = m.grp WHERE m.n >= 2",
        ),
    ]


def _links_steps(min_share: float, overlaps: str | None) -> list[Step]:
    """Evidence rows of the strong pairs whose two accounts ended in the same network, and every strong pair
    with its strength as ``account_pairs`` (those the clustering split too: the store risk model's label
    propagation walks them, :mod:`marketguard.detect.label_reach`)."""
    return [
        Step(
            "account_pairs",
            f"SELECT account_a, account_b, {round12('strength')} AS strength FROM pair_strength",
        ),
        Step(
            "linked_pairs",
            "SELECT s.account_a, s.account_b, s.strength, na.network_id FROM pair_strength s "
            "JOIN account_networks na ON s.account_a = na.account_id "
            "JOIN account_networks nb ON s.account_b = nb.account_id WHERE na.network_id = nb.network_id",
        ),
        Step(
            "links",
            f"SELECT e.account_a, e.account_b, p.network_id, e.kind, e.artifact, {round12('e.weight')} AS weight, "
            "e.n_accounts AS n_sharing, e.n_events, e.first_seen, e.last_seen, "
            f"{round12('p.strength')} AS pair_strength "  # engines differ in the last bit of exp/ln
            f"FROM ({pair_rows_sql(min_share, 'linked_pairs', overlaps=overlaps)}) e "
            "JOIN linked_pairs p ON e.account_a = p.account_a AND e.account_b = p.account_b",
        ),
    ]
