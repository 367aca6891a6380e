"""Tying export declarations to networks on tiny hand-built tables with exactly known answers."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pytest

from marketguard.detect.exporter_ties import LINK_SCHEMA, CompanyName, ExporterIndex, company_name
from marketguard.errors import ContractError, ParameterError
from marketguard.features.addresses import MAX_ADDRESS_CHARS
from marketguard.features.company_names import MAX_COMPANY_NAME_CHARS

SITE_1 = "广东省深圳市宝安区福永大道88号"
HENGDA = "深圳市恒达鑫源贸易有限公司"


def _phones() -> pa.Table:
    rows = [
        ("N1", "ph_a1", "S1", "account"),
        *[("N1", "ph_s1", store, "sender") for store in ("S1", "S2", "S3")],
        ("N1", "ph_x", "S1", "sender"),
        ("N2", "ph_b1", "S4", "account"),
        ("N2", "ph_b1", "S4", "sender"),
        ("N2", "ph_x", "S4", "sender"),
        ("N2", "ph_x", "S5", "sender"),
    ]
    names = ("network_id", "phone", "store_id", "kind")
    return pa.Table.from_pylist([dict(zip(names, row, strict=True)) for row in rows])


def _addresses() -> pa.Table:
    return pa.table(
        {
            "network_id": ["N1", "N1", "N2"],
            "address": [SITE_1, "浙江省义乌市稠城街道工人北路100号", "上海市闵行区创业路339号"],
            "rank": [1, 2, 1],
        }
    )


def _declarations(rows: list[tuple[str, str, str | None, str | None]]) -> pa.Table:
    names = ("declaration_id", "exporter", "exporter_address", "exporter_phone")
    schema = pa.schema([(name, pa.string()) for name in names])
    return pa.Table.from_pylist([dict(zip(names, row, strict=True)) for row in rows], schema=schema)


BATCH = [
    ("D1", HENGDA, "深圳宝安福永大道88号", "ph_s1"),
    ("D2", HENGDA, "深圳市宝安区福永大道８８号3楼301室", None),
    (
        "D3",
        "Shenzhen Hengda Xinyuan Trading Co., Ltd.",
        "No.88 Fuyong Avenue, Baoan, Shenzhen, Guangdong",
        None,
    ),
    ("D4", "恒达鑫源贸易", None, "ph_unknown"),
    ("D5", "深圳市金鹏华盛实业有限公司", "No.88 Fuyongg Avenue, Baoan, Shenzhen", None),
    ("D6", "上海市宏远德隆进出口有限公司", "上海市闵行区创业路341号", "ph_h1"),
    ("D7", "义乌市顺发瑞丰贸易有限公司", None, "ph_x"),
    ("D8", "青岛市盛世天成供应链有限公司", None, "ph_b1"),
]
SITE_1_IS = f"exporter address is site #1 of network N1 ({SITE_1})"
NAME_N1 = f"exporter name matches {HENGDA} tied to N1 by phone and address"


@pytest.fixture
def linked() -> tuple[ExporterIndex, dict[str, dict[str, Any]]]:
    index = ExporterIndex.build(_phones(), _addresses())
    table = index.link(_declarations(BATCH))
    return index, {row["declaration_id"]: row for row in table.to_pylist()}


def _expected(
    network: str | None, phone: bool, address: str | None, a_sim: float, name: bool, n_sim: float, *ev: str
) -> dict[str, Any]:
    values = (network, phone, address, a_sim, name, n_sim, False, False, list(ev))
    return dict(zip(LINK_SCHEMA.names[1:], values, strict=True))


def _without_id(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k != "declaration_id"}


def test_phone_matches_exactly(linked: tuple[ExporterIndex, dict[str, dict[str, Any]]]) -> None:
    _, rows = linked
    assert _without_id(rows["D1"]) == _expected(
        "N1", True, "exact_key", 1.0, True, 1.0,
        "exporter phone ph_s1 is the sender phone of 3 stores of network N1", SITE_1_IS, NAME_N1,
    )  # fmt: skip
    assert rows["D8"]["evidence"][0] == (
        "exporter phone ph_b1 is the account phone of 1 store and the sender phone of 1 store of network N2"
    )


def test_one_address_written_three_ways_meets_on_one_key(
    linked: tuple[ExporterIndex, dict[str, dict[str, Any]]],
) -> None:
    _, rows = linked
    for declaration in ("D1", "D2", "D3"):
        assert rows[declaration]["network_id"] == "N1"
        assert rows[declaration]["address_match"] == "exact_key"
        assert SITE_1_IS in rows[declaration]["evidence"]
    assert _without_id(rows["D3"]) == _expected("N1", False, "exact_key", 1.0, True, 1.0, SITE_1_IS, NAME_N1)


def test_near_identical_address_matches_fuzzily(
    linked: tuple[ExporterIndex, dict[str, dict[str, Any]]],
) -> None:
    _, rows = linked
    assert _without_id(rows["D5"]) == _expected(
        "N1", False, "fuzzy", 0.9677, True, 1.0,
        f"exporter address resembles (similarity 0.97) site #1 of network N1 ({SITE_1})",
        "exporter name matches 深圳市金鹏华盛实业有限公司 tied to N1 by address",
    )  # fmt: skip


def test_company_name_variant_ties_by_name(linked: tuple[ExporterIndex, dict[str, dict[str, Any]]]) -> None:
    _, rows = linked
    assert _without_id(rows["D4"]) == _expected("N1", False, None, 0.0, True, 1.0, NAME_N1)


def test_honest_exporter_ties_to_nothing(linked: tuple[ExporterIndex, dict[str, dict[str, Any]]]) -> None:
    _, rows = linked  # same road as a site of N2, another house number: not the same place
    assert _without_id(rows["D6"]) == _expected(None, False, None, 0.0, False, 0.0)


def test_shared_phone_prefers_the_network_with_most_stores(
    linked: tuple[ExporterIndex, dict[str, dict[str, Any]]],
) -> None:
    _, rows = linked
    assert _without_id(rows["D7"]) == _expected(
        "N2", True, None, 0.0, True, 1.0,
        "exporter phone ph_x is the sender phone of 2 stores of network N2",
        "exporter name matches 义乌市顺发瑞丰贸易有限公司 tied to N2 by phone",
        "other networks with matching evidence: N1 (phone)",
    )  # fmt: skip


def test_a_short_name_fitting_two_cities_ties_to_nothing() -> None:
    index = ExporterIndex.build(_phones(), _addresses())
    rows = index.link(
        _declarations([*BATCH, ("D9", "上海市恒达鑫源贸易有限公司", None, "ph_h2")])
    ).to_pylist()
    by_id = {row["declaration_id"]: row for row in rows}
    assert _without_id(by_id["D9"]) == _expected(None, False, None, 0.0, False, 0.0)
    assert _without_id(by_id["D4"]) == _expected(None, False, None, 0.0, False, 1.0)


def test_link_one_equals_the_batch_row(linked: tuple[ExporterIndex, dict[str, dict[str, Any]]]) -> None:
    index, rows = linked
    for declaration in _declarations(BATCH).to_pylist():
        assert index.link_one(declaration).as_row() == rows[declaration["declaration_id"]]
    new = {"declaration_id": "D10", "exporter": "Hengda Xinyuan Trading Ltd", "exporter_phone": None}
    assert index.link_one(new).network_id == "N1"


def test_link_is_deterministic_whatever_the_row_order(
    linked: tuple[ExporterIndex, dict[str, dict[str, Any]]],
) -> None:
    _, rows = linked
    again = ExporterIndex.build(_phones().take([8, 3, 0, 5, 1, 7, 2, 6, 4]), _addresses().take([2, 1, 0]))
    shuffled = again.link(_declarations(BATCH[::-1])).to_pylist()
    assert {row["declaration_id"]: row for row in shuffled} == rows


def test_phones_without_stores_count_records() -> None:
    phones = pa.table({"network_id": ["N3", "N3"], "phone": ["ph_z", "ph_z"]})
    index = ExporterIndex.build(phones, pa.table({"network_id": ["N3"], "address": [SITE_1]}))
    row = index.link_one({"declaration_id": "D1", "exporter": "某某公司", "exporter_phone": "ph_z"})
    assert row.evidence == ("exporter phone ph_z is a phone named in 2 records of network N3",)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (HENGDA, CompanyName("shenzhen", "hengdaxinyuan", frozenset({"trade"}))),
        ("恒达鑫源贸易", CompanyName("", "hengdaxinyuan", frozenset({"trade"}))),
        (
            "Shenzhen Hengda Xinyuan Trading Co., Ltd.",
            CompanyName("shenzhen", "hengdaxinyuan", frozenset({"trade"})),
        ),
        ("恒达鑫源(深圳)进出口有限公司", CompanyName("shenzhen", "hengdaxinyuan", frozenset({"impexp"}))),
        ("Hengda Xinyuan Import & Export Limited", CompanyName("", "hengdaxinyuan", frozenset({"impexp"}))),
        ("深圳市有限公司", CompanyName("shenzhen", "", frozenset())),
    ],
)
def test_company_name(name: str, expected: CompanyName) -> None:
    assert company_name(name) == expected


def test_missing_columns_and_bad_parameters_are_named() -> None:
    with pytest.raises(ContractError, match=r"network_phones\.phone: missing column"):
        ExporterIndex.build(pa.table({"network_id": ["N1"]}), _addresses())
    index = ExporterIndex.build(_phones(), _addresses())
    with pytest.raises(ContractError, match=r"declarations\.exporter: missing column"):
        index.link(pa.table({"declaration_id": ["D1"]}))
    with pytest.raises(ParameterError, match=r"'min_name_similarity' parameter of ExporterIndex .* Got 1.5"):
        ExporterIndex.build(_phones(), _addresses(), min_name_similarity=1.5)
    with pytest.raises(ParameterError, match="not fitted yet"):
        ExporterIndex().link_one({"declaration_id": "D1", "exporter": HENGDA})


def test_a_contact_on_more_exporters_declarations_than_an_operator_has_fronts_ties_nobody() -> None:
    """A forwarder's desk phone or warehouse that consolidates one network's parcels looks like the network's own
    to the parcels alone; on six exporters' declarations it is whoever files for them, on five it still ties."""
    words = ("金鹏华盛", "宏远德隆", "顺发瑞丰", "盛世天成", "佳美富康", "浩宇汇通")
    exporters = [HENGDA, *(f"深圳市{word}贸易有限公司" for word in words[:5])]
    index = ExporterIndex.build(_phones(), _addresses(), max_exporters=5)
    six = index.link(_declarations([(f"D{i}", name, SITE_1, "ph_s1") for i, name in enumerate(exporters)]))
    assert six.column("network_id").null_count == 6
    assert index.shared_phones_ == {"ph_s1"} and len(index.shared_addresses_) == 1
    one = index.link_one({"declaration_id": "D9", "exporter": exporters[0], "exporter_phone": "ph_s1"})
    assert one.network_id is None and not one.phone_match
    # the place written another way (no district, the digits full-width) is the same shared place
    other = index.link_one(
        {"declaration_id": "D9", "exporter": HENGDA, "exporter_address": "深圳宝安福永大道８８号"}
    )
    assert other.network_id is None and other.address_match is None
    five = index.link(
        _declarations([(f"D{i}", name, SITE_1, "ph_s1") for i, name in enumerate(exporters[:5])])
    )
    assert five.column("network_id").to_pylist() == ["N1"] * 5
    assert index.shared_phones_ == frozenset() and index.shared_addresses_ == frozenset()
    # the forms of one company's name are one exporter
    forms = [HENGDA, "恒达鑫源贸易", "深圳恒达鑫源贸易有限公司", *exporters[1:5]]
    assert (
        index.link(_declarations([(f"D{i}", n, None, "ph_s1") for i, n in enumerate(forms)]))
        .column("phone_match")
        .to_pylist()
        == [True] * 7
    )


