"""Normalising origin addresses so that every written form of one place meets on one key.

A Chinese shipping label names one place in many ways: with or without the province, abbreviated city and
district names ("合肥包河" for "安徽省合肥市包河区"), full-width digits (read through NFKC), floor, room and
building noise ("3楼301室", "3F-301", "A栋"), or in Latin/pinyin ("No.257 Xinhua Road, Baohe District, Hefei,
Anhui"). The key keeps what identifies the place: the prefecture-level city, the road and the house number, in
toneless pinyin so that Chinese and Latin forms meet (``hefei|xinhualu|257``). Towns, streets and parks below the
district, and everything after the house number, are dropped. The district is kept beside the key, not in it:
abbreviated districts cannot always be recognised, so homonymous roads of two districts share a key and are told
apart by coordinates (:mod:`marketguard.trace.sites`), or by the district where coordinates are missing.

Libraries
---------
``cpca`` (Chinese province/city/area recognition) ships a national table of administrative divisions (province,
prefecture and county names with adcodes): that table is what makes abbreviated names recognisable, and we use
it. We do not use cpca's matcher: importing cpca needs ``pkg_resources``, which setuptools 81 removed, and the
matcher leaves abbreviated districts ("包河"), towns (镇, 街道), roads, house numbers and floor noise in place and
knows nothing of Latin forms. The prefix matching here is our own (large to small, each name under the previous,
abbreviated districts only under a known city, never eating the start of the road). cpca's table predates some
districts (深圳 龙华区, 2016): a "...区/县" right after a known city is taken as a district all the same.
``pypinyin`` (maintained, with a phrase dictionary for polyphonic characters) spells names in pinyin; Latin
names are looked up against every reading of each name, so "Chaoyang" finds 朝阳 (default reading "zhaoyang").

Across a collection, :func:`address_keys` also folds, within one city and house number, a Latin road spelt with
another reading ("Xiedu Lu" for 鞋都路, read "xiedoulu") onto the Chinese one, and a road carrying an unrecognised
place prefix (an abbreviated town: "长安东风路") onto the shorter road it ends with ("东风路").
"""

from __future__ import annotations

import csv
import importlib.util
import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from pathlib import Path

__all__ = ["MAX_ADDRESS_CHARS", "AddressKey", "address_keys", "fold_roads", "normalise_address"]

