"""Tying customs export declarations to the counterfeit networks behind them.

An operator that exports through front companies leaves its own traces on their declarations: its phones and
the addresses of its own sites, written in whatever form the clerk chose, under a company name that varies
from one filing to the next ("深圳市恒达鑫源贸易有限公司", "恒达鑫源贸易", "Shenzhen Hengda Xinyuan Trading Co.,
Ltd."). Three kinds of evidence are read:

1. Phone: the exporter phone is, exactly, an account phone or a sender phone of the network's stores. A phone
   shared by several networks points at all of them, the one with the most stores (or rows) first.
2. Address: the exporter address has the address key (:mod:`marketguard.features.addresses`) of one of the
   network's written site addresses, raw or folded with the network's forms of the same city and house
   number (``exact_key``); else, within the same city and house number, its key without the city is
   near-identical to one (``fuzzy``: rapidfuzz ``ratio`` at least ``min_address_similarity``). A different
   house number on the same road is another place, never a fuzzy match; so is a district the site is not in
   (when both say). An address naming only a city or district, or a place that more than
   ``max_address_networks`` networks ship from (a shared fulfilment warehouse), is no evidence.
3. Company name: the name, reduced to its trade name in pinyin, its city and its line of business (legal
   forms dropped: :func:`company_name`), fuzzily equals (rapidfuzz ``ratio`` of the trade names, at least
   ``min_name_similarity``) the name of an exporter that :meth:`ExporterIndex.link` tied by phone or address
   in the batch. Names of two different cities, or two different lines of business, never match; a name that
   also fits an untied exporter of the batch that the tied one cannot be (the short "恒达鑫源贸易" when
   "上海市恒达鑫源贸易有限公司" files too) is ambiguous and ties nothing.

A phone or address (its key, roads folded within the batch) on the declarations of more than ``max_exporters``
exporters in a batch is evidence for nobody: it is whoever files for them (a forwarder's desk, a customs broker),
even when the parcels show it to be one network's.

The network of a declaration is the one with the most kinds of evidence (phone before address before name
on ties, then the most stores or rows, then the smallest network id). Evidence is plain sentences: "exporter
phone ph_.. is the sender phone of 3 stores of network N", "exporter address is site #1 of network N (...)",
"exporter address resembles (similarity 0.97) site #1 of network N (...)", "exporter name matches ... tied to
N by phone", "other networks with matching evidence: ...".

Requires ``network_phones`` (network_id, phone; optional store_id, kind such as "account" or "sender"),
``network_addresses`` (network_id, address, e.g. the ``sites`` result's addresses plus the written forms of
the network's shipments; optional rank: the site's rank in its network) and ``declarations``
(declaration_id, exporter; optional exporter_address, exporter_phone). :meth:`ExporterIndex.link` learns the
batch's exporter names; :meth:`ExporterIndex.link_one` learns nothing, so it answers as ``link`` did.

Notes
-----
Everything is computed once per distinct phone, address and name, then once per distinct combination of the
three; rows only index into those. Building normalises every distinct network address (tens of microseconds
each). One declaration costs a dictionary look-up, one address normalisation and look-up, one name
normalisation and one rapidfuzz pass (with a score cut-off) over the learned names, each remembered per
distinct value; the fold and the fuzzy pass run only when no key matches exactly, over one city and house
number.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Self

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.detect.exporter_matching import (
    KINDS,
    NO_ADDRESS,
    NO_NAME,
    AddressHit,
    AddressIndex,
    NameHit,
    NameIndex,
    Support,
    columns,
    count_exporters,
    exporter_key,
    quoted,
)
from marketguard.errors import ParameterError
from marketguard.features.addresses import AddressKey, fold_roads, normalise_address
from marketguard.features.company_names import CompanyName, company_name
from marketguard.graph import encode_sorted
from marketguard.sentences import plural

__all__ = [
    "LINK_SCHEMA",
    "MAX_EXPORTERS",
    "CompanyName",
    "ExporterIndex",
    "ExporterLink",
    "company_name",
    "tie_one_untied",
    "tie_untied",
]

log = logging.getLogger(__name__)

#: Most exporters one contact may be on and still be evidence (``ExporterIndex(max_exporters=...)``): an operator
#: registers one front company or a few.
MAX_EXPORTERS = 5
#: Characters of a phone an evidence sentence quotes: real phones (even salted hashes) are far shorter, and a
#: 100k-character one would be repeated in the evidence of every declaration it ties.
SHOWN_PHONE_CHARS = 64

LINK_SCHEMA = pa.schema(
    [
        ("declaration_id", pa.string()),
        ("network_id", pa.string()),
        ("phone_match", pa.bool_()),
        ("address_match", pa.string()),
        ("address_similarity", pa.float64()),
        ("name_match", pa.bool_()),
        ("name_similarity", pa.float64()),
        ("forwarder_match", pa.bool_()),
        ("consignee_match", pa.bool_()),
        ("evidence", pa.list_(pa.string())),
    ]
)


@dataclass(frozen=True)
class ExporterLink:
    """The tie of one declaration (one row of :meth:`ExporterIndex.link`)."""

    declaration_id: str
    network_id: str | None
    phone_match: bool
    address_match: str | None
    address_similarity: float
    name_match: bool
    name_similarity: float
    evidence: tuple[str, ...]
    forwarder_match: bool = False
    consignee_match: bool = False

    def as_row(self) -> dict[str, Any]:
        """The row as in :data:`LINK_SCHEMA` (evidence as a list)."""
        return {name: getattr(self, name) for name in LINK_SCHEMA.names} | {"evidence": list(self.evidence)}


def tie_untied(links: pa.Table, found: list[tuple[str, str] | None], flag: str) -> pa.Table:
    """``links`` (:data:`LINK_SCHEMA`) with each row that nothing tied yet and ``found`` has a (network, reason)
    for tied so, marked in the boolean column ``flag``: the later kinds of evidence (forwarders, consignees)
    tie only what the earlier ones left."""
    untied = links.column("network_id").is_null().to_numpy(zero_copy_only=False)
    hit = np.array([f is not None and u for f, u in zip(found, untied, strict=True)], dtype=bool)
    if not hit.any():
        return links
    network = links.column("network_id").to_pylist()
    evidence = links.column("evidence").to_pylist()
    for i in np.flatnonzero(hit).tolist():
        network[i], reason = found[i]  # type: ignore[misc]
        evidence[i] = [reason]
    columns = {"network_id": pa.array(network, pa.string()), flag: pa.array(hit), "evidence": evidence}
    for name, values in columns.items():
        field = links.schema.field(name)
        links = links.set_column(links.schema.get_field_index(name), field, pa.array(values, field.type))
    return links


def tie_one_untied(link: ExporterLink, found: tuple[str, str] | None, flag: str) -> ExporterLink:
    """:func:`tie_untied` for one declaration's link (the real-time path): tied to ``found``'s (network, reason)
    and marked in ``flag`` when nothing tied it yet."""
    if found is None or link.network_id is not None:
        return link
    flags: dict[str, Any] = {flag: True}
    return replace(link, network_id=found[0], evidence=(found[1],), **flags)


def _phone_index(table: pa.Table) -> dict[str, tuple[Support, ...]]:
    """phone -> the networks using it, most stores (or, without store_id, rows) first."""
    unit = "store" if "store_id" in table.column_names else "record"
    t = columns(
        table, "network_phones", ("network_id", "phone"), {"store_id": pa.string(), "kind": pa.string()}
    )
    if unit == "record":  # each row its own "store": distinct counts become row counts
        t = t.set_column(2, "store_id", pa.array(np.arange(t.num_rows)).cast(pa.string()))
    t = t.filter(pc.and_(pc.is_valid(t["network_id"]), pc.is_valid(t["phone"])))
    per_kind = t.group_by(["phone", "network_id", "kind"]).aggregate([("store_id", "count_distinct")])
    total = t.group_by(["phone", "network_id"]).aggregate([("store_id", "count_distinct")])
    said: dict[tuple[str, str], list[tuple[int, str]]] = defaultdict(list)
    for phone, network, kind, n in zip(*per_kind.to_pydict().values(), strict=True):
        counted = f"of {plural(n, 'store')}" if unit == "store" else f"named in {plural(n, 'record')}"
        said[(phone, network)].append((-n, f"the {kind} phone {counted}" if kind else f"a phone {counted}"))
    index: dict[str, list[Support]] = defaultdict(list)
    for phone, network, n in sorted(zip(*total.to_pydict().values(), strict=True)):
        parts = " and ".join(text for _, text in sorted(said[(phone, network)]))
        said_phone = quoted(phone, SHOWN_PHONE_CHARS)
        index[phone].append(
            Support(network, n, f"exporter phone {said_phone} is {parts} of network {network}")
        )
    return {p: tuple(sorted(s, key=lambda x: (-x.weight, x.network))) for p, s in index.items()}


def _decide(
    phone: tuple[Support, ...], address: AddressHit, name: NameHit
) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """(network, the kinds of evidence pointing at it, evidence sentences) for one declaration."""
    found: dict[str, dict[str, Support]] = defaultdict(dict)
    for kind, supports in zip(KINDS, (phone, address.supports, (name.support,)), strict=True):
        for s in supports:
            if s is not None:
                found[s.network].setdefault(kind, s)
    if not found:
        return None, (), ()

    def order(item: tuple[str, dict[str, Support]]) -> tuple[Any, ...]:
        network, kinds = item
        weights = [-(kinds[k].weight if k in kinds else 0) for k in KINDS]
        return (-len(kinds), *(k not in kinds for k in KINDS), *weights, network)

    network, kinds = min(found.items(), key=order)
    evidence = [kinds[k].text for k in KINDS if k in kinds]
    others = [
        f"{n} ({', '.join(k for k in KINDS if k in f)})" for n, f in sorted(found.items()) if n != network
    ]
    if others:
        more = f"; and {len(others) - 5} more" if len(others) > 5 else ""
        evidence.append(f"other networks with matching evidence: {'; '.join(others[:5])}{more}")
    return network, tuple(k for k in KINDS if k in kinds), tuple(evidence)


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Codes into the sorted distinct values; -1 for nulls and blanks."""
    blank = pc.equal(pc.utf8_trim_whitespace(column), "")
    codes, values = encode_sorted(pc.if_else(blank, pa.scalar(None, pa.string()), column))
    return codes, values.to_pylist()


