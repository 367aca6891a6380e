"""Groups of near-duplicate sets of 64-bit integers: MinHash LSH with an exact Jaccard check (Broder 1997;
Leskovec et al., *Mining of Massive Datasets*, ch. 3). The engine of :mod:`marketguard.text.near_duplicates`
(a text's character shingles) and of price lists (a store's prices).

A document is a set (a row of CSR ``values``/``starts``: distinct values, sorted within the row) in a block:
documents of two blocks are never linked.

Notes
-----
1. MinHash signatures are computed with numba in datasketch's ``affine64`` scheme (identical values to
   ``datasketch.MinHash(scheme="affine64")`` fed with the set's values), then banded as datasketch's
   ``MinHashLSH`` bands them, in numpy: the documents whose signatures agree on a whole band share a bucket (a
   band's values and the block are hashed to one 64-bit key and sorted; two different bands share a key with
   chance 2^-64). Bands are sized for recall (>= 95% of the pairs at exactly ``threshold`` become candidates),
   because every candidate pair is then checked with its *exact* Jaccard similarity: LSH only decides which
   pairs are worth checking, and the result does not carry MinHash's estimation noise (+-0.06 at 64
   permutations). The ``affine64`` scheme is why datasketch >= 2.0 is required.
2. Every pair of one block within a bucket is a candidate; a union-find links the candidates that pass the
   check and skips pairs already in one component, so a bucket of a thousand variants of one review template
   costs about a thousand Jaccard checks (and half a million cheap root look-ups), not half a million checks.
   The groups are its components, which do not depend on the order of the checks. Only a big bucket of
   mutually dissimilar documents is quadratic, and banding makes those rare.

Complexity: MinHash is O(members x num_perm) in numba; the LSH index one sort of the documents per band; the
check a merge of two sorted sets (numba). The 1,014,000 listing titles of a 100k-store simulation (790,000
distinct texts, 1M documents within their prices): signatures in 3 s, banding in 2 s, on two cores.
datasketch's ``MinHashLSH.insert`` took 12.6 s for a tenth of them.
"""

from __future__ import annotations

import numba
import numpy as np
from datasketch import MinHash

__all__ = ["MULTIPLIER", "components", "grouped_ids", "signatures"]

#: Share of the pairs at exactly ``threshold`` that the LSH bands must surface as candidates.
_MIN_RECALL = 0.95
#: Odd 64-bit multiplier of the polynomial folds (shingles, band keys).
MULTIPLIER = np.uint64(0x9E3779B97F4A7C15)
_FMIX = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))


def grouped_ids(labels: np.ndarray, doc: np.ndarray, eligible: np.ndarray) -> np.ndarray:
    """Group id per input row (``doc``: its distinct document) from each document's component label: groups
    of two input rows or more, numbered in order of first appearance; -1 for the rest."""
    n_docs = labels.size
    n_rows = np.bincount(labels, weights=np.bincount(doc, minlength=n_docs), minlength=n_docs)
    is_grouped = np.zeros(n_docs, bool)
    is_grouped[eligible] = n_rows[labels[eligible]] >= 2
    return first_seen_ids(np.where(is_grouped[doc], labels[doc], -1))


def signatures(values: np.ndarray, starts: np.ndarray, num_perm: int, seed: int) -> np.ndarray:
    """MinHash signature per set (rows of ``starts``), with the values datasketch's affine64 scheme gives for
    the same values (numba: no members x permutations scratch matrix)."""
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine64").permutations
    out = np.empty((len(starts) - 1, num_perm), np.uint64)
    _min_hashes(
        _mix(values), starts, a.astype(np.uint64), b.astype(np.uint64), out
    )  # as datasketch pre-mixes
    return out


@numba.njit(cache=True)
def _min_hashes(
    hashed: np.ndarray, starts: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray
) -> None:
    """``out[t, p]``: the least ``a[p] * h + b[p]`` (mod 2^64) over the hashes ``h`` of set ``t``."""
    for t in range(starts.size - 1):
        for p in range(a.size):
            least = np.uint64(0xFFFFFFFFFFFFFFFF)
            for s in range(starts[t], starts[t + 1]):
                v = hashed[s] * a[p] + b[p]
                if v < least:
                    least = v
            out[t, p] = least


