"""Investigation labels: a biased, partial view of the truth, as real labels are.

About 10% of stores carry a label; older stores are more likely to have been investigated, and investigations
find counterfeit stores about three times as often as their share (cases start from complaints). Some farm,
seller and buyer accounts, some reviews and some customs declarations are labelled too. On the older presets
every label equals the ground truth; what is biased is *which* entities are labelled.

The ``adversarial`` preset labels as platforms that have just started do (:func:`_scarce_store_labels`): few
stores (``label_share``), the labelled counterfeit stores the sloppiest ones (``sloppy_labels``: cheapest
prices, most tell words: what complaints and audits see first), a share of wrong labels (``label_noise``),
and grey-market sellers reported by brands: a takedown label on a store whose goods are genuine.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .catalog import Catalog
from .catalog_vocab import TELL_EN, TELL_ZH
from .config import US_PER_DAY, WINDOW_END_US, WINDOW_START_US, SimulationConfig
from .ids import take_strings
from .population import COUNTERFEIT, GREY, ROLE_FARM, Population

__all__ = ["build_labels"]

_SOURCES = (
    "investigation",
    "brand_complaint",
    "platform_audit",
    "anti_fraud",
    "kyc_review",
    "review_audit",
    "customs_inspection",
)
_BRAND_COMPLAINT = 1
#: How steeply ``sloppy_labels`` favours the sloppiest counterfeit stores: weight ~ (sloppiness rank)^4, so the
#: sloppiest quarter of the counterfeit stores gets about 70% of their labels and the careful half about 3%.
SLOPPY_POWER = 4.0
#: Share of labelled grey-market stores whose label is the brand's takedown (1); the rest were cleared when the
#: platform checked the invoices (0).
GREY_TAKEDOWN_SHARE = 0.6


def _sample(rng: np.random.Generator, weight: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct rows drawn with probability proportional to ``weight``, returned sorted."""
    k = min(k, int((weight > 0).sum()))
    if k == 0:
        return np.zeros(0, dtype=np.int64)
    return np.sort(rng.choice(weight.size, k, replace=False, p=weight / weight.sum()))


def _times(rng: np.random.Generator, lo: np.ndarray) -> np.ndarray:
    lo = np.clip(lo, WINDOW_START_US, WINDOW_END_US - US_PER_DAY)
    return lo + (rng.random(lo.size) * (WINDOW_END_US - lo)).astype(np.int64)


def _part(entity: str, ids: pa.Array, label: np.ndarray, source: np.ndarray, ts: np.ndarray) -> pa.Table:
    return pa.table(
        {
            "entity_type": take_strings([entity], np.zeros(label.size, dtype=np.int64)),
            "entity_id": ids,
            "label": pa.array(label.astype(np.int64)),
            "source": take_strings(_SOURCES, source),
            "labeled_at": pa.array(ts, type=pa.timestamp("us", tz="UTC")),
        }
    )


def _sloppiness_rank(pop: Population, cat: Catalog) -> np.ndarray:
    """Per store, the rank in [0, 1] of how sloppy it looks among the counterfeit stores (1: the sloppiest): the
    mean discount of its branded listings below their brand's reference plus its share of titles with a tell
    word. Honest stores get 0 (unused)."""
    branded = cat.lst_brand >= 0
    ref = cat.brand_ref[np.maximum(cat.lst_brand, 0)]
    discount = np.where(branded, np.clip(1.0 - cat.lst_price / ref, 0.0, 1.0), 0.0)
    titles = cat.tables["listings"].column("title")
    tell = np.zeros(cat.lst_store.size, bool)
    for word in (*TELL_EN, *TELL_ZH):
        tell |= np.asarray(pc.match_substring(titles, word, ignore_case=True).fill_null(False))
    n = pop.n_stores
    n_branded = np.maximum(np.bincount(cat.lst_store, branded, n), 1.0)
    n_listed = np.maximum(np.bincount(cat.lst_store, minlength=n), 1)
    sloppy = (
        np.bincount(cat.lst_store, discount, n) / n_branded + np.bincount(cat.lst_store, tell, n) / n_listed
    )
    cf = np.flatnonzero(pop.store_kind == COUNTERFEIT)
    rank = np.zeros(n)
    order = cf[np.argsort(sloppy[cf], kind="stable")]
    rank[order] = (np.arange(order.size) + 1) / max(order.size, 1)
    return rank


