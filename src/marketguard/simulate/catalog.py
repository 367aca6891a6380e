"""Brands, listings with titles and prices, and authorised sellers.

Counterfeit stores list branded goods far below the brand's reference price (some near it on ``hard``), with
tell-words in a share of titles; honest stores list branded goods near reference (with clearance sales at
60-80%), plenty of unbranded goods, and a few innocent look-alike titles ("AAA batteries", "1:1 scale model").
Brands authorise flagship stores, many agency stores and some independent resellers; never counterfeiters.
On ``adversarial``, bought stores keep some of their previous owners' listings (:mod:`.acquisitions`) and operators
copy one master catalogue into all their stores, among honest resellers of the same hit products
(:mod:`.copies`). Grey-market sellers list genuine goods of many brands, authorised for none of them, at 55-85%
of the reference price; like honest cross-border stores, they name the version they import ("港版",
"International Version") in some titles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import catalog_vocab as vocab
from .acquisitions import kept_listings
from .catalog_vocab import CATEGORIES, SYLLABLES
from .config import (
    HONEST_CHEAP_BRANDED_SHARE,
    LISTINGS_PER_STORE,
    SECOND_HAND_CHEAP_SHARE,
    SECOND_HAND_STORE_SHARE,
    US_PER_DAY,
    WINDOW_END_US,
    SimulationConfig,
)
from .copies import HitProducts, copy_catalogs, hit_products
from .ids import decimal_ids, take_strings
from .population import AGENCY, COUNTERFEIT, GREY, INDEPENDENT, Population
from .timeline import ceil_jitter, floor_jitter

__all__ = ["Catalog", "build_catalog"]

N_BRANDS = 60
FLAGSHIP = 3
#: Grey-market stores' listings: the share that is branded (importing brands is the business), the share in the
#: store's main category (the rest across categories: many brands), and the brand-popularity exponent (the
#: brands worth importing are the popular ones).
GREY_BRANDED_SHARE = 0.9
GREY_MAIN_CATEGORY_SHARE = 0.5
GREY_BRAND_POWER = 1.3
#: Range of a grey-market listing's price over the brand's reference: under the authorised channel's price (no
#: local distributor's margin, no local warranty), not the deep discount of a fake.
GREY_DISCOUNT = (0.55, 0.85)
#: Share of titles naming an imported version: grey-market and honest cross-border stores' branded listings,
#: and a few branded listings of everyone else (a Japanese-market model, a counterfeiter posing as an importer).
VERSION_WORD_RATE = 0.3
VERSION_WORD_OTHER_RATE = 0.01


@dataclass
class Catalog:
    """Brands and listings (listing arrays are ordered by store; ``store_ptr`` indexes them)."""

    brand_category: np.ndarray
    brand_ref: np.ndarray
    brand_en: list[str]
    brand_zh: list[str]
    store_ptr: np.ndarray
    lst_store: np.ndarray
    lst_category: np.ndarray
    lst_brand: np.ndarray
    lst_price: np.ndarray
    lst_listed: np.ndarray
    lst_ids: pa.Array
    tables: dict[str, pa.Table]


def _brands(rng: np.random.Generator) -> tuple[list[str], list[str], np.ndarray, np.ndarray]:
    """Fictional brands: unique syllable names, categories weighted to counterfeit-prone ones."""
    names: dict[str, str] = {}
    while len(names) < N_BRANDS:
        k = 2 + int(rng.random() < 0.3)
        parts = [SYLLABLES[i] for i in rng.integers(0, len(SYLLABLES), k)]
        en = "".join(p[0] for p in parts).capitalize()
        names.setdefault(en, "".join(p[1] for p in parts))
    w = np.array(vocab.COUNTERFEIT_CATEGORY_WEIGHT) + 1.0
    category = np.concatenate(
        [np.arange(len(CATEGORIES)), rng.choice(len(CATEGORIES), N_BRANDS - len(CATEGORIES), p=w / w.sum())]
    )
    base = np.array([c.ref_price for c in CATEGORIES])[category]
    ref = np.round(base * rng.lognormal(0, 0.45, N_BRANDS), -1) + 9
    return list(names), list(names.values()), category, ref


def _listing_counts(rng: np.random.Generator, pop: Population) -> np.ndarray:
    """Counterfeit and grey-market stores list a little more than honest ones (a wide range of brands)."""
    mean = np.where((pop.store_kind == COUNTERFEIT) | (pop.store_kind == GREY), 1.2, 1.0) * LISTINGS_PER_STORE
    sigma = 0.9
    return np.maximum(1, np.round(mean * rng.lognormal(-(sigma**2) / 2, sigma, pop.n_stores))).astype(
        np.int64
    )


def _choose_brands(
    rng: np.random.Generator, category: np.ndarray, brand_category: np.ndarray, power: np.ndarray
) -> np.ndarray:
    """A brand of the listing's category per row; ``power`` sharpens the preference for popular brands."""
    popularity = 1.0 / np.arange(1, brand_category.size + 1) ** 0.8
    out = np.full(category.size, -1, dtype=np.int64)
    for c in range(len(CATEGORIES)):
        rows = np.flatnonzero(category == c)
        cand = np.flatnonzero(brand_category == c)
        if rows.size == 0 or cand.size == 0:
            continue
        for pw in np.unique(power[rows]):
            sub = rows[power[rows] == pw]
            p = popularity[cand] ** pw
            out[sub] = cand[rng.choice(cand.size, sub.size, p=p / p.sum())]
    return out


