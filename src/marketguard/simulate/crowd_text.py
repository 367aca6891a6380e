"""Texts of crowd-sourced farm reviews: long, varied, written by many workers from one brief.

A crowd farm hands its workers a brief per campaign: a couple of the product's selling points to mention, and
platform tips (write several sentences, tell how you use it). Each worker writes in their own words, so a review
is an opener, sometimes the product's name, the brief's points and a point of their own, each in one of several
phrasings, sometimes a usage story and a closer; a four-star review often adds a small reservation. The only
reuse is the brief's points (paraphrased) and a farm's favourite closing line, which some of its workers copy
from the brief's example. Three quarters are in Chinese, as genuine reviews are.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .catalog_vocab import CATEGORIES
from .ids import take_strings

__all__ = ["crowd_texts"]

#: Share of reviews in Chinese, as for genuine reviews (:func:`.review_text.genuine_texts`).
ZH_SHARE = 0.75
#: Chance that a review mentions the brief's first point, its second, and a point of the worker's own.
POINT_RATES = (0.85, 0.5, 0.6)
#: Chance of an opener, of a sentence naming the product, of a usage story, of a four-star review's reservation, of
#: the farm's favourite closing line instead of one of the worker's choice. With the points a review has three to
#: seven clauses (briefs ask for "several sentences"), a few times a genuine positive review's two or three phrases.
OPENER_RATE, NAME_RATE, STORY_RATE, RESERVATION_RATE, HOUSE_CLOSER_RATE = 0.8, 0.4, 0.5, 0.6, 0.3
#: Share of Chinese reviews whose clauses are separated by spaces rather than commas (as many people type).
SPACED_RATE = 0.2

# Selling points: eight every product has, then two per category; each in three phrasings.
_GENERIC_ZH = (
    ("质量很好", "质量真的没得说", "品质很好，用料很扎实"),
    ("做工精细", "细节处理得很好，没有线头", "做工很用心，看得出是好东西"),
    ("和专柜的一模一样", "跟专柜对比过，完全一致", "正品没问题，扫码能查到"),
    ("性价比很高", "这个价格真的很值", "比专柜便宜不少，很划算"),
    ("包装很精美", "包装很严实，还送了礼品袋", "盒子很有质感，送人很合适"),
    ("物流很快", "发货很快，两天就到了", "快递很给力，第二天就收到了"),
    ("客服很耐心", "客服回复很及时，有问必答", "售后态度很好，很放心"),
    ("颜值很高", "实物比图片还好看", "颜色很正，没有色差"),
)
_GENERIC_EN = (
    ("Great quality.", "The quality is honestly excellent.", "Solid materials, feels premium."),
    ("Well made.", "The stitching and details are perfect.", "You can tell it was made with care."),
    (
        "Identical to the one in the store.",
        "Compared it with the boutique one: same.",
        "Genuine, the code checks out.",
    ),
    ("Great value.", "Worth every penny at this price.", "Much cheaper than in the mall."),
    (
        "Beautiful packaging.",
        "Packed very carefully, came with a gift bag.",
        "The box is lovely, perfect as a gift.",
    ),
    ("Fast shipping.", "Shipped fast, arrived in two days.", "Delivery was super quick, next day."),
    ("Helpful seller.", "The seller answered all my questions quickly.", "Great after-sales service."),
    ("Looks amazing.", "Even nicer than in the photos.", "True to color, no difference from the pictures."),
)
_CATEGORY_ZH: dict[str, tuple[tuple[str, ...], ...]] = {
    "shoes": (
        ("尺码很标准", "尺码正好，按平时的码买就行", "码数很准，不挤脚"),
        ("穿着很舒服", "脚感很软，走一天也不累", "鞋底很有弹性，穿着舒服"),
    ),
    "bags": (
        ("皮质很好", "皮质很软，没有异味", "皮料摸着很舒服，很有质感"),
        ("容量很大", "能装很多东西，手机钥匙都放得下", "大小刚好，日常通勤够用"),
    ),
    "apparel": (
        ("面料很舒服", "面料很亲肤，洗了也不起球", "布料很厚实，穿着舒服"),
        ("版型很好", "上身效果很好，很显瘦", "尺码合适，版型很正"),
    ),
    "watches": (
        ("走时很准", "戴了一周走时很准", "机芯很稳定，走时准确"),
        ("表盘很有质感", "表盘很精致，夜光也很亮", "表带很舒服，不勒手"),
    ),
    "cosmetics": (
        ("颜色很显白", "上脸很显气色，颜色很正", "妆效很好，很自然"),
        ("用着很滋润", "肤感很好，用了不过敏", "很好吸收，一点都不油腻"),
    ),
    "perfume": (
        ("留香很久", "香味很持久，早上喷到晚上还有", "留香时间很长"),
        ("味道很高级", "香味很清新，不刺鼻", "前调很好闻，后调很温柔"),
    ),
    "electronics": (
        ("音质很好", "音质很清楚，降噪效果明显", "连接很稳定，没有延迟"),
        ("续航很给力", "充一次电能用好几天", "电池很耐用，充电也快"),
    ),
    "eyewear": (
        ("戴着很轻", "戴着很轻，不压鼻梁", "镜架很轻，戴一天也不累"),
        ("镜片很清晰", "镜片很清楚，防晒效果好", "看东西很清楚，不晃眼"),
    ),
    "accessories": (
        ("很有质感", "很有质感，搭配衣服很好看", "细节很精致，很上档次"),
        ("很结实", "扣子很结实，做工扎实", "链子很牢固，不容易断"),
    ),
    "toys": (
        ("孩子很喜欢", "孩子拿到就不撒手", "小朋友特别喜欢，天天玩"),
        ("零件很齐全", "零件齐全，拼起来很顺利", "材质很安全，没有异味"),
    ),
    "home": (
        ("用起来很方便", "很实用，用起来很方便", "设计很贴心，很好用"),
        ("质量很扎实", "很结实，没有异味", "材质很好，放在家里很好看"),
    ),
}
_CATEGORY_EN: dict[str, tuple[tuple[str, ...], ...]] = {
    "shoes": (
        ("True to size.", "Fits perfectly, order your usual size.", "Sizing is spot on, no pinching."),
        ("Very comfortable.", "Soft and comfy, walked all day in them.", "Bouncy sole, really comfortable."),
    ),
    "bags": (
        ("Lovely leather.", "Soft leather, no chemical smell.", "The leather feels rich and smooth."),
        ("Roomy.", "Fits a lot: phone, keys, wallet and more.", "Perfect size for the daily commute."),
    ),
    "apparel": (
        ("Comfortable fabric.", "Soft fabric, no pilling after washing.", "Thick, comfortable material."),
        ("Great fit.", "Looks great on, very flattering cut.", "Fits true to size, nice cut."),
    ),
    "watches": (
        ("Keeps perfect time.", "Wore it a week, still accurate to the second.", "Reliable movement."),
        (
            "Gorgeous dial.",
            "The dial is beautiful and the lume is bright.",
            "Comfortable strap, no pinching.",
        ),
    ),
    "cosmetics": (
        ("Flattering shade.", "The color brightens my face.", "Looks natural, lasts all day."),
        ("Very moisturizing.", "No irritation on my sensitive skin.", "Absorbs fast, not greasy at all."),
    ),
    "perfume": (
        ("Long-lasting.", "Sprayed it in the morning, still there at night.", "Lasts for hours."),
        ("Classy scent.", "Fresh scent, not overpowering.", "Lovely opening and a warm dry-down."),
    ),
    "electronics": (
        ("Great sound.", "Clear sound and the noise cancelling works.", "Stable connection, no lag."),
        ("Battery lasts.", "One charge lasts me several days.", "Good battery life, charges fast."),
    ),
    "eyewear": (
        ("Very light.", "So light I forget I'm wearing them.", "Light frame, comfortable all day."),
        ("Crystal clear lenses.", "Clear lenses, great UV protection.", "Sharp vision, no glare."),
    ),
    "accessories": (
        ("Feels premium.", "Looks expensive, goes with every outfit.", "Fine details, very elegant."),
        ("Sturdy.", "The clasp is solid and well made.", "Strong chain, won't break easily."),
    ),
    "toys": (
        ("My kid loves it.", "My son hasn't put it down since.", "The kids play with it every day."),
        ("All pieces included.", "Every piece was there, easy to build.", "Safe materials, no smell."),
    ),
    "home": (
        ("Very practical.", "Handy and easy to use.", "Thoughtful design, works great."),
        ("Solid build.", "Sturdy and no smell.", "Good materials, looks great at home."),
    ),
}
_OPENER_ZH = (
    *("关注了很久终于下单了", "等了几天终于到了", "第一次在这家店买", "朋友推荐来买的", "这是第二次回购了"),
    *("趁活动入手的", "纠结了好久才买", "给老公买的", "给女朋友买的礼物", "给我妈买的"),
    *("看了很多家最后选了这家", "收到货第一时间来评价", "用了一段时间才来评价", "一直想要这个", ""),
)
_OPENER_EN = (
    *("Had my eye on this for weeks.", "Finally arrived!", "First order from this store.", ""),
    *(
        "A friend recommended this store.",
        "Second time buying here.",
        "Got it on sale.",
        "Bought it as a gift.",
    ),
    *("Took me ages to decide, glad I did.", "Waited a week before reviewing.", "Bought this for my wife."),
)
#: Product-name sentence frames (before, after the noun).
_NAME_ZH = (("这款", "收到了"), ("入手的", "很满意"), ("买的这个", "超出预期"), ("这个", "比想象中的好"))
_NAME_EN = (
    ("The ", " arrived in perfect condition."),
    ("Really happy with this ", "."),
    ("This ", " exceeded my expectations."),
)
_STORY_ZH = (
    *("这几天每天都在用", "上班通勤天天带着", "周末出去玩用了一次", "家里人都说不错", "同事问我在哪买的"),
    *("拿到手比想象中好", "拆开包装就很惊喜", "试了几天才来评价", "用了半个月了", "送人很有面子"),
    *("出差带着用了一路", "闺蜜看了也想买"),
)
_STORY_EN = (
    *(
        "Been using it every day.",
        "Took it on a weekend trip.",
        "My family loves it too.",
        "Colleagues keep asking.",
    ),
    *(
        "Better in person than expected.",
        "Tried it for a few days before writing.",
        "Used it for two weeks now.",
    ),
    *("Made a great gift.", "Took it on a business trip."),
)
_RESERVATION_ZH = (
    *("就是物流稍微慢了一点", "唯一不足是包装有点压痕", "就是尺码偏大一点点", "稍微有点味道，放几天就好了"),
    *("价格要是再便宜点就好了", "颜色比图片深一点"),
)
_RESERVATION_EN = (
    *("Only downside: shipping took a bit longer.", "Box was slightly dented.", "Runs a little large."),
    *("Slightly darker than the photos.", "Would be perfect if it were a bit cheaper."),
)
_CLOSER_ZH = (
    *("推荐购买", "会回购的", "五星好评", "值得入手", "总之很满意", "下次还来", "已经推荐给朋友了"),
    *("满意的一次购物", "买到就是赚到", "强烈推荐", "好评", ""),
)
_CLOSER_EN = (
    *("Highly recommend!", "Will buy again.", "Five stars.", "Worth it.", "Very satisfied overall."),
    *("Already told my friends.", "Happy customer.", ""),
)
_END_ZH = ("", "。", "！", "～", "！！", "👍")


N_POINTS, N_PHRASINGS = len(_GENERIC_ZH) + 2, 3


def _points(table: dict[str, tuple[tuple[str, ...], ...]], generic: tuple[tuple[str, ...], ...]) -> list[str]:
    """Selling-point phrasings flattened as ``(category * N_POINTS + point) * N_PHRASINGS + phrasing``, then
    ``""``; the index arithmetic needs every category's points and phrasings complete, so check them here."""
    rows = [(*generic, *table.get(c.name, ())) for c in CATEGORIES]
    bad = [
        c.name
        for c, r in zip(CATEGORIES, rows, strict=True)
        if [len(p) for p in r] != [N_PHRASINGS] * N_POINTS
    ]
    if bad:
        raise ValueError(
            f"crowd review phrases need {N_POINTS} points of {N_PHRASINGS} phrasings per category; fix {bad}"
        )
    return [*(p for r in rows for point in r for p in point), ""]


