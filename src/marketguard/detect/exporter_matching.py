"""The two fuzzy matchers behind :class:`~marketguard.detect.exporter_ties.ExporterIndex`: an exporter address
against every network's written site addresses, and an exporter's company name against the names of the
exporters a batch tied by phone or address. The rules they apply are the module notes of
:mod:`marketguard.detect.exporter_ties`; each remembers its answers per distinct address or name.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Any, NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from marketguard.errors import ContractError, Problem
from marketguard.features.addresses import (
    MAX_ADDRESS_CHARS,
    AddressKey,
    address_keys,
    fold_roads,
    normalise_address,
)
from marketguard.features.company_names import MAX_COMPANY_NAME_CHARS, CompanyName, company_name

__all__ = [
    "KINDS",
    "AddressHit",
    "AddressIndex",
    "NameHit",
    "NameIndex",
    "Support",
    "city_aliases",
    "columns",
    "count_exporters",
    "exporter_key",
]

#: The kinds of evidence, strongest first.
KINDS = ("phone", "address", "name")
MEMO_SIZE = 1 << 16  # distinct addresses / names remembered per index


class Support(NamedTuple):
    """One network a piece of evidence points at, its weight (stores or rows) and the sentence saying so."""

    network: str
    weight: int
    text: str


class AddressHit(NamedTuple):
    kind: str | None
    similarity: float
    supports: tuple[Support, ...]


class NameHit(NamedTuple):
    similarity: float
    support: Support | None


NO_ADDRESS = AddressHit(None, 0.0, ())
NO_NAME = NameHit(0.0, None)


def columns(
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


def exporter_key(name: str | None) -> str:
    """An exporter as its company name key (city, trade name, line of business: :func:`company_name`), or as
    written when the name has no trade name to read. Two companies of one trade name in two cities are two."""
    parsed = company_name(name)
    return parsed.key if parsed.core else f"raw|{name or ''}"


def _city_forms(keys: Iterable[str]) -> dict[str, set[str]]:
    """:func:`exporter_key` keys naming no city ("恒达鑫源贸易": the clerk left the city out) -> the keys of the same
    trade name and business that name one; only those with any."""
    keys = set(keys)
    named: dict[str, set[str]] = defaultdict(set)
    for k in keys:
        if not k.startswith(("|", "raw|")):
            named[k.split("|", 1)[1]].add(k)
    return {k: named[k[1:]] for k in keys if k.startswith("|") and k[1:] in named}


def count_exporters(keys: set[str]) -> int:
    """Distinct exporters among :func:`exporter_key` keys: a key naming no city is not counted beside a key of
    the same trade name and business that names one."""
    forms = _city_forms(keys)
    return sum(k not in forms for k in keys)


def city_aliases(keys: Iterable[str]) -> dict[str, str]:
    """Keys naming no city -> the one key of the same trade name and business naming a city (none when several
    do: which company the clerk meant is unknown)."""
    return {k: next(iter(v)) for k, v in _city_forms(keys).items() if len(v) == 1}


def quoted(text: str, limit: int) -> str:
    """A written form as evidence quotes it: whole, or cut to the ``limit`` characters that were read and
    marked "..." (a megabyte address would otherwise be repeated in the evidence of every declaration it
    ties)."""
    return text if len(text) <= limit else text[:limit].rstrip() + "..."


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


class AddressIndex:
    """Every network's written site addresses: by key (raw and folded), by city and house number (for the
    fold and the fuzzy pass); one entry per distinct (network, written form). Places used by more than
    ``max_networks`` networks (shared fulfilment warehouses, wholesale markets) are left out: they are no
    network's own."""

    def __init__(self, table: pa.Table, min_similarity: float, max_networks: int) -> None:
        t = columns(table, "network_addresses", ("network_id", "address"), {"rank": pa.int64()})
        t = t.filter(pc.and_(pc.is_valid(t["network_id"]), pc.is_valid(t["address"])))
        agg = t.group_by(["network_id", "address"]).aggregate([("rank", "min"), ([], "count_all")])
        agg = agg.sort_by([("network_id", "ascending"), ("address", "ascending")])
        self.min_similarity = min_similarity
        self.network: list[str] = agg["network_id"].to_pylist()
        self.form: list[str] = agg["address"].to_pylist()
        self.weight: list[int] = agg["count_all"].to_pylist()
        forms = sorted(set(self.form))
        raw_keys = [normalise_address(f) for f in forms]  # each distinct form once: it is what costs
        raw = dict(zip(forms, raw_keys, strict=True))
        folded = dict(zip(forms, fold_roads(raw_keys), strict=True))
        self.raw = [raw[f] for f in self.form]
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
        self.memo: dict[str, AddressHit] = {}

    def _in_district(self, i: int, district: str) -> bool:
        """Entry ``i`` is a site in this district, or in no recognised one, or the district is unknown."""
        return not district or not self.districts[i] or district in self.districts[i]

    def hit(self, text: str | None) -> AddressHit:
        """The networks whose written site addresses one exporter address matches, exactly or fuzzily."""
        if text is None or not text.strip():
            return NO_ADDRESS
        if (found := self.memo.get(text)) is None:
            found = self.memo[text] = self._hit(text, normalise_address(text))
            if len(self.memo) > MEMO_SIZE:
                self.memo.clear()
        return found

    def _hit(self, text: str, key: AddressKey) -> AddressHit:
        if not _names_a_place(key):
            return NO_ADDRESS
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
            return AddressHit("exact_key", 1.0, self._supports(ids, "is"))
        return self._fuzzy(key)

    def _fuzzy(self, key: AddressKey) -> AddressHit:
        """Near-identical written addresses of the same city and house number (or, without a city, the same
        house number), in a district that does not contradict the exporter's."""
        block = self.blocks.get(f"{key.city}#{key.number}")
        if block is None:
            return NO_ADDRESS
        scores = process.cdist([_fuzzy_text(key)], block.texts, scorer=fuzz.ratio, dtype=np.float64)[0]
        ok = [self._in_district(i, key.district) for i in block.entries.tolist()]
        scores = np.where(ok, scores, 0.0)
        similarity = round(float(scores.max()) / 100, 4)
        if similarity < self.min_similarity:
            return AddressHit(None, similarity, ())
        chosen = sorted(set(block.entries[scores == scores.max()].tolist()))
        return AddressHit(
            "fuzzy", similarity, self._supports(chosen, f"resembles (similarity {similarity:.2f})")
        )

    def _supports(self, ids: list[int], said: str) -> tuple[Support, ...]:
        by_network: dict[str, list[int]] = defaultdict(list)
        for i in ids:
            by_network[self.network[i]].append(i)
        out = []
        for network, found in by_network.items():
            rank, _, shown = min(
                (self.site[(network, self.folded[i].text)] for i in found), key=lambda s: (s[0] < 0, s)
            )
            where = f"site #{rank}" if rank >= 0 else "a site address"
            text = (
                f"exporter address {said} {where} of network {network} ({quoted(shown, MAX_ADDRESS_CHARS)})"
            )
            out.append(Support(network, sum(self.weight[i] for i in found), text))
        return tuple(sorted(out, key=lambda s: (-s.weight, s.network)))


