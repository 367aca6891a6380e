"""Character n-grams within words, counted in compiled code: scikit-learn's ``char_wb`` counts, exactly.

The text model's character block reads every review as the n-grams of its space-padded words (scikit-learn's
``CountVectorizer(analyzer="char_wb")``). scikit-learn cuts and counts them in Python, about 40 microseconds a
review of 64 characters: 12 s for the 118k distinct reviews of a 100k-store marketplace, the largest part of the
review stage. Here the texts are one array of code points and one compiled pass cuts every n-gram, keys it and
counts it per text.

Exactness: an n-gram of at most five characters is held exactly in two integers (three and two code points, 21
bits each, plus one so that a shorter n-gram sorts before its extensions, as Python compares strings), so the
columns come out in scikit-learn's order (sorted terms) and the counts are scikit-learn's; the tests compare the
two on hostile texts (every Unicode space, NUL, astral characters, empty and one-letter texts). The terms are
found in an open-addressing table probed from a 64-bit mix of the two integers; a hit compares the whole pair, so
two n-grams are never merged.
"""

from __future__ import annotations

import functools

import numba
import numpy as np
import scipy.sparse as sp

__all__ = ["MAX_N", "char_wb_counts", "code_points"]

#: The longest n-gram held exactly in the two keys (three plus two code points of 21 bits).
MAX_N = 5
_BITS = 21
_UNICODE = 0x110000


@functools.cache
def _spaces() -> np.ndarray:
    """Per code point, whether ``str.split()`` splits on it (Python's Unicode whitespace)."""
    mask = np.zeros(_UNICODE, np.bool_)
    mask[[c for c in range(_UNICODE) if chr(c).isspace()]] = True
    return mask


def code_points(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """All texts' code points in one array, and where each text starts (one more entry: the end)."""
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    starts = np.zeros(len(texts) + 1, np.int64)
    np.cumsum(lengths, out=starts[1:])
    points = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), np.uint32)
    return points, starts


@numba.njit(cache=True)
def _grams(points, lo_at, hi_at, spaces, min_n, max_n, hi_out, lo_out):  # pragma: no cover - compiled
    """The char_wb n-grams of the text ``points[lo_at:hi_at]`` as (hi, lo) keys into the outputs; their number.

    Per word (a run of non-space characters) padded with a space each side, of length ``L``: every n-gram of
    length ``n`` for ``n`` from ``min_n`` up, and the whole padded word once, ending there, when ``n >= L``.
    """
    k = 0
    i = lo_at
    while i < hi_at:
        if spaces[points[i]]:
            i += 1
            continue
        j = i
        while j < hi_at and not spaces[points[j]]:
            j += 1
        length = j - i + 2  # the padded word: " " + points[i:j] + " "
        for n in range(min_n, max_n + 1):
            stop = n >= length
            width = length if stop else n
            for offset in range(0, 1 if stop else length - n + 1):
                hi = np.uint64(0)
                lo = np.uint64(0)
                for p in range(MAX_N):
                    code = np.uint64(0)
                    if p < width:
                        at = offset + p  # position in the padded word
                        c = 32 if at == 0 or at == length - 1 else points[i + at - 1]
                        code = np.uint64(c) + np.uint64(1)
                    if p < 3:
                        hi = (hi << np.uint64(_BITS)) | code
                    else:
                        lo = (lo << np.uint64(_BITS)) | code
                hi_out[k] = hi
                lo_out[k] = lo
                k += 1
            if stop:
                break
        i = j
    return k


@numba.njit(cache=True)
def _scratch(starts, order, min_n, max_n):  # pragma: no cover - compiled
    """Key buffers long enough for the n-grams of any of the texts ``order`` (a word of ``L`` characters has
    at most ``L + 2`` n-grams of each length)."""
    longest = 0
    for t in order:
        longest = max(longest, starts[t + 1] - starts[t])
    size = (max_n - min_n + 1) * (3 * longest + 2) + 1
    return np.empty(size, np.uint64), np.empty(size, np.uint64)


@numba.njit(cache=True)
def _total(points, starts, spaces, min_n, max_n, order):  # pragma: no cover - compiled
    """How many n-grams the texts ``order`` hold (the most entries their counts can take)."""
    hi_buf, lo_buf = _scratch(starts, order, min_n, max_n)
    total = 0
    for t in order:
        total += _grams(points, starts[t], starts[t + 1], spaces, min_n, max_n, hi_buf, lo_buf)
    return total


