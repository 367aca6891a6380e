"""Ties through shared forwarders on a hand-built forwarder: its parcels, its exporters, exactly known answers."""

from __future__ import annotations

from collections.abc import Iterator

import pyarrow as pa
import pytest

from marketguard.detect.exporter_ties import LINK_SCHEMA, ExporterLink
from marketguard.detect.forwarder_ties import forwarder_ties, with_forwarder_tie, with_forwarder_ties
from marketguard.engine import make_backend
from marketguard.engine.tables import Tables

FRONT = "深圳市恒达鑫源贸易有限公司"
HONEST = "杭州市金鹏华盛实业有限公司"
ONCE = "上海市宏远德隆进出口有限公司"
#: Listings: store, brand. S1 and S2 are network N1's, S3 network N2's, S4-S6 honest.
LISTINGS = {"L1": ("S1", "Kingmem"), "L2": ("S2", "Ritex"), "L3": ("S3", "Kingmem"), "L4": ("S4", "Kingmem"),
            "L5": ("S5", "Ritex"), "L6": ("S6", "Lumo")}  # fmt: skip
#: Parcels per listing through the forwarder's desk phone fwd-1: N1 7, N2 2, honest 7 of 16, so no network
#: holds half of them (a hub); of its Kingmem parcels N1 ships 4 of 7, of its Ritex 3 of 4, of Lumo none.
#: N1's own phone p-n1 ships only N1's parcels: the screener's own ties read it, not this.
PARCELS = {("L1", "fwd-1"): 4, ("L2", "fwd-1"): 3, ("L3", "fwd-1"): 2, ("L4", "fwd-1"): 1, ("L5", "fwd-1"): 1,
           ("L6", "fwd-1"): 5, ("L1", "p-n1"): 6}  # fmt: skip
LIKELY = "广州市宏远嘉禾贸易有限公司"
DECLARATIONS = [
    *(
        (f"D{i}", FRONT, "fwd-1", brand)
        for i, brand in enumerate(("Kingmem", "Ritex", "Kingmem", "Ritex", "Kingmem"), 1)
    ),
    ("D6", FRONT, "fwd-1", None),  # no brand: no pointer, but its exporter's tie covers it
    ("D7", "恒达鑫源贸易", "fwd-1", "Kingmem"),  # the front's name as another clerk writes it
    ("D8", HONEST, "fwd-1", "Kingmem"),
    *((f"D{i}", HONEST, "fwd-1", "Lumo") for i in range(9, 20)),
    ("D20", ONCE, "fwd-1", "Ritex"),
    # two of three pointing at N1 where most declarations do: what chance makes
    ("D21", LIKELY, "fwd-1", "Kingmem"),
    ("D22", LIKELY, "fwd-1", "Ritex"),
    ("D23", LIKELY, "fwd-1", "Lumo"),
    ("D24", FRONT, "p-n1", "Kingmem"),  # N1's own phone: not a hub, not this module's
]


@pytest.fixture
def tables() -> Iterator[Tables]:
    parcels = [(listing, phone) for (listing, phone), n in PARCELS.items() for _ in range(n)]
    data = {
        "stores": {"store_id": [f"S{i}" for i in range(1, 7)], "account_id": [f"A{i}" for i in range(1, 7)]},
        "account_networks": {"account_id": ["A1", "A2", "A3"], "network_id": ["N1", "N1", "N2"]},
        "listings": {
            "listing_id": list(LISTINGS),
            "store_id": [s for s, _ in LISTINGS.values()],
            "brand": [b for _, b in LISTINGS.values()],
        },
        "orders": {"order_id": [f"O{i}" for i in range(len(parcels))], "listing_id": [p[0] for p in parcels]},
        "shipments": {
            "shipment_id": [f"SH{i}" for i in range(len(parcels))],
            "order_id": [f"O{i}" for i in range(len(parcels))],
            "sender_phone": [p[1] for p in parcels],
            "origin_address": [None] * len(parcels),
        },
        "declarations": {
            "declaration_id": [d[0] for d in DECLARATIONS],
            "exporter": [d[1] for d in DECLARATIONS],
            "exporter_phone": [d[2] for d in DECLARATIONS],
            "exporter_address": [None] * len(DECLARATIONS),
            "brand": [d[3] for d in DECLARATIONS],
        },
    }
    with make_backend("duckdb") as backend:
        for name, columns in data.items():
            schema = pa.schema([(c, pa.string()) for c in columns])
            backend.register_arrow(name, pa.table(columns, schema=schema))
        yield Tables(backend, frozenset(data) - {"account_networks"})


def test_an_exporter_filing_a_networks_goods_again_and_again_is_tied(tables: Tables) -> None:
    ties = forwarder_ties(tables)
    # the front, and its name as written without the city
    assert sorted(ties) == ["shenzhen|hengdaxinyuan|trade", "|hengdaxinyuan|trade"]
    assert len(set(ties.values())) == 1
    tie = ties["shenzhen|hengdaxinyuan|trade"]
    assert tie.network_id == "N1"
    assert tie.evidence == (
        "filed through forwarder contact 'fwd-1' (parcels of 2 networks and 3 other stores); 6 of its 6 branded "
        "declarations through forwarders are goods network N1 ships most of there (other exporters there: 25%)"
    )


def test_chance_meetings_and_single_pointers_tie_nobody(tables: Tables) -> None:
    """The honest exporter's Kingmem points at N1, its Lumo at nobody: one of twelve is no tie; an exporter with one
    declaration pointing at N1 is no tie either (one is a coincidence any brand can make), nor one with two of
    three where the other exporters' declarations point at N1 8 times in 19: chance gives that 38% of the time."""
    ties = forwarder_ties(tables)
    links = _links(len(DECLARATIONS), tied={23: "N1"})  # D24 tied by the network's own phone already
    exporters = pa.chunked_array([pa.array([d[1] for d in DECLARATIONS])])
    out = with_forwarder_ties(links, exporters, ties)
    assert out.column("network_id").to_pylist() == ["N1"] * 7 + [None] * 16 + ["N1"]
    assert out.column("forwarder_match").to_pylist() == [True] * 7 + [False] * 17
    assert out.column("evidence")[23].as_py() == ["own"]
    assert forwarder_ties(tables, min_declarations=7) == {}


def test_the_real_time_path_reads_the_fitted_ties(tables: Tables) -> None:
    ties = forwarder_ties(tables)
    untied = ExporterLink("D10", None, False, None, 0.0, False, 0.0, ())
    one = with_forwarder_tie(untied, "深圳恒达鑫源贸易有限公司", ties)
    assert (one.network_id, one.forwarder_match) == ("N1", True) and one.evidence[0].startswith(
        "filed through"
    )
    assert with_forwarder_tie(untied, HONEST, ties) == untied
    own = ExporterLink("D11", "N2", True, None, 0.0, False, 0.0, ("own",))
    assert with_forwarder_tie(own, FRONT, ties) == own  # what ties it already stands


def _links(n: int, tied: dict[int, str]) -> pa.Table:
    rows = [
        ExporterLink(
            f"D{i + 1}", tied.get(i), i in tied, None, 0.0, False, 0.0, ("own",) if i in tied else ()
        )
        for i in range(n)
    ]
    return pa.Table.from_pylist([r.as_row() for r in rows], schema=LINK_SCHEMA)
