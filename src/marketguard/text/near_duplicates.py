"""Near-duplicate review texts: MinHash LSH over character shingles (Broder 1997; Leskovec et al., *Mining of
Massive Datasets*, ch. 3).

Review farms post a handful of templates with small variations ("性价比超高，朋友都说好看，还会再来👍👍" vs
"...还会再来[太开心]"), spread over many accounts; store-group software copies listing titles with small edits
(compared within their price, ``blocks``). Texts are grouped when the Jaccard similarity of their
character-shingle sets reaches a threshold; counting accounts per group is left to the caller (SQL).
:func:`near_duplicate_sets` groups sets given as they are (a store's price list) the same way.

Notes
-----
The pipeline, every step in numpy or numba:

1. Exact duplicates are collapsed twice, before and after normalisation (farms reuse templates verbatim), so the
   rest runs on distinct normalised texts only.
2. Normalisation: NFKC (full-width letters, digits and punctuation become ASCII), lower case, then Taobao/Weibo
   emoticon codes (``[太开心]``) and every punctuation, symbol (emoji included), separator, control and format
   character (zero-width joiners, variation selectors) are removed, whitespace included. These are the cheapest
   knobs a farm turns to dodge exact matching and carry no content in a review; dropping whitespace also
   neutralises "质 量 很 好" spacing and makes Chinese, which has no spaces, and English behave alike. Only the
   first :data:`MAX_TEXT_CHARS` characters of the normalised text are compared.
3. Shingles are overlapping character ``shingle``-grams (words do not exist in Chinese without a segmenter),
   hashed to 64 bits. Texts with fewer than ``min_shingles`` distinct shingles ("好评", "ok") are never grouped:
   short stock phrases are written independently by many genuine buyers.
4. Signatures, LSH and the exact check: :mod:`marketguard.text.minhash_lsh`, on the shingle sets.

Complexity: shingling is O(characters) in numba, MinHash O(shingles x num_perm) (see
:mod:`~marketguard.text.minhash_lsh`). Measured on two cores: 102,000 simulated listing titles (75,000 distinct)
in 2.2 s (14 s when datasketch's ``MinHashLSH.insert`` banded them and numpy's scratch matrices made the
signatures: the same groups); 1,014,000 titles grouped within their prices in 12 s; a 100,000-review simulated
market (1,100 distinct texts) in 0.2 s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from marketguard.errors import ParameterError
from marketguard.graph.components import encode
from marketguard.params import Interval
from marketguard.text.char_ngrams import code_points
from marketguard.text.minhash_lsh import MULTIPLIER, components, grouped_ids

__all__ = ["MAX_TEXT_CHARS", "group_sizes", "near_duplicate_groups", "near_duplicate_sets", "normalise_texts"]

#: Characters of a normalised text that are compared; the rest is ignored, so texts that agree this far are
#: duplicates. Reviews are far shorter (review forms cap them at a few thousand characters, Yelp's at 5,000;
#: the simulated ones run to 75): a longer value is a review followed by something else. The bound keeps one
#: text's cost bounded (shingling, sorting and MinHash took 3 s and a gigabyte of memory for one megabyte of
#: varied text), and a farm's templates are told apart by their first words.
MAX_TEXT_CHARS = 5_000

#: Chat-app emoticon codes such as ``[太开心]`` or ``[赞]``: rendered as a picture, so noise like an emoji.
_EMOTICON = r"\[[^\[\]\s]{1,8}\]"
#: Punctuation, symbols (emoji, skin tones), separators, control/format characters, whitespace, emoji
#: variation selectors and the keycap mark.
_NOISE = r"[\pP\pS\pZ\pC\s\x{FE00}-\x{FE0F}\x{20E3}]+"

_CONSTRAINTS = {
    "threshold": Interval(float, 0.0, 1.0),
    "num_perm": Interval(int, 2, None),
    "shingle": Interval(int, 1, None),
    "min_shingles": Interval(int, 1, None),
    "min_size": Interval(int, 1, None),
    "seed": Interval(int, 0, 2**32 - 1),
}


def normalise_texts(texts: pa.Array) -> pa.Array:
    """Texts as compared: NFKC, lower case, emoticon codes, punctuation, emoji and whitespace removed (see the
    module Notes for why), cut to :data:`MAX_TEXT_CHARS` characters. Nulls stay null."""
    out = pc.utf8_lower(pc.utf8_normalize(texts, "NFKC"))
    out = pc.replace_substring_regex(out, _EMOTICON, "")
    return pc.utf8_slice_codeunits(pc.replace_substring_regex(out, _NOISE, ""), 0, MAX_TEXT_CHARS)


def near_duplicate_groups(
    texts: Sequence[str | None] | pa.Array | pa.ChunkedArray,
    *,
    blocks: np.ndarray | None = None,
    threshold: float = 0.7,
    num_perm: int = 64,
    shingle: int = 3,
    min_shingles: int = 2,
    seed: int = 1,
) -> np.ndarray:
    """Group id per text, -1 for a text with no near duplicate.

    Two texts are linked when the exact Jaccard similarity of their shingle sets is at least ``threshold`` and
    MinHash LSH proposed them as a candidate pair; groups are the transitive closure of the links, so a farm's
    template variants end up in one group even when the first and last variant differ more. Identical texts
    (after normalisation) always group. Ids are dense and numbered in order of first appearance, so the same
    input always gives the same output.

    Parameters
    ----------
    blocks
        An integer per text (a listing's price in cents, say): texts are only compared with texts of their own
        block, and identical texts of two blocks are two texts. Cheaper than grouping every text and splitting
        the groups afterwards, and not the same: a group cannot chain through texts of other blocks. ``None``:
        one block.
    threshold
        Minimum Jaccard similarity of the shingle sets. At 0.7 a 15-character template with a two-character
        tail still matches (about 0.87), while two reviews that share only an opening phrase ("好评 质量很好
        推荐购买" vs "好评 质量很好 会回购的", about 0.33) stay apart.
    num_perm
        MinHash permutations; only the candidate search depends on it (links are verified exactly).
    shingle
        Characters per shingle. Three keeps short Chinese texts (10-20 characters) discriminating.
    min_shingles
        Texts with fewer distinct shingles are never grouped.
    seed
        Seed of the MinHash permutations.
    """
    params = {"threshold": threshold, "num_perm": num_perm, "shingle": shingle, "min_shingles": min_shingles}
    _validate("near_duplicate_groups", params | {"seed": seed})
    raw = _as_string_array(texts)
    if len(raw) == 0:
        return np.empty(0, np.int64)
    raw_codes, raw_distinct = encode(raw)
    norm_codes, norm_distinct = encode(normalise_texts(raw_distinct))
    text = norm_codes[raw_codes]  # distinct normalised text of each input text
    n_texts = len(norm_distinct)
    doc_keys, doc = np.unique(_block_codes(blocks, len(raw)) * n_texts + text, return_inverse=True)
    doc_text, doc_block = doc_keys % n_texts, doc_keys // n_texts  # the distinct (block, text) pairs
    values, starts = _shingles(norm_distinct.to_pylist(), shingle)
    counts = np.diff(starts)
    is_long = counts >= min_shingles
    compact = np.cumsum(is_long) - 1  # row of each long enough text once the short ones are dropped
    values = values[np.repeat(is_long, counts)]
    starts = np.concatenate([[0], np.cumsum(counts[is_long])])
    eligible = np.flatnonzero(is_long[doc_text])
    labels = np.arange(len(doc_keys))
    labels[eligible] = eligible[
        components(
            values, starts, threshold, num_perm, seed, compact[doc_text[eligible]], doc_block[eligible]
        )
    ]
    return grouped_ids(labels, doc, eligible)


def near_duplicate_sets(
    sets: Sequence[Sequence[int]] | pa.ListArray | pa.ChunkedArray,
    *,
    threshold: float = 0.7,
    num_perm: int = 64,
    min_size: int = 1,
    seed: int = 1,
) -> np.ndarray:
    """Group id per set of integers, -1 for a set with no near duplicate: :func:`near_duplicate_groups` on
    sets given as they are (a store's price list in cents) instead of a text's shingles.

    Repeated members count once; sets with fewer than ``min_size`` distinct members, and missing ones, are never
    grouped. Links, groups and ids follow :func:`near_duplicate_groups`.
    """
    params = {"threshold": threshold, "num_perm": num_perm, "min_size": min_size}
    _validate("near_duplicate_sets", params | {"seed": seed})
    lists = (
        pa.array(list(sets), pa.list_(pa.int64()))
        if not isinstance(sets, pa.Array | pa.ChunkedArray)
        else sets
    )
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    n = len(lists)
    if n == 0:
        return np.empty(0, np.int64)
    row = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    member = pc.list_flatten(lists).to_numpy(zero_copy_only=False).astype(np.int64).view(np.uint64)
    order = np.lexsort((member, row))
    row, member = row[order], member[order]
    keep = np.ones(row.size, bool)
    keep[1:] = (row[1:] != row[:-1]) | (member[1:] != member[:-1])
    counts = np.bincount(row[keep], minlength=n)
    is_big = counts >= min_size
    values = member[keep][is_big[row[keep]]]
    starts = np.concatenate([[0], np.cumsum(counts[is_big])])
    eligible = np.flatnonzero(is_big)
    labels = np.arange(n)
    own = np.arange(eligible.size)
    labels[eligible] = eligible[
        components(values, starts, threshold, num_perm, seed, own, np.zeros(eligible.size, np.int64))
    ]
    return grouped_ids(labels, np.arange(n), eligible)


def group_sizes(groups: np.ndarray) -> np.ndarray:
    """Number of texts in each text's group (1 for a text in no group), for ranking without a SQL round trip."""
    groups = np.asarray(groups, dtype=np.int64)
    sizes = np.ones(len(groups), np.int64)
    grouped = groups >= 0
    sizes[grouped] = np.bincount(groups[grouped])[groups[grouped]]
    return sizes


def _validate(owner: str, params: dict[str, int | float]) -> None:
    for name, value in params.items():
        constraint = _CONSTRAINTS[name]
        if (isinstance(value, float) and math.isnan(value)) or not constraint.accepts(value):
            raise ParameterError(
                f"The '{name}' parameter of {owner} must be {constraint}. Got {value!r} instead."
            )


def _block_codes(blocks: np.ndarray | None, n: int) -> np.ndarray:
    """Dense code of every text's block (all 0 without blocks)."""
    if blocks is None:
        return np.zeros(n, np.int64)
    blocks = np.asarray(blocks)
    if blocks.shape != (n,):
        raise ParameterError(
            f"The 'blocks' parameter of near_duplicate_groups must have one value per text ({n}). "
            f"Got shape {blocks.shape} instead."
        )
    return np.unique(blocks, return_inverse=True)[1].astype(np.int64)


def _as_string_array(texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if isinstance(texts, pa.Array):
        return texts.cast(pa.string())
    return pa.array(list(texts), type=pa.string())


def _shingles(docs: list[str | None], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct 64-bit shingle hashes of every text, sorted within each text, and the CSR-style row starts.

    Code points are read in one UTF-32 pass; each k-gram is folded polynomially (mod 2^64) in numba.
    """
    points, text_starts = code_points([d or "" for d in docs])
    points, first, lengths = points.astype(np.uint64), text_starts[:-1], np.diff(text_starts)
    values = np.empty(int(np.maximum(lengths - k + 1, 0).sum()), np.uint64)
    counts = np.zeros(len(docs), np.int64)
    n = _fold_shingles(points, first, lengths, k, MULTIPLIER, values, counts)
    starts = np.zeros(len(docs) + 1, np.int64)
    np.cumsum(counts, out=starts[1:])
    return values[:n], starts


@numba.njit(cache=True)
def _fold_shingles(
    points: np.ndarray,
    first: np.ndarray,
    lengths: np.ndarray,
    k: int,
    multiplier: np.uint64,
    values: np.ndarray,
    counts: np.ndarray,
) -> int:
    """Per text: its k-gram hashes, sorted and deduplicated into ``values`` from the last text's end, their
    number into ``counts``; returns the number of values written."""
    end = 0
    for t in range(lengths.size):
        m = lengths[t] - k + 1
        if m <= 0:
            continue
        grams = np.empty(m, np.uint64)
        for j in range(m):
            v = np.uint64(0)
            for i in range(k):
                v = v * multiplier + points[first[t] + j + i]
            grams[j] = v
        grams.sort()
        for j in range(m):
            if j == 0 or grams[j] != grams[j - 1]:
                values[end] = grams[j]
                end += 1
                counts[t] += 1
    return end