def test_shared_warehouses_and_other_districts_are_no_evidence() -> None:
    warehouse = "广东省广州市白云区科技路168号"
    addresses = pa.table(
        {
            "network_id": ["N1", *[f"N{i}" for i in range(3, 9)]],
            "address": ["广东省深圳市宝安区和平路918号", *[warehouse] * 6],
        }
    )
    index = ExporterIndex.build(_phones(), addresses, max_address_networks=5)
    rows = index.link(
        _declarations(
            [
                ("D1", "广州市嘉禾富康贸易有限公司", "广州白云科技路168号", None),
                ("D2", "深圳市嘉禾富康贸易有限公司", "深圳市龙华区和平路918号", None),
                ("D3", "深圳市富康嘉禾贸易有限公司", "深圳宝安和平路918号3楼301室", None),
            ]
        )
    ).to_pylist()
    assert [(row["network_id"], row["address_match"]) for row in rows] == [
        (None, None),
        (None, None),
        ("N1", "exact_key"),
    ]
    assert rows[2]["evidence"] == [
        "exporter address is a site address of network N1 (广东省深圳市宝安区和平路918号)",
        "exporter name matches 深圳市富康嘉禾贸易有限公司 tied to N1 by address",
    ]


MEGABYTE = 1_000_000
TIE_FIELDS = (
    "network_id",
    "phone_match",
    "address_match",
    "address_similarity",
    "name_match",
    "name_similarity",
)


