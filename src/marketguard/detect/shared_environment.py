"""Baseline operator linking: connected components of accounts that share a device or Wi-Fi router.

This is the foundation's honest baseline, to be replaced by the weighted operator linker. It ignores IPs,
identity documents, phones and bank accounts, does not weight by time, and splits nothing: a chain of shared
devices becomes one network however weak each link is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

import pyarrow as pa
import pyarrow.compute as pc

from marketguard.detect.base import Detector, Interval, Options, evidence_table
from marketguard.detect.networks import CREATED_SQL, assign_networks, empty_assignments, strongest_link
from marketguard.engine.base import Step
from marketguard.engine.tables import Tables
from marketguard.features.environment import (
    account_artifacts_sql,
    account_pairs_sql,
    artifact_degrees_sql,
    hub_artifacts_sql,
    shared_artifact_edges_sql,
)
from marketguard.graph import bipartite_components, encode

REASON_CODES = {"SHARED_DEVICE": "device", "SHARED_WIFI": "wifi"}


class SharedEnvironmentLinker(Detector):
    """Group accounts into networks through shared devices and Wi-Fi routers.

    Requires ``accounts``, ``stores`` and ``logins`` (``device_id``, ``wifi_bssid``). Learns ``assignments_``
    (account_id, network_id for accounts in a network with at least one store and two accounts), ``links_``
    (account pairs and the artifact they share) and ``hubs_`` (artifacts shared by more than
    ``max_shared_accounts`` accounts, which are not linked through). Reason codes: ``SHARED_DEVICE``,
    ``SHARED_WIFI``.

    Parameters
    ----------
    max_shared_accounts
        Artifacts used by more accounts than this are hubs (public Wi-Fi, default device ids) and ignored.
    kinds
        Artifact kinds to link on.
    """

    parameter_constraints: ClassVar[Mapping[str, Interval | Options]] = {
        "max_shared_accounts": Interval(int, 2, None),
        "kinds": Options((("device", "wifi"), ("device",), ("wifi",))),
    }
    required_tables = ("accounts", "stores", "logins")

    def __init__(self, *, max_shared_accounts: int = 50, kinds: tuple[str, ...] = ("device", "wifi")) -> None:
        self.max_shared_accounts = max_shared_accounts
        self.kinds = kinds

    def fit(self, tables: Tables, labels: pa.Table | None = None) -> SharedEnvironmentLinker:
        self._validate_params()
        self._check_tables(tables)
        tables.run(
            [
                account_artifacts_sql(self.kinds),
                artifact_degrees_sql(),
                shared_artifact_edges_sql(self.max_shared_accounts),
                hub_artifacts_sql(self.max_shared_accounts),
            ]
        )
        edges = tables.fetch("SELECT account_id, kind, artifact FROM shared_artifact_edges", "fetch edges")
        owners = tables.fetch("SELECT DISTINCT account_id FROM stores", "store owners").column(0)
        self.assignments_ = _networks(edges, owners, tables.fetch(CREATED_SQL, "account creation times"))
        tables.backend.register_arrow("account_networks", self.assignments_)
        tables.run([account_pairs_sql(), _links_sql()])
        self.links_ = tables.fetch(
            "SELECT * FROM links ORDER BY network_id, account_a, account_b, kind, artifact", "fetch links"
        )
        self.hubs_ = tables.fetch(
            "SELECT * FROM hub_artifacts ORDER BY n_accounts DESC, kind, artifact", "fetch hubs"
        )
        return self

    def score(self, tables: Tables) -> pa.Table:
        """Per account in a network: the strongest link weight (1.0 = shares an artifact with one other)."""
        self._check_fitted()
        return strongest_link(self.links_, "weight")

    def explain(self, tables: Tables, ids: list[str] | None = None) -> pa.Table:
        """Per network: one evidence row per shared artifact (how many accounts and logins)."""
        self._check_fitted()
        rows = tables.fetch(
            "SELECT an.network_id, e.kind, e.artifact, count(*) AS n_accounts, sum(e.n_logins) AS n_logins, "
            "min(e.first_seen) AS first_seen, max(e.last_seen) AS last_seen "
            "FROM shared_artifact_edges e JOIN account_networks an ON e.account_id = an.account_id "
            "GROUP BY an.network_id, e.kind, e.artifact ORDER BY an.network_id, e.kind, e.artifact",
            "explain networks",
        ).to_pylist()
        wanted = set(ids) if ids is not None else None
        rows = [r for r in rows if wanted is None or r["network_id"] in wanted]
        code = {v: k for k, v in REASON_CODES.items()}
        return evidence_table(
            "network_id",
            [r["network_id"] for r in rows],
            [code[r["kind"]] for r in rows],
            [float(r["n_accounts"]) for r in rows],
            [
                f"{r['kind']} {r['artifact']} used by {r['n_accounts']} accounts of the network in {r['n_logins']} "
                f"logins, {r['first_seen']:%Y-%m-%d} to {r['last_seen']:%Y-%m-%d}"
                for r in rows
            ],
        )


def _networks(edges: pa.Table, store_owners: pa.ChunkedArray, created: pa.Table) -> pa.Table:
    """Components of the account-artifact graph that hold at least two accounts and one store owner."""
    if edges.num_rows == 0:
        return empty_assignments()
    accounts, account_ids = encode(edges.column("account_id"))
    keys = pc.binary_join_element_wise(edges.column("kind"), edges.column("artifact"), "\x1f")
    artifacts, artifact_keys = encode(keys)
    labels = bipartite_components(accounts, artifacts, len(account_ids), len(artifact_keys))
    return assign_networks(account_ids, labels, store_owners, created)


def _links_sql() -> Step:
    """Pairs inside one network with the baseline weight 1 / (accounts sharing the artifact - 1).

    Both accounts of a pair share an artifact, so they are in the same component: joining on one side suffices
    (and avoids a self-join of the network table, quadratic in the size of a giant component).
    """
    return Step(
        "links",
        "SELECT p.account_a, p.account_b, na.network_id, p.kind, p.artifact, "
        "CAST(1 AS DOUBLE) / (p.n_accounts - 1) AS weight "
        "FROM shared_artifact_pairs p JOIN account_networks na ON p.account_a = na.account_id",
    )
