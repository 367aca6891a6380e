"""Tying customs export declarations to the counterfeit networks behind them.

An operator that exports through front companies leaves its own traces on their declarations: its phones and
the addresses of its own sites, written in whatever form the clerk chose, under a company name that varies
from one filing to the next ("深圳市恒达鑫源贸易有限公司", "恒达鑫源贸易", "Shenzhen Hengda Xinyuan Trading Co.,
Ltd."). Three kinds of evidence are read:

1. Phone: the exporter phone is, exactly, an account phone or a sender phone of the network's stores. A phone
   shared by several networks points at all of them, the one with the most stores (or rows) first.
2. Address: the exporter address has the address key (:mod:`marketguard.trace.addresses`) of one of the
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
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple, Self

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from marketguard.errors import ContractError, ParameterError, Problem
from marketguard.sentences import plural
from marketguard.trace.addresses import AddressKey, address_keys, normalise_address
from marketguard.trace.company_names import CompanyName, company_name

__all__ = ["LINK_SCHEMA", "CompanyName", "ExporterIndex", "ExporterLink", "company_name"]

log = logging.getLogger(__name__)

LINK_SCHEMA = pa.schema(
    [
        ("declaration_id", pa.string()),
        ("network_id", pa.string()),
        ("phone_match", pa.bool_()),
        ("address_match", pa.string()),
        ("address_similarity", pa.float64()),
        ("name_match", pa.bool_()),
        ("name_similarity", pa.float64()),
        ("evidence", pa.list_(pa.string())),
    ]
)


@lru_cache(maxsize=1 << 16)
def _address_key(text: str) -> AddressKey:
    return normalise_address(text)


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

    def as_row(self) -> dict[str, Any]:
        """The row as in :data:`LINK_SCHEMA` (evidence as a list)."""
        return {name: getattr(self, name) for name in LINK_SCHEMA.names} | {"evidence": list(self.evidence)}


class _Support(NamedTuple):
    """One network a piece of evidence points at, its weight (stores or rows) and the sentence saying so."""

    network: str
    weight: int
    text: str


class _AddressHit(NamedTuple):
    kind: str | None
    similarity: float
    supports: tuple[_Support, ...]


class _NameHit(NamedTuple):
    similarity: float
    support: _Support | None


_NO_ADDRESS = _AddressHit(None, 0.0, ())
_MEMO_SIZE = 1 << 16  # distinct addresses / names remembered per index
_NO_NAME = _NameHit(0.0, None)


def _columns(
    table: pa.Table, name: str, required: tuple[str, ...], optional: dict[str, pa.DataType]
) -> pa.Table:
    """The table with its required columns as strings and absent optional columns added as nulls."""
    missing = [c for c in required if c not in table.column_names]
    if missing:
        raise ContractError([Problem(name, c, "missing column", f"add '{c}' to {name}") for c in missing])
    cols = {c: table[c].cast(pa.string()) for c in required}
    for col, dtype in optional.items():
        cols[col] = table[col].cast(dtype) if col in table.column_names else pa.nulls(table.num_rows, dtype)
    return pa.table(cols)


def _phone_index(table: pa.Table) -> dict[str, tuple[_Support, ...]]:
    """phone -> the networks using it, most stores (or, without store_id, rows) first."""
    unit = "store" if "store_id" in table.column_names else "record"
    t = _columns(
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
    index: dict[str, list[_Support]] = defaultdict(list)
    for phone, network, n in sorted(zip(*total.to_pydict().values(), strict=True)):
        parts = " and ".join(text for _, text in sorted(said[(phone, network)]))
        index[phone].append(_Support(network, n, f"exporter phone {phone} is {parts} of network {network}"))
    return {p: tuple(sorted(s, key=lambda x: (-x.weight, x.network))) for p, s in index.items()}


def _names_a_place(key: AddressKey) -> bool:
    """More than a city or district: a road and house number, or some other written remainder."""
    return bool(key.road and key.number) or key.rest not in ("", "-")


def _blocks_of(key: AddressKey) -> list[str]:
    """The fuzzy blocks a network's written address belongs to: its city and house number, and its house
    number alone (for exporter addresses without a city)."""
    return [f"{key.city}#{key.number}"] + ([f"#{key.number}"] if key.city and key.number else [])


def _fuzzy_text(key: AddressKey) -> str:
    return f"{key.road}|{key.number}|{key.rest}"


class _Block(NamedTuple):
    """Written addresses of one city and house number, for the fuzzy pass."""

    texts: list[str]
    entries: np.ndarray


class _AddressIndex:
    """Every network's written site addresses: by key (raw and folded), by city and house number (for the
    fold and the fuzzy pass); one entry per distinct (network, written form). Places used by more than
    ``max_networks`` networks (shared fulfilment warehouses, wholesale markets) are left out: they are no
    network's own."""

    def __init__(self, table: pa.Table, min_similarity: float, max_networks: int) -> None:
        t = _columns(table, "network_addresses", ("network_id", "address"), {"rank": pa.int64()})
        t = t.filter(pc.and_(pc.is_valid(t["network_id"]), pc.is_valid(t["address"])))
        agg = t.group_by(["network_id", "address"]).aggregate([("rank", "min"), ([], "count_all")])
        agg = agg.sort_by([("network_id", "ascending"), ("address", "ascending")])
        self.min_similarity = min_similarity
        self.network: list[str] = agg["network_id"].to_pylist()
        self.form: list[str] = agg["address"].to_pylist()
        self.weight: list[int] = agg["count_all"].to_pylist()
        forms = sorted(set(self.form))
        folded = dict(zip(forms, address_keys(forms), strict=True))
        self.raw = [_address_key(f) for f in self.form]
        self.folded = [folded[f] for f in self.form]
        users: dict[str, set[str]] = defaultdict(set)
        for network, key in zip(self.network, self.folded, strict=True):
            users[key.text].add(network)
        self.n_shared = sum(len(v) > max_networks for v in users.values())
        self.by_key: dict[str, list[int]] = defaultdict(list)
        self.by_place: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.form_entries: dict[str, list[int]] = defaultdict(list)
        site: dict[tuple[str, str], list[tuple[int, int, str]]] = defaultdict(list)
        blocks: dict[str, list[tuple[str, int]]] = defaultdict(list)
        districts: dict[tuple[str, str], set[str]] = defaultdict(set)
        ranks = agg["rank_min"].to_pylist()
        for i, (raw, key, rank) in enumerate(zip(self.raw, self.folded, ranks, strict=True)):
            if not _names_a_place(raw) or len(users[key.text]) > max_networks:
                continue
            for text in dict.fromkeys((raw.text, key.text)):
                self.by_key[text].append(i)
            if not self.form_entries[self.form[i]] and key.is_complete:
                self.by_place[(key.city, key.number)].append(self.form[i])
            self.form_entries[self.form[i]].append(i)
            site[(self.network[i], key.text)].append(
                (-1 if rank is None else rank, -self.weight[i], self.form[i])
            )
            for block in _blocks_of(key):
                blocks[block] += [(text, i) for text in dict.fromkeys((_fuzzy_text(raw), _fuzzy_text(key)))]
            districts[(self.network[i], key.text)].add(raw.district)
        self.site = {k: min(v, key=lambda s: (s[0] < 0, s)) for k, v in site.items()}
        # a site's districts: those any of its written forms names (a form without one says nothing)
        self.districts = [
            districts[(n, k.text)] - {""} for n, k in zip(self.network, self.folded, strict=True)
        ]
        self.blocks = {
            name: _Block([text for text, _ in rows], np.array([i for _, i in rows], dtype=np.int64))
            for name, rows in blocks.items()
        }
        self.memo: dict[str, _AddressHit] = {}

    def _in_district(self, i: int, district: str) -> bool:
        """Entry ``i`` is a site in this district, or in no recognised one, or the district is unknown."""
        return not district or not self.districts[i] or district in self.districts[i]

    def hit(self, text: str | None) -> _AddressHit:
        """The networks whose written site addresses one exporter address matches, exactly or fuzzily."""
        if text is None or not text.strip():
            return _NO_ADDRESS
        if (found := self.memo.get(text)) is None:
            found = self.memo[text] = self._hit(text, _address_key(text))
            if len(self.memo) > _MEMO_SIZE:
                self.memo.clear()
        return found

    def _hit(self, text: str, key: AddressKey) -> _AddressHit:
        if not _names_a_place(key):
            return _NO_ADDRESS
        ids = [i for i in self.by_key.get(key.text, ()) if self._in_district(i, key.district)]
        if not ids and key.is_complete and (forms := self.by_place.get((key.city, key.number))):
            keys = address_keys([*forms, text])  # fold the exporter's road with the network's at this place
            ids = [
                i
                for form, k in zip(forms, keys, strict=False)
                if k.text == keys[-1].text
                for i in self.form_entries[form]
                if self._in_district(i, key.district)
            ]
        if ids:
            return _AddressHit("exact_key", 1.0, self._supports(ids, "is"))
        return self._fuzzy(key)

    def _fuzzy(self, key: AddressKey) -> _AddressHit:
        """Near-identical written addresses of the same city and house number (or, without a city, the same
        house number), in a district that does not contradict the exporter's."""
        block = self.blocks.get(f"{key.city}#{key.number}")
        if block is None:
            return _NO_ADDRESS
        scores = process.cdist([_fuzzy_text(key)], block.texts, scorer=fuzz.ratio, dtype=np.float64)[0]
        ok = [self._in_district(i, key.district) for i in block.entries.tolist()]
        scores = np.where(ok, scores, 0.0)
        similarity = round(float(scores.max()) / 100, 4)
        if similarity < self.min_similarity:
            return _AddressHit(None, similarity, ())
        chosen = sorted(set(block.entries[scores == scores.max()].tolist()))
        return _AddressHit(
            "fuzzy", similarity, self._supports(chosen, f"resembles (similarity {similarity:.2f})")
        )

    def _supports(self, ids: list[int], said: str) -> tuple[_Support, ...]:
        by_network: dict[str, list[int]] = defaultdict(list)
        for i in ids:
            by_network[self.network[i]].append(i)
        out = []
        for network, found in by_network.items():
            rank, _, shown = min(
                (self.site[(network, self.folded[i].text)] for i in found), key=lambda s: (s[0] < 0, s)
            )
            where = f"site #{rank}" if rank >= 0 else "a site address"
            text = f"exporter address {said} {where} of network {network} ({shown})"
            out.append(_Support(network, sum(self.weight[i] for i in found), text))
        return tuple(sorted(out, key=lambda s: (-s.weight, s.network)))


