"""HS codes and goods categories: exact cases, Python and SQL agreeing on them, a sound table, the page in step."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from marketguard.engine import make_backend
from marketguard.features.hs_codes import (
    CATEGORIES,
    HS_CODES,
    KEYWORDS,
    MAX_DESCRIPTION_CHARS,
    OTHER_GOODS,
    PUNCTUATION,
    SYNONYMS,
    category_sql,
    description_category,
    description_category_sql,
    hs_category,
    hs_category_sql,
    hs_codes_markdown,
    hs_table_sql,
    normalise_category,
)
from marketguard.simulate.catalog_vocab import CATEGORIES as SIMULATED

HS_CASES: list[tuple[str | None, str | None]] = [
    ("847330", "electronics"),
    ("8473.30.00", "electronics"),  # dots, and a national 8-digit line
    ("8473 30", "electronics"),
    ("640411", "shoes"),
    ("6404 11", "shoes"),
    ("6404-11-90", "shoes"),
    ("380893", "pesticides"),
    ("9999", None),
    ("64", "shoes"),  # a bare chapter
    ("6", None),
    ("", None),
    ("HS640411", None),  # letters are not stripped
    (None, None),
    ("4203", "accessories"),
    ("420330", "accessories"),
    ("420310", "apparel"),  # leather clothing overrides its heading
    ("8507", "electronics"),
    ("850760", "electronics"),
    ("850710", "auto parts"),  # starter batteries
    ("854232", "electronics"),
    ("854340", "tobacco"),  # e-cigarettes inside "other electrical machines"
    ("8543", None),
    ("940540", "home"),  # HS 2017 code, gone in 2022: falls to heading 9405
    ("9105", "home"),  # clocks, inside chapter 91 watches
    ("9113.10", "watches"),
    ("950450", "electronics"),
    ("950300", "toys"),
    ("2402.20.90", "tobacco"),
    ("3004909000", "pharmaceuticals"),  # 10-digit national line
    ("870830", "auto parts"),
    ("630790", None),  # other made-up textile articles: no counterfeit-prone category
    ("392690", None),
]

TEXT_CASES: list[tuple[str | None, str | None]] = [
    ("Kingmem DDR4 16GB memory module", "electronics"),
    ("草甘膦 农药", "pesticides"),
    ("Livabel wallet", "bags"),
    ("action figure", "toys"),
    ("Shoe bag, non-woven", "bags"),  # "shoe bag" is longer than " shoe "
    ("Men's running shoes with box", "shoes"),
    ("smart watch", "electronics"),  # longer than "watch"
    ("Classic dress watch", "watches"),  # longer than " dress"
    ("Summer dress", "apparel"),
    ("address labels", None),  # " dress" only at a word start
    ("Cotton HAT, black", "accessories"),  # the comma is a word boundary
    ("That is all", None),
    ("green tea bag", None),  # other goods beat " bag"
    ("shoe polish", None),
    ("memory foam pillow", "home"),  # longer than "memory"
    ("Car battery 12V", "auto parts"),
    ("AAA batteries 8-pack alkaline", "electronics"),
    ("Clutch bag", "bags"),
    ("T恤 纯棉", "apparel"),
    ("POLO衫", "apparel"),
    ("智能手表", "electronics"),  # longer than 手表
    ("鞋柜", "home"),  # longer than 鞋
    ("cigarette lighter", "accessories"),
    ("香烟", "tobacco"),
    ("Glyphosate 41% SL", "pesticides"),
    ("cotton fabric rolls 150cm", None),
    ("Toyota floor mats", None),  # " toy " is a whole word
    ("", None),
    (None, None),
]

MEGABYTE = 1_000_000
# Over-long descriptions: only the first MAX_DESCRIPTION_CHARS characters are searched.
LONG_TEXT_CASES: list[tuple[str, str | None]] = [
    ("Men's running shoes with box" + " " * MEGABYTE, "shoes"),  # a fixed-width export's padding
    ("Men's running shoes with box, " + "x" * MEGABYTE, "shoes"),
    ("草甘膦 农药" * (MEGABYTE // 6), "pesticides"),  # the description pasted over and over
    ("sunglasses " + "smart watch " * (MEGABYTE // 12), "electronics"),  # the longest keyword read wins
    ("x" * MEGABYTE + " shoes", None),  # the keyword comes after what is read
    ("x" * (MAX_DESCRIPTION_CHARS - 11) + " sunglasses", "eyewear"),  # ends exactly at the bound
    ("x" * (MAX_DESCRIPTION_CHARS - 10) + " sunglasses", None),  # cut to "sunglasse": no keyword
]

NAME_CASES: list[tuple[str | None, str | None]] = [
    ("Footwear", "shoes"),
    ("  Handbags ", "bags"),
    ("memory", "electronics"),
    ("Cigarettes", "tobacco"),
    ("agrochemicals", "pesticides"),
    ("AUTO_PARTS", "auto parts"),
    ("auto-parts", "auto parts"),
    ("E-Cigarettes", "tobacco"),
    ("Home & Garden", "home"),
    ("shoes", "shoes"),
    ("spaceships", None),
    ("", None),
    (None, None),
]


@pytest.mark.parametrize(("code", "category"), HS_CASES)
def test_an_hs_code_takes_the_category_of_its_longest_prefix(code: str | None, category: str | None) -> None:
    assert hs_category(code) == category


@pytest.mark.parametrize(("text", "category"), TEXT_CASES)
def test_a_description_takes_the_category_of_its_longest_keyword(
    text: str | None, category: str | None
) -> None:
    assert description_category(text) == category


def test_only_the_first_characters_of_a_long_description_are_read() -> None:
    for text, category in LONG_TEXT_CASES:
        assert description_category(text) == category, (text[:40], len(text))


@pytest.mark.parametrize(("name", "category"), NAME_CASES)
def test_a_category_name_is_read_through_the_synonyms(name: str | None, category: str | None) -> None:
    assert normalise_category(name) == category


def test_an_integer_code_reads_as_its_digits() -> None:
    assert hs_category(640411) == "shoes"


def test_the_simulated_vocabulary_is_covered() -> None:
    for c in SIMULATED:
        assert hs_category(c.hs_code) == c.name, c.hs_code
        assert normalise_category(c.name) == c.name
        for noun in (*c.nouns_en, *c.nouns_zh):
            assert description_category(noun) == c.name, noun


def test_the_table_is_sound() -> None:
    prefixes = [r.prefix for r in HS_CODES]
    assert len(prefixes) == len(set(prefixes))
    assert all(p.isdigit() and len(p) in (2, 4, 6) for p in prefixes)
    assert {r.category for r in HS_CODES} == set(CATEGORIES) == set(KEYWORDS) == set(SYNONYMS.values())
    keywords = [k for c in CATEGORIES for k in KEYWORDS[c]] + list(OTHER_GOODS)
    assert len(keywords) == len(set(keywords)), "a keyword names one category"
    for k in keywords:
        assert k == k.lower() and k.strip(" ") and not any(m in k for m in PUNCTUATION), repr(k)
    for c in CATEGORIES:  # English and Chinese keywords for every category
        assert any(k.isascii() for k in KEYWORDS[c]) and not all(k.isascii() for k in KEYWORDS[c]), c
    for phrase in OTHER_GOODS:  # each one hides a keyword, else it would be useless
        assert description_category(phrase) is None
        assert any(k in f" {phrase} " for c in CATEGORIES for k in KEYWORDS[c]), phrase
    assert all(normalise_category(n) == c for n, c in SYNONYMS.items())


def _cases() -> pa.Table:
    """Every exact case plus every prefix, keyword, simulated noun and synonym, as one string table."""
    codes = [c for c, _ in HS_CASES] + [r.prefix for r in HS_CODES] + [c.hs_code for c in SIMULATED]
    texts = [t for t, _ in TEXT_CASES + LONG_TEXT_CASES] + [k for ks in KEYWORDS.values() for k in ks]
    texts += list(OTHER_GOODS)
    texts += [f"Brand {n} 2025" for c in SIMULATED for n in (*c.nouns_en, *c.nouns_zh)]
    names = [n for n, _ in NAME_CASES] + list(SYNONYMS) + [n.upper() for n in SYNONYMS]
    n = max(len(codes), len(texts), len(names))
    return pa.table(
        {
            "code": pa.array(codes + [None] * (n - len(codes)), pa.string()),
            "text": pa.array(texts + [None] * (n - len(texts)), pa.string()),
            "name": pa.array(names + [None] * (n - len(names)), pa.string()),
        }
    )


def _sql_answers(engine: str) -> list[dict]:
    with make_backend(engine) as backend:
        backend.register_arrow("cases", _cases())
        return backend.fetch(
            f"SELECT code, text, name, {hs_category_sql('code')} AS hs, "
            f"{description_category_sql('text')} AS described, {category_sql('name')} AS named FROM cases",
            "hs_codes_cases",
        ).to_pylist()


def _assert_python_agrees(rows: list[dict]) -> None:
    assert len(rows) == _cases().num_rows
    for r in rows:
        assert r["hs"] == hs_category(r["code"]), r
        assert r["described"] == description_category(r["text"]), r
        assert r["named"] == normalise_category(r["name"]), r


def test_python_and_sql_give_the_same_answers() -> None:
    _assert_python_agrees(_sql_answers("duckdb"))


def test_a_longest_prefix_join_on_the_values_table_agrees() -> None:
    with make_backend("duckdb") as backend:
        backend.register_arrow("cases", _cases().select(["code"]))
        rows = backend.fetch(
            f"WITH hs AS ({hs_table_sql()}), "
            "c AS (SELECT DISTINCT code, replace(replace(replace(code, '.', ''), ' ', ''), '-', '') AS d "
            "FROM cases WHERE code IS NOT NULL), "
            "m AS (SELECT c.code, hs.category, row_number() OVER (PARTITION BY c.code "
            "ORDER BY length(hs.prefix) DESC) AS k FROM c JOIN hs ON substr(c.d, 1, length(hs.prefix)) = hs.prefix) "
            "SELECT c.code, m.category FROM c LEFT JOIN m ON c.code = m.code AND m.k = 1",
            "hs_codes_join",
        ).to_pylist()
        n_rows = backend.scalar(f"SELECT count(*) FROM ({hs_table_sql()})", "hs_codes_count")
    assert n_rows == len(HS_CODES)
    assert rows and all(r["category"] == hs_category(r["code"]) for r in rows)


def test_the_page_is_in_step_with_the_table() -> None:
    assert (Path(__file__).parents[2] / "docs" / "hs-codes.md").read_text() == hs_codes_markdown()


@pytest.mark.spark
def test_spark_gives_the_same_answers() -> None:
    _assert_python_agrees(_sql_answers("spark"))
