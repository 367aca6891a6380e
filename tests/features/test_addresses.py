"""Address keys: every written form of one place meets on one key, distinct places stay apart."""

from __future__ import annotations

import itertools
import re

import pytest

from marketguard.features.addresses import (
    _ZH_NOISE,
    MAX_ADDRESS_CHARS,
    AddressKey,
    address_keys,
    normalise_address,
)

HEFEI_FORMS = [
    "安徽省合肥市包河区新华路257号",  # canonical
    "合肥包河新华路257号",  # province omitted, city and district abbreviated
    "安徽省合肥市包河区新华路２５７号",  # full-width digits
    "安徽省合肥市包河区新华路257号A栋3楼301室",  # building, floor and room
    "合肥市包河区新华路257号 3F-301",
    "No.257 Xinhua Road, Baohe District, Hefei, Anhui",  # Latin / pinyin
    "合肥包河区新华路257号仓库",  # colloquial: names the building type
    "Room 301, No. 257 Xinhua Rd., Baohe Dist., Hefei City, Anhui Province, China",
    "中国 安徽省 合肥市 包河区 新华路 257 号",  # spaced out
]


def test_every_written_form_of_one_address_gets_one_key() -> None:
    keys = [normalise_address(form) for form in HEFEI_FORMS]
    assert {k.text for k in keys} == {"hefei|xinhualu|257"}
    assert {k.district for k in keys} == {"baohe"}
    assert all(k.is_complete for k in keys)


@pytest.mark.parametrize(
    ("forms", "text", "district"),
    [
        # a county-level city: the district under its prefecture, abbreviated or in Latin
        (
            [
                "福建省泉州市晋江市创业路793号",
                "泉州晋江创业路793号",
                "No.793 Chuangye Lu, Jinjiang, Quanzhou, Fujian",
            ],
            "quanzhou|chuangyelu|793",
            "jinjiang",
        ),
        # a county-level city written alone stands for its prefecture (义乌 is in 金华)
        (
            ["浙江省义乌市稠城街道商贸路12号", "No.12 Shangmao Lu, Choucheng, Yiwu, Zhejiang"],
            "jinhua|shangmaolu|12",
            "yiwu",
        ),
        # a municipality is its own city; the town (街道, 镇) is dropped
        (
            ["上海浦东建设路1号", "上海市浦东新区建设路1号", "No.1 Jianshe Lu, Pudong, Shanghai"],
            "shanghai|jianshelu|1",
            "pudong",
        ),
        # Xi'an: the apostrophe of the Latin form
        (
            ["陕西省西安市雁塔区长江路398号", "No.398 Changjiang Lu, Yanta, Xi'an, Shaanxi"],
            "xian|changjianglu|398",
            "yanta",
        ),
        # a direction in the road name, in either Latin word order
        (
            [
                "福建省福州市鼓楼区中山东路5号",
                "Zhongshan Road East No.5, Gulou, Fuzhou",
                "No.5 East Zhongshan Rd, Fuzhou",
            ],
            "fuzhou|zhongshandonglu|5",
            None,
        ),
    ],
)
def test_chinese_and_latin_forms_meet(forms: list[str], text: str, district: str | None) -> None:
    keys = [normalise_address(form) for form in forms]
    assert {k.text for k in keys} == {text}
    if district is not None:
        assert {k.district for k in keys} == {district}


