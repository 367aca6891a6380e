"""Near-duplicate review texts: MinHash LSH over character shingles (Broder 1997; Leskovec et al., *Mining of
Massive Datasets*, ch. 3).

Review farms post a handful of templates with small variations ("性价比超高，朋友都说好看，还会再来👍👍" vs
"...还会再来[太开心]"), spread over many accounts. Texts are grouped when the Jaccard similarity of their
character-shingle sets reaches a threshold; counting accounts per group is left to the caller (SQL).

Notes
-----
The pipeline, every step in numpy or numba except the LSH index itself:

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
4. MinHash signatures are computed with numpy in datasketch's ``affine64`` scheme (identical values to
   ``datasketch.MinHash(scheme="affine64")`` fed with the shingle hashes), then banded by datasketch's
   ``MinHashLSH``. Bands are sized for recall (>= 95% of the pairs at exactly ``threshold`` become candidates),
   because every candidate pair is then checked with its *exact* Jaccard similarity: LSH only decides which
   pairs are worth checking, and the result does not carry MinHash's estimation noise (+-0.06 at 64
   permutations). The ``affine64`` scheme is why datasketch >= 2.0 is required.
5. Every pair within a bucket is a candidate; a union-find links the candidates that pass the check and skips
   pairs already in one component, so a bucket of a thousand variants of one template costs about a thousand
   Jaccard checks (and half a million cheap root look-ups), not half a million checks. The groups are its
   components, which do not depend on the order of the checks. Only a big bucket of mutually dissimilar texts
   is quadratic, and banding makes those rare.

Complexity: shingling and MinHash are O(characters x num_perm) in numpy; the LSH index is a Python loop of
O(distinct texts x bands) dictionary inserts and is the dominant cost; the check is a merge of two sorted
shingle arrays (numba). Measured on two cores: 100,000 texts of which 62% distinct (58,000 after
normalisation) in 4-6.5 s, over half of it in datasketch's ``MinHashLSH.insert``; a 100,000-review simulated
market (1,100 distinct texts) in 0.1 s.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numba
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketch import LeanMinHash, MinHash, MinHashLSH

from marketguard.errors import ParameterError
from marketguard.graph.components import encode
from marketguard.params import Interval

__all__ = ["MAX_TEXT_CHARS", "group_sizes", "near_duplicate_groups", "normalise_texts"]

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
#: Share of the pairs at exactly ``threshold`` that the LSH bands must surface as candidates.
_MIN_RECALL = 0.95
#: Shingle rows per MinHash block: bounds the (rows x num_perm) uint64 scratch matrix to ~ 64 MB at 64 perms.
_BLOCK_ROWS = 131_072
_MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_FMIX = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))

_CONSTRAINTS = {
    "threshold": Interval(float, 0.0, 1.0),
    "num_perm": Interval(int, 2, None),
    "shingle": Interval(int, 1, None),
    "min_shingles": Interval(int, 1, None),
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
    _validate(params | {"seed": seed})
    raw = _as_string_array(texts)
    if len(raw) == 0:
        return np.empty(0, np.int64)
    raw_codes, raw_distinct = encode(raw)
    norm_codes, norm_distinct = encode(normalise_texts(raw_distinct))
    doc = norm_codes[raw_codes]  # distinct normalised text of each input text
    n_docs = len(norm_distinct)
    values, starts = _shingles(norm_distinct.to_pylist(), shingle)
    counts = np.diff(starts)
    eligible = np.flatnonzero(counts >= min_shingles)
    values = values[np.repeat(counts >= min_shingles, counts)]
    starts = np.concatenate([[0], np.cumsum(counts[eligible])])
    labels = np.arange(n_docs)
    labels[eligible] = eligible[_components(values, starts, threshold, num_perm, seed)]
    n_texts = np.bincount(labels, weights=np.bincount(doc, minlength=n_docs), minlength=n_docs)
    is_grouped = np.zeros(n_docs, bool)
    is_grouped[eligible] = n_texts[labels[eligible]] >= 2
    return _first_seen_ids(np.where(is_grouped[doc], labels[doc], -1))


def group_sizes(groups: np.ndarray) -> np.ndarray:
    """Number of texts in each text's group (1 for a text in no group), for ranking without a SQL round trip."""
    groups = np.asarray(groups, dtype=np.int64)
    sizes = np.ones(len(groups), np.int64)
    grouped = groups >= 0
    sizes[grouped] = np.bincount(groups[grouped])[groups[grouped]]
    return sizes


def _validate(params: dict[str, int | float]) -> None:
    for name, value in params.items():
        constraint = _CONSTRAINTS[name]
        if (isinstance(value, float) and math.isnan(value)) or not constraint.accepts(value):
            raise ParameterError(
                f"The '{name}' parameter of near_duplicate_groups must be {constraint}. Got {value!r} instead."
            )