class _NameIndex:
    """Names of the exporters of the last batch: those tied by phone or address (heaviest first), each with
    the network it points at, then the untied ones, which make a short name that fits them ambiguous."""

    def __init__(self, names: list[tuple[CompanyName, _Support | None]], min_similarity: float) -> None:
        self.names = names
        self.min_similarity = min_similarity
        self.cores = [name.core for name, _ in names]
        self.memo: dict[CompanyName, _NameHit] = {}

    def hits(self, queries: list[CompanyName]) -> list[_NameHit]:
        """Per name, the tied name it fuzzily equals (similarity 0 when none reaches ``min_similarity``);
        none when it equally fits an untied company that the tied one cannot be (a short name "恒达鑫源贸易"
        fitting firms of two cities)."""
        new = [q for q in dict.fromkeys(queries) if q not in self.memo]
        if len(self.memo) + len(new) > _MEMO_SIZE:
            self.memo.clear()
            new = list(dict.fromkeys(queries))
        if new and self.names:
            cutoff = 100 * self.min_similarity
            scores = process.cdist(
                [q.core for q in new], self.cores, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float64
            )
            self.memo.update((q, self._hit(q, row)) for q, row in zip(new, scores, strict=True))
        return [self.memo.get(q, _NO_NAME) for q in queries]

    def _hit(self, q: CompanyName, row: np.ndarray) -> _NameHit:
        found = [(-row[i], i) for i in np.flatnonzero(row).tolist() if q.core and q.fits(self.names[i][0])]
        tied = [(score, i) for score, i in found if self.names[i][1] is not None]
        if not tied:
            return _NO_NAME
        score, best = min(tied)  # highest score, then the heaviest tied name
        name, support = self.names[best]
        rivals = [i for _, i in found if self.names[i][1] is None and not name.fits(self.names[i][0])]
        return _NameHit(round(-score / 100, 4), None if rivals else support)

    @classmethod
    def learn(
        cls,
        first: list[tuple[str | None, tuple[str, ...], tuple[str, ...]]],
        pair_of_row: np.ndarray,
        name_codes: np.ndarray,
        names: list[str],
        min_similarity: float,
    ) -> _NameIndex:
        """Each exporter name of a batch, tied to the network most of its declarations tied by phone or
        address point at (``first``: the decision per (phone, address) pair), or untied."""
        both, counts = np.unique(np.stack([name_codes, pair_of_row], 1), axis=0, return_counts=True)
        votes: dict[CompanyName, dict[str | None, list[Any]]] = defaultdict(dict)
        for (code, pair), n in zip(both.tolist(), counts.tolist(), strict=True):
            company, (network, kinds, _) = company_name(names[code] if code >= 0 else None), first[pair]
            if company.core:
                vote = votes[company].setdefault(network, [0, set(), Counter()])
                vote[0] += n
                vote[1].update(kinds)
                vote[2][names[code]] += n
        learned: list[tuple[CompanyName, _Support | None]] = []
        for company, per_network in votes.items():
            tied = sorted((-v[0], network, v) for network, v in per_network.items() if network is not None)
            if not tied:
                learned.append((company, None))
                continue
            _, network, (n, kinds, written) = tied[0]
            shown = min(written.items(), key=lambda w: (-w[1], w[0]))[0]
            by = " and ".join(k for k in _KINDS if k in kinds)
            text = f"exporter name matches {shown} tied to {network} by {by}"
            learned.append((company, _Support(network, n, text)))
        learned.sort(key=lambda e: (e[1] is None, -(e[1].weight if e[1] else 0), e[0].key))
        return cls(learned, min_similarity)


