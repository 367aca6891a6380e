"""Dense blocks: a planted review ring is found exactly, camouflage does not hide it, and several rings are
found one after another."""

from __future__ import annotations

import numpy as np
import pytest

from marketguard.graph.dense_blocks import column_weights, dense_blocks


def _noise(rng: np.random.Generator, n_rows: int, n_cols: int, n_edges: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(0, n_rows, n_edges), rng.integers(0, n_cols, n_edges)


def _ring(row_ids: range, col_ids: range) -> tuple[np.ndarray, np.ndarray]:
    grid = np.array([(r, c) for r in row_ids for c in col_ids])
    return grid[:, 0], grid[:, 1]


def test_a_planted_ring_is_found_exactly_among_sparse_noise() -> None:
    rng = np.random.default_rng(0)
    nr, nc = _noise(rng, 2000, 500, 4000)
    rr, rc = _ring(range(2000, 2010), range(500, 508))  # 10 accounts x 8 listings, every pair reviewed
    blocks = dense_blocks(np.r_[nr, rr], np.r_[nc, rc], 2010, 508)
    assert len(blocks) == 1
    assert blocks[0].rows.tolist() == list(range(2000, 2010))
    assert blocks[0].cols.tolist() == list(range(500, 508))
    expected = 80 / np.log(10 + 5) / 18  # 80 edges, each column reviewed 10 times, 18 nodes
    assert blocks[0].density == np.float64(expected) or abs(blocks[0].density - expected) < 1e-9


def test_camouflage_on_popular_listings_does_not_hide_the_ring() -> None:
    rng = np.random.default_rng(1)
    nr, nc = _noise(rng, 3000, 300, 6000)
    popular = rng.integers(0, 5, 3000)  # every honest reviewer also reviews one of 5 popular listings
    rr, rc = _ring(range(3000, 3012), range(300, 306))
    camo_r = np.repeat(np.arange(3000, 3012), 5)  # ring members review all 5 popular listings too
    camo_c = np.tile(np.arange(5), 12)
    rows = np.r_[nr, np.arange(3000), rr, camo_r]
    cols = np.r_[nc, popular, rc, camo_c]
    block = dense_blocks(rows, cols, 3012, 306)[0]
    assert set(range(3000, 3012)) <= set(block.rows.tolist()) and set(block.rows.tolist()) <= set(
        range(3000, 3012)
    )
    assert set(range(300, 306)) <= set(block.cols.tolist())


def test_several_rings_come_out_one_after_another_densest_first() -> None:
    rng = np.random.default_rng(2)
    nr, nc = _noise(rng, 5000, 1000, 8000)
    a_r, a_c = _ring(range(5000, 5015), range(1000, 1010))
    b_r, b_c = _ring(range(5015, 5023), range(1010, 1016))
    blocks = dense_blocks(np.r_[nr, a_r, b_r], np.r_[nc, a_c, b_c], 5023, 1016, n_blocks=3)
    assert [b.rows.tolist() for b in blocks[:2]] == [list(range(5000, 5015)), list(range(5015, 5023))]
    assert blocks[0].density > blocks[1].density
    assert all(b.density < blocks[1].density for b in blocks[2:])


def test_column_weights_discount_popular_columns() -> None:
    w = column_weights(np.array([0, 0, 0, 1]), 2)
    np.testing.assert_allclose(w, [1 / np.log(8)] * 3 + [1 / np.log(6)])


def test_two_disjoint_rings_of_equal_density_are_split_into_two_blocks() -> None:
    r1, c1 = _ring(range(0, 6), range(0, 5))
    r2, c2 = _ring(range(6, 12), range(5, 10))
    rows, cols = np.r_[r1, r2], np.r_[c1, c2]
    merged = dense_blocks(rows, cols, 12, 10, n_blocks=1, split=False)
    assert len(merged) == 1 and merged[0].rows.tolist() == list(range(12))  # peeling keeps both together
    split = dense_blocks(rows, cols, 12, 10, n_blocks=1)
    assert [b.rows.tolist() for b in split] == [list(range(0, 6)), list(range(6, 12))]
    assert [b.cols.tolist() for b in split] == [list(range(0, 5)), list(range(5, 10))]
    assert split[0].density == pytest.approx(split[1].density) == pytest.approx(merged[0].density)


def test_a_block_too_small_to_report_does_not_end_the_search() -> None:
    heavy_r, heavy_c = (
        np.zeros(10, np.int64),
        np.zeros(10, np.int64),
    )  # one account, ten reviews of one listing
    ring_r, ring_c = _ring(range(1, 6), range(1, 6))
    blocks = dense_blocks(np.r_[heavy_r, ring_r], np.r_[heavy_c, ring_c], 6, 6, n_blocks=3, min_rows=2)
    assert [b.rows.tolist() for b in blocks] == [[1, 2, 3, 4, 5]]


@pytest.mark.parametrize("seed", range(5))
def test_pruning_to_a_core_finds_the_block_the_full_peel_finds(seed: int) -> None:
    from marketguard.graph.dense_blocks import WEIGHT_UNITS, _peel

    rng = np.random.default_rng(seed)
    rows, cols = _noise(rng, 600, 200, 3000)
    for _ in range(3):  # planted rings of varied density
        r, c = rng.integers(0, 600, rng.integers(5, 30)), rng.integers(0, 200, rng.integers(3, 10))
        rows, cols = np.r_[rows, np.repeat(r, c.size)], np.r_[cols, np.tile(c, r.size)]
    w = np.rint(column_weights(cols, 200) * WEIGHT_UNITS).astype(np.int64)
    alive = np.ones(rows.size, dtype=np.bool_)
    keep, density = _peel(rows, cols + 600, w, alive, 800, 0.0)
    for floor in (0.25 * density, 0.5 * density, 0.9 * density, density):
        pruned_keep, pruned_density = _peel(rows, cols + 600, w, alive, 800, floor)
        assert np.array_equal(pruned_keep, keep)
        assert pruned_density == density
    _, too_high = _peel(rows, cols + 600, w, alive, 800, 1.5 * density)
    assert too_high < 1.5 * density  # the caller sees the floor was too high and peels again


@pytest.mark.parametrize("seed", range(3))
def test_many_rounds_find_the_same_blocks_with_and_without_pruning(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    import marketguard.graph.dense_blocks as module

    rng = np.random.default_rng(seed)
    rows, cols = _noise(rng, 3000, 800, 20000)
    for _ in range(8):
        r, c = rng.integers(0, 3000, 30), rng.integers(0, 800, 8)
        rows, cols = np.r_[rows, np.repeat(r, 8)], np.r_[cols, np.tile(c, 30)]

    def found() -> list[tuple]:
        return [
            (b.density, b.rows.tolist(), b.cols.tolist())
            for b in dense_blocks(rows, cols, 3000, 800, n_blocks=20)
        ]

    pruned = found()
    monkeypatch.setattr(module, "FLOOR_SHARE", 0.0)
    assert found() == pruned
    assert len(pruned) >= 8


@pytest.mark.parametrize("seed", range(4))
def test_the_peel_removes_nodes_as_the_textbook_greedy_does(seed: int) -> None:
    """Fraudar's greedy written plainly (the lightest node out, ties by node, repeated edges each counted)
    gives the compiled peel's node set and density, to the unit."""
    from marketguard.graph.dense_blocks import _peel

    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(0, 40, 300), rng.integers(0, 15, 300)  # repeated edges on purpose
    w = rng.integers(1, 1000, rows.size)
    alive = rng.random(rows.size) < 0.9
    src, dst = rows[alive], cols[alive] + 40
    left = set(np.r_[src, dst].tolist())
    weight = {v: int(w[alive][(src == v) | (dst == v)].sum()) for v in left}
    total = int(w[alive].sum())
    best, best_set = total / len(left), set(left)
    while len(left) > 1:
        v = min(left, key=lambda u: (weight[u], u))
        left.remove(v)
        for e in np.flatnonzero((src == v) | (dst == v)):
            other = int(dst[e] if src[e] == v else src[e])
            if other in left:
                weight[other] -= int(w[alive][e])
                total -= int(w[alive][e])
        if total / len(left) > best:
            best, best_set = total / len(left), set(left)
    keep, density = _peel(rows, cols + 40, w, alive, 55, 0.0)
    assert density == best
    assert set(np.flatnonzero(keep).tolist()) == best_set


@pytest.mark.parametrize("seed", range(3))
def test_core_numbers_give_every_core_at_once(seed: int) -> None:
    """The nodes whose core number reaches L are the L-core: what is left after removing, again and again, every
    node whose remaining weight is under L (the definition, done naively)."""
    from marketguard.graph.dense_blocks import _core_numbers

    rng = np.random.default_rng(seed)
    rows, cols = _noise(rng, 80, 30, 600)
    src, dst, w = rows, cols + 80, rng.integers(1, 50, rows.size)
    core = _core_numbers(src, dst, w, 110)
    for level in np.unique(core)[1:]:
        left = np.ones(110, bool)
        while True:
            live = left[src] & left[dst]
            weight = np.bincount(src[live], w[live], 110) + np.bincount(dst[live], w[live], 110)
            under = left & (weight < level)
            if not under.any():
                break
            left &= ~under
        assert np.array_equal(left & (weight > 0), core >= level), level