@numba.njit(cache=True)
def _slot(hi, lo, mask):  # pragma: no cover - compiled
    """Where a key starts probing: splitmix64's finaliser over the two halves."""
    z = (hi * np.uint64(0x9E3779B97F4A7C15)) ^ lo
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return np.int64((z ^ (z >> np.uint64(31))) & np.uint64(mask))


@numba.njit(cache=True)
def _find(table, v_hi, v_lo, hi, lo):  # pragma: no cover - compiled
    """The table slot of the key (hi, lo) and its column, or the empty slot it would take and -1 (open
    addressing, linear probing; a hit compares the whole key)."""
    mask = table.size - 1
    at = _slot(hi, lo, mask)
    while True:
        column = table[at]
        if column < 0 or (v_hi[column] == hi and v_lo[column] == lo):
            return at, column
        at = (at + 1) & mask


@numba.njit(cache=True)
def _table(v_hi, v_lo, n_terms, size):  # pragma: no cover - compiled
    """A table of ``size`` slots (a power of two) holding the first ``n_terms`` keys."""
    table = np.full(size, -1, np.int64)
    for column in range(n_terms):
        at, _ = _find(table, v_hi, v_lo, v_hi[column], v_lo[column])
        table[at] = column
    return table


@numba.njit(cache=True)
def _count(
    source, order, learn, emit, n_terms, table, v_hi, v_lo, indptr, indices, data
):  # pragma: no cover - compiled
    """Count the n-grams of the texts ``order`` of ``source`` (code points, text starts, the space mask, the
    n-gram lengths), in that order, against the ``n_terms`` known keys (``v_hi``,
    ``v_lo`` by column, found through ``table``), learning new ones where ``learn``; when ``emit``, write each
    text's (column, count) entries (CSR rows in ``order``, columns unsorted). Returns (entries written, terms
    known, table, v_hi, v_lo): the arrays grow as terms are learned."""
    points, starts, spaces, min_n, max_n = source
    hi_buf, lo_buf = _scratch(starts, order, min_n, max_n)
    last = np.full(v_hi.size, -1, np.int64)  # per column, the row it was last counted in
    where = np.empty(v_hi.size, np.int64)  # and its entry there
    out = 0
    for r in range(order.size):
        t = order[r]
        m = _grams(points, starts[t], starts[t + 1], spaces, min_n, max_n, hi_buf, lo_buf)
        for q in range(m):
            at, column = _find(table, v_hi, v_lo, hi_buf[q], lo_buf[q])
            if column < 0:
                if not learn[t]:
                    continue
                column = n_terms
                n_terms += 1
                if column >= v_hi.size:  # grow the keys and the per-column scratch
                    extra = v_hi.size
                    v_hi = np.concatenate((v_hi, np.empty(extra, np.uint64)))
                    v_lo = np.concatenate((v_lo, np.empty(extra, np.uint64)))
                    last = np.concatenate((last, np.full(extra, -1, np.int64)))
                    where = np.concatenate((where, np.empty(extra, np.int64)))
                v_hi[column] = hi_buf[q]
                v_lo[column] = lo_buf[q]
                table[at] = column
                if 2 * n_terms > table.size:  # keep the table at most half full
                    table = _table(v_hi, v_lo, n_terms, 2 * table.size)
            if not emit:
                continue
            if last[column] == r:
                data[where[column]] += 1.0
            else:
                last[column] = r
                where[column] = out
                indices[out] = column
                data[out] = 1.0
                out += 1
        if emit:
            indptr[r + 1] = out
    return out, n_terms, table, v_hi, v_lo