_KINDS = ("phone", "address", "name")


def _decide(
    phone: tuple[_Support, ...], address: _AddressHit, name: _NameHit
) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """(network, the kinds of evidence pointing at it, evidence sentences) for one declaration."""
    found: dict[str, dict[str, _Support]] = defaultdict(dict)
    for kind, supports in zip(_KINDS, (phone, address.supports, (name.support,)), strict=True):
        for s in supports:
            if s is not None:
                found[s.network].setdefault(kind, s)
    if not found:
        return None, (), ()

    def order(item: tuple[str, dict[str, _Support]]) -> tuple[Any, ...]:
        network, kinds = item
        weights = [-(kinds[k].weight if k in kinds else 0) for k in _KINDS]
        return (-len(kinds), *(k not in kinds for k in _KINDS), *weights, network)

    network, kinds = min(found.items(), key=order)
    evidence = [kinds[k].text for k in _KINDS if k in kinds]
    others = [
        f"{n} ({', '.join(k for k in _KINDS if k in f)})" for n, f in sorted(found.items()) if n != network
    ]
    if others:
        more = f"; and {len(others) - 5} more" if len(others) > 5 else ""
        evidence.append(f"other networks with matching evidence: {'; '.join(others[:5])}{more}")
    return network, tuple(k for k in _KINDS if k in kinds), tuple(evidence)


