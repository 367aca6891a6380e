"""The evidence graph of one network, rebuilt from its ``links`` rows: accounts, the artifacts they share and the
stores they own.

``links`` holds one row per (account pair, shared artifact), which is what justifies a link but is quadratic in
an artifact's sharers. Investigators and link-analysis tools think in the bipartite picture instead (account ->
device <- account), so the report turns pair rows into account-artifact uses. A pair row's ``n_events`` is the two
accounts' events together; an account's own count is therefore bounded by the smallest pair total it appears in,
which is what ``uses.n_events`` holds (exact counts would need an account-artifact result table).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

Row = dict[str, Any]

#: Artifact kinds from the strongest evidence to the weakest (presentation order; unknown kinds go last).
KIND_ORDER: tuple[str, ...] = (
    "id_document",
    "device",
    "bank_account",
    "phone",
    "wifi",
    "email",
    "ip",
    "ip_net",
    "payee",
    "destination",
    "site",
    "listing",
    "price_list",
    "listing_text",
    "customer",
    "office",
)

KIND_LABELS: dict[str, str] = {
    "id_document": "identity document",
    "device": "device",
    "bank_account": "bank account",
    "phone": "phone",
    "wifi": "Wi-Fi router",
    "email": "e-mail",
    "ip": "IP address",
    "ip_net": "IP network",
    "payee": "payee",
    "destination": "money destination",
    "site": "ship-from site",
    "listing": "copied listing",
    "price_list": "price list",
    "listing_text": "near-duplicate listing",
    "customer": "customer",
    "office": "office and purse",
}


def kind_rank(kind: str) -> int:
    """Position of ``kind`` in :data:`KIND_ORDER` (unknown kinds after every known one)."""
    return KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)


def artifact_key(kind: str, artifact: str) -> str:
    """The ``kind:value`` name of an artifact: values of different kinds may coincide (a phone and an id)."""
    return f"{kind}:{artifact}"


def _minimum(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return min(present) if present else None


def _maximum(values: list[Any]) -> Any:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def artifact_uses(links: list[Row]) -> list[Row]:
    """One row per (account, artifact) found in the network's pair rows: the strongest pair weight, the widest
    first/last seen, and the smallest pair ``n_events`` (an upper bound of the account's own count)."""
    rows: dict[tuple[str, str, str], list[Row]] = defaultdict(list)
    for link in links:
        for account in (link["account_a"], link["account_b"]):
            rows[(account, link["kind"], link["artifact"])].append(link)
    uses = [
        {
            "account_id": account,
            "kind": kind,
            "artifact": artifact,
            "n_events": _minimum([r["n_events"] for r in pair_rows]),
            "weight": _maximum([r["weight"] for r in pair_rows]),
            "first_seen": _minimum([r["first_seen"] for r in pair_rows]),
            "last_seen": _maximum([r["last_seen"] for r in pair_rows]),
        }
        for (account, kind, artifact), pair_rows in rows.items()
    ]
    return sorted(uses, key=lambda u: (kind_rank(u["kind"]), u["artifact"], u["account_id"]))


def shared_artifacts(links: list[Row], uses: list[Row]) -> list[Row]:
    """One row per artifact shared inside the network, strongest kinds first, then by how many accounts."""
    accounts: dict[tuple[str, str], set[str]] = defaultdict(set)
    for use in uses:
        accounts[(use["kind"], use["artifact"])].add(use["account_id"])
    pair_rows: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for link in links:
        pair_rows[(link["kind"], link["artifact"])].append(link)
    artifacts = [
        {
            "kind": kind,
            "artifact": artifact,
            "key": artifact_key(kind, artifact),
            "n_accounts": len(accounts[(kind, artifact)]),
            "n_sharing": _maximum([r["n_sharing"] for r in rows]),
            "n_link_rows": len(rows),
            "weight": _maximum([r["weight"] for r in rows]),
            "first_seen": _minimum([r["first_seen"] for r in rows]),
            "last_seen": _maximum([r["last_seen"] for r in rows]),
            "accounts": sorted(accounts[(kind, artifact)]),
        }
        for (kind, artifact), rows in pair_rows.items()
    ]
    return sorted(artifacts, key=lambda a: (kind_rank(a["kind"]), -a["n_accounts"], a["artifact"]))


def network_accounts(links: list[Row], stores: list[Row], uses: list[Row]) -> list[Row]:
    """Every account the results tie to the network (in a link or owning one of its stores), with its stores."""
    store_ids: dict[str, list[str]] = defaultdict(list)
    for store in stores:
        if store.get("account_id"):
            store_ids[store["account_id"]].append(store["store_id"])
    n_links: dict[str, int] = defaultdict(int)
    for link in links:
        n_links[link["account_a"]] += 1
        n_links[link["account_b"]] += 1
    n_artifacts: dict[str, int] = defaultdict(int)
    for use in uses:
        n_artifacts[use["account_id"]] += 1
    ids = sorted(set(n_links) | set(store_ids))
    return [
        {
            "account_id": account,
            "store_ids": sorted(store_ids.get(account, [])),
            "n_artifacts": n_artifacts.get(account, 0),
            "n_link_rows": n_links.get(account, 0),
        }
        for account in ids
    ]