def _keys_of(terms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The (hi, lo) keys of terms (strings of at most :data:`MAX_N` characters)."""
    texts = [str(t) for t in terms]
    points, starts = code_points(texts)
    width = np.diff(starts)
    grid = np.zeros((len(texts), MAX_N), np.uint64)
    rows = np.repeat(np.arange(len(texts)), width)
    cols = np.arange(points.size) - np.repeat(starts[:-1], width)
    grid[rows, cols] = points.astype(np.uint64) + np.uint64(1)
    shift = np.uint64(_BITS)
    hi = (grid[:, 0] << (shift * np.uint64(2))) | (grid[:, 1] << shift) | grid[:, 2]
    lo = (grid[:, 3] << shift) | grid[:, 4]
    return hi, lo


def _terms_of(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """The strings behind (hi, lo) keys, as scikit-learn's ``get_feature_names_out`` gives them (objects)."""
    mask = np.uint64((1 << _BITS) - 1)
    shift = np.uint64(_BITS)
    grid = np.stack(
        [hi >> (shift * np.uint64(2)), (hi >> shift) & mask, hi & mask, lo >> shift, lo & mask], axis=1
    )
    width = (grid > 0).sum(axis=1)
    points = (grid - (grid > 0)).astype(np.uint32)  # the absent positions stay 0 and are cut below
    flat = points.tobytes().decode("utf-32-le", "surrogatepass")
    return np.array([flat[MAX_N * i : MAX_N * i + w] for i, w in enumerate(width.tolist())], dtype=object)


def char_wb_counts(
    texts: list[str],
    ngram_range: tuple[int, int],
    *,
    terms: np.ndarray | None = None,
    learned: np.ndarray | None = None,
) -> tuple[sp.csr_matrix, np.ndarray]:
    """``CountVectorizer(analyzer="char_wb", ngram_range=ngram_range, lowercase=False)``'s counts of
    ``texts`` (float64, rows in their order) and its terms (sorted): with ``terms``, counted against those;
    else the terms of the texts ``learned`` (a mask; default all), the others counted against them.

    Raises ``ValueError`` ("empty vocabulary") like scikit-learn when the texts to learn from hold no n-gram.
    """
    min_n, max_n = ngram_range
    if not 1 <= min_n <= max_n <= MAX_N:
        raise ValueError(f"ngram_range must lie within (1, {MAX_N}); got {ngram_range}")
    points, starts = code_points(texts)
    n = len(texts)
    learn = np.ones(n, np.bool_) if learned is None else np.asarray(learned, np.bool_)
    spaces = _spaces()
    if terms is not None:
        v_hi, v_lo = _keys_of(np.asarray(terms, dtype=object))
        n_terms = v_hi.size
        table = _table(v_hi, v_lo, n_terms, _power_of_two(2 * n_terms + 2))
        learn = np.zeros(n, np.bool_)
    else:
        n_terms, v_hi, v_lo = 0, np.empty(1 << 16, np.uint64), np.empty(1 << 16, np.uint64)
        table = np.full(1 << 17, -1, np.int64)
    source = (points, starts, spaces, min_n, max_n)
    nothing = (np.zeros(1, np.int64), np.empty(0, np.int64), np.empty(0, np.float64))
    subset = terms is None and not learn.all()
    if subset:  # learn first, then count every text against what was learned
        order = np.flatnonzero(learn).astype(np.int64)
        _, n_terms, table, v_hi, v_lo = _count(
            source, order, learn, False, n_terms, table, v_hi, v_lo, *nothing
        )
        learn = np.zeros(n, np.bool_)
    every = np.arange(n, dtype=np.int64)
    capacity = _total(points, starts, spaces, min_n, max_n, every)
    indptr = np.zeros(n + 1, np.int64)
    indices, data = np.empty(capacity, np.int64), np.empty(capacity, np.float64)
    used, n_terms, _, v_hi, v_lo = _count(
        source, every, learn, True, n_terms, table, v_hi, v_lo, indptr, indices, data
    )
    if terms is not None:
        return _csr(indptr, indices[:used], data[:used], n_terms), np.asarray(terms, dtype=object)
    if n_terms == 0:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    hi, lo = v_hi[:n_terms], v_lo[:n_terms]
    order = np.lexsort((lo, hi))  # Python's string order (see the module notes)
    rank = np.empty(n_terms, np.int64)
    rank[order] = np.arange(n_terms)
    # a fit's counts in scikit-learn's layout, to the bit: each row's columns in the order the terms were first
    # met (the numbering during the count), renumbered in term order afterwards without sorting again. Counts
    # against terms learned from a subset promise no layout (0.8 s of sorting at 118k texts saved)
    matrix = sp.csr_matrix((data[:used], indices[:used], indptr), shape=(n, n_terms))
    if not subset:
        matrix.sort_indices()
    matrix.indices = rank[matrix.indices].astype(matrix.indices.dtype)
    matrix.has_sorted_indices = False
    return matrix, _terms_of(hi[order], lo[order])


def _power_of_two(n: int) -> int:
    return 1 << max(4, (n - 1).bit_length())


def _csr(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, n_columns: int) -> sp.csr_matrix:
    """The counts as CSR, columns sorted in each row (scikit-learn's layout when counting against terms)."""
    matrix = sp.csr_matrix((data, indices, indptr), shape=(indptr.size - 1, n_columns))
    matrix.sort_indices()
    return matrix