class ExporterIndex:
    """What is known about each network: its phones (the account phones and sender phones of its stores), its
    sites' written addresses, and, once :meth:`link` has run, the exporters it tied to each network.

    Parameters
    ----------
    min_address_similarity
        Least rapidfuzz ratio (0..1) of two address keys, same city and house number, for a ``fuzzy`` match.
    min_name_similarity
        Least rapidfuzz ratio (0..1) of two trade names (in pinyin) for a name match.
    max_address_networks
        Most networks one place may be a site of and still be evidence: a place used by more (a shared
        fulfilment warehouse, a wholesale market) is no network's own.
    max_exporters
        Most exporters (company name keys) whose declarations in a batch one phone or address (key) may be on
        and still be evidence. An operator registers one front company or a few; a contact on more exporters'
        declarations is whoever files for them (a freight forwarder's desk, a customs broker, an agency), even
        when the parcels show it to be one network's: a forwarder that consolidates one network's parcels and
        few others' looks like that network's own warehouse to the parcels alone.

    Attributes
    ----------
    phones_
        phone -> the networks using it (most stores first), learned by :meth:`fit`.
    names_
        The exporters tied by phone or address in the last :meth:`link` batch, by name; what
        :meth:`link_one` matches names against.
    shared_phones_, shared_addresses_
        The phones and address keys (roads folded within the batch, :func:`fold_roads`) of the last batch on
        more than ``max_exporters`` exporters' declarations: evidence for nobody, in that batch and in
        :meth:`link_one`.
    """

    def __init__(
        self,
        *,
        min_address_similarity: float = 0.9,
        min_name_similarity: float = 0.9,
        max_address_networks: int = 5,
        max_exporters: int = MAX_EXPORTERS,
    ) -> None:
        self.min_address_similarity = min_address_similarity
        self.min_name_similarity = min_name_similarity
        self.max_address_networks = max_address_networks
        self.max_exporters = max_exporters

    @classmethod
    def build(cls, network_phones: pa.Table, network_addresses: pa.Table, **params: Any) -> Self:
        """A fitted index: ``cls(**params).fit(network_phones, network_addresses)``."""
        return cls(**params).fit(network_phones, network_addresses)

    def fit(self, network_phones: pa.Table, network_addresses: pa.Table) -> Self:
        """Learn every network's phones and written site addresses (see the module docstring for columns)."""
        for name in ("min_address_similarity", "min_name_similarity"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0.5 <= value <= 1.0:
                raise ParameterError(
                    f"The '{name}' parameter of ExporterIndex must be a float in the range [0.5, 1.0]. "
                    f"Got {value!r} instead."
                )
        for name in ("max_address_networks", "max_exporters"):
            n = getattr(self, name)
            if isinstance(n, bool) or not isinstance(n, int) or n < 1:
                raise ParameterError(
                    f"The '{name}' parameter of ExporterIndex must be an int in the range [1, inf). "
                    f"Got {n!r} instead."
                )
        self.phones_ = _phone_index(network_phones)
        self.addresses_ = AddressIndex(
            network_addresses, float(self.min_address_similarity), self.max_address_networks
        )
        log.info(
            "exporter index: %d phones, %d written site addresses, %d shared places left out",
            len(self.phones_),
            len(self.addresses_.form),
            self.addresses_.n_shared,
        )
        self.names_ = NameIndex([], float(self.min_name_similarity))
        self.shared_phones_: frozenset[str] = frozenset()
        self.shared_addresses_: frozenset[str] = frozenset()
        self._shared_places: dict[tuple[str, str], list[AddressKey]] = defaultdict(list)
        return self

    def link(self, declarations: pa.Table) -> pa.Table:
        """One row per declaration in :data:`LINK_SCHEMA`; learns the names of the exporters it ties by phone
        or address (``names_``), which then tie other declarations of the batch, and later ones, by name."""
        self._check_fitted()
        t = columns(
            declarations,
            "declarations",
            ("declaration_id", "exporter"),
            {"exporter_address": pa.string(), "exporter_phone": pa.string()},
        )
        phone_codes, phones = _codes(t["exporter_phone"])
        address_codes, addresses = _codes(t["exporter_address"])
        name_codes, names = _codes(t["exporter"])
        raw_keys = [normalise_address(a) for a in addresses]
        folded = fold_roads(raw_keys)  # one place written with and without its district meets on one key
        address_keys = [k.text for k in folded]
        self._learn_shared(phone_codes, phones, address_codes, address_keys, name_codes, names)
        self._shared_places = defaultdict(list)
        for k in {k.text: k for k in folded if k.text in self.shared_addresses_ and k.is_complete}.values():
            self._shared_places[(k.city, k.number)].append(k)
        phone_hits = [self._phone_hit(p) for p in phones] + [()]  # code -1 reads the last item
        address_hits = [
            NO_ADDRESS if k in self.shared_addresses_ else self.addresses_.hit(a)
            for a, k in zip(addresses, address_keys, strict=True)
        ] + [NO_ADDRESS]
        pairs, pair_of_row = np.unique(np.stack([phone_codes, address_codes], 1), axis=0, return_inverse=True)
        first = [_decide(phone_hits[p], address_hits[a], NO_NAME) for p, a in pairs.tolist()]
        self.names_ = NameIndex.learn(
            first, pair_of_row.ravel(), name_codes, names, float(self.min_name_similarity)
        )
        name_hits = [*self.names_.hits([company_name(n) for n in names]), NO_NAME]
        triples, of_row = np.unique(
            np.stack([phone_codes, address_codes, name_codes], 1), axis=0, return_inverse=True
        )
        links = [
            self._link("", phone_hits[p], address_hits[a], name_hits[n]).as_row()
            for p, a, n in triples.tolist()
        ]
        take = pa.array(of_row.ravel())
        cols = {"declaration_id": t["declaration_id"]}
        for field in LINK_SCHEMA.names[1:]:
            cols[field] = pa.array([r[field] for r in links], LINK_SCHEMA.field(field).type).take(take)
        return pa.table(cols, schema=LINK_SCHEMA)

    def link_one(self, declaration: Mapping[str, Any]) -> ExporterLink:
        """The tie of one declaration, as :meth:`link` would give it after the batch it last linked."""
        self._check_fitted()
        phone, address = declaration.get("exporter_phone"), declaration.get("exporter_address")
        phone = str(phone) if phone is not None and str(phone).strip() else None
        address = None if address is None else str(address)
        shared = address is not None and self._is_shared_address(address)
        return self._link(
            str(declaration["declaration_id"]),
            self._phone_hit(phone) if phone else (),
            NO_ADDRESS if shared else self.addresses_.hit(address),
            self.names_.hits([company_name(declaration.get("exporter"))])[0],
        )

    def _is_shared_address(self, address: str) -> bool:
        """Whether the address is a place of the last batch on too many exporters' declarations (its road folded
        with theirs at its city and house number, as the batch's were)."""
        key = normalise_address(address)
        if key.text in self.shared_addresses_:
            return True
        group = self._shared_places.get((key.city, key.number), [])
        return bool(group) and fold_roads([*group, key])[-1].text in self.shared_addresses_

    def _phone_hit(self, phone: str) -> tuple[Support, ...]:
        return () if phone in self.shared_phones_ else self.phones_.get(phone, ())

    def _learn_shared(
        self,
        phone_codes: np.ndarray,
        phones: list[str],
        address_codes: np.ndarray,
        address_keys: list[str],
        name_codes: np.ndarray,
        names: list[str],
    ) -> None:
        """The batch's phones and address keys on more than ``max_exporters`` exporters' declarations."""
        exporter = [exporter_key(n) for n in names]

        def shared(codes: np.ndarray, values: list[str]) -> frozenset[str]:
            pairs = np.unique(np.stack([codes, name_codes], 1)[(codes >= 0) & (name_codes >= 0)], axis=0)
            users: dict[str, set[str]] = defaultdict(set)
            for c, n in pairs.tolist():
                users[values[c]].add(exporter[n])
            return frozenset(v for v, u in users.items() if v and count_exporters(u) > self.max_exporters)

        self.shared_phones_ = shared(phone_codes, phones)
        self.shared_addresses_ = shared(address_codes, address_keys)
        if self.shared_phones_ or self.shared_addresses_:
            log.info(
                "exporter index: %d phones and %d addresses on more than %d exporters' declarations left out",
                len(self.shared_phones_),
                len(self.shared_addresses_),
                self.max_exporters,
            )

    def _check_fitted(self) -> None:
        if not hasattr(self, "phones_"):
            raise ParameterError("This ExporterIndex is not fitted yet: call fit or build first.")

    @staticmethod
    def _link(
        declaration_id: str, phone: tuple[Support, ...], address: AddressHit, name: NameHit
    ) -> ExporterLink:
        network, _, evidence = _decide(phone, address, name)
        return ExporterLink(
            declaration_id,
            network,
            bool(phone),
            address.kind,
            address.similarity,
            name.support is not None,
            name.similarity,
            evidence,
        )