#: Characters of a written address that are read; the rest is ignored. Real addresses are far shorter: the
#: longest, Latin forms with room, floor, building and park noise, run to about 200 characters (the UPU's S42
#: address templates allow at most six lines of 35-40), the simulated ones to about 50. A longer value is not an
#: address but an address followed by something else (a pasted note, a repeat, padding), and its place is
#: named at its start. The bound keeps one address's cost bounded (about a millisecond at worst): spelling the
#: remainder in pinyin costs microseconds per character (a megabyte: seconds), and some parsing steps grow with
#: the square of the length (a long run of digits or letters was hours to parse before those patterns were made
#: to start only at the start of a run; a few adversarial runs, such as "FFFF...", still are).
MAX_ADDRESS_CHARS = 256

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")  # the CJK ideographs and extension A
_ROAD_SUFFIX = "大道|大街|胡同|公路|路|街|道|巷|弄|里"
# The road, when there is one, is all that precedes the first digit: its name and suffix take no digit, and a
# digit must follow. :func:`_head` relies on this.
_ROAD = re.compile(rf"^(?P<road>\D{{1,24}}?(?:{_ROAD_SUFFIX}))(?P<num>\d+(?:(?:弄|-|之)\d+)?)(?:号|號)?")
_DIGIT = re.compile(r"\d")  # as _ROAD reads a digit: any Unicode decimal digit, not only 0-9
_COUNTRY = re.compile(r"^(中国|中华人民共和国)")
_NUMBER_JOINS = str.maketrans("弄之", "--")  # "123弄45" and "123之45" are house number 123-45
_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_STEM_SUFFIX = re.compile(r"(省|市|地区|盟|特别行政区|自治区|自治州)$")  # the unit word of a division name
_COUNTY_SUFFIX = re.compile(r"(新区|区|县|旗|市)$")
_DISTRICT = re.compile(r"^([\u4e00-\u9fff]{2,4}?)(?:新区|区|县|旗)")
_TOWN = re.compile(r"^[\u4e00-\u9fff]{2,8}?(?:街道|镇|乡|开发区|工业园区|工业园|新区)")
# Floor, room and building noise. Each alternative starts only where the plain pattern could first match (a run
# of digits or letters that matches from inside it matches from its start, or right after the previous match):
# the same matches, without rescanning a long run of digits or letters from every position in it.
_ZH_NOISE = re.compile(
    r"(?<!\d)\d+(?:楼|层|室|F|f)"
    r"|(?:(?<![A-Za-z\d])|(?<=[Ff])|(?<=\d)(?=[A-Za-z]))[A-Za-z\d]+(?:栋|幢|座|号楼|单元)"
    r"|(?<!\d)\d+-\d+|仓库|厂房|档口|中国|中华人民共和国"
)
_PUNCT = re.compile(r"[\s,，。;；:：、()（）\[\]【】\"'“”‘’#·._/\\]+")
_MUNICIPALITIES = ("11", "12", "31", "50")
_SPECIAL_ABBR = {
    "内蒙古自治区": "内蒙古", "广西壮族自治区": "广西", "西藏自治区": "西藏", "新疆维吾尔自治区": "新疆",
    "宁夏回族自治区": "宁夏",
}  # fmt: skip
_LATIN_ALIASES = {"hohhot": "huhehaote", "urumqi": "wulumuqi", "lhasa": "lasa", "harbin": "haerbin"}
_LATIN_TYPES = {
    "road": "lu", "rd": "lu", "lu": "lu", "street": "jie", "st": "jie", "str": "jie", "jie": "jie",
    "avenue": "dadao", "ave": "dadao", "av": "dadao", "boulevard": "dadao", "blvd": "dadao", "dadao": "dadao",
    "dajie": "dajie", "dao": "dao", "lane": "xiang", "ln": "xiang", "xiang": "xiang", "alley": "hutong",
    "hutong": "hutong", "nong": "nong", "highway": "gonglu", "hwy": "gonglu", "gonglu": "gonglu",
}  # fmt: skip
_LATIN_DIRECTIONS = {
    "east": "dong", "west": "xi", "south": "nan", "north": "bei", "middle": "zhong", "central": "zhong"
}  # fmt: skip
_LATIN_UNIT_WORDS = frozenset(
    {"city", "shi", "district", "dist", "qu", "county", "xian", "province", "prov", "sheng", "prefecture"}
)
_LATIN_NOISE = re.compile(
    r"\b(?:room|rm|unit|flat|suite|floor|fl|block|blk|bldg|building|tower)\b\.?\s*[a-z0-9-]+"
    r"|\b\d+\s*(?:/f|f|th floor|st floor|nd floor|rd floor)\b(?:\s*-\s*\d+)?|\bp\.?\s*r\.?\s*china\b|\bchina\b"
)
_LATIN_APOSTROPHES = str.maketrans("", "", "'’`")  # "Xi'an" is xian
_LATIN_PARTS = re.compile(r"[,;\n]+")
_LATIN_WORD = re.compile(r"[a-z]+")
_LATIN_NUMBERED = re.compile(r"\bno\.?\s*(\d+(?:-\d+)?)")  # "No.257": the house number, wherever it stands
_LATIN_NUMBER = re.compile(r"\b(\d+(?:-\d+)?)\b")


@dataclass(frozen=True)
class AddressKey:
    """What identifies a place in one written address; empty strings where the address does not say.

    ``city`` is the pinyin of the prefecture-level city, ``road`` the pinyin of the road, ``number`` the house
    number; ``rest`` holds the cleaned remainder of addresses without a road and house number, so that such
    forms still meet their exact repeats. Not part of :attr:`text`: ``district`` (pinyin of the county-level
    division, when recognised), which keeps homonymous roads apart when coordinates cannot, and ``spellings``,
    the other pinyin readings of a Chinese road name with polyphonic characters (朝阳路: "chaoyanglu"), which
    let Latin forms meet it.
    """

    city: str
    road: str
    number: str
    rest: str = ""
    district: str = ""
    spellings: frozenset[str] = frozenset()

    @property
    def is_complete(self) -> bool:
        """City, road and house number all known: the key names one place (up to homonymous districts)."""
        return bool(self.city and self.road and self.number)

    @property
    def is_empty(self) -> bool:
        """The address says nothing usable (blank, or punctuation only)."""
        return not (self.city or self.road or self.number) and self.rest in ("", "-")

    @property
    def text(self) -> str:
        """The key as one string, e.g. ``hefei|xinhualu|257``."""
        return "|".join((self.city, self.road, self.number)) + (f"|{self.rest}" if self.rest else "")


