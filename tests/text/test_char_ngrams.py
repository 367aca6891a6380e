"""The compiled character n-gram counts are scikit-learn's char_wb counts, term for term and count for count."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer

from marketguard.text.char_ngrams import char_wb_counts

#: Every kind of character the analyser treats apart: ASCII and Unicode spaces (str.split's), NUL, astral
#: characters (two UTF-16 units, one code point), Chinese without spaces, punctuation.
ALPHABET = [*"abcAB é中文.!", "\u3000", "\xa0", "\t", "\n", "\x00", "😀", "\x1c", "\u2028", "  "]
EDGES = ["", " ", "a", "ab", "abc", "\x00", "😀😀😀😀😀😀", "  a  b  ", "a\u3000b\xa0c"]


def hostile_texts(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(ALPHABET, rng.integers(0, 30))) for _ in range(n)] + EDGES


def counter(ngram_range: tuple[int, int], terms: np.ndarray | None = None) -> CountVectorizer:
    return CountVectorizer(
        analyzer="char_wb", ngram_range=ngram_range, lowercase=False, dtype=np.float64, vocabulary=terms
    )


def assert_same_counts(
    ours: tuple[sp.csr_matrix, np.ndarray], theirs: tuple[sp.csr_matrix, np.ndarray]
) -> None:
    (x, x_terms), (y, y_terms) = ours, theirs
    assert x_terms.tolist() == y_terms.tolist()
    assert x.shape == y.shape and x.dtype == y.dtype == np.float64
    assert (x != y).nnz == 0


@pytest.mark.parametrize("ngram_range", [(2, 5), (1, 3), (3, 3), (5, 5)])
def test_a_fit_gives_scikit_learns_terms_counts_and_layout(ngram_range: tuple[int, int]) -> None:
    texts = hostile_texts(400, seed=ngram_range[0] * 10 + ngram_range[1])
    ours = char_wb_counts(texts, ngram_range)
    vectoriser = counter(ngram_range)
    theirs = sp.csr_matrix(vectoriser.fit_transform(texts)), vectoriser.get_feature_names_out()
    assert_same_counts(ours, theirs)
    # the same entries in the same order in every row: the sums downstream (norms, margins) match to the bit
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(ours[0], name), getattr(theirs[0], name))


def test_terms_learned_from_some_texts_count_the_others_against_them() -> None:
    texts = hostile_texts(400, seed=3)
    learned = np.random.default_rng(4).random(len(texts)) < 0.3
    vectoriser = counter((2, 5)).fit([t for t, keep in zip(texts, learned, strict=True) if keep])
    theirs = sp.csr_matrix(vectoriser.transform(texts)), vectoriser.get_feature_names_out()
    assert_same_counts(char_wb_counts(texts, (2, 5), learned=learned), theirs)


def test_given_terms_are_the_columns() -> None:
    texts = hostile_texts(300, seed=5)
    terms = counter((2, 5)).fit(texts[:50]).get_feature_names_out()
    theirs = sp.csr_matrix(counter((2, 5), terms).fit_transform(texts)), terms
    ours = char_wb_counts(texts, (2, 5), terms=terms)
    assert_same_counts(ours, theirs)
    np.testing.assert_array_equal(ours[0].indices, theirs[0].indices)


def test_nothing_to_learn_is_an_empty_vocabulary_as_in_scikit_learn() -> None:
    with pytest.raises(ValueError, match="empty vocabulary"):
        counter((2, 5)).fit(["", "  "])
    with pytest.raises(ValueError, match="empty vocabulary"):
        char_wb_counts(["", "  "], (2, 5))
    with pytest.raises(ValueError, match="ngram_range"):
        char_wb_counts(["abc"], (2, 6))


def test_the_term_table_grows_past_its_first_size() -> None:
    # more distinct n-grams than the first table (2**17 slots) and key arrays (2**16) hold
    rng = np.random.default_rng(6)
    texts = ["".join(map(chr, rng.integers(0x4E00, 0x9FFF, 40))) for _ in range(3000)]
    ours = char_wb_counts(texts, (2, 5))
    vectoriser = counter((2, 5))
    theirs = sp.csr_matrix(vectoriser.fit_transform(texts)), vectoriser.get_feature_names_out()
    assert len(ours[1]) > 2**17
    assert_same_counts(ours, theirs)
