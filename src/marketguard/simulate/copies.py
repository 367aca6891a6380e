"""Copied catalogues of store groups, and the hit products that make honest catalogues look alike.

Operators running many stores use store-group software (店群) that copies one master catalogue into every store:
the same goods at the same price list, each title edited a little (a word dropped, two swapped, a suffix or a
claim added) to slip past the platform's duplicate-listing check. That copying is evidence that survives every
environment disguise. Its honest look-alike is the hit product: every brand has a few bestselling models, which
unrelated resellers list under near-identical titles, and brands enforce a minimum advertised price, so many of
them list at exactly the brand's reference price. Counterfeiters copy the hits too.

Both behaviours draw from one random stream of their own and only run on presets that set
``copy_catalog_rate`` or ``popular_model_rate``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from . import catalog_vocab as vocab
from .config import SimulationConfig
from .ids import take_strings
from .population import Population

__all__ = ["HitProducts", "copy_catalogs", "hit_products"]

#: Hit models per brand: a handful of bestsellers carry most of a brand's sales.
N_HITS = 4
#: Model codes run 1..399 in titles (0 is "no model"; see ``catalog._titles``).
N_MODELS = 400
#: Share of honest hit-model listings priced at exactly the brand's reference price (minimum advertised price).
MAP_RATE = 0.5
#: Master catalogue size relative to the operator's mean store catalogue: store groups list most of the master in
#: each store, so the master is a little larger than one store's catalogue.
MASTER_FACTOR = (1.0, 2.0)
#: Smallest master catalogue (an operator with tiny stores still copies a few products around).
MIN_MASTER = 3
#: Exponent skewing copies towards the first master products (the operator's bestsellers are in every store).
BESTSELLER_SKEW = 1.5
#: Share of copies whose price was nudged by a few percent (a store testing a price); the rest keep the list price.
PRICE_NUDGE_RATE = 0.15
#: Title edits of a copy and their shares: none (verbatim), add a suffix, drop a word, swap two words, add a claim.
TITLE_EDITS = np.array([0.25, 0.25, 0.2, 0.15, 0.15])


@dataclass(frozen=True)
class HitProducts:
    """Per listing: the hit product's title noun and model code (-1: not a hit), and whether it is at the MAP."""

    noun: np.ndarray
    model: np.ndarray
    at_map: np.ndarray


def hit_products(
    rng: np.random.Generator,
    cfg: SimulationConfig,
    brand: np.ndarray,
    brand_category: np.ndarray,
    is_cf: np.ndarray,
) -> HitProducts:
    """Make ``popular_model_rate`` of branded listings one of their brand's ``N_HITS`` hit models."""
    n_nouns = np.array([len(c.nouns_en) for c in vocab.CATEGORIES])
    noun_start = np.concatenate([[0], np.cumsum(n_nouns)[:-1]])
    cat = brand_category
    hit_noun = noun_start[cat][:, None] + (rng.random((cat.size, N_HITS)) * n_nouns[cat][:, None]).astype(
        np.int64
    )
    hit_model = rng.integers(1, N_MODELS, (cat.size, N_HITS))
    n = brand.size
    hit = (brand >= 0) & (rng.random(n) < cfg.popular_model_rate)
    which = (rng.random(n) ** BESTSELLER_SKEW * N_HITS).astype(np.int64)
    b = np.maximum(brand, 0)
    return HitProducts(
        noun=np.where(hit, hit_noun[b, which], -1),
        model=np.where(hit, hit_model[b, which], -1),
        at_map=hit & ~is_cf & (rng.random(n) < MAP_RATE),
    )


@dataclass
class Copies:
    """Listing arrays after copying (brand, category, price, title) and each row's master row (-1: none)."""

    brand: np.ndarray
    category: np.ndarray
    price: np.ndarray
    title: pa.ChunkedArray
    master: np.ndarray