@pytest.mark.parametrize(
    ("form", "text"),
    [
        ("广东省深圳市南山区粤海街道科技园南区深南大道9988号", "shenzhen|shennandadao|9988"),  # street, park
        ("上海市浦东新区张江高科技园区碧波路690号", "shanghai|bibolu|690"),
        ("江苏省苏州市工业园区星湖街328号", "suzhou|xinghujie|328"),  # a district the table lacks
        ("广东省深圳市龙华区鞋都路201号", "shenzhen|xiedoulu|201"),  # created after the table
        ("杭州市滨江区长河街道江南大道3850号创新大厦", "hangzhou|jiangnandadao|3850"),  # building name after
        ("广州市天河区花园路1号", "guangzhou|huayuanlu|1"),  # 园 inside the road name stays
        (
            "Room 1201, Block A, Jinyun Building, No. 43 Keji Road, Nanshan District, Shenzhen, China",
            "shenzhen|kejilu|43",
        ),
        ("No.1 Zhongguancun East Road, Haidian District, Beijing 100084", "beijing|zhongguancundonglu|1"),
        ("257 Xinhua Rd Baohe Hefei Anhui", "hefei|xinhualu|257"),  # no commas
    ],
)
def test_real_addresses_with_locality_and_building_noise(form: str, text: str) -> None:
    assert normalise_address(form).text == text


def test_a_province_named_like_its_city_keeps_the_city() -> None:
    assert normalise_address("吉林解放路1号").text == "jilin|jiefanglu|1"
    assert normalise_address("吉林省吉林市船营区解放路1号").text == "jilin|jiefanglu|1"


def test_place_names_inside_a_road_name_are_not_eaten() -> None:
    # 南京 is a city elsewhere and 朝阳 a district of Beijing, but here they start the road
    assert normalise_address("上海市南京东路100号").text == "shanghai|nanjingdonglu|100"
    assert normalise_address("北京朝阳北路100号").road == "zhaoyangbeilu"
    assert normalise_address("南京路100号").text == "|nanjinglu|100"  # no city: an incomplete key


def test_lane_numbers_are_kept_whole() -> None:
    assert normalise_address("上海市黄浦区淮海中路123弄45号").number == "123-45"
    assert normalise_address("上海市黄浦区淮海中路123号").number == "123"


def test_distinct_places_get_distinct_keys() -> None:
    texts = {
        normalise_address(a).text
        for a in ["合肥包河新华路257号", "合肥包河新华路258号", "合肥包河人民路257号", "南京玄武新华路257号"]
    }
    assert len(texts) == 4


def test_addresses_without_road_and_number_are_incomplete_but_repeatable() -> None:
    a = normalise_address("深圳市宝安区西乡街道银田工业园A栋")
    b = normalise_address("广东省深圳市宝安区西乡街道银田工业园A栋3楼")
    assert not a.is_complete
    assert a.city == "shenzhen" and a.district == "baoan"
    assert a.text == b.text
    assert normalise_address(None) == normalise_address("  ") == AddressKey("", "", "", "-")


def test_collection_folds_polyphonic_spellings_and_unrecognised_prefixes() -> None:
    keys = address_keys(
        [
            "北京市海淀区鞋都路48号",  # 都 read "dou" by default
            "No.48 Xiedu Lu, Haidian, Beijing",  # and "du" here
            "广东省东莞市长安镇东风路482号",
            "东莞长安东风路482号C栋",  # the town abbreviated: not in any table
            "东莞长安东风路483号",  # another number: nothing to fold onto
        ]
    )
    assert [k.text for k in keys] == [
        "beijing|xiedoulu|48",
        "beijing|xiedoulu|48",
        "dongguan|dongfenglu|482",
        "dongguan|dongfenglu|482",
        "dongguan|changandongfenglu|483",
    ]


MEGABYTE = 1_000_000


ZH_HEFEI, LATIN_HEFEI = "安徽省合肥市包河区新华路257号", "No.257 Xinhua Road, Baohe District, Hefei, Anhui"


