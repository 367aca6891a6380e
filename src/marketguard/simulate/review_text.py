"""Review texts: varied genuine reviews and templated near-duplicate farm reviews (Chinese and English).

Genuine texts are combinations of an opener, a body and a closer chosen by sentiment, so common short texts
repeat naturally ("好评", "Great quality") while long texts vary. Complaints about fakes appear mostly on
counterfeit listings but also, occasionally, on honest ones. Complaints about imported goods (no local warranty,
a foreign version, no Chinese manual, a foreign plug) appear mostly on grey-market stores' listings: genuine
goods, the wrong channel. Each review farm works from a handful of templates and perturbs them with punctuation
and emoji, producing the near-duplicates farms are known for.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .ids import take_strings

__all__ = ["farm_texts", "genuine_texts"]

_POS_ZH = (
    ("", "好评", "很满意", "收到了", "第二次买了", "宝贝收到了"),
    ("质量很好", "做工不错", "和描述一致", "尺码合适", "颜色很正", "性价比高", "包装很仔细", "物流很快"),
    ("", "", "推荐购买", "会回购的", "五星好评", "满意"),
)
_POS_EN = (
    ("", "Great", "Love it.", "Arrived quickly."),
    ("good quality", "fits well", "as described", "nice packaging", "great value", "fast shipping"),
    ("", "", "Recommended!", "Will buy again.", "5 stars"),
)
_MID_ZH = (
    ("", "一般", "还行"),
    ("质量一般", "有点色差", "物流有点慢", "尺码偏小", "包装简陋"),
    ("", "凑合用", "不太满意"),
)
_MID_EN = (
    ("", "OK.", "Average."),
    ("quality is so-so", "color differs a bit", "slow delivery", "runs small"),
    ("", "meh", "could be better"),
)
_NEG_ZH = (
    ("", "差评", "不推荐", "太失望了"),
    ("质量差", "做工粗糙", "和图片不一样", "用了两天就坏了", "客服不理人"),
    ("", "退货了", "不会再买"),
)
_NEG_EN = (
    ("", "Disappointed.", "Terrible."),
    ("poor quality", "broke after two days", "not as pictured", "seller ignored me"),
    ("", "Returned it.", "Avoid."),
)
_FAKE_ZH = ("假货", "不是正品", "假的，和专柜对比差很多", "做工一看就是高仿", "鉴定是假货")
_FAKE_EN = ("fake", "not original", "this is a replica, not genuine", "counterfeit, logo is wrong")
#: Complaints about imported goods: the warranty, the version, the manual, the plug, the invoice.
_IMPORT_ZH = (
    "专柜不给保修",
    "港版不能国内联保",
    "官方售后说是海外版，不给修",
    "保修卡是国外的，国内用不了",
    "是海外版，没有中文说明书",
    "说明书全是日文",
    "插头是英标的，还得买转换头",
    "日版电压不一样，要配变压器",
    "系统是国际版，没有中文",
    "东西是正品，就是没有国内保修",
    "和国行包装不一样，是海外版",
    "没有发票，售后很麻烦",
)
_IMPORT_EN = (
    "no local warranty",
    "the brand's service center refused to repair it",
    "foreign version, no Chinese manual",
    "came with a UK plug, needed an adapter",
    "international version, not the local one",
    "genuine, but the warranty is not valid here",
)

_FARM_TEMPLATES = (
    "质量非常好，和专柜一模一样，物流很快，五星好评",
    "宝贝收到了，做工精细，正品无疑，推荐购买",
    "非常满意的一次购物，包装精美，客服态度好",
    "性价比超高，朋友都说好看，还会再来",
    "第一次在这家买，超出预期，好评",
    "颜色很正，尺码标准，穿着舒服，满意",
    "Excellent quality, exactly like the store, fast delivery, 5 stars",
    "Genuine product, great packaging, highly recommend this seller",
    "Super satisfied, looks perfect, will buy again",
    "Amazing value, my friends love it, five stars",
    "物流超快，隔天就到了，质量杠杠的",
    "包装完好，做工很好，值得购买，好评好评",
)
_PERTURB = ("", "!", "!!", "～", "👍", "👍👍", "。", "，推荐", " 赞", "[太开心]", "!!!", " 好评")


def _compose(rng: np.random.Generator, vocab: tuple[tuple[str, ...], ...], n: int) -> pa.ChunkedArray:
    parts = [take_strings(v, rng.integers(0, len(v), n)) for v in vocab]
    return pc.binary_join_element_wise(*parts, " ")


def genuine_texts(
    rng: np.random.Generator,
    rating: np.ndarray,
    complains_fake: np.ndarray,
    complains_import: np.ndarray | None = None,
    import_rng: np.random.Generator | None = None,
) -> pa.ChunkedArray:
    """Genuine review texts by rating (1-2 negative, 3 neutral, 4-5 positive); ``complains_fake`` adds a
    counterfeit complaint, ``complains_import`` a complaint about imported goods (its phrases drawn from
    ``import_rng``, the grey-market stream). 75% are Chinese."""
    n = rating.size
    zh = rng.random(n) < 0.75
    mask = pa.chunked_array([pa.array(zh)])
    out = None
    for band, vz, ve in (
        (rating >= 4, _POS_ZH, _POS_EN),
        (rating == 3, _MID_ZH, _MID_EN),
        (rating <= 2, _NEG_ZH, _NEG_EN),
    ):
        text = pc.if_else(mask, _compose(rng, vz, n), _compose(rng, ve, n))
        out = text if out is None else pc.if_else(pa.chunked_array([pa.array(band)]), text, out)
    fake = pc.if_else(
        mask,
        take_strings(_FAKE_ZH, rng.integers(0, len(_FAKE_ZH), n)),
        take_strings(_FAKE_EN, rng.integers(0, len(_FAKE_EN), n)),
    )
    out = pc.if_else(
        pa.chunked_array([pa.array(complains_fake)]), pc.binary_join_element_wise(fake, out, " "), out
    )
    if complains_import is not None and import_rng is not None and complains_import.any():
        out = _import_complaints(import_rng, out, mask, complains_import)
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(out, r"\s{2,}", " "))


def _import_complaints(
    rng: np.random.Generator, text: pa.ChunkedArray, zh: pa.ChunkedArray, complains: np.ndarray
) -> pa.ChunkedArray:
    """``text`` with a complaint about imported goods put first where ``complains``, in the review's language."""
    n = complains.size
    phrase = pc.if_else(
        zh,
        take_strings(_IMPORT_ZH, rng.integers(0, len(_IMPORT_ZH), n)),
        take_strings(_IMPORT_EN, rng.integers(0, len(_IMPORT_EN), n)),
    )
    joined = pc.binary_join_element_wise(phrase, text, " ")
    return pc.if_else(pa.chunked_array([pa.array(complains)]), joined, text)


def farm_texts(rng: np.random.Generator, farm: np.ndarray, n_farms: int) -> pa.ChunkedArray:
    """Near-duplicate texts: each farm reuses 3-6 templates with small perturbations."""
    n = farm.size
    k = rng.integers(3, 7, n_farms)
    own = rng.integers(0, len(_FARM_TEMPLATES), (n_farms, 6))
    template = own[farm, (rng.random(n) * k[farm]).astype(np.int64)]
    base = take_strings(_FARM_TEMPLATES, template)
    tail = take_strings(_PERTURB, rng.integers(0, len(_PERTURB), n))
    return pc.binary_join_element_wise(base, tail, "")