_POINTS = {"zh": _points(_CATEGORY_ZH, _GENERIC_ZH), "en": _points(_CATEGORY_EN, _GENERIC_EN)}
#: Product nouns per language, flattened, with each category's range.
_NOUNS = {
    "zh": (
        [n for c in CATEGORIES for n in c.nouns_zh],
        np.cumsum([0, *(len(c.nouns_zh) for c in CATEGORIES)]),
    ),
    "en": (
        [n for c in CATEGORIES for n in c.nouns_en],
        np.cumsum([0, *(len(c.nouns_en) for c in CATEGORIES)]),
    ),
}


def _brief_points(rng: np.random.Generator, n_campaigns: int) -> tuple[np.ndarray, np.ndarray]:
    """Two distinct selling points per campaign brief."""
    first = rng.integers(0, N_POINTS, n_campaigns)
    return first, (first + 1 + rng.integers(0, N_POINTS - 1, n_campaigns)) % N_POINTS


def _point_slots(
    rng: np.random.Generator, p1: np.ndarray, p2: np.ndarray, category: np.ndarray
) -> list[np.ndarray]:
    """Three selling-point phrasing indices per review (the last index, ``""``, when left out): the brief's two
    points ``p1`` and ``p2``, at least one of them, and a point of the worker's own outside the brief."""
    n = p1.size
    own = rng.integers(0, N_POINTS - 2, n)  # the n-th point other than the brief's two
    own += own >= np.minimum(p1, p2)
    own += own >= np.maximum(p1, p2)
    use = rng.random((3, n)) < np.array(POINT_RATES)[:, None]
    use[0] |= ~use[1]
    empty = len(_POINTS["zh"]) - 1
    return [
        np.where(u, (category * N_POINTS + p) * N_PHRASINGS + rng.integers(0, N_PHRASINGS, n), empty)
        for u, p in zip(use, (p1, p2, own), strict=True)
    ]