@dataclass(frozen=True)
class _Division:
    adcode: str
    rank: int  # 0 province, 1 prefecture, 2 county
    is_county_abbr: bool  # an abbreviated 区/县/旗 name: only matched under a known prefecture


@dataclass(frozen=True)
class _Gazetteer:
    surfaces: dict[str, tuple[_Division, ...]]
    # first two characters -> lengths of the names starting so, longest first
    lengths: dict[str, tuple[int, ...]]
    city_of: dict[str, str]  # adcode -> pinyin of its prefecture-level city ("" for provinces)
    district_of: dict[str, str]  # county adcode -> pinyin of its name stem
    latin_prefecture: dict[str, str]  # any pinyin reading -> canonical pinyin
    latin_county_city: dict[str, str]  # reading of a county-level city -> its prefecture's pinyin
    latin_district: dict[tuple[str, str], str]  # (city pinyin, reading of a county) -> canonical pinyin


@lru_cache(maxsize=1 << 16)
def _py(text: str) -> str:
    """Toneless pinyin, syllables joined, ü as u; characters without a reading kept (lower-cased).

    Remembered: the gazetteer spells each city's name once for each of its divisions (3,219 divisions, 360
    cities) and each county's name twice."""
    from pypinyin import lazy_pinyin  # its phrase dictionary takes 0.5 s to load: only when a name is spelt

    return _NOT_ALNUM.sub("", "".join(lazy_pinyin(text)).lower().replace("v", "u"))


@lru_cache(maxsize=1 << 16)
def _readings(stem: str) -> frozenset[str]:
    """Every pinyin spelling of a name (polyphonic characters: all readings), for Latin look-ups. Remembered:
    the gazetteer reads a county-level city's name as a city and again as a county."""
    from pypinyin import Style, pinyin

    per_char = pinyin(stem, style=Style.NORMAL, heteronym=True)
    combos = itertools.islice(itertools.product(*per_char), 64)
    spelt = ("".join(c).lower().replace("ü", "u").replace("v", "u") for c in combos)
    return frozenset({_NOT_ALNUM.sub("", c) for c in spelt} | {_py(stem)})


@cache
def _road_spellings(road: str) -> frozenset[str]:
    return frozenset(_readings(road) - {_py(road)})


def _stem(name: str) -> str:
    return _SPECIAL_ABBR.get(name) or _STEM_SUFFIX.sub("", name)


def _county_stem(name: str) -> str:
    return _COUNTY_SUFFIX.sub("", name) if len(name) > 2 else name


def _division_rows() -> list[tuple[str, str]]:
    """(adcode, name) rows of cpca's table, read without importing cpca (its import needs pkg_resources)."""
    spec = importlib.util.find_spec("cpca")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("marketguard.trace needs the 'cpca' package (pip install cpca)")
    path = Path(next(iter(spec.submodule_search_locations))) / "resources" / "adcodes.csv"
    with path.open(encoding="utf-8") as f:
        rows = [(r["adcode"][:6], r["name"]) for r in csv.DictReader(f)]
    return [(code, name) for code, name in rows if "直辖" not in name and name not in ("市辖区", "县")]


def _city_pinyin(code: str, name: str, names: dict[str, str]) -> str:
    """Pinyin of the prefecture-level city of a division ("" for provinces); municipalities are cities, and a
    county-level city directly under its province is its own city."""
    if code[:2] in _MUNICIPALITIES:
        return _py(_stem(names[code[:2] + "0000"]))
    if code.endswith("0000"):
        return ""
    return _py(_stem(names.get(code[:4] + "00", name)))


