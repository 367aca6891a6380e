"""Ties through shared forwarders on a hand-built forwarder: its parcels, the networks' catalogues, its exporters,
and the likelihood ratios worked out by hand."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pyarrow as pa
import pytest

from marketguard.detect.exporter_matching import exporter_key
from marketguard.detect.exporter_ties import LINK_SCHEMA, ExporterLink
from marketguard.detect.forwarder_ties import (
    ForwarderTie,
    forwarder_ties,
    with_forwarder_tie,
    with_forwarder_ties,
)
from marketguard.engine import make_backend
from marketguard.engine.tables import Tables

FRONT = "深圳市恒达鑫源贸易有限公司"
HONEST = "杭州市金鹏华盛实业有限公司"
EITHER = "上海市宏远德隆进出口有限公司"
#: Catalogues: N1 (stores S1, S2) lists Kingmem 3 and Ritex 2; N2 (S3) Kingmem 3 and Lumo 1; S4-S6 are honest.
LISTINGS = [("S1", "Kingmem")] * 3 + [("S2", "Ritex")] * 2 + [("S3", "Kingmem")] * 3 + [("S3", "Lumo")]
LISTINGS += [("S4", "Kingmem"), ("S6", "Zeta")]
#: Parcels through the forwarder's desk phone fwd-1 (by listing number): N1 3, N2 2, honest 6 of 11, so no
#: network holds half (a hub) and the forwarder ships for N1 and N2. N1's own phone p-n1 ships N1's alone.
PARCELS = [(0, "fwd-1")] * 3 + [(5, "fwd-1")] * 2 + [(10, "fwd-1")] * 6 + [(0, "p-n1")] * 4
DECLARATIONS = [
    *((FRONT, "Kingmem"),) * 3,
    *((FRONT, "Ritex"),) * 4,
    ("恒达鑫源贸易", "Ritex"),  # the front's name as another clerk writes it: the same exporter
    (FRONT, None),  # no brand: no evidence, but its exporter's tie covers it
    *((HONEST, "Zeta"),) * 6,  # goods neither network lists
    *((EITHER, "Kingmem"),) * 4,  # goods both networks list: N2 a little likelier, far from a thousand to one
]

EXPORTER_KEYS = [exporter_key(d[0]) for d in DECLARATIONS]


@pytest.fixture
def tables() -> Iterator[Tables]:
    n = len(PARCELS)
    data = {
        "stores": {"store_id": [f"S{i}" for i in range(1, 7)], "account_id": [f"A{i}" for i in range(1, 7)]},
        "account_networks": {"account_id": ["A1", "A2", "A3"], "network_id": ["N1", "N1", "N2"]},
        "listings": {
            "listing_id": [f"L{i}" for i in range(len(LISTINGS))],
            "store_id": [s for s, _ in LISTINGS],
            "brand": [b for _, b in LISTINGS],
        },
        "orders": {"order_id": [f"O{i}" for i in range(n)], "listing_id": [f"L{p[0]}" for p in PARCELS]},
        "shipments": {
            "shipment_id": [f"SH{i}" for i in range(n)],
            "order_id": [f"O{i}" for i in range(n)],
            "sender_phone": [p[1] for p in PARCELS],
            "origin_address": [None] * n,
        },
        "declarations": {
            "declaration_id": [f"D{i:02d}" for i in range(len(DECLARATIONS))],
            "exporter": [d[0] for d in DECLARATIONS],
            "exporter_phone": ["fwd-1"] * len(DECLARATIONS),
            "exporter_address": [None] * len(DECLARATIONS),
            "brand": [d[1] for d in DECLARATIONS],
        },
    }
    with make_backend("duckdb") as backend:
        for name, columns in data.items():
            schema = pa.schema([(c, pa.string()) for c in columns])
            backend.register_arrow(name, pa.table(columns, schema=schema))
        yield Tables(backend, frozenset(data) - {"account_networks"})


def test_an_exporter_filing_a_networks_goods_again_and_again_is_tied(tables: Tables) -> None:
    ties = _ties(tables)
    # the front, and its name as written without the city
    assert sorted(ties) == ["shenzhen|hengdaxinyuan|trade", "|hengdaxinyuan|trade"]
    tie = ties["shenzhen|hengdaxinyuan|trade"]
    assert ties["|hengdaxinyuan|trade"] == tie and tie.network_id == "N1"
    # the others declare Zeta 6 and Kingmem 4 of 10; 4 brands: chance is (count + 1) / 14
    k, r = 5 / 14, 1 / 14
    n1 = 3 * math.log((3 + k) / 6 / k) + 5 * math.log((2 + r) / 6 / r)  # N1 lists 5, plus one pseudo-listing
    n2 = 3 * math.log((3 + k) / 5 / k) + 5 * math.log(r / 5 / r)
    assert n1 > math.log(1000) > n2
    assert (
        tie.evidence
        == (
            "filed through forwarder contact 'fwd-1' (parcels of 2 networks and 1 other store), which ships network "
            "N1's parcels too; the brands of its 8 branded declarations (Ritex 5, Kingmem 3) are "
            f"{math.exp(n1):,.0f} times likelier drawn from N1's catalogue than as the other exporters declare, "
            f"10^{(n1 - n2) / math.log(10):.0f} times likelier than from the next network's (N2)"  # past a million
        )
    )


def test_goods_no_network_lists_or_two_networks_list_alike_tie_nobody(tables: Tables) -> None:
    ties = _ties(tables)
    out = with_forwarder_ties(_links(len(DECLARATIONS), tied={0: "N2"}), EXPORTER_KEYS, ties)
    assert out.column("network_id").to_pylist() == ["N2"] + ["N1"] * 8 + [None] * 10
    assert out.column("forwarder_match").to_pylist() == [False] + [True] * 8 + [False] * 10
    assert out.column("evidence")[0].as_py() == ["own"]  # what tied a declaration already stands
    assert _ties(tables, min_declarations=9) == {}


def test_the_real_time_path_reads_the_fitted_ties(tables: Tables) -> None:
    ties = _ties(tables)
    untied = ExporterLink("D99", None, False, None, 0.0, False, 0.0, ())
    one = with_forwarder_tie(untied, "深圳恒达鑫源贸易有限公司", ties)
    assert (one.network_id, one.forwarder_match) == ("N1", True) and one.evidence[0].startswith(
        "filed through"
    )
    assert with_forwarder_tie(untied, HONEST, ties) == untied
    own = ExporterLink("D98", "N2", True, None, 0.0, False, 0.0, ("own",))
    assert with_forwarder_tie(own, FRONT, ties) == own


def _ties(tables: Tables, min_declarations: int = 2) -> dict[str, ForwarderTie]:
    declarations = tables.fetch("SELECT * FROM declarations ORDER BY declaration_id", "declarations")
    return forwarder_ties(tables, declarations, EXPORTER_KEYS, min_declarations=min_declarations)


def _links(n: int, tied: dict[int, str]) -> pa.Table:
    rows = [
        ExporterLink(
            f"D{i:02d}", tied.get(i), i in tied, None, 0.0, False, 0.0, ("own",) if i in tied else ()
        )
        for i in range(n)
    ]
    return pa.Table.from_pylist([r.as_row() for r in rows], schema=LINK_SCHEMA)