def _padded(text: str | None) -> str | None:
    """A value as a fixed-width export writes it: followed by a megabyte of spaces."""
    return None if text is None else text + " " * MEGABYTE


def test_padded_exporter_and_site_values_tie_as_their_plain_forms() -> None:
    index = ExporterIndex.build(_phones(), _addresses())
    plain = index.link(_declarations(BATCH)).to_pylist()
    padded = index.link(
        _declarations([(d, _padded(name), _padded(address), phone) for d, name, address, phone in BATCH])
    ).to_pylist()
    sites = _addresses().to_pydict()
    padded_sites = ExporterIndex.build(
        _phones(), pa.table(sites | {"address": [_padded(a) for a in sites["address"]]})
    )
    against_padded_sites = padded_sites.link(_declarations(BATCH)).to_pylist()
    for row, other, third in zip(plain, padded, against_padded_sites, strict=True):
        assert (
            {f: row[f] for f in TIE_FIELDS}
            == {f: other[f] for f in TIE_FIELDS}
            == {f: third[f] for f in TIE_FIELDS}
        )
        # evidence quotes what was read of a written form, not the megabyte
        assert all(
            len(sentence) < 2 * MAX_ADDRESS_CHARS for sentence in other["evidence"] + third["evidence"]
        )
    assert (
        against_padded_sites[0]["evidence"][1] == f"exporter address is site #1 of network N1 ({SITE_1}...)"
    )


