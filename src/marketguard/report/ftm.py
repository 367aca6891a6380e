"""A case as FollowTheMoney entities (the data model of OCCRP's Aleph), one JSON object per line.

What maps to what:

- the operator network: a ``LegalEntity`` (its real operator is who investigators look for), its score and reasons
  in ``notes``;
- each platform account: a ``UserAccount`` (``username`` the account id, ``service`` "marketplace");
- each store: an ``Organization`` tied to its owner's account and to the network by ``UnknownLink``s;
- two accounts sharing evidence: one ``UnknownLink`` per pair, ``role`` naming the kinds ("shared device, phone"),
  ``summary`` the artifacts;
- the money trail: each party a ``BankAccount``, each a ``Payment`` from the network (amount the network's money
  it received, over its active span, ``summary`` its role and hops);
- ship-from sites: ``Address`` entities (``full``, coordinates) tied to the network ("ships from", the site's rank).

Entity ids are derived from the network and the thing (the same case always gives the same ids), so a re-export
updates Aleph's entities rather than duplicating them. Needs the ``followthemoney`` library (the ``ftm`` extra:
it is MIT, but needs python-stdnum, which is LGPL, so marketguard does not require it).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING, Any

from marketguard.errors import MarketguardError

if TYPE_CHECKING:
    from followthemoney.proxy import EntityProxy

__all__ = ["FtmUnavailable", "render_ftm"]


class FtmUnavailable(MarketguardError):
    """The followthemoney library is not installed."""


def render_ftm(case: dict[str, Any]) -> str:
    """The case (from :func:`marketguard.report.build_case`) as FollowTheMoney entities, one JSON line each."""
    try:
        from followthemoney import model
    except ImportError as exc:
        raise FtmUnavailable(
            "FollowTheMoney export needs the followthemoney library: pip install 'marketguard[ftm]'."
        ) from exc
    network_id = case["network_id"]
    out: list[EntityProxy] = []

    def make(schema: str, *key: object, **props: Any) -> EntityProxy:
        entity = model.make_entity(schema)
        entity.make_id("marketguard", network_id, schema, *key)
        for prop, value in props.items():
            if value is not None and value != []:
                entity.add(prop, value)
        out.append(entity)
        return entity

    def link(subject: EntityProxy, obj: EntityProxy, role: str, **props: Any) -> None:
        make("UnknownLink", subject.id, obj.id, role, subject=subject.id, object=obj.id, role=role, **props)

    network = make(
        "LegalEntity",
        name=f"Operator network {network_id}",
        notes=[f"marketguard score {case['score']:.3f}", *case.get("reasons", [])],
    )
    accounts = {
        a["account_id"]: make("UserAccount", a["account_id"], username=a["account_id"], service="marketplace")
        for a in case.get("accounts", [])
    }
    for store in case.get("stores", []):
        entity = make(
            "Organization",
            store["store_id"],
            name=f"store {store['store_id']}",
            notes=[f"marketguard score {store['score']:.3f}", *(store.get("reasons") or [])],
        )
        owner = accounts.get(store.get("account_id"))
        if owner is not None:
            link(owner, entity, "operates store")
        link(network, entity, "runs store")
    shared: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for row in case.get("links", []):
        shared[row["account_a"], row["account_b"]].append((row["kind"], str(row["artifact"])))
    for (a, b), items in sorted(shared.items()):
        if a in accounts and b in accounts:
            kinds = ", ".join(sorted({k for k, _ in items}))
            what = "; ".join(f"{k} {v}" for k, v in sorted(set(items)))
            link(accounts[a], accounts[b], f"shared {kinds}", summary=what)
    for row in case.get("money") or []:
        account = make("BankAccount", row["party"], accountNumber=row["party"])
        make(
            "Payment",
            row["party"],
            payer=network.id,
            beneficiaryAccount=account.id,
            amount=row.get("amount"),
            currency=case.get("summary", {}).get("currency"),
            startDate=_day(row.get("first_seen")),
            endDate=_day(row.get("last_seen")),
            summary=f"{row.get('role')}, {row.get('hops')} hops from the stores' accounts",
        )
    for site in case.get("sites") or []:
        address = make(
            "Address",
            site["site_id"],
            full=site.get("address"),
            latitude=site.get("lat"),
            longitude=site.get("lon"),
        )
        link(network, address, f"ships from (site rank {site.get('rank')})")
    return "".join(json.dumps(e.to_dict(), ensure_ascii=False, sort_keys=True) + "\n" for e in out)


def _day(timestamp: str | None) -> str | None:
    return timestamp[:10] if timestamp else None