def _as_string_array(texts: Sequence[str | None] | pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(texts, pa.ChunkedArray):
        texts = texts.combine_chunks()
    if isinstance(texts, pa.Array):
        return texts.cast(pa.string())
    return pa.array(list(texts), type=pa.string())


def _shingles(docs: list[str | None], k: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct 64-bit shingle hashes of every text, sorted within each text, and the CSR-style row starts.

    Code points are read in one UTF-32 pass and each k-gram is folded polynomially (mod 2^64), all in numpy.
    """
    texts = [d or "" for d in docs]
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    points = np.frombuffer("".join(texts).encode("utf-32-le"), np.uint32).astype(np.uint64)
    counts = np.maximum(lengths - k + 1, 0)
    owner = np.repeat(np.arange(len(docs)), counts)
    first = np.cumsum(lengths) - lengths
    pos = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts) + first[owner]
    values = np.zeros(len(pos), np.uint64)
    for i in range(k):
        values = values * _MULTIPLIER + points[pos + i]
    order = np.lexsort((values, owner))
    owner, values = owner[order], values[order]
    keep = np.ones(len(values), bool)
    keep[1:] = (owner[1:] != owner[:-1]) | (values[1:] != values[:-1])
    starts = np.zeros(len(docs) + 1, np.int64)
    np.cumsum(np.bincount(owner[keep], minlength=len(docs)), out=starts[1:])
    return values[keep], starts


def _signatures(values: np.ndarray, starts: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signature per text (rows of ``starts``), with the values datasketch's affine64 scheme gives for
    the same shingle hashes; computed in blocks so the (shingles x permutations) scratch matrix stays small."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine64").permutations
    shift, m1, m2 = _FMIX  # MurmurHash3's finalizer, as datasketch pre-mixes input hashes
    hashed = values ^ (values >> shift)
    hashed *= m1
    hashed ^= hashed >> shift
    hashed *= m2
    hashed ^= hashed >> shift
    n = len(starts) - 1
    out = np.empty((n, num_perm), np.uint64)
    lo = 0
    while lo < n:
        hi = int(np.searchsorted(starts, starts[lo] + _BLOCK_ROWS, side="right")) - 1
        hi = min(max(hi, lo + 1), n)
        block = hashed[starts[lo] : starts[hi], None] * a + b
        out[lo:hi] = np.minimum.reduceat(block, starts[lo:hi] - starts[lo], axis=0)
        lo = hi
    return out


def _bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """LSH (bands, rows): the most rows per band (fewest spurious candidates) that still surfaces
    ``_MIN_RECALL`` of the pairs at exactly ``threshold``."""
    best = (num_perm, 1)
    for rows in range(1, num_perm // 2 + 1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= _MIN_RECALL:
            best = (bands, rows)
    return best


def _buckets(signatures: np.ndarray, seed: int, bands: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Members of every LSH bucket holding two or more texts, flat and sorted within a bucket, and the bucket
    offsets into them."""
    lsh = MinHashLSH(num_perm=signatures.shape[1], params=bands)
    for i, signature in enumerate(signatures):
        lsh.insert(
            i, LeanMinHash(seed=seed, hashvalues=signature, scheme="affine64"), check_duplication=False
        )
    members: list[int] = []
    offsets = [0]
    for table in lsh.hashtables:
        for key in table.keys():  # noqa: SIM118 (a datasketch storage, not a dict)
            bucket = table.get(key)
            if len(bucket) > 1:
                members.extend(sorted(bucket))
                offsets.append(len(members))
    return np.asarray(members, np.int64), np.asarray(offsets, np.int64)


def _components(
    values: np.ndarray, starts: np.ndarray, threshold: float, num_perm: int, seed: int
) -> np.ndarray:
    """Component root per text (rows of ``starts``) over the LSH candidate pairs that pass the exact check."""
    n = len(starts) - 1
    parent = np.arange(n, dtype=np.int64)
    if n >= 2:
        bands = _bands(threshold, num_perm)
        members, offsets = _buckets(_signatures(values, starts, num_perm, seed), seed, bands)
        _link(members, offsets, values, starts, threshold, parent)
    return _roots(parent)


@numba.njit(cache=True)
def _find(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]  # path halving
        i = parent[i]
    return i


@numba.njit(cache=True)
def _roots(parent: np.ndarray) -> np.ndarray:
    out = np.empty(parent.size, np.int64)
    for i in range(parent.size):
        out[i] = _find(parent, i)
    return out


@numba.njit(cache=True)
def _is_similar(values: np.ndarray, starts: np.ndarray, i: int, j: int, threshold: float) -> bool:
    """Exact Jaccard of two sorted shingle sets >= threshold, by a merge walk."""
    p, p_end, q, q_end = starts[i], starts[i + 1], starts[j], starts[j + 1]
    small, large = min(p_end - p, q_end - q), max(p_end - p, q_end - q)
    if small < threshold * large - 1e-9:  # Jaccard <= small / large
        return False
    shared = 0
    while p < p_end and q < q_end:
        if values[p] == values[q]:
            shared += 1
            p += 1
            q += 1
        elif values[p] < values[q]:
            p += 1
        else:
            q += 1
    return shared >= threshold * (small + large - shared) - 1e-9


@numba.njit(cache=True)
def _link(
    members: np.ndarray,
    offsets: np.ndarray,
    values: np.ndarray,
    starts: np.ndarray,
    threshold: float,
    parent: np.ndarray,
) -> None:
    """Union-find over every pair in every bucket; a pair already in one component is not checked again,
    which keeps big template buckets (one component after a few checks) cheap."""
    for b in range(offsets.size - 1):
        for p in range(offsets[b], offsets[b + 1]):
            for q in range(p + 1, offsets[b + 1]):
                ri, rj = _find(parent, members[p]), _find(parent, members[q])
                if ri != rj and _is_similar(values, starts, members[p], members[q], threshold):
                    parent[max(ri, rj)] = min(ri, rj)


def _first_seen_ids(labels: np.ndarray) -> np.ndarray:
    """Relabel non-negative labels 0, 1, 2, ... in order of first appearance; -1 stays."""
    out = np.full(len(labels), -1, np.int64)
    grouped = labels >= 0
    if grouped.any():
        distinct, first, inverse = np.unique(labels[grouped], return_index=True, return_inverse=True)
        rank = np.empty(len(distinct), np.int64)
        rank[np.argsort(first)] = np.arange(len(distinct))
        out[grouped] = rank[inverse]
    return out