@pytest.mark.parametrize(
    "tail",
    [" " * MEGABYTE, "贸易" * (MEGABYTE // 2), "(" * MEGABYTE, "Trading Co Ltd " * (MEGABYTE // 15)],
    ids=["spaces", "business-words", "open-brackets", "latin-legal-forms"],
)
def test_only_the_first_characters_of_a_long_company_name_are_read(tail: str) -> None:
    for name in (HENGDA, "Shenzhen Hengda Xinyuan Trading Co., Ltd."):
        long = name + tail
        assert company_name(long) == company_name(long[:MAX_COMPANY_NAME_CHARS])
    assert company_name(HENGDA + " " * MEGABYTE) == company_name(HENGDA)


def test_a_long_phone_is_quoted_cut_in_the_evidence() -> None:
    long_phone = "9" * 100_000
    phones = _phones().to_pydict()
    phones["phone"] = [long_phone if p == "ph_s1" else p for p in phones["phone"]]
    index = ExporterIndex.build(pa.table(phones), _addresses())
    tied = index.link(_declarations([("D1", "Nobody Ltd", None, long_phone)])).to_pylist()[0]
    assert tied["network_id"] == "N1"
    assert tied["evidence"][0].startswith(f"exporter phone {'9' * 64}... is the sender phone of 3 stores")
    assert max(len(s) for s in tied["evidence"]) < 300