def _prices(
    rng: np.random.Generator,
    is_cf: np.ndarray,
    brand: np.ndarray,
    category: np.ndarray,
    brand_ref: np.ndarray,
    cfg: SimulationConfig,
    p_honest_cheap: np.ndarray,
) -> np.ndarray:
    """Counterfeits far below reference; honest branded near it (15% on clearance, and a share
    ``p_honest_cheap`` far below: accessories, small items, used goods); unbranded cheap."""
    n = is_cf.size
    ref = brand_ref[np.maximum(brand, 0)]
    honest = ref * rng.lognormal(0, 0.07, n)
    honest = np.where(rng.random(n) < 0.15, ref * rng.uniform(0.6, 0.8, n), honest)
    honest = np.where(rng.random(n) < p_honest_cheap, ref * rng.uniform(0.05, 0.5, n), honest)
    lo, hi = cfg.discount
    fake = ref * np.where(
        rng.random(n) < cfg.near_reference_rate, rng.uniform(0.7, 0.95, n), rng.uniform(lo, hi, n)
    )
    cat_ref = np.array([c.ref_price for c in CATEGORIES])[category]
    plain = cat_ref * 0.12 * rng.lognormal(0, 0.7, n)
    price = np.where(brand < 0, plain, np.where(is_cf, fake, honest))
    return np.where(price > 20, np.round(price) - 0.1, np.round(price, 2)).clip(0.5)