@cache
def _gazetteer() -> _Gazetteer:
    rows = _division_rows()
    names = dict(rows)
    surfaces: dict[str, list[_Division]] = {}
    city_of = {code: _city_pinyin(code, name, names) for code, name in rows}
    district_of: dict[str, str] = {}
    latin_pref: dict[str, str] = {}
    latin_county: dict[str, str] = {}
    latin_district: dict[tuple[str, str], str] = {}
    for code, name in rows:
        rank = 0 if code.endswith("0000") else 1 if code.endswith("00") else 2
        surfaces.setdefault(name, []).append(_Division(code, rank, False))
        stem = _stem(name)
        if rank < 2 or name.endswith("市"):
            surfaces.setdefault(stem, []).append(_Division(code, rank, False))
        elif _county_stem(name) != name:
            surfaces.setdefault(_county_stem(name), []).append(_Division(code, rank, True))
        if (rank == 1 or (rank == 0 and city_of[code])) and name.endswith(("市", "地区", "盟")):
            latin_pref.update(dict.fromkeys(_readings(stem), city_of[code]))
        if rank == 2:
            district_of[code] = _py(_county_stem(name))
            latin_district.update(
                {(city_of[code], r): district_of[code] for r in _readings(_county_stem(name))}
            )
            if name.endswith("市"):
                latin_county.update(dict.fromkeys(_readings(stem), city_of[code]))
    latin_pref.update(
        {alias: canon for alias, canon in _LATIN_ALIASES.items() if canon in latin_pref.values()}
    )
    lengths: dict[str, set[int]] = {}
    for surface in surfaces:
        lengths.setdefault(surface[:2], set()).add(len(surface))
    return _Gazetteer(
        surfaces={k: tuple(v) for k, v in surfaces.items() if len(k) >= 2},
        lengths={k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()},
        city_of=city_of,
        district_of=district_of,
        latin_prefecture=latin_pref,
        latin_county_city=latin_county,
        latin_district=latin_district,
    )


def _road_ok(rest: str) -> bool:
    m = _ROAD.match(rest)
    return bool(m and len(m["road"]) >= 3)


def _match_division(text: str, pos: int, parent: str, gaz: _Gazetteer) -> tuple[_Division | None, int]:
    """Longest division name at ``pos`` that lies under ``parent`` (an adcode prefix); (None, 0) if none."""
    lengths = gaz.lengths.get(text[pos : pos + 2], ())
    return _match_window(text[pos : pos + lengths[0]], parent) if lengths else (None, 0)


@lru_cache(maxsize=1 << 16)
def _match_window(window: str, parent: str) -> tuple[_Division | None, int]:
    """:func:`_match_division` on the longest stretch a division name could span: addresses repeat their
    province and city, so the answers are remembered."""
    gaz = _gazetteer()
    under_city = len(parent) == 4 or parent in _MUNICIPALITIES
    for length in gaz.lengths.get(window[:2], ()):
        if length > len(window):
            continue
        candidates = gaz.surfaces.get(window[:length], ())
        fits = [
            d
            for d in candidates
            if d.adcode.startswith(parent)
            and d.adcode != parent.ljust(6, "0")
            and (under_city or not d.is_county_abbr)
        ]
        if fits:
            top = min(d.rank for d in fits)
            fits = [d for d in fits if d.rank == top]
            cities = {gaz.city_of[d.adcode] for d in fits}
            return (fits[0] if len(cities) == 1 else _Division("", top, False)), length
    return None, 0


def _admin_prefix(text: str) -> tuple[str, str, str]:
    """(city pinyin, district pinyin, remainder) after the leading province / city / district names, matched
    from large to small, each under the previous; a match that would eat the start of the road is refused."""
    gaz = _gazetteer()
    parent, city, district, pos = "", "", "", 0
    while pos < len(text):
        division, length = _match_division(text, pos, parent, gaz)
        if division is None or (not _road_ok(text[pos + length :]) and _road_ok(text[pos:])):
            break
        if division.rank == 0:  # "吉林" alone names the province and its city of that name: keep the city
            namesake = gaz.surfaces.get(text[pos : pos + length], ())
            city = next((gaz.city_of[d.adcode] for d in namesake if d.rank == 1), city)
        pos += length
        if not division.adcode:  # ambiguous county name without a parent: consume, city unknown
            break
        city = gaz.city_of[division.adcode] or city
        parent = division.adcode[: 2 * (division.rank + 1)]
        if division.rank == 2:
            district = gaz.district_of[division.adcode]
            break
    return city, district, text[pos:]


def _strip_towns(rest: str) -> str:
    while (m := _TOWN.match(rest)) and _road_ok(rest[m.end() :]):
        rest = rest[m.end() :]
    return rest


