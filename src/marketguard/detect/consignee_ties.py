"""Tying declarations to networks through the overseas buyers they ship to.

An operator's front companies sell to the operator's own distributors abroad, whichever front files: a front
tied to nothing by its own contacts may ship to the consignee its sibling front, tied by a slip, ships to. Big
importers (a marketplace's importer of record, national distributors) receive from many exporters and tie
nobody, and a small importer buying from a front and from honest exporters alike is nobody's either:

A consignee (its country and name key: case, punctuation and legal form dropped, :func:`consignee_key`) ties its
declarations to network N when at most ``max_exporters`` exporters ship to it (an operator registers one front or
a few), the exporters already tied among them are all tied to N, and they are at least half of them. Every
declaration to it that nothing else ties gets the tie, with its reason: "its consignee 'Oak Peak Imports Co., Ltd.'
(AE) also receives the goods of 1 exporter tied to network N (深圳市恒达鑫源贸易有限公司), 1 of its 2 exporters".

Reads the batch's declarations (exporter, consignee) and the ties already made (:mod:`.exporter_ties`,
:mod:`.forwarder_ties`); one pass: a declaration tied here ties nothing further.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

import pyarrow as pa

from marketguard.detect.exporter_matching import count_exporters, quoted
from marketguard.detect.exporter_ties import MAX_EXPORTERS, ExporterLink, tie_one_untied, tie_untied
from marketguard.sentences import plural

__all__ = ["ConsigneeTies", "consignee_key"]

#: Characters of a consignee's name quoted in a reason.
SHOWN_CHARS = 64
#: Legal forms a clerk writes or leaves out, in the key's lower case.
_LEGAL = frozenset(
    [
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "gmbh",
        "ag",
        "kk",
        "sarl",
        "sas",
        "bv",
        "nv",
        "pte",
        "pty",
        "plc",
        "srl",
        "spa",
        "ab",
        "oy",
        "as",
        "sa",
    ]
)
_NOT_WORD = re.compile(r"[^\w]+")


def consignee_key(name: str | None, country: str | None) -> str:
    """A consignee as it identifies the company: its country (the declaration's destination; one name is two
    companies in two countries) and its name in lower case, words only, legal forms dropped ("Oak Peak Imports
    Co., Ltd." and "OAK PEAK IMPORTS" meet); "" for a blank name."""
    words = [w for w in _NOT_WORD.split((name or "").casefold()) if w]
    core = [w for w in words if w not in _LEGAL]
    return f"{(country or '').strip().upper()}|{' '.join(core or words)}" if words else ""


@dataclass(frozen=True)
class ConsigneeTies:
    """Consignee key -> (network, reason) for the consignees that tie, learned from one batch."""

    ties: dict[str, tuple[str, str]]

    @classmethod
    def learn(
        cls,
        exporters: pa.ChunkedArray | pa.Array,
        exporter_keys: list[str],
        consignees: pa.ChunkedArray | pa.Array,
        keys: list[str],
        networks: pa.ChunkedArray | pa.Array,
        max_exporters: int = MAX_EXPORTERS,
    ) -> ConsigneeTies:
        """From the batch's rows: each declaration's exporter as written and as its :func:`exporter_key`, its
        consignee as written and as its key (:meth:`keys`), and the network it is tied to so far (null: none)."""
        users: dict[str, set[str]] = defaultdict(set)
        shown: dict[str, str] = {}
        tied: dict[str, Counter[str]] = defaultdict(Counter)
        names: dict[str, str] = {}
        rows = zip(
            exporters.to_pylist(),
            exporter_keys,
            consignees.to_pylist(),
            keys,
            networks.to_pylist(),
            strict=True,
        )
        for exporter, who, consignee, key, network in rows:
            if network is not None:
                tied[who][network] += 1
                names.setdefault(who, exporter)
            if key:
                users[key].add(who)
                shown.setdefault(key, consignee)
        ties = {}
        for key, senders in sorted(users.items()):
            n = count_exporters(senders)
            if n > max_exporters:
                continue
            by = {
                e: max(tied[e].items(), key=lambda x: (x[1], x[0]))[0] for e in sorted(senders) if tied.get(e)
            }
            found = set(by.values())
            if len(found) != 1 or 2 * len(by) < n:
                continue
            (network,) = found
            first = names[min(by)]
            ties[key] = (
                network,
                f"its consignee '{quoted(shown[key], SHOWN_CHARS)}' ({key.split('|', 1)[0]}) also receives the "
                f"goods of {plural(len(by), 'exporter')} tied to network {network} ({first}), {len(by)} of its "
                f"{plural(n, 'exporter')}",
            )
        return cls(ties)

    @staticmethod
    def keys(consignees: pa.ChunkedArray | pa.Array, countries: pa.ChunkedArray | pa.Array) -> list[str]:
        """Each row's :func:`consignee_key`, computed once per distinct (consignee, country)."""
        memo: dict[tuple[str | None, str | None], str] = {}
        out = []
        for pair in zip(consignees.to_pylist(), countries.to_pylist(), strict=True):
            if pair not in memo:
                memo[pair] = consignee_key(*pair)
            out.append(memo[pair])
        return out

    def apply(self, links: pa.Table, keys: list[str]) -> pa.Table:
        """``links`` (row-aligned with the consignee ``keys``) with the untied rows to a tying consignee tied."""
        return tie_untied(links, [self.ties.get(k) for k in keys], "consignee_match")

    def tie_one(self, link: ExporterLink, consignee: str | None, country: str | None) -> ExporterLink:
        """One declaration's link, tied through its consignee when nothing else ties it."""
        return tie_one_untied(link, self.ties.get(consignee_key(consignee, country)), "consignee_match")