class NameIndex:
    """Names of the exporters of the last batch: those tied by phone or address (heaviest first), each with
    the network it points at, then the untied ones, which make a short name that fits them ambiguous."""

    def __init__(self, names: list[tuple[CompanyName, Support | None]], min_similarity: float) -> None:
        self.names = names
        self.min_similarity = min_similarity
        self.cores = [name.core for name, _ in names]
        self.memo: dict[CompanyName, NameHit] = {}

    def hits(self, queries: list[CompanyName]) -> list[NameHit]:
        """Per name, the tied name it fuzzily equals (similarity 0 when none reaches ``min_similarity``);
        none when it equally fits an untied company that the tied one cannot be (a short name "恒达鑫源贸易"
        fitting firms of two cities)."""
        new = [q for q in dict.fromkeys(queries) if q not in self.memo]
        if len(self.memo) + len(new) > MEMO_SIZE:
            self.memo.clear()
            new = list(dict.fromkeys(queries))
        if new and self.names:
            cutoff = 100 * self.min_similarity
            scores = process.cdist(
                [q.core for q in new], self.cores, scorer=fuzz.ratio, score_cutoff=cutoff, dtype=np.float64
            )
            self.memo.update((q, self._hit(q, row)) for q, row in zip(new, scores, strict=True))
        return [self.memo.get(q, NO_NAME) for q in queries]

    def _hit(self, q: CompanyName, row: np.ndarray) -> NameHit:
        found = [(-row[i], i) for i in np.flatnonzero(row).tolist() if q.core and q.fits(self.names[i][0])]
        tied = [(score, i) for score, i in found if self.names[i][1] is not None]
        if not tied:
            return NO_NAME
        score, best = min(tied)  # highest score, then the heaviest tied name
        name, support = self.names[best]
        rivals = [i for _, i in found if self.names[i][1] is None and not name.fits(self.names[i][0])]
        return NameHit(round(-score / 100, 4), None if rivals else support)

    @classmethod
    def learn(
        cls,
        first: list[tuple[str | None, tuple[str, ...], tuple[str, ...]]],
        pair_of_row: np.ndarray,
        name_codes: np.ndarray,
        names: list[str],
        min_similarity: float,
    ) -> NameIndex:
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
        learned: list[tuple[CompanyName, Support | None]] = []
        for company, per_network in votes.items():
            tied = sorted((-v[0], network, v) for network, v in per_network.items() if network is not None)
            if not tied:
                learned.append((company, None))
                continue
            _, network, (n, kinds, written) = tied[0]
            shown = min(written.items(), key=lambda w: (-w[1], w[0]))[0]
            by = " and ".join(k for k in KINDS if k in kinds)
            text = f"exporter name matches {quoted(shown, MAX_COMPANY_NAME_CHARS)} tied to {network} by {by}"
            learned.append((company, Support(network, n, text)))
        learned.sort(key=lambda e: (e[1] is None, -(e[1].weight if e[1] else 0), e[0].key))
        return cls(learned, min_similarity)