def _maybe(
    rng: np.random.Generator, vocab: tuple[str, ...], rate: float | np.ndarray, n: int
) -> pa.ChunkedArray:
    """A random phrase with probability ``rate``, else ``""``."""
    pick = rng.integers(0, len(vocab), n)
    return take_strings((*vocab, ""), np.where(rng.random(n) < rate, pick, len(vocab)))


def _name(rng: np.random.Generator, lang: str, category: np.ndarray) -> pa.ChunkedArray:
    """A sentence naming the product (one of its category's nouns), or ``""``."""
    n = category.size
    frames = _NAME_ZH if lang == "zh" else _NAME_EN
    frame = rng.integers(0, len(frames), n)
    nouns, ptr = _NOUNS[lang]
    noun = take_strings(nouns, ptr[category] + (rng.random(n) * np.diff(ptr)[category]).astype(np.int64))
    before = take_strings([f[0] for f in frames], frame)
    after = take_strings([f[1] for f in frames], frame)
    named = pc.binary_join_element_wise(before, noun, after, "")
    return pc.if_else(pa.chunked_array([pa.array(rng.random(n) < NAME_RATE)]), named, pa.scalar(""))


def _compose(
    rng: np.random.Generator,
    lang: str,
    brief: tuple[np.ndarray, np.ndarray],
    category: np.ndarray,
    four: np.ndarray,
    house: np.ndarray,
) -> pa.ChunkedArray:
    """One language's texts: opener, name, points (two orders), story, reservation, closer; ``house`` is the
    farm's favourite closer per review."""
    n = category.size
    zh = lang == "zh"
    slots = _point_slots(rng, *brief, category)
    swap = rng.random(n) < 0.5  # the worker's own point first or last
    order = [np.where(swap, slots[2], slots[0]), slots[1], np.where(swap, slots[0], slots[2])]
    points = [take_strings(_POINTS[lang], s) for s in order]
    closers = _CLOSER_ZH if zh else _CLOSER_EN
    own_closer = rng.integers(0, len(closers), n)
    closer = np.where(rng.random(n) < HOUSE_CLOSER_RATE, house, own_closer)
    parts = [
        _maybe(rng, _OPENER_ZH if zh else _OPENER_EN, OPENER_RATE, n),
        _name(rng, lang, category),
        *points,
        _maybe(rng, _STORY_ZH if zh else _STORY_EN, STORY_RATE, n),
        _maybe(rng, _RESERVATION_ZH if zh else _RESERVATION_EN, np.where(four, RESERVATION_RATE, 0.0), n),
        take_strings(closers, closer),
    ]
    if not zh:
        text = pc.binary_join_element_wise(*parts, " ")
        return pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"\s{2,}", " "))
    sep = np.where(rng.random(n) < SPACED_RATE, " ", "，")
    text = pc.binary_join_element_wise(*parts, take_strings(("，", " "), (sep == " ").astype(np.int64)))
    text = pc.replace_substring_regex(text, r"([， ])[， ]+", r"\1")
    text = pc.replace_substring_regex(text, r"^[， ]+|[， ]+$", "")
    return pc.binary_join_element_wise(text, take_strings(_END_ZH, rng.integers(0, len(_END_ZH), n)), "")


def crowd_texts(
    rng: np.random.Generator,
    campaign: np.ndarray,
    farm: np.ndarray,
    category: np.ndarray,
    rating: np.ndarray,
    n_farms: int,
) -> pa.ChunkedArray:
    """Campaign review texts (``campaign`` -1 rows, camouflage, get a text too; the caller discards it)."""
    campaign = np.maximum(campaign, 0)
    farm = np.maximum(farm, 0)
    b1, b2 = _brief_points(rng, int(campaign.max(initial=0)) + 1)
    brief = (b1[campaign], b2[campaign])
    zh = rng.random(campaign.size) < ZH_SHARE
    texts = {}
    for lang, closers in (("zh", _CLOSER_ZH), ("en", _CLOSER_EN)):
        house = rng.integers(0, len(closers) - 1, max(n_farms, 1))  # never the empty closer
        texts[lang] = _compose(rng, lang, brief, category, rating == 4, house[farm])
    return pc.if_else(pa.chunked_array([pa.array(zh)]), texts["zh"], texts["en"])