def _after_last_locality(road: str) -> str:
    """The road after the last locality word before it ("张江高科技园区碧波路" -> "碧波路"), unless that would
    leave a bare suffix ("花园路" stays whole)."""
    cut = max(road.rfind(c) for c in "区县镇乡园村")
    return road[cut + 1 :] if cut >= 0 and len(road) - cut - 1 >= 3 else road


@lru_cache(maxsize=1 << 16)
def _road_key(road: str) -> tuple[str, frozenset[str]]:
    """Pinyin and other readings of a road as matched, after its last locality word. Remembered: many addresses
    name one road (244 roads for the 128,621 Chinese addresses of a 100k-store scan)."""
    road = _after_last_locality(road)
    return _py(road), _road_spellings(road)


def _head(text: str) -> str:
    """The text of a cleaned address up to its first digit, that digit written "0": all that decides its city,
    district and where its road starts (:func:`_place`).

    Names of divisions, towns and new districts have no digits (Han characters; the test suite checks cpca's
    table), and a road is all that precedes the first digit (``_ROAD``): so nothing before the road is read
    past the first digit, nor depends on which digit it is. Addresses that differ only from their house
    number on share a head: 5,387 heads for the 128,621 Chinese addresses of a 100k-store scan."""
    digit = _DIGIT.search(text)
    return text[: digit.start()] + "0" if digit else text


@lru_cache(maxsize=1 << 16)
def _place(head: str) -> tuple[str, str, int]:
    """(city pinyin, district pinyin, where the road starts) of the addresses with this :func:`_head`: their
    province, city and district names, a district newer than the table, then towns are read off. Remembered,
    as most of the cost of an address is here."""
    city, district, rest = _admin_prefix(head)
    m = _DISTRICT.match(rest)
    if city and not district and m and _road_ok(rest[m.end() :]):  # a district newer than the table
        district, rest = _py(m[1]), rest[m.end() :]
    rest = _strip_towns(rest)
    return city, district, len(head) - len(rest)


def _normalise_chinese(text: str) -> AddressKey:
    text = _COUNTRY.sub("", _PUNCT.sub("", text))
    city, district, start = _place(_head(text))
    rest = text[start:]
    m = _ROAD.match(rest)
    if m and len(m["road"]) >= 3:
        road, spellings = _road_key(m["road"])
        return AddressKey(
            city, road, m["num"].translate(_NUMBER_JOINS), district=district, spellings=spellings
        )
    return AddressKey(city, "", "", _py(_ZH_NOISE.sub("", rest)) or "-", district)


def _latin_road(tokens: list[str]) -> str:
    """Pinyin road key from Latin words: name, then direction (东/西...), then the road type."""
    names = [t for t in tokens if t not in _LATIN_TYPES and t not in _LATIN_DIRECTIONS]
    directions = [_LATIN_DIRECTIONS[t] for t in tokens if t in _LATIN_DIRECTIONS]
    kinds = [_LATIN_TYPES[t] for t in tokens if t in _LATIN_TYPES]
    return "".join(names + directions + kinds[-1:])


def _latin_names(parts: Iterable[str]) -> list[str]:
    """Each part as one pinyin-like name, unit words dropped ("Baohe District" -> "baohe")."""
    out = []
    for part in parts:
        words = _LATIN_WORD.findall(part)
        while len(words) > 1 and words[-1] in _LATIN_UNIT_WORDS:
            words.pop()
        out.append("".join(words))
    return out


@lru_cache(maxsize=1 << 16)
def _latin_place(parts: tuple[str, ...]) -> tuple[str, str]:
    """(city, district) named by the parts: the prefecture-level city (Latin order runs small to large, so the
    last hit wins; a county-level city stands for its prefecture), then a county of that city.

    Remembered: the same district, city and province parts follow many streets."""
    gaz = _gazetteer()
    names = _latin_names(parts)
    found_pref, found_county = "", ""
    for name in names:
        found_pref = gaz.latin_prefecture.get(name, found_pref)
        found_county = gaz.latin_county_city.get(name, found_county)
    city = found_pref or found_county
    district = next((gaz.latin_district[(city, n)] for n in names if (city, n) in gaz.latin_district), "")
    return city, district


def _is_street(part: str) -> bool:
    """A part with a number and a road type: the street line."""
    return bool(_DIGIT.search(part)) and not _LATIN_TYPES.keys().isdisjoint(_LATIN_WORD.findall(part))