@pytest.mark.parametrize(
    "text",
    [
        ZH_HEFEI + " " * MEGABYTE,  # a fixed-width export's padding
        LATIN_HEFEI + " " * MEGABYTE,
        ZH_HEFEI + "0" * MEGABYTE,
        LATIN_HEFEI + ", " + "0" * MEGABYTE,
        ZH_HEFEI + "3楼301室" * (MEGABYTE // 6),  # building noise, repeated
        LATIN_HEFEI + ", Room 301" * (MEGABYTE // 10),
        ZH_HEFEI + "x" * MEGABYTE,
        LATIN_HEFEI + ", " + "x" * MEGABYTE,
        ZH_HEFEI * (MEGABYTE // len(ZH_HEFEI)),  # the address pasted over and over
    ],
    ids=[
        "zh-spaces",
        "latin-spaces",
        "zh-zeros",
        "latin-zeros",
        "zh-rooms",
        "latin-rooms",
        "zh-x",
        "latin-x",
        "zh-repeated",
    ],
)
def test_an_address_followed_by_a_megabyte_keeps_its_key(text: str) -> None:
    assert normalise_address(text).text == "hefei|xinhualu|257"


@pytest.mark.parametrize(
    "text",
    [
        "0" * MEGABYTE + "安徽省合肥市包河区新华路257号",  # padded in front: no address in what is read
        "广东省" + "1" * MEGABYTE,  # a run of digits followed by no floor or room word
        "广东省" + "a1" * (MEGABYTE // 2),
        "长安镇" * (MEGABYTE // 3),  # towns without end
        "深圳市" + "银田工业园" * (MEGABYTE // 5),  # no road: the remainder is spelt in pinyin
        "foo bar, " * (MEGABYTE // 9),
    ],
    ids=["padded", "digits", "letters-and-digits", "towns", "no-road", "latin-words"],
)
def test_only_the_first_characters_of_a_long_address_are_read(text: str) -> None:
    key = normalise_address(text)
    assert key == normalise_address(text[:MAX_ADDRESS_CHARS])
    assert len(key.text) <= 8 * MAX_ADDRESS_CHARS  # pinyin spells a character in at most 6 letters


def test_the_noise_pattern_matches_as_its_plain_form() -> None:
    """The building-noise pattern starts its runs only where the plain pattern could first match: the same
    matches on every string of a small alphabet that exercises the runs, hyphens and suffixes."""
    plain = re.compile(
        r"\d+(?:楼|层|室|F|f)|[A-Za-z\d]+(?:栋|幢|座|号楼|单元)|\d+-\d+|仓库|厂房|档口|中国|中华人民共和国"
    )
    for alphabet in ("1aF-楼栋", "1f-栋层号楼", "a1F元单-"):
        for n in range(1, 7):
            for chars in itertools.product(alphabet, repeat=n):
                text = "".join(chars)
                assert [m.span() for m in _ZH_NOISE.finditer(text)] == [
                    m.span() for m in plain.finditer(text)
                ], text


def test_latin_form_spells_a_chinese_address_from_its_key() -> None:
    from marketguard.features.addresses import latin_form

    def latin(text: str) -> str | None:
        return latin_form(text, address_keys([text])[0])

    assert latin("深圳市宝安区凤凰路12号 (factory)") == "12 Fenghuanglu, Baoan, Shenzhen"
    assert latin("上海市浦东新区张江路88号3楼301室") == "88 Zhangjianglu, Pudong, Shanghai"
    assert latin("No.257 Xinhua Road, Baohe District, Hefei") is None  # already Latin
    assert latin("浙江省义乌市") is None  # no road: the key names no place to spell


def test_the_place_of_an_address_is_read_from_its_head() -> None:
    """What precedes the road (division names, a new district, towns) is read from the text up to its first
    digit, whichever digit it is: the same place as from the whole text, on every string of a small alphabet
    of names, road suffixes and digits. It holds because division names have no digits."""
    from marketguard.features.addresses import _DIGIT, _gazetteer, _head, _place

    assert not any(_DIGIT.search(name) for name in _gazetteer().surfaces)
    tokens = ("广东省", "深圳", "市", "龙华", "区", "长安镇", "建国", "路", "大道", "8", "٣", "号")
    for n in range(1, 5):
        for parts in itertools.product(tokens, repeat=n):
            text = "".join(parts)
            assert _place(_head(text)) == _place.__wrapped__(text), text