def _mix(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 64-bit finalizer of every value (a new array)."""
    shift, m1, m2 = _FMIX
    hashed = values ^ (values >> shift)
    hashed *= m1
    hashed ^= hashed >> shift
    hashed *= m2
    hashed ^= hashed >> shift
    return hashed


def _bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """LSH (bands, rows): the most rows per band (fewest spurious candidates) that still surfaces
    ``_MIN_RECALL`` of the pairs at exactly ``threshold``."""
    best = (num_perm, 1)
    for rows in range(1, num_perm // 2 + 1):
        bands = num_perm // rows
        if 1 - (1 - threshold**rows) ** bands >= _MIN_RECALL:
            best = (bands, rows)
    return best


def _buckets(
    signatures: np.ndarray, bands: tuple[int, int], text: np.ndarray, block: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Members of every LSH bucket holding two or more documents (the signature of ``text`` in ``block``), flat
    and sorted within a bucket, and the bucket offsets into them: per band, the documents of one block whose
    band values agree (the block and the values hashed to one key, then sorted)."""
    n_bands, rows = bands
    salt = _mix(block.astype(np.uint64) * MULTIPLIER)  # 0 for block 0
    members, sizes = [], []
    for band in range(n_bands):
        key = salt
        for column in range(band * rows, (band + 1) * rows):
            key = _mix(key * MULTIPLIER + signatures[text, column])
        order = np.argsort(key, kind="stable")  # stable: members ascending within a bucket
        runs = np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]])
        size = np.diff(np.r_[runs, key.size])
        members.append(order[np.repeat(size > 1, size)])
        sizes.append(size[size > 1])
    flat = np.concatenate(members) if members else np.zeros(0, np.int64)
    return flat.astype(np.int64), np.r_[0, np.cumsum(np.concatenate(sizes) if sizes else [])].astype(np.int64)


def components(
    values: np.ndarray,
    starts: np.ndarray,
    threshold: float,
    num_perm: int,
    seed: int,
    text: np.ndarray,
    block: np.ndarray,
) -> np.ndarray:
    """Component root per document, the set ``text`` (a row of ``starts``) in its ``block``, over the LSH
    candidate pairs of one block that pass the exact check (the block is part of the bucket key; a document of
    another block shares a bucket by a hash collision only, and the check refuses it)."""
    n = text.size
    parent = np.arange(n, dtype=np.int64)
    if n >= 2:
        bands = _bands(threshold, num_perm)
        hashes = signatures(values, starts, num_perm, seed)
        members, offsets = _buckets(hashes, bands, text, block)
        _link(members, offsets, values, starts, text, block, threshold, parent)
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
    """Exact Jaccard of two sorted shingle sets >= threshold, by a merge walk that stops as soon as the rest of
    the shorter side could no longer bring the shared count up to the threshold: Jaccard >= t exactly when
    shared >= t (|A| + |B|) / (1 + t), and nearly all candidates from the buckets fall far short (12M checks,
    14k links at 100k adversarial stores), so most walks stop after a few mismatches."""
    p, p_end, q, q_end = starts[i], starts[i + 1], starts[j], starts[j + 1]
    small, large = min(p_end - p, q_end - q), max(p_end - p, q_end - q)
    if small < threshold * large - 1e-9:  # Jaccard <= small / large
        return False
    needed = threshold * (small + large) / (1.0 + threshold) - 1e-9
    shared = 0
    while p < p_end and q < q_end:
        if shared + min(p_end - p, q_end - q) < needed:
            return False
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
    text: np.ndarray,
    block: np.ndarray,
    threshold: float,
    parent: np.ndarray,
) -> None:
    """Union-find over every pair of one block in every bucket; a pair already in one component is not checked
    again, which keeps big template buckets (one component after a few checks) cheap."""
    for b in range(offsets.size - 1):
        for p in range(offsets[b], offsets[b + 1]):
            for q in range(p + 1, offsets[b + 1]):
                i, j = members[p], members[q]
                ri, rj = _find(parent, i), _find(parent, j)
                if (
                    ri != rj
                    and block[i] == block[j]
                    and _is_similar(values, starts, text[i], text[j], threshold)
                ):
                    parent[max(ri, rj)] = min(ri, rj)


def first_seen_ids(labels: np.ndarray) -> np.ndarray:
    """Relabel non-negative labels 0, 1, 2, ... in order of first appearance; -1 stays."""
    out = np.full(len(labels), -1, np.int64)
    grouped = labels >= 0
    if grouped.any():
        distinct, first, inverse = np.unique(labels[grouped], return_index=True, return_inverse=True)
        rank = np.empty(len(distinct), np.int64)
        rank[np.argsort(first)] = np.arange(len(distinct))
        out[grouped] = rank[inverse]
    return out
