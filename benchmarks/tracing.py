"""Benchmark: tracing sites and money for every network of a simulated marketplace, against the tracing bars.

On the validated marketplace, after operator linking (the networks a scan would trace):
- ``trace_sites``: every shipment (network or not) resolved into sites, each network's sites ranked. Quality:
  ``evaluate``'s site recall (a counterfeit operator's factories and warehouses among its network's top 5
  sites within 2 km; bars 0.95 normal, 0.85 hard), against a naive reference in the same run: sites as the
  exact written origin address, ranked by parcels, placed at the mean of their coordinates;
- ``follow_money``: the money trail followed lot by lot from every network's settlement accounts, with
  ``max_hops`` as the scan passes it (``--max-money-hops``; the default of ``follow_money`` otherwise). Quality:
  collectors and suppliers among the network's top 3 of their role (bars 0.90 normal, 0.80 hard, 0.85
  adversarial; a collector counted against those of its own months), against a naive reference: the parties the
  settlement accounts pay directly, by amount, all called collectors, and the parties those pay, by amount, all
  called suppliers. Also the recall with the true operators as networks (``true_networks_recall``): the money
  trail's own quality, apart from how well the networks were linked.

Timed: each function alone (inputs already fetched as Arrow: the fetch is timed apart), rows per second, peak
memory. Prints JSON lines.

    python benchmarks/tracing.py --stores 10000 --seed 7 [--difficulty hard|adversarial] [--max-money-hops 3]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from common import ensure_market, peak_mb
from marketguard.contract import validate
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.engine import make_backend
from marketguard.evaluate.tracing import money_metrics, operator_networks, site_metrics
from marketguard.features import trace_inputs
from marketguard.trace.money import follow_money
from marketguard.trace.sites import trace_sites

#: (site recall bar, money recall bar) per difficulty; adversarial's site bar is hard's.
BARS = {"normal": (0.95, 0.90), "hard": (0.85, 0.80), "easy": (0.95, 0.90), "adversarial": (0.85, 0.85)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--stores", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--difficulty", default="normal", choices=tuple(BARS)
    )  # adversarial too: not common's
    parser.add_argument(
        "--max-money-hops", type=int, default=None, help="as the scan's option (default: follow_money's)"
    )
    args = parser.parse_args()
    data = ensure_market(args.stores, args.seed, args.difficulty)
    with make_backend("duckdb") as backend:
        tables, _ = validate(backend, data)
        OperatorLinker().fit(tables)
        start = time.perf_counter()
        shipments = backend.fetch(trace_inputs.SHIPMENTS, "shipments")
        seeds = backend.fetch(trace_inputs.SETTLEMENT_ACCOUNTS, "seeds")
        transfers = backend.fetch(trace_inputs.TRANSFERS, "transfers")
        fetch = time.perf_counter() - start
        stores = backend.fetch(
            "SELECT s.store_id, an.network_id FROM stores s "
            "LEFT JOIN account_networks an ON s.account_id = an.account_id",
            "store networks",
        )
    truth = data / "truth"
    true_stores = pq.read_table(truth / "stores.parquet")
    networks = operator_networks(true_stores, stores)
    counterfeit = set(
        true_stores.filter(pc.equal(true_stores["operator_kind"], "counterfeit"))["operator_id"].to_pylist()
    )
    site_bar, money_bar = BARS[args.difficulty]
    common = {"bench": "tracing", "data": data.name, "fetch_seconds": round(fetch, 2)}

    start = time.perf_counter()
    sites = trace_sites(shipments)
    seconds = time.perf_counter() - start
    quality = site_metrics(sites, pq.read_table(truth / "sites.parquet"), counterfeit, networks)
    naive = site_metrics(
        naive_sites(shipments), pq.read_table(truth / "sites.parquet"), counterfeit, networks
    )
    print(
        json.dumps(
            {
                **common,
                "name": "trace_sites",
                "shipments": shipments.num_rows,
                "sites_rows": sites.num_rows,
                "seconds": round(seconds, 2),
                "shipments_per_s": round(shipments.num_rows / seconds),
                "peak_mb": peak_mb(),
                "recall": round(quality["recall"], 4),
                "found": quality["found"],
                "true_sites": quality["true_sites"],
                "recall_bar": site_bar,
                "ratio_to_bar": round(quality["recall"] / site_bar, 3),
                "naive_recall": round(naive["recall"], 4),
                "ratio_to_naive": round(quality["recall"] / max(naive["recall"], 1e-9), 2),
            }
        ),
        flush=True,
    )

    hops = {} if args.max_money_hops is None else {"max_hops": args.max_money_hops}
    start = time.perf_counter()
    money = follow_money(transfers, seeds, **hops)
    seconds = time.perf_counter() - start
    parties = pq.read_table(truth / "parties.parquet")
    quality = money_metrics(money, parties, counterfeit, networks)
    naive = money_metrics(naive_money(transfers, seeds), parties, counterfeit, networks)
    true_seeds, true_networks = operator_seeds(data, true_stores)
    ideal = money_metrics(follow_money(transfers, true_seeds, **hops), parties, counterfeit, true_networks)
    print(
        json.dumps(
            {
                **common,
                "name": "follow_money",
                "transfers": transfers.num_rows,
                "networks": len(set(seeds["network_id"].to_pylist())),
                "max_hops": args.max_money_hops or "default",
                "money_rows": money.num_rows,
                "seconds": round(seconds, 2),
                "transfers_per_s": round(transfers.num_rows / seconds),
                "peak_mb": peak_mb(),
                "recall": round(quality["recall"], 4),
                "collector_recall": round(quality["collector"]["recall"], 4),
                "supplier_recall": round(quality["supplier"]["recall"], 4),
                "collector_precision_top3": round(quality["collector"]["precision_top"], 4),
                "supplier_precision_top3": round(quality["supplier"]["precision_top"], 4),
                "recall_bar": money_bar,
                "ratio_to_bar": round(quality["recall"] / money_bar, 3),
                "naive_recall": round(naive["recall"], 4),
                "ratio_to_naive": round(quality["recall"] / max(naive["recall"], 1e-9), 2),
                "true_networks_recall": round(ideal["recall"], 4),
            }
        ),
        flush=True,
    )


def operator_seeds(data: Path, true_stores: pa.Table) -> tuple[pa.Table, dict[str, str]]:
    """Seeds with the true operators as networks (every store's bank account under its operator), and each
    counterfeit operator's network: linking done perfectly."""
    stores = pq.read_table(data / "stores.parquet", columns=["store_id", "account_id"])
    accounts = pq.read_table(data / "accounts.parquet", columns=["account_id", "bank_account"])
    joined = true_stores.join(stores, "store_id").join(accounts, "account_id")
    joined = joined.filter(pc.is_valid(joined["bank_account"]))
    seeds = pa.table({"network_id": joined["operator_id"], "party": joined["bank_account"]})
    seeds = seeds.group_by(["network_id", "party"]).aggregate([])
    operators = set(true_stores["operator_id"].to_pylist())
    return seeds, {op: op for op in operators}


def naive_sites(shipments: pa.Table) -> pa.Table:
    """Reference: one site per exact written address, ranked by parcels within the network."""
    rows = shipments.filter(pc.is_valid(shipments["network_id"]))
    grouped = rows.group_by(["network_id", "origin_address"]).aggregate(
        [("origin_lat", "mean"), ("origin_lon", "mean"), ("store_id", "count")]
    )
    grouped = grouped.sort_by(
        [("network_id", "ascending"), ("store_id_count", "descending"), ("origin_address", "ascending")]
    )
    network = grouped["network_id"].to_pylist()
    rank, previous, k = [], None, 0
    for n in network:
        k = k + 1 if n == previous else 1
        rank.append(k)
        previous = n
    return pa.table(
        {
            "network_id": grouped["network_id"],
            "rank": pa.array(rank, pa.int64()),
            "lat": grouped["origin_lat_mean"],
            "lon": grouped["origin_lon_mean"],
        }
    )


def naive_money(transfers: pa.Table, seeds: pa.Table) -> pa.Table:
    """Reference: parties paid by the settlement accounts (collectors) and by those (suppliers), by amount."""
    seed = seeds.rename_columns(["network_id", "from_party"])
    first = transfers.join(seed, "from_party", join_type="inner")
    first = first.filter(pc.invert(pc.is_in(first["to_party"], value_set=seeds["party"])))
    hop1 = first.group_by(["network_id", "to_party"]).aggregate([("amount", "sum")])
    second = transfers.join(
        hop1.select(["network_id", "to_party"]).rename_columns(["network_id", "from_party"]),
        "from_party",
        join_type="inner",
    )
    hop2 = second.group_by(["network_id", "to_party"]).aggregate([("amount", "sum")])
    parts = []
    for table, role in ((hop1, "collector"), (hop2, "supplier")):
        ordered = table.sort_by([("network_id", "ascending"), ("amount_sum", "descending")])
        parts.append(
            pa.table(
                {
                    "network_id": ordered["network_id"],
                    "party": ordered["to_party"],
                    "role": pa.array([role] * ordered.num_rows, pa.string()),
                    "rank": pa.array(range(1, ordered.num_rows + 1), pa.int64()),
                }
            )
        )
    return pa.concat_tables(parts).select(["network_id", "party", "role", "rank"])


if __name__ == "__main__":
    main()
