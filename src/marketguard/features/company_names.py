"""Company names reduced to what tells companies apart, so that the names one exporter files under meet.

A front company's name varies from one declaration to the next: "深圳市恒达鑫源贸易有限公司", "恒达鑫源贸易",
"Shenzhen Hengda Xinyuan Trading Co., Ltd.". :func:`company_name` drops the legal form (有限公司, Co., Ltd.),
maps the line of business to canonical words (贸易 = Trading = trade; 进出口 = Import & Export), reads the
city (prefix or bracketed) and spells the trade name in toneless pinyin through the address normaliser
(:mod:`marketguard.features.addresses`), which knows the city names. Fuzzy comparison of the trade names is the
caller's (rapidfuzz, in :mod:`marketguard.detect.exporter_ties`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from marketguard.features.addresses import AddressKey, normalise_address

__all__ = ["MAX_COMPANY_NAME_CHARS", "CompanyName", "company_name"]

#: Characters of a written company name that are read; the rest is ignored. Registered names are far shorter
#: (UK Companies House allows 160 characters; Chinese enterprise names run to a few dozen, the simulated ones to
#: 15): a longer value is a name followed by something else. The bound keeps one name's cost bounded: the legal
#: form and business words are stripped from the end one at a time, each strip a search of the whole name.
MAX_COMPANY_NAME_CHARS = 256

_HAN = re.compile(r"[\u4e00-\u9fff]")
_PAREN = re.compile(r"[(（]([^)）]*)[)）]")
_BUSINESS_ZH = {
    "电子商务": "ecommerce", "电商": "ecommerce", "进出口": "impexp", "供应链": "supplychain",
    "国际": "international", "贸易": "trade", "商贸": "trade", "实业": "industry", "科技": "tech",
    "物流": "logistics",
}  # fmt: skip
_LEGAL_ZH = ("股份有限公司", "有限责任公司", "有限公司", "责任公司", "分公司", "公司", "集团", "商行")
_ZH_TAIL = re.compile(f"(?:{'|'.join(sorted([*_BUSINESS_ZH, *_LEGAL_ZH], key=len, reverse=True))})$")
_BUSINESS_LATIN = tuple(
    (re.compile(rf"\b(?:{words})\b"), canon)
    for words, canon in (
        ("import and export|imp and exp|import export|jinchukou", "impexp"),
        ("supply chain|gongyinglian", "supplychain"),
        ("e commerce|ecommerce|electronic commerce|dianzishangwu|dianshang", "ecommerce"),
        ("international|intl|guoji", "international"),
        ("trading|trade|maoyi|shangmao", "trade"),
        ("industrial|industries|industry|shiye", "industry"),
        ("technology|technologies|tech|keji", "tech"),
        ("logistics|wuliu", "logistics"),
    )
)
_LEGAL_LATIN = frozenset({
    "co", "company", "ltd", "limited", "corp", "corporation", "inc", "llc", "plc", "group", "gongsi", "youxian",
    "youxiangongsi", "jituan",
})  # fmt: skip


@lru_cache(maxsize=1 << 16)
def _address_key(text: str) -> AddressKey:
    return normalise_address(text)


@dataclass(frozen=True)
class CompanyName:
    """A company name reduced to what tells companies apart: ``core``, the trade name in toneless pinyin
    ("hengdaxinyuan"); ``city``, the pinyin of the city it names ("" if none); ``business``, its line of
    business in canonical words ("trade", "impexp", ...). Legal forms (有限公司, Co., Ltd.) are dropped."""

    city: str
    core: str
    business: frozenset[str]

    @property
    def key(self) -> str:
        return f"{self.city}|{self.core}|{'+'.join(sorted(self.business))}"

    def fits(self, other: CompanyName) -> bool:
        """Neither another city nor another line of business, where both names say."""
        return (not self.city or not other.city or self.city == other.city) and (
            not self.business or not other.business or self.business == other.business
        )


@lru_cache(maxsize=1 << 16)
def company_name(name: str | None) -> CompanyName:
    """The :class:`CompanyName` of a written name, Chinese or Latin; a city in brackets counts as its city.
    Only the first :data:`MAX_COMPANY_NAME_CHARS` characters are read."""
    text = unicodedata.normalize("NFKC", (name or "")[:MAX_COMPANY_NAME_CHARS])
    city = ""
    for inner in _PAREN.findall(text):
        city = _address_key(inner).city or city
    text = _PAREN.sub(" ", text)
    business: set[str] = set()
    if _HAN.search(text):
        text = re.sub(r"[\W_]+", "", text)
        while (m := _ZH_TAIL.search(text)) and m.start() > 0:
            business.update(filter(None, [_BUSINESS_ZH.get(m[0])]))
            text = text[: m.start()]
        key = _address_key(text)  # the address normaliser knows the city names and spells pinyin
        core = "".join(part for part in (key.road, key.number, key.rest) if part != "-")
        return CompanyName(key.city or city, core, frozenset(business))
    text = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("&", " and "))
    for pattern, canon in _BUSINESS_LATIN:
        if pattern.search(text):
            business.add(canon)
            text = pattern.sub(" ", text)
    words = [w for w in text.split() if w not in _LEGAL_LATIN]
    if len(words) > 1 and (named := _address_key(words[0]).city):
        city, words = named, words[1:]
        words = words[1:] if len(words) > 1 and words[0] in ("city", "shi") else words
    return CompanyName(city, "".join(words), frozenset(business))
