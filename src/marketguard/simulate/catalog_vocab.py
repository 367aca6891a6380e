"""Product vocabulary shared by the catalogue, customs and review generators.

Categories carry their HS code, a reference-price scale and product nouns in English and Chinese; brand names
are fictional, assembled from syllables with matching Chinese transliterations so that titles can mention a
brand in either language.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CATEGORIES",
    "COUNTERFEIT_CATEGORY_WEIGHT",
    "GREY_CATEGORY_WEIGHT",
    "SYLLABLES",
    "TEMPLATES",
    "Category",
]

TEMPLATES: tuple[str, ...] = ("basic", "custom", "premium", "brand_flagship")


@dataclass(frozen=True)
class Category:
    """A product category: name, HS code of its goods, median branded reference price (CNY), nouns."""

    name: str
    hs_code: str
    ref_price: float
    nouns_en: tuple[str, ...]
    nouns_zh: tuple[str, ...]


CATEGORIES: tuple[Category, ...] = (
    Category(
        "shoes",
        "640411",
        900,
        ("sneakers", "running shoes", "basketball shoes", "loafers"),
        ("运动鞋", "跑鞋", "篮球鞋", "休闲鞋"),
    ),
    Category(
        "bags",
        "420221",
        9000,
        ("handbag", "tote bag", "shoulder bag", "wallet"),
        ("手提包", "托特包", "单肩包", "钱包"),
    ),
    Category(
        "apparel",
        "610910",
        700,
        ("t-shirt", "hoodie", "down jacket", "polo shirt"),
        ("T恤", "卫衣", "羽绒服", "POLO衫"),
    ),
    Category(
        "watches",
        "910211",
        12000,
        ("automatic watch", "chronograph", "dress watch"),
        ("机械表", "计时手表", "石英表"),
    ),
    Category(
        "cosmetics",
        "330499",
        450,
        ("lipstick", "face cream", "serum", "foundation"),
        ("口红", "面霜", "精华液", "粉底液"),
    ),
    Category(
        "perfume", "330300", 1100, ("eau de parfum", "perfume", "cologne"), ("香水", "淡香水", "古龙水")
    ),
    Category(
        "electronics",
        "851830",
        1500,
        ("wireless earbuds", "headphones", "smart watch", "power bank"),
        ("无线耳机", "头戴耳机", "智能手表", "充电宝"),
    ),
    Category("eyewear", "900410", 1600, ("sunglasses", "optical frames"), ("太阳镜", "眼镜框")),
    Category(
        "accessories",
        "711719",
        2500,
        ("belt", "scarf", "bracelet", "necklace"),
        ("皮带", "围巾", "手链", "项链"),
    ),
    Category(
        "toys", "950300", 400, ("building blocks", "plush toy", "action figure"), ("积木", "毛绒玩具", "手办")
    ),
    Category(
        "home",
        "940540",
        300,
        ("desk lamp", "storage box", "bedding set", "kettle"),
        ("台灯", "收纳盒", "四件套", "电水壶"),
    ),
)

#: Relative weight of each category among counterfeit stores (luxury and sportswear dominate).
COUNTERFEIT_CATEGORY_WEIGHT: tuple[float, ...] = (5, 4, 2.5, 2, 1.5, 1.5, 1.5, 1, 1, 0.5, 0.1)

#: Relative weight of each category among grey-market stores: imported cosmetics, perfume and electronics lead
#: parallel imports (the daigou trade), then luxury bags and watches; apparel and accessories are rarely worth it.
GREY_CATEGORY_WEIGHT: tuple[float, ...] = (1.5, 2, 0.5, 2, 4, 3, 4, 1, 0.5, 1, 1)

#: Syllables of fictional brand names (Latin, Chinese transliteration).
SYLLABLES: tuple[tuple[str, str], ...] = (
    ("Ve", "维"),
    ("lo", "洛"),
    ("ra", "拉"),
    ("Ar", "阿"),
    ("ta", "塔"),
    ("Mon", "蒙"),
    ("ce", "塞"),
    ("Ka", "卡"),
    ("ri", "瑞"),
    ("No", "诺"),
    ("va", "瓦"),
    ("Li", "莉"),
    ("sa", "萨"),
    ("Do", "多"),
    ("Ro", "罗"),
    ("mi", "米"),
    ("Bel", "贝"),
    ("Ti", "蒂"),
    ("Lu", "露"),
    ("Ze", "泽"),
    ("na", "娜"),
    ("Fe", "菲"),
    ("ton", "顿"),
    ("Ma", "玛"),
    ("Sol", "索"),
    ("Vi", "薇"),
    ("der", "德"),
    ("Har", "哈"),
    ("Qu", "昆"),
    ("lin", "林"),
    ("Gra", "格"),
    ("Os", "奥"),
    ("ko", "科"),
    ("Ber", "伯"),
    ("Hel", "赫"),
)

#: Tell-words counterfeit sellers put in titles (English, Chinese).
TELL_EN: tuple[str, ...] = (
    "Replica",
    "1:1",
    "AAA",
    "Mirror Quality",
    "Top Quality 1:1",
    "Original Quality",
    "AAA+",
)
TELL_ZH: tuple[str, ...] = ("高仿", "原单", "复刻", "1:1", "顶级版", "纯原", "莆田")
#: Words honest sellers (and counterfeiters pretending) use.
CLAIM_EN: tuple[str, ...] = ("Authentic", "Official", "Genuine", "100% Original", "New")
CLAIM_ZH: tuple[str, ...] = ("正品", "官方正品", "专柜正品", "旗舰店", "保证正品")
#: Versions and origins that importers name in titles (Hong Kong, international, overseas, Japanese, US and EU
#: versions; imported; shipped from a bonded warehouse; cross-border direct mail; duty-free).
VERSION_ZH: tuple[str, ...] = (
    "港版",
    "国际版",
    "海外版",
    "日版",
    "美版",
    "欧版",
    "原装进口",
    "保税直发",
    "跨境直邮",
    "免税",
)
VERSION_EN: tuple[str, ...] = (
    "HK Version",
    "International Version",
    "Overseas Version",
    "Japan Version",
    "US Version",
    "EU Version",
    "Imported",
    "Global Version",
)
ADJ_EN: tuple[str, ...] = (
    "Men's",
    "Women's",
    "Classic",
    "2025 New",
    "Limited",
    "Vintage",
    "Premium",
    "Summer",
    "Unisex",
    "Lightweight",
    "Slim",
    "Kids'",
)
ADJ_ZH: tuple[str, ...] = (
    "2025新款",
    "经典款",
    "男款",
    "女款",
    "限量",
    "夏季",
    "百搭",
    "轻薄",
    "情侣款",
    "儿童",
)
SUFFIX_EN: tuple[str, ...] = ("", "", "", "with box", "free shipping", "gift", "2 colors", "fast delivery")
SUFFIX_ZH: tuple[str, ...] = ("", "", "", "包邮", "送礼", "带盒", "现货", "顺丰")
#: Innocent titles that look like tell-word titles (unbranded goods).
LOOKALIKE: tuple[str, ...] = (
    "AAA batteries 8-pack alkaline",
    "AAA rechargeable batteries",
    "Replica vintage movie poster",
    "Replica antique map wall art",
    "1:1 scale die-cast model car",
    "1:1 scale model kit",
    "Mirror finish stainless steel tray",
    "复刻版经典游戏机",
    "1:1 比例 模型摆件",
    "AAA 5号7号电池 套装",
    "复古海报 装饰画",
    "原单尾货 纯棉T恤 无品牌",
)