def _titles(
    rng: np.random.Generator,
    is_cf: np.ndarray,
    brand: np.ndarray,
    category: np.ndarray,
    brand_en: list[str],
    brand_zh: list[str],
    cfg: SimulationConfig,
    hits: HitProducts | None = None,
) -> pa.ChunkedArray:
    """Titles in Chinese (60%) or English, assembled from small vocabularies by integer index; ``hits`` fixes
    the noun and model of hit-product listings (drawn all the same, so the other titles do not change)."""
    n = is_cf.size
    zh = rng.random(n) < 0.6
    tell = is_cf & (brand >= 0) & (rng.random(n) < cfg.tell_word_rate)
    claim = (brand >= 0) & ~tell & (rng.random(n) < 0.25)
    t_en = ["", *vocab.TELL_EN, *vocab.CLAIM_EN]
    t_zh = ["", *vocab.TELL_ZH, *vocab.CLAIM_ZH]
    lead = np.where(
        tell,
        1 + rng.integers(0, len(vocab.TELL_EN), n),
        np.where(claim, 1 + len(vocab.TELL_EN) + rng.integers(0, len(vocab.CLAIM_EN), n), 0),
    )
    nouns = [(c.nouns_en, c.nouns_zh) for c in CATEGORIES]
    noun_en = [w for c in nouns for w in c[0]]
    noun_zh = [w for c in nouns for w in c[1]]
    start = np.cumsum([0] + [len(c[0]) for c in nouns])
    noun = start[category] + (rng.random(n) * np.diff(start)[category]).astype(np.int64)
    b = np.where(brand >= 0, brand + 1, 0)
    model = rng.integers(0, 400, n)
    if hits is not None:
        noun = np.where(hits.noun >= 0, hits.noun, noun)
        model = np.where(hits.model >= 0, hits.model, model)
    models = ["", *[f"{chr(65 + i % 26)}{100 + i * 7}" for i in range(399)]]
    parts_en = [
        take_strings(t_en, lead),
        take_strings(["", *brand_en], b),
        take_strings(vocab.ADJ_EN, rng.integers(0, len(vocab.ADJ_EN), n)),
        take_strings(noun_en, noun),
        take_strings(models, model),
        take_strings(vocab.SUFFIX_EN, rng.integers(0, len(vocab.SUFFIX_EN), n)),
    ]
    parts_zh = [
        take_strings(["", *brand_zh], b),
        take_strings(t_zh, lead),
        take_strings(vocab.ADJ_ZH, rng.integers(0, len(vocab.ADJ_ZH), n)),
        take_strings(noun_zh, noun),
        take_strings(models, model),
        take_strings(vocab.SUFFIX_ZH, rng.integers(0, len(vocab.SUFFIX_ZH), n)),
    ]
    en = pc.binary_join_element_wise(*parts_en, " ")
    zhs = pc.binary_join_element_wise(*parts_zh, " ")
    title = pc.if_else(pa.chunked_array([pa.array(zh)]), zhs, en)
    lookalike = (brand < 0) & ~is_cf & (rng.random(n) < 0.03)
    alt = take_strings(vocab.LOOKALIKE, rng.integers(0, len(vocab.LOOKALIKE), n))
    title = pc.if_else(pa.chunked_array([pa.array(lookalike)]), alt, title)
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(title, r"\s{2,}", " "))