def _normalise_latin(text: str) -> AddressKey:
    text = _LATIN_NOISE.sub(" ", text.lower().translate(_LATIN_APOSTROPHES))
    parts = [p.strip() for p in _LATIN_PARTS.split(text) if p.strip()]
    i = next((j for j, p in enumerate(parts) if _is_street(p)), None)
    if i is None:
        city, district = _latin_place(tuple(parts))
        return AddressKey(city, "", "", _NOT_ALNUM.sub("", text) or "-", district)
    street = parts[i]
    m = _LATIN_NUMBERED.search(street) or _LATIN_NUMBER.search(street)
    words = _LATIN_WORD.findall(street[: m.start()] + " " + street[m.end() :] if m else street)
    words = [w for w in words if w != "no"]
    last_type = max((j for j, w in enumerate(words) if w in _LATIN_TYPES), default=len(words) - 1)
    end = last_type + 1
    while end < len(words) and words[end] in _LATIN_DIRECTIONS:
        end += 1
    city, district = _latin_place((*parts[:i], *words[end:], *parts[i + 1 :]))
    return AddressKey(city, _latin_road(words[:end]), m.group(1) if m else "", district=district)


@lru_cache(maxsize=1 << 18)
def normalise_address(text: str | None) -> AddressKey:
    """The key of one written address (Chinese or Latin); NFKC first, so full-width digits read as digits.
    Only the first :data:`MAX_ADDRESS_CHARS` characters are read.

    Remembered (keys are immutable): a scan normalises the same written forms for its sites and again for its
    customs ties, and each costs tens of microseconds.
    """
    if not text or not text.strip():
        return AddressKey("", "", "", "-")
    text = unicodedata.normalize("NFKC", text[:MAX_ADDRESS_CHARS])
    return _normalise_chinese(text) if _HAN.search(text) else _normalise_latin(text)


def fold_roads(keys: list[AddressKey]) -> list[AddressKey]:
    """Within one city and house number, map a Latin road spelt with another reading of a polyphonic character
    onto the Chinese form's road ("xiedulu" -> "xiedoulu" for 鞋都路), then map a road onto the shortest other
    road that it, or one of its readings, ends with: the longer one carries an unrecognised place prefix
    ("changandongfenglu" -> "dongfenglu")."""
    groups: dict[tuple[str, str], list[AddressKey]] = {}
    for k in keys:
        if k.is_complete:
            groups.setdefault((k.city, k.number), []).append(k)
    fold: dict[tuple[str, str, str], str] = {}
    for (city, number), group in groups.items():
        readings: dict[str, set[str]] = {}
        for k in group:
            readings.setdefault(k.road, {k.road}).update(k.spellings)
        if len(readings) < 2:
            continue
        spelt = {spelling: k.road for k in group for spelling in k.spellings}
        spelt_roads = set(spelt.values())
        respelt = {r: r if r in spelt_roads else spelt.get(r, r) for r in readings}
        long_targets = [t for t in set(respelt.values()) if len(t) >= 4]
        for road, target in respelt.items():
            # t is a proper tail of s: s ends with t and is not t
            tails = [
                t for s in readings.get(target, (target,)) for t in long_targets if s != t and s.endswith(t)
            ]
            final = min(tails, key=lambda t: (len(t), t)) if tails else target
            if final != road:
                fold[(city, number, road)] = final
    return [
        k if (folded := fold.get((k.city, k.number, k.road))) is None else replace(k, road=folded)
        for k in keys
    ]


def latin_form(written: str | None, key: AddressKey) -> str | None:
    """A written address in Chinese characters spelt in Latin letters from its key, as a reader abroad (a
    customs officer, a brand's analyst) can type and search it: ``12 Fenghuanglu, Baoan, Shenzhen``. ``None``
    when the address has no Chinese characters (it reads already) or its key names no road."""
    if not written or not _HAN.search(written) or not key.road:
        return None
    parts = (f"{key.number} {key.road.title()}".strip(), key.district.title(), key.city.title())
    return ", ".join(part for part in parts if part)


def address_keys(texts: Iterable[str | None]) -> list[AddressKey]:
    """Keys of many distinct written addresses, with roads folded across the whole collection (polyphonic
    spellings, unrecognised place prefixes).

    Pass distinct strings: normalisation costs tens of microseconds per string.
    """
    return fold_roads([normalise_address(t) for t in texts])