def _reported_and_wrong(
    rng: np.random.Generator, kind: np.ndarray, label: np.ndarray, src: np.ndarray, noise: float
) -> tuple[np.ndarray, np.ndarray]:
    """Labels of grey-market stores (a brand's takedown, :data:`GREY_TAKEDOWN_SHARE` of them) and ``noise`` of
    all labels flipped (a store cleared by mistake, an honest one marked by a bad complaint)."""
    grey = kind == GREY
    takedown = grey & (rng.random(kind.size) < GREY_TAKEDOWN_SHARE)
    label = np.where(takedown, True, label)
    src = np.where(grey, _BRAND_COMPLAINT, src)
    wrong = rng.random(kind.size) < noise
    return label ^ wrong, src


def build_labels(
    rng: np.random.Generator,
    pop: Population,
    store_ids: pa.Array,
    acc_ids: pa.Array,
    review_truth: pa.Table,
    review_ts: np.ndarray,
    decl_truth: pa.Table,
    decl_ts: np.ndarray,
    *,
    cat: Catalog,
    cfg: SimulationConfig,
    tactic_rng: np.random.Generator,
) -> pa.Table:
    """The ``labels`` table: stores, accounts, reviews and declarations."""
    cf = pop.store_kind == COUNTERFEIT
    age_years = (WINDOW_END_US - pop.store_opened) / (365 * US_PER_DAY)
    age_w = np.clip(age_years, 0.05, 4.0) ** 0.7
    # counterfeit stores are young, so the case factor is set to make them ~3x over-represented net of age
    boost = 3.0 * age_w[~cf].mean() / max(age_w[cf].mean(), 1e-9) if cf.any() and (~cf).any() else 1.0
    complained = cf | (pop.store_kind == GREY)  # brands report grey sellers as they report fakes
    weight = age_w * np.where(complained, boost, 1.0)
    if cfg.sloppy_labels:
        tilt = _sloppiness_rank(pop, cat) ** SLOPPY_POWER  # which counterfeit stores, not how many
        weight = np.where(cf, weight * tilt / max(tilt[cf].mean(), 1e-12), weight)
    s = _sample(rng, weight, round(cfg.label_share * pop.n_stores))
    src = np.where(
        cf[s], rng.choice(3, s.size, p=[0.5, 0.35, 0.15]), rng.choice(3, s.size, p=[0.25, 0.15, 0.6])
    )
    label = cf[s].copy()
    if (pop.store_kind == GREY).any() or cfg.label_noise > 0:
        label, src = _reported_and_wrong(tactic_rng, pop.store_kind[s], label, src, cfg.label_noise)
    parts = [
        _part(
            "store",
            store_ids.take(pa.array(s)),
            label,
            src,
            _times(rng, pop.store_opened[s] + 30 * US_PER_DAY),
        )
    ]
    role = pop.acc_role
    is_bad = (role == ROLE_FARM) | (
        (np.arange(pop.n_accounts) < pop.n_stores)
        & (pop.acc_op >= 0)
        & (pop.op_kind[np.maximum(pop.acc_op, 0)] == COUNTERFEIT)
    )
    p = np.where(role == ROLE_FARM, 0.1, np.where(is_bad, 0.2, 0.003))
    a = np.flatnonzero(rng.random(pop.n_accounts) < p)
    a_src = np.where(role[a] == ROLE_FARM, 3, np.where(is_bad[a], 0, 4))
    parts.append(
        _part("account", acc_ids.take(pa.array(a)), is_bad[a], a_src, _times(rng, pop.acc_created[a]))
    )
    fake = review_truth["is_fake"].to_numpy()
    r = _sample(rng, np.where(fake, 3.0, 1.0), round(0.015 * fake.size))
    parts.append(
        _part(
            "review",
            review_truth["review_id"].take(pa.array(r)),
            fake[r],
            np.full(r.size, 5),
            _times(rng, review_ts[r] + US_PER_DAY),
        )
    )
    bad_decl = decl_truth["is_counterfeit"].to_numpy()
    d = _sample(rng, np.where(bad_decl, 4.0, 1.0), round(0.05 * bad_decl.size))
    parts.append(
        _part(
            "declaration",
            decl_truth["declaration_id"].take(pa.array(d)),
            bad_decl[d],
            np.full(d.size, 6),
            _times(rng, decl_ts[d] + US_PER_DAY),
        )
    )
    return pa.concat_tables(parts)
