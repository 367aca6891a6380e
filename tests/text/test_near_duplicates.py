"""Near-duplicate review texts: exact small cases (Chinese and English), then a floor on simulated farm texts."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from datasketch import MinHash

from marketguard.errors import ParameterError
from marketguard.simulate.review_text import farm_texts
from marketguard.text import minhash_lsh
from marketguard.text.minhash_lsh import signatures
from marketguard.text.near_duplicates import (
    MAX_TEXT_CHARS,
    _shingles,
    group_sizes,
    near_duplicate_groups,
    near_duplicate_sets,
    normalise_texts,
)


def jaccard(a: str, b: str, k: int = 3) -> float:
    sa, sb = ({s[i : i + k] for i in range(len(s) - k + 1)} for s in (a, b))
    return len(sa & sb) / len(sa | sb)


def test_template_variants_group_and_unrelated_texts_do_not() -> None:
    texts = [
        "性价比超高，朋友都说好看，还会再来👍👍",
        "质量差 做工粗糙 退货了",
        "性价比超高，朋友都说好看，还会再来[太开心]",
        "Genuine product, great packaging, highly recommend this seller!!",
        "性价比超高，朋友都说好看，还会再来，推荐",
        "genuine product great packaging highly recommend this seller 👍",
        "Arrived quickly. good quality Recommended!",
        "宝贝收到了，做工精细，正品无疑，推荐购买",
    ]
    assert near_duplicate_groups(texts).tolist() == [0, -1, 0, 1, 0, 1, -1, -1]


def test_missing_empty_and_short_texts_are_never_grouped_even_when_repeated() -> None:
    texts = [None, None, "", "", "   ", "好评", "好评！", "👍👍", "👍", "ok", "OK!", "[太开心]"]
    assert near_duplicate_groups(texts).tolist() == [-1] * len(texts)


def test_exact_duplicates_group_with_dense_ids_in_order_of_first_appearance() -> None:
    texts = [
        "Will buy again, love it",
        "收到了 物流很快 满意",
        None,
        "收到了 物流很快 满意",
        "will buy again love it",
    ]
    groups = near_duplicate_groups(texts)
    assert groups.dtype == np.int64
    assert groups.tolist() == [0, 1, -1, 1, 0]
    assert group_sizes(groups).tolist() == [2, 2, 1, 2, 2]


def test_groups_are_transitive_and_the_threshold_is_exact() -> None:
    a, b, c = "0123456789", "0123456789abc", "3456789abc"
    assert jaccard(a, b) == jaccard(b, c) == 8 / 11 and jaccard(a, c) < 0.5
    assert near_duplicate_groups([a, c, "unrelated text here", b]).tolist() == [0, 0, -1, 0]
    assert near_duplicate_groups([a, c]).tolist() == [-1, -1]
    short, long = "abcdefghi", "abcdefghijkl"
    assert jaccard(short, long) == 0.7
    assert near_duplicate_groups([short, long], threshold=0.7).tolist() == [0, 0]
    assert near_duplicate_groups([short, long], threshold=0.71).tolist() == [-1, -1]


def test_deterministic_and_independent_of_input_container_and_seed() -> None:
    texts = farm_texts(np.random.default_rng(3), np.arange(200) % 4, 4)
    first = near_duplicate_groups(texts)
    assert np.array_equal(first, near_duplicate_groups(texts))
    assert np.array_equal(first, near_duplicate_groups(texts.to_pylist()))
    assert np.array_equal(first, near_duplicate_groups(texts, seed=7))  # links are checked exactly


def test_farm_texts_land_in_few_groups() -> None:
    rng = np.random.default_rng(5)
    farm = rng.integers(0, 6, 600)
    groups = near_duplicate_groups(farm_texts(rng, farm, 6))
    assert (groups >= 0).all()
    assert groups.max() + 1 <= 12  # at most one group per template in _FARM_TEMPLATES


def test_normalisation_drops_width_case_emoji_emoticons_punctuation_and_spacing() -> None:
    out = normalise_texts(pa.array(["Ｇｒｅａｔ  VALUE！！👍🏻 [太开心]", "质 量 很 好\u200b。", None]))
    assert out.to_pylist() == ["greatvalue", "质量很好", None]


def _long_text(seed: int, n: int) -> str:
    """``n`` random CJK characters: every shingle of it is distinct."""
    return "".join(map(chr, np.random.default_rng(seed).integers(0x4E00, 0x9FA5, n)))


def test_near_identical_long_texts_pair_and_only_their_first_characters_are_compared() -> None:
    text = _long_text(1, 3 * MAX_TEXT_CHARS)
    edited = text[:100] + "改" + text[101:2000] + "动" + text[2001:]  # two characters changed
    tail_only = text[:MAX_TEXT_CHARS] + _long_text(2, 2 * MAX_TEXT_CHARS)  # differs after the bound
    unrelated = _long_text(3, 3 * MAX_TEXT_CHARS)
    assert near_duplicate_groups([text, unrelated, edited, tail_only]).tolist() == [0, -1, 0, 0]
    assert normalise_texts(pa.array([text])).to_pylist() == [text[:MAX_TEXT_CHARS]]


def test_a_megabyte_review_groups_as_its_first_characters() -> None:
    template = "性价比超高，朋友都说好看，还会再来👍👍"
    texts = [
        template,
        template * (1_000_000 // len(template)),  # pasted over and over: the same shingles
        template + "，推荐",
        template + _long_text(4, 1_000_000),  # a template followed by a megabyte of other text
        "质量差 做工粗糙 退货了",
    ]
    assert near_duplicate_groups(texts).tolist() == [0, 0, 0, -1, -1]


def test_signatures_match_datasketch_affine64() -> None:
    values, starts = _shingles(["性价比超高朋友都说好看", "fastdelivery5stars"], 3)
    sigs = signatures(values, starts, 64, 1)
    for row in range(2):
        reference = MinHash(num_perm=64, seed=1, scheme="affine64", hashfunc=lambda v: v)
        reference.update_batch(values[starts[row] : starts[row + 1]])
        assert np.array_equal(reference.hashvalues, sigs[row])


def test_empty_input_and_bad_parameters() -> None:
    assert near_duplicate_groups([]).shape == (0,)
    with pytest.raises(
        ParameterError,
        match=r"The 'threshold' parameter of near_duplicate_groups must be a float in the range \[0.0, 1.0\]\. "
        r"Got 1.5 instead\.",
    ):
        near_duplicate_groups(["a"], threshold=1.5)
    with pytest.raises(ParameterError, match=r"'shingle' parameter .* an int in the range"):
        near_duplicate_groups(["a"], shingle=0)


def test_blocks_keep_texts_apart_and_split_identical_texts() -> None:
    texts = [
        "Kingmem 16GB DDR4 3200 desktop memory",
        "Kingmem 16GB DDR4 3200 desktop memory free shipping",
        "Kingmem 16GB DDR4 3200 desktop memory",
        "Kingmem 16GB DDR4 desktop memory",
    ]
    assert near_duplicate_groups(texts).tolist() == [0, 0, 0, 0]
    assert near_duplicate_groups(texts, blocks=np.array([8990, 8990, 9900, 9900])).tolist() == [0, 0, 1, 1]
    assert near_duplicate_groups(texts, blocks=np.array([1, 2, 3, 4])).tolist() == [-1, -1, -1, -1]
    with pytest.raises(ParameterError, match=r"'blocks' parameter .* one value per text \(4\)"):
        near_duplicate_groups(texts, blocks=np.array([1, 2]))


def test_sets_group_at_the_exact_jaccard_and_small_sets_never() -> None:
    a, b = list(range(10)), [*range(7), 20, 21, 22]  # 7 shared of 13: 0.54
    assert near_duplicate_sets([a, b, [50, 51, 52], a[::-1] + a], threshold=0.5).tolist() == [0, 0, -1, 0]
    assert near_duplicate_sets([a, b], threshold=0.55).tolist() == [-1, -1]
    assert near_duplicate_sets([[1, 2, 3], [3, 2, 1], []], min_size=4).tolist() == [-1, -1, -1]
    assert near_duplicate_sets([[1, 2, 3], [3, 2, 1], []], min_size=3).tolist() == [0, 0, -1]
    assert near_duplicate_sets([]).shape == (0,)
    with pytest.raises(
        ParameterError, match=r"The 'min_size' parameter of near_duplicate_sets must be an int"
    ):
        near_duplicate_sets([[1]], min_size=0)


@pytest.mark.parametrize("threshold", [0.3, 0.5, 0.7, 0.9, 1.0])
def test_the_exact_check_stops_early_only_when_the_threshold_is_out_of_reach(threshold: float) -> None:
    # sets of every overlap, sizes and at the boundary (Jaccard exactly t): the early stop must never refuse a
    # pair the full merge walk accepts
    rng = np.random.default_rng(int(threshold * 10))
    sets = [np.unique(rng.integers(0, 40, rng.integers(1, 30))) for _ in range(300)]
    sets += [np.arange(10), np.arange(3, 10), np.arange(7), np.arange(10, 17)]  # J = 0.7 and 0.0
    values = np.concatenate(sets).astype(np.uint64)
    starts = np.concatenate([[0], np.cumsum([s.size for s in sets])]).astype(np.int64)
    for i in range(len(sets)):
        for j in range(i + 1, len(sets)):
            a, b = set(sets[i].tolist()), set(sets[j].tolist())
            jaccard = len(a & b) / len(a | b)
            expected = len(a & b) >= threshold * len(a | b) - 1e-9
            assert minhash_lsh._is_similar(values, starts, i, j, threshold) == expected, (i, j, jaccard)