def _masters(
    rng: np.random.Generator, op: np.ndarray, n_stores_of_op: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows of each operator in random order (``order``), the first rank of each operator's block (``start``) and
    its master size (``k``): the first ``k`` rows of the block are the master catalogue."""
    order = np.lexsort((rng.random(op.size), op))
    ops, start, count = np.unique(op[order], return_index=True, return_counts=True)
    lo, hi = MASTER_FACTOR
    k = np.round(count / n_stores_of_op[ops] * rng.uniform(lo, hi, ops.size)).astype(np.int64)
    return order, np.repeat(start, count), np.repeat(np.clip(k, np.minimum(MIN_MASTER, count), count), count)


def copy_catalogs(
    rng: np.random.Generator,
    cfg: SimulationConfig,
    pop: Population,
    lst_store: np.ndarray,
    own: np.ndarray,
    brand: np.ndarray,
    category: np.ndarray,
    price: np.ndarray,
    title: pa.ChunkedArray,
) -> Copies:
    """Copy ``copy_catalog_rate`` of each operator's own listings (``own``: counterfeit, not kept from a
    previous owner) from its master catalogue: same brand, category and price, a near-duplicate title."""
    rows = np.flatnonzero(own)
    op = pop.store_op[lst_store[rows]]
    order, block_start, k = _masters(rng, op, np.bincount(pop.store_op, minlength=pop.op_kind.size))
    rank = np.arange(rows.size) - block_start
    copied = (rank >= k) & (rng.random(rows.size) < cfg.copy_catalog_rate)
    pick = (rng.random(rows.size) ** BESTSELLER_SKEW * k).astype(np.int64)
    dst, src = rows[order[copied]], rows[order[block_start + pick][copied]]
    brand, category, price = brand.copy(), category.copy(), price.copy()
    brand[dst], category[dst] = brand[src], category[src]
    nudge = np.where(rng.random(dst.size) < PRICE_NUDGE_RATE, rng.uniform(0.95, 1.05, dst.size), 1.0)
    moved = price[src] * nudge
    price[dst] = np.where(
        nudge == 1.0, price[src], np.where(moved > 20, np.round(moved) - 0.1, np.round(moved, 2))
    )
    edited = _near_duplicates(rng, title.take(pa.array(src)).to_pylist())
    index = np.arange(lst_store.size)
    index[dst] = lst_store.size + np.arange(dst.size)
    vocab_all = (
        pa.concat_arrays([*title.chunks, pa.array(edited, pa.string())]) if title.num_chunks else title
    )
    master = np.full(lst_store.size, -1, dtype=np.int64)
    master[dst] = src
    return Copies(brand, category, price, take_strings(vocab_all, index), master)


def _near_duplicates(rng: np.random.Generator, titles: list[str]) -> list[str]:
    """One small edit per title, as store-group software makes to dodge duplicate checks."""
    n = len(titles)
    edit = rng.choice(TITLE_EDITS.size, n, p=TITLE_EDITS)
    u, v = rng.random(n), rng.random(n)
    out = []
    for t, e, a, b in zip(titles, edit.tolist(), u.tolist(), v.tolist(), strict=True):
        words = t.split(" ")
        zh = any("\u4e00" <= ch <= "\u9fff" for ch in t)
        if e == 1:
            suffixes = [s for s in (vocab.SUFFIX_ZH if zh else vocab.SUFFIX_EN) if s]
            words.append(suffixes[int(a * len(suffixes))])
        elif e == 2 and len(words) > 2:
            del words[1 + int(a * (len(words) - 1))]
        elif e == 3 and len(words) > 2:
            i = 1 + int(a * (len(words) - 2))
            words[i - 1], words[i] = words[i], words[i - 1]
        elif e == 4:
            claims = vocab.CLAIM_ZH if zh else vocab.CLAIM_EN
            words.insert(int(b * 2), claims[int(a * len(claims))])
        out.append(" ".join(words))
    return out