def _codes(column: pa.ChunkedArray) -> tuple[np.ndarray, list[str]]:
    """Codes into the sorted distinct values; -1 for nulls and blanks."""
    column = pc.if_else(pc.equal(pc.utf8_trim_whitespace(column), ""), pa.scalar(None, pa.string()), column)
    values = pc.unique(column.drop_null())
    values = values.take(pc.array_sort_indices(values))
    codes = pc.fill_null(pc.index_in(column, value_set=values), -1)
    return codes.to_numpy().astype(np.int64, copy=False), values.to_pylist()


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

    Attributes
    ----------
    phones_
        phone -> the networks using it (most stores first), learned by :meth:`fit`.
    names_
        The exporters tied by phone or address in the last :meth:`link` batch, by name; what
        :meth:`link_one` matches names against.
    """

    def __init__(
        self,
        *,
        min_address_similarity: float = 0.9,
        min_name_similarity: float = 0.9,
        max_address_networks: int = 5,
    ) -> None:
        self.min_address_similarity = min_address_similarity
        self.min_name_similarity = min_name_similarity
        self.max_address_networks = max_address_networks

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
        n = self.max_address_networks
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ParameterError(
                f"The 'max_address_networks' parameter of ExporterIndex must be an int in the range [1, inf). "
                f"Got {n!r} instead."
            )
        self.phones_ = _phone_index(network_phones)
        self.addresses_ = _AddressIndex(
            network_addresses, float(self.min_address_similarity), self.max_address_networks
        )
        log.info(
            "exporter index: %d phones, %d written site addresses, %d shared places left out",
            len(self.phones_),
            len(self.addresses_.form),
            self.addresses_.n_shared,
        )
        self.names_ = _NameIndex([], float(self.min_name_similarity))
        return self

    def link(self, declarations: pa.Table) -> pa.Table:
        """One row per declaration in :data:`LINK_SCHEMA`; learns the names of the exporters it ties by phone
        or address (``names_``), which then tie other declarations of the batch, and later ones, by name."""
        self._check_fitted()
        t = _columns(
            declarations,
            "declarations",
            ("declaration_id", "exporter"),
            {"exporter_address": pa.string(), "exporter_phone": pa.string()},
        )
        phone_codes, phones = _codes(t["exporter_phone"])
        address_codes, addresses = _codes(t["exporter_address"])
        name_codes, names = _codes(t["exporter"])
        phone_hits = [self.phones_.get(p, ()) for p in phones] + [()]  # code -1 reads the last item
        address_hits = [self.addresses_.hit(a) for a in addresses] + [_NO_ADDRESS]
        pairs, pair_of_row = np.unique(np.stack([phone_codes, address_codes], 1), axis=0, return_inverse=True)
        first = [_decide(phone_hits[p], address_hits[a], _NO_NAME) for p, a in pairs.tolist()]
        self.names_ = _NameIndex.learn(
            first, pair_of_row.ravel(), name_codes, names, float(self.min_name_similarity)
        )
        name_hits = [*self.names_.hits([company_name(n) for n in names]), _NO_NAME]
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
        return self._link(
            str(declaration["declaration_id"]),
            self.phones_.get(phone, ()) if phone else (),
            self.addresses_.hit(None if address is None else str(address)),
            self.names_.hits([company_name(declaration.get("exporter"))])[0],
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "phones_"):
            raise ParameterError("This ExporterIndex is not fitted yet: call fit or build first.")

    @staticmethod
    def _link(
        declaration_id: str, phone: tuple[_Support, ...], address: _AddressHit, name: _NameHit
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