def _grey_assortment(
    rng: np.random.Generator,
    pop: Population,
    lst_store: np.ndarray,
    category: np.ndarray,
    brand: np.ndarray,
    brand_category: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Category and brand of grey-market listings redrawn: mostly branded, across categories and brands."""
    rows = np.flatnonzero(pop.store_kind[lst_store] == GREY)
    n = rows.size
    cat = np.where(
        rng.random(n) < GREY_MAIN_CATEGORY_SHARE,
        pop.store_category[lst_store[rows]],
        rng.integers(0, len(CATEGORIES), n),
    )
    chosen = _choose_brands(rng, cat, brand_category, np.full(n, GREY_BRAND_POWER))
    category, brand = category.copy(), brand.copy()
    brand[rows] = np.where(rng.random(n) < GREY_BRANDED_SHARE, chosen, -1)
    category[rows] = np.where(brand[rows] >= 0, brand_category[np.maximum(brand[rows], 0)], cat)
    return category, brand


def _grey_prices_and_versions(
    rng: np.random.Generator,
    pop: Population,
    lst_store: np.ndarray,
    brand: np.ndarray,
    brand_ref: np.ndarray,
    price: np.ndarray,
    title: pa.ChunkedArray,
) -> tuple[np.ndarray, pa.ChunkedArray]:
    """Grey-market branded listings priced in :data:`GREY_DISCOUNT` of reference; version words ("港版",
    "International Version") in titles of grey-market and cross-border stores, and a few others."""
    n = brand.size
    ref = brand_ref[np.maximum(brand, 0)]
    lo, hi = GREY_DISCOUNT
    raw = ref * rng.uniform(lo, hi, n)
    grey = (pop.store_kind[lst_store] == GREY) & (brand >= 0)
    rounded = np.where(raw > 20, np.round(raw) - 0.1, np.round(raw, 2))
    rounded = np.clip(rounded, np.ceil(lo * ref * 100) / 100, np.floor(hi * ref * 100) / 100)
    price = np.where(grey, rounded, price)
    importer = (pop.store_kind == GREY) | pop.store_cross_border
    rate = np.where(importer[lst_store], VERSION_WORD_RATE, VERSION_WORD_OTHER_RATE)
    tagged = (brand >= 0) & (rng.random(n) < rate)
    zh = pc.match_substring_regex(title, "[\u4e00-\u9fff]")
    word_zh = take_strings([f"【{w}】" for w in vocab.VERSION_ZH], rng.integers(0, len(vocab.VERSION_ZH), n))
    word_en = take_strings(vocab.VERSION_EN, rng.integers(0, len(vocab.VERSION_EN), n))
    with_zh = pc.binary_join_element_wise(word_zh, title, "")
    with_en = pc.binary_join_element_wise(title, word_en, " ")
    tagged_title = pc.if_else(zh, with_zh, with_en)
    return price, pc.if_else(pa.chunked_array([pa.array(tagged)]), tagged_title, title)


def _listed_at(
    rng: np.random.Generator, pop: Population, lst_store: np.ndarray, fast: np.ndarray, kept: np.ndarray
) -> np.ndarray:
    """Counterfeit listings (``fast``) go up right after the operator starts the store; honest stores keep adding
    listings over their life, and a bought store's ``kept`` listings were added before its purchase."""
    opened = pop.store_opened[lst_store]
    end = np.where(
        pop.store_closed[lst_store] >= 0, pop.store_closed[lst_store], WINDOW_END_US - 7 * US_PER_DAY
    )
    end = np.where(kept, pop.store_bought[lst_store], end)
    end = np.maximum(end, opened + US_PER_DAY)
    start = np.where(fast, pop.store_active[lst_store], opened)
    honest = opened + (rng.beta(0.8, 1.2, lst_store.size) * (end - opened)).astype(np.int64)
    quick = start + (rng.exponential(15, lst_store.size) * US_PER_DAY).astype(np.int64)
    listed = np.where(fast, quick, honest)
    listed = floor_jitter(rng, listed, start + 3_600_000_000, US_PER_DAY)
    return ceil_jitter(rng, listed, end, 3 * US_PER_DAY)


def _authorized(
    rng: np.random.Generator,
    pop: Population,
    store_ptr: np.ndarray,
    lst_brand: np.ndarray,
    flagship_brand: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(brand, store) pairs: flagships, 60% of agency stores and 15% of independents with branded goods; never a
    counterfeit or grey-market store (the default 0 of the selection below)."""
    first = np.full(pop.n_stores, -1, dtype=np.int64)
    branded = np.flatnonzero(lst_brand >= 0)
    store_of = np.searchsorted(store_ptr, branded, side="right") - 1
    first[store_of[::-1]] = lst_brand[branded[::-1]]
    p = np.select([pop.store_kind == AGENCY, pop.store_kind == INDEPENDENT], [0.6, 0.15], 0.0)
    chosen = (first >= 0) & (rng.random(pop.n_stores) < p)
    stores = np.concatenate([np.flatnonzero(chosen), np.flatnonzero(flagship_brand >= 0)])
    brands = np.concatenate([first[chosen], flagship_brand[flagship_brand >= 0]])
    pair = np.unique(brands * pop.n_stores + stores)
    return pair // pop.n_stores, pair % pop.n_stores


def build_catalog(
    rng: np.random.Generator,
    pop: Population,
    cfg: SimulationConfig,
    store_ids: pa.Array,
    bought_rng: np.random.Generator | None = None,
    copy_rng: np.random.Generator | None = None,
    grey_rng: np.random.Generator | None = None,
) -> Catalog:
    """Brands, listings (ids ordered by listing time) and authorised sellers.

    ``bought_rng`` draws which listings bought stores kept from their previous owners, ``copy_rng`` the hit
    products and copied catalogues, ``grey_rng`` the grey-market sellers' goods, prices and version words: their
    own streams, used only by presets with those tactics. Grey-market stores are authorised for no brand.
    """
    brand_en, brand_zh, brand_category, brand_ref = _brands(rng)
    counts = _listing_counts(rng, pop)
    store_ptr = np.concatenate([[0], np.cumsum(counts)])
    lst_store = np.repeat(np.arange(pop.n_stores), counts)
    kind = pop.store_kind[lst_store]
    kept = (
        np.zeros(lst_store.size, bool)
        if bought_rng is None
        else kept_listings(bought_rng, pop, cfg, lst_store)
    )
    is_cf = (kind == COUNTERFEIT) & ~kept  # a kept listing is the previous owner's honest goods
    n = lst_store.size
    category = np.where(
        rng.random(n) < 0.75, pop.store_category[lst_store], rng.integers(0, len(CATEGORIES), n)
    )
    p_brand = np.select([is_cf, kind == AGENCY], [0.9, 0.75], 0.35)
    is_flag = pop.store_template == FLAGSHIP
    flagship_brand = np.where(
        is_flag, _choose_brands(rng, pop.store_category, brand_category, np.ones(pop.n_stores)), -1
    )
    brand = _choose_brands(rng, category, brand_category, np.where(is_cf, 1.5, 1.0))
    brand = np.where(rng.random(n) < p_brand, brand, -1)
    flag_rows = flagship_brand[lst_store] >= 0
    brand = np.where(flag_rows, flagship_brand[lst_store], brand)
    category = np.where(brand >= 0, brand_category[np.maximum(brand, 0)], category)
    has_grey = grey_rng is not None and bool((pop.store_kind == GREY).any())
    if grey_rng is not None and has_grey:
        category, brand = _grey_assortment(grey_rng, pop, lst_store, category, brand, brand_category)
    second_hand = (pop.store_kind == INDEPENDENT) & (rng.random(pop.n_stores) < SECOND_HAND_STORE_SHARE)
    p_cheap = np.where(second_hand[lst_store], SECOND_HAND_CHEAP_SHARE, HONEST_CHEAP_BRANDED_SHARE)
    hits = None
    if copy_rng is not None and cfg.popular_model_rate > 0:
        hits = hit_products(copy_rng, cfg, brand, brand_category, is_cf)
    price = _prices(rng, is_cf, brand, category, brand_ref, cfg, p_cheap)
    title = _titles(rng, is_cf, brand, category, brand_en, brand_zh, cfg, hits)
    if hits is not None:
        price = np.where(hits.at_map, brand_ref[np.maximum(brand, 0)], price)
    if grey_rng is not None and has_grey:
        price, title = _grey_prices_and_versions(grey_rng, pop, lst_store, brand, brand_ref, price, title)
    if copy_rng is not None and cfg.copy_catalog_rate > 0:
        copies = copy_catalogs(copy_rng, cfg, pop, lst_store, is_cf, brand, category, price, title)
        brand, category, price, title = copies.brand, copies.category, copies.price, copies.title
    listed = _listed_at(rng, pop, lst_store, is_cf, kept)
    shown_brand = np.where(is_cf & (rng.random(n) < cfg.brand_omitted_rate), -1, brand)
    order = np.argsort(listed, kind="stable")
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    lst_ids = decimal_ids("L", rank + 1, 9)
    brand_names = pa.array(brand_en, type=pa.string())
    a_brand, a_store = _authorized(rng, pop, store_ptr, brand, flagship_brand)
    cat_names = [c.name for c in CATEGORIES]
    idx = pa.array(order)
    listings = pa.table(
        {
            "listing_id": lst_ids.take(idx),
            "store_id": take_strings(store_ids, lst_store[order]),
            "title": title.take(idx),
            "brand": take_strings(
                brand_names, np.maximum(shown_brand, 0)[order], mask=shown_brand[order] < 0
            ),
            "category": take_strings(cat_names, category[order]),
            "price": pa.array(price[order]),
            "currency": pa.array(np.full(n, "CNY"), type=pa.string()),
            "listed_at": pa.array(listed[order], type=pa.timestamp("us", tz="UTC")),
        }
    )
    brands = pa.table(
        {
            "brand": brand_names,
            "category": take_strings(cat_names, brand_category).combine_chunks(),
            "reference_price": pa.array(brand_ref),
            "currency": pa.array(["CNY"] * N_BRANDS, type=pa.string()),
        }
    )
    authorized = pa.table(
        {"brand": brand_names.take(pa.array(a_brand)), "store_id": store_ids.take(pa.array(a_store))}
    )
    return Catalog(
        brand_category=brand_category,
        brand_ref=brand_ref,
        brand_en=brand_en,
        brand_zh=brand_zh,
        store_ptr=store_ptr,
        lst_store=lst_store,
        lst_category=category,
        lst_brand=brand,
        lst_price=price,
        lst_listed=listed,
        lst_ids=lst_ids,
        tables={"brands": brands, "authorized_sellers": authorized, "listings": listings},
    )
