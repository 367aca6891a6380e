"""Ties through overseas consignees on hand-built rows: siblings of a tied front, big importers, mixed buyers."""

from __future__ import annotations

import pyarrow as pa

from marketguard.detect.consignee_ties import ConsigneeTies, consignee_key
from marketguard.detect.exporter_matching import exporter_key
from marketguard.detect.exporter_ties import LINK_SCHEMA, ExporterLink

TIED = "深圳市恒达鑫源贸易有限公司"
SIBLING = "东莞市金鹏华盛实业有限公司"
HONEST = [
    f"杭州市{w}贸易有限公司" for w in ("宏远德隆", "顺发瑞丰", "盛世天成", "佳美富康", "浩宇汇通", "永信伟业")
]
#: (exporter, consignee, destination, network tied so far)
ROWS = [
    (TIED, "Oak Peak Imports Co., Ltd.", "KR", "N1"),
    (SIBLING, "OAK PEAK IMPORTS", "KR", None),  # the same buyer written another way: tied through it
    (SIBLING, "Oak Peak Imports Co., Ltd.", "AE", None),  # a namesake in another country: another company
    # a big importer: the tied front and six honest exporters ship to it
    (TIED, "Fulfilment Importer DE GmbH", "DE", "N1"),
    *((h, "Fulfilment Importer DE GmbH", "DE", None) for h in HONEST),
    # a small importer buying from the tied front and three honest exporters: nobody's
    (TIED, "Vista Unity Commerce LLC", "US", "N1"),
    *((h, "Vista Unity Commerce LLC", "US", None) for h in HONEST[:3]),
    # a buyer of two networks' exporters: nobody's
    (TIED, "Coral Sun Trading GmbH", "DE", "N1"),
    ("上海市德隆明辉进出口有限公司", "Coral Sun Trading GmbH", "DE", "N2"),
    (SIBLING, "Coral Sun Trading GmbH", "DE", None),
]

EXPORTER_KEYS = [exporter_key(r[0]) for r in ROWS]


def _learn() -> tuple[ConsigneeTies, list[str], pa.Table]:
    exporters = pa.array([r[0] for r in ROWS])
    consignees = pa.array([r[1] for r in ROWS])
    keys = ConsigneeTies.keys(consignees, pa.array([r[2] for r in ROWS]))
    rows = [
        ExporterLink(f"D{i:02d}", r[3], r[3] is not None, None, 0.0, False, 0.0, ("own",) if r[3] else ())
        for i, r in enumerate(ROWS)
    ]
    links = pa.Table.from_pylist([r.as_row() for r in rows], schema=LINK_SCHEMA)
    learned = ConsigneeTies.learn(exporters, EXPORTER_KEYS, consignees, keys, links.column("network_id"))
    return learned, keys, links


def test_consignee_key_drops_case_punctuation_and_legal_form_not_the_country() -> None:
    assert consignee_key("Oak Peak Imports Co., Ltd.", "kr") == consignee_key("OAK PEAK IMPORTS", "KR")
    assert consignee_key("Oak Peak Imports Co., Ltd.", "KR") == "KR|oak peak imports"
    assert consignee_key("Oak Peak Imports", "AE") != consignee_key("Oak Peak Imports", "KR")
    assert consignee_key("  ", "KR") == consignee_key(None, "KR") == ""
    assert consignee_key("Ltd", "GB") == "GB|ltd"  # a name of legal words alone keeps them


def test_a_front_shipping_to_its_siblings_buyer_is_tied_and_hubs_and_mixed_buyers_tie_nobody() -> None:
    ties, keys, links = _learn()
    assert list(ties.ties) == ["KR|oak peak imports"]
    assert ties.ties["KR|oak peak imports"] == (
        "N1",
        f"its consignee 'Oak Peak Imports Co., Ltd.' (KR) also receives the goods of 1 exporter tied to network N1 "
        f"({TIED}), 1 of its 2 exporters",
    )
    out = ties.apply(links, keys)
    assert out.column("network_id").to_pylist()[:3] == ["N1", "N1", None]
    assert out.column("consignee_match").to_pylist() == [False, True] + [False] * (len(ROWS) - 2)
    assert out.column("evidence")[0].as_py() == ["own"]


def test_a_bigger_cap_makes_the_shared_buyers_evidence_and_the_real_time_path_reads_the_batch() -> None:
    exporters = pa.array([r[0] for r in ROWS])
    consignees = pa.array([r[1] for r in ROWS])
    keys = ConsigneeTies.keys(consignees, pa.array([r[2] for r in ROWS]))
    networks = pa.array([r[3] for r in ROWS], pa.string())
    wide = ConsigneeTies.learn(exporters, EXPORTER_KEYS, consignees, keys, networks, max_exporters=7)
    assert "DE|fulfilment importer de" not in wide.ties  # 1 tied of 7: still not half
    assert "US|vista unity commerce" not in wide.ties  # 1 of 4
    ties, _, _ = _learn()
    untied = ExporterLink("D99", None, False, None, 0.0, False, 0.0, ())
    one = ties.tie_one(untied, "oak peak imports co ltd", "KR")
    assert (one.network_id, one.consignee_match) == ("N1", True)
    assert ties.tie_one(untied, "Oak Peak Imports", "AE") == untied
    own = ExporterLink("D98", "N2", True, None, 0.0, False, 0.0, ("own",))
    assert ties.tie_one(own, "Oak Peak Imports", "KR") == own
