"""HS codes and goods categories: the counterfeit-prone category a tariff code, a description or a brand names.

Customs screening compares what a declaration says it carries (its free-text description, the brand's
``brands.category``) with the tariff line it is declared under: counterfeit shoes declared as "other made-up
textile articles" (6307) to look cheap is the mismatch it looks for. This module holds the one table that puts
the three on the same scale, SQL builders (DuckDB dialect, portable to Spark through sqlglot) that never run
anything, and plain-Python twins for a real-time scorer that give the same answers. ``docs/hs-codes.md`` is
generated from it: ``python -m marketguard.features.hs_codes > docs/hs-codes.md``.

Rules, the same in SQL and in Python:

* **HS code: longest prefix wins.** Dots, spaces and hyphens are removed first ("8473.30.00", "6404 11"), so
  national 8-10 digit lines fall to their subheading, heading or chapter; a longer prefix overrides a shorter
  one (420310 leather clothing is apparel inside 4203, belts and gloves). NULL when no prefix matches (goods
  outside the table, or letters left in the code).
* **Description: longest keyword wins.** The text is lower-cased, the punctuation in :data:`PUNCTUATION`
  becomes spaces, and it is padded with a space on each side; keywords are plain substrings, English and
  Chinese. A keyword written with spaces around it (``" hat "``) matches only a whole word, for short words
  that hide inside others (that, hatch). Length counts characters, spaces included, so "shoe bag" (bags) beats
  " shoe " (shoes) and "smart watch" (electronics) beats "watch"; on a tie the category listed first wins.
  :data:`OTHER_GOODS` are phrases that contain a keyword but name other goods ("tea bag", "shoe polish"): they
  win over the shorter keyword like any other and give NULL. Only the first :data:`MAX_DESCRIPTION_CHARS`
  characters are read.
* **Category name: synonyms.** Trimmed, lower-cased, ``_`` and ``-`` read as spaces, then looked up in
  :data:`SYNONYMS` ("Footwear" -> shoes, "agrochemicals" -> pesticides); NULL for a name it does not know.

Source of the codes: WCO Harmonized System nomenclature, 2022 edition (chapters, headings and the 6-digit
subheadings that matter; meanings shortened). A code retired in 2022 still resolves through its heading
(940540 -> 9405).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

__all__ = [
    "CATEGORIES",
    "HS_CODES",
    "KEYWORDS",
    "MAX_DESCRIPTION_CHARS",
    "OTHER_GOODS",
    "PUNCTUATION",
    "SOURCE",
    "SYNONYMS",
    "HSCode",
    "category_sql",
    "description_category",
    "description_category_sql",
    "hs_category",
    "hs_category_sql",
    "hs_codes_markdown",
    "hs_table_sql",
    "normalise_category",
]

SOURCE = "WCO Harmonized System nomenclature, 2022 edition"

#: The goods categories, in the order the page lists them and ties between keywords are broken.
CATEGORIES: tuple[str, ...] = (
    "shoes",
    "bags",
    "apparel",
    "watches",
    "cosmetics",
    "perfume",
    "electronics",
    "eyewear",
    "accessories",
    "toys",
    "home",
    "tobacco",
    "pesticides",
    "pharmaceuticals",
    "auto parts",
)

# (prefix, meaning) per category: chapters (2 digits), headings (4) and subheadings (6) of HS 2022.
_HS: dict[str, tuple[tuple[str, str], ...]] = {
    "shoes": (
        ("64", "footwear, gaiters and the like; parts of such articles"),
        ("6401", "waterproof footwear with rubber or plastics soles and uppers"),
        ("6402", "other footwear with rubber or plastics soles and uppers"),
        ("640219", "sports footwear with rubber or plastics uppers"),
        ("6403", "footwear with leather uppers"),
        ("6404", "footwear with textile uppers"),
        ("640411", "sports footwear (trainers, sneakers) with textile uppers, rubber or plastics soles"),
        ("6405", "other footwear"),
        ("6406", "parts of footwear (uppers, soles, insoles)"),
    ),
    "bags": (
        ("4202", "trunks, suitcases, handbags, wallets, backpacks and similar containers"),
        ("420211", "suitcases and trunks, outer surface of leather"),
        ("420212", "suitcases and trunks, outer surface of plastics or textiles"),
        ("420221", "handbags, outer surface of leather"),
        ("420222", "handbags, outer surface of plastic sheeting or textiles"),
        ("420229", "handbags, other outer surface"),
        ("420231", "wallets, purses and card cases carried in the pocket or handbag, of leather"),
        ("420232", "wallets, purses and card cases, of plastic sheeting or textiles"),
        ("420291", "other bags and cases (travel, sports, toiletry), of leather"),
        ("420292", "other bags and cases (travel, sports, shopping, backpacks), of plastics or textiles"),
    ),
    "apparel": (
        ("61", "apparel and clothing accessories, knitted or crocheted"),
        ("6105", "men's shirts, knitted (polo shirts)"),
        ("6109", "t-shirts, singlets and vests, knitted"),
        ("610910", "t-shirts, singlets and vests, knitted, of cotton"),
        ("6110", "jerseys, pullovers, sweatshirts, hoodies and cardigans, knitted"),
        ("6115", "tights, stockings and socks, knitted"),
        ("62", "apparel and clothing accessories, not knitted"),
        ("6201", "men's coats, anoraks and jackets (down jackets), not knitted"),
        ("6202", "women's coats, anoraks and jackets (down jackets), not knitted"),
        ("6203", "men's suits, jackets, trousers and shorts (jeans), not knitted"),
        ("6204", "women's suits, dresses, skirts and trousers, not knitted"),
        ("6205", "men's shirts, not knitted"),
        ("6211", "tracksuits, ski suits and swimwear, not knitted"),
        ("420310", "articles of apparel of leather (leather jackets)"),
        ("4303", "articles of apparel of furskin"),
    ),
    "watches": (
        ("91", "clocks and watches and parts thereof"),
        ("9101", "wrist-watches and pocket-watches with a case of precious metal"),
        ("9102", "wrist-watches and pocket-watches, other cases"),
        ("910211", "wrist-watches, electrically operated, with mechanical display only"),
        ("910221", "wrist-watches with automatic winding"),
        ("9108", "complete watch movements"),
        ("9111", "watch cases and parts thereof"),
        ("9113", "watch straps, watch bands and watch bracelets"),
    ),
    "cosmetics": (
        ("3304", "beauty, make-up and skin-care preparations (lipstick, creams, sunscreen)"),
        ("330410", "lip make-up preparations"),
        ("330420", "eye make-up preparations"),
        ("330499", "other beauty and skin-care preparations (creams, serums, foundation)"),
        ("3305", "hair preparations (shampoo, conditioner, hair dye)"),
        ("3306", "oral and dental hygiene preparations (toothpaste)"),
        ("3307", "shaving preparations, deodorants, bath preparations"),
        ("3401", "soap"),
    ),
    "perfume": (("3303", "perfumes and toilet waters"),),
    "electronics": (
        ("8471", "computers and their units (laptops, tablets, keyboards, drives)"),
        ("8473", "parts and accessories of office machines and computers"),
        ("847330", "parts and accessories of computers (memory modules, boards)"),
        ("8504", "transformers and static converters (chargers, power adapters)"),
        ("850440", "static converters (chargers, power supplies)"),
        ("8506", "primary cells and batteries"),
        ("8507", "electric accumulators (rechargeable batteries)"),
        ("850760", "lithium-ion accumulators (phone batteries, power banks)"),
        ("8510", "shavers, hair clippers and hair-removing appliances"),
        ("851631", "hair dryers"),
        ("851632", "other hairdressing apparatus (straighteners, curlers)"),
        ("8517", "telephone sets and apparatus for transmitting voice, images or data"),
        ("851713", "smartphones"),
        ("851762", "apparatus receiving and transmitting data (routers, smartwatches)"),
        ("8518", "microphones, loudspeakers, headphones and earphones"),
        ("851830", "headphones and earphones"),
        ("8519", "sound recording or reproducing apparatus"),
        ("8523", "discs, tapes, solid-state storage devices and smart cards"),
        ("852351", "solid-state non-volatile storage (flash drives, memory cards)"),
        ("8525", "transmission apparatus, digital and video cameras"),
        ("8528", "monitors, projectors and television receivers"),
        ("8542", "electronic integrated circuits"),
        ("854231", "processors and controllers"),
        ("854232", "memories (memory chips)"),
        ("8544", "insulated wire and cables (charging and data cables)"),
        ("8806", "unmanned aircraft (drones)"),
        ("950450", "video game consoles and machines"),
    ),
    "eyewear": (
        ("9003", "frames and mountings for spectacles"),
        ("9004", "spectacles, goggles and the like"),
        ("900410", "sunglasses"),
        ("900130", "contact lenses"),
        ("900140", "spectacle lenses of glass"),
        ("900150", "spectacle lenses of other materials"),
    ),
    "accessories": (
        ("4203", "clothing accessories of leather (belts, gloves)"),
        ("420330", "belts and bandoliers of leather"),
        ("6116", "gloves and mittens, knitted"),
        ("6117", "other clothing accessories, knitted (scarves, shawls, ties)"),
        ("6214", "shawls, scarves, mufflers and veils, not knitted"),
        ("6215", "ties, bow ties and cravats, not knitted"),
        ("6216", "gloves and mittens, not knitted"),
        ("65", "headgear (hats, caps)"),
        ("6505", "hats and caps, knitted or of textile"),
        ("6601", "umbrellas and sun umbrellas"),
        ("7113", "jewellery of precious metal"),
        ("7117", "imitation jewellery"),
        ("711719", "imitation jewellery of base metal"),
        ("711790", "other imitation jewellery"),
        ("9608", "pens (ball-point, fountain)"),
        ("9613", "cigarette lighters and other lighters"),
        ("9615", "combs, hair slides and the like"),
    ),
    "toys": (
        ("9503", "toys: dolls, models, construction sets, puzzles, plush toys"),
        ("9504", "table and parlour games, playing cards"),
    ),
    "home": (
        ("3924", "tableware, kitchenware and household articles of plastics (storage boxes)"),
        ("6301", "blankets and travelling rugs"),
        ("6302", "bed, table, toilet and kitchen linen (bedding sets, towels)"),
        ("6303", "curtains and blinds"),
        ("6304", "other furnishing articles (cushion covers, bedspreads)"),
        ("6911", "tableware and kitchenware of porcelain"),
        ("6912", "ceramic tableware, kitchenware and household articles"),
        ("6913", "statuettes and ornamental ceramic articles"),
        ("7013", "glassware for table, kitchen and decoration"),
        ("7323", "table, kitchen and household articles of iron or steel"),
        ("8211", "knives"),
        ("8508", "vacuum cleaners"),
        ("8509", "electromechanical domestic appliances (blenders, food processors)"),
        ("8516", "electric heating appliances for domestic use (kettles, coffee makers)"),
        ("9105", "clocks (wall, alarm)"),
        ("9401", "seats"),
        ("9403", "other furniture"),
        ("9404", "mattresses, quilts, pillows and bedding"),
        ("9405", "luminaires and lighting fittings (desk lamps, chandeliers)"),
    ),
    "tobacco": (
        ("24", "tobacco and manufactured tobacco substitutes; nicotine products"),
        ("2402", "cigars, cigarillos and cigarettes"),
        ("240220", "cigarettes containing tobacco"),
        ("2403", "other manufactured tobacco (smoking, rolling, water-pipe tobacco)"),
        ("2404", "products for inhalation without combustion (heated tobacco, e-liquids, nicotine pouches)"),
        ("854340", "electronic cigarettes and personal vaporisers"),
    ),
    "pesticides": (
        ("3808", "insecticides, rodenticides, fungicides, herbicides and disinfectants, for retail sale"),
        ("380891", "insecticides (mosquito coils)"),
        ("380892", "fungicides"),
        ("380893", "herbicides, anti-sprouting products and plant-growth regulators"),
        ("380894", "disinfectants"),
    ),
    "pharmaceuticals": (
        ("30", "pharmaceutical products"),
        ("3002", "vaccines, toxins, blood fractions and immunological products"),
        ("3003", "medicaments, not in measured doses"),
        ("3004", "medicaments in measured doses or packed for retail sale"),
        ("3006", "pharmaceutical goods (first-aid kits, contraceptives)"),
    ),
    "auto parts": (
        ("8708", "parts and accessories of motor vehicles"),
        ("870821", "safety seat belts"),
        ("870830", "brakes and servo-brakes and parts (brake pads, discs)"),
        ("870840", "gear boxes"),
        ("870870", "road wheels (rims)"),
        ("870880", "suspension systems (shock absorbers)"),
        ("870895", "airbags"),
        ("4011", "new pneumatic tyres of rubber"),
        ("681381", "brake linings and pads"),
        ("8409", "parts of piston engines"),
        ("842123", "oil and fuel filters for engines"),
        ("842131", "intake air filters for engines"),
        ("850710", "lead-acid accumulators for starting engines (car batteries)"),
        ("8511", "ignition and starting equipment (spark plugs)"),
        ("8512", "lighting and signalling equipment for vehicles (headlights), wipers"),
    ),
}

# Per category, English then Chinese, lower case; " word " (spaces around) matches only a whole word.
KEYWORDS: dict[str, tuple[str, ...]] = {
    "shoes": (
        "sneaker", "running shoes", "basketball shoes", "football boots", "dress shoes", "loafers", "sandals",
        "slippers", "flip flops", "high heels", "trainers", "boots", "footwear", "shoes", " shoe ",
        "运动鞋", "跑鞋", "篮球鞋", "休闲鞋", "板鞋", "皮鞋", "凉鞋", "拖鞋", "高跟鞋", "靴", "鞋",
    ),
    "bags": (
        "handbag", "tote bag", " tote ", "shoulder bag", "crossbody bag", "backpack", "wallet", "purse",
        "clutch bag", "card holder", "briefcase", "suitcase", "luggage", "travel bag", "duffel bag",
        "messenger bag", "belt bag", "waist bag", "shoe bag", "cosmetic bag", "makeup bag", "laptop bag",
        "computer bag", " bag",
        "手提包", "托特包", "单肩包", "斜挎包", "双肩包", "背包", "钱包", "手袋", "皮包", "女包", "箱包",
        "行李箱", "拉杆箱", "卡包", "腰包", "化妆包", "鞋袋", "挎包",
    ),
    "apparel": (
        "t-shirt", "t shirt", "tshirt", "hoodie", "sweatshirt", "sweater", "pullover", "cardigan", "jacket",
        "down jacket", " coat ", " coats ", "overcoat", "raincoat", "parka", "polo shirt", "shirt", "blouse",
        " dress", "jeans", "trousers", "pants", "shorts", "skirt", "leggings", "tracksuit", "jersey",
        "swimwear", "swimsuit", "bikini", "underwear", "lingerie", " bra ", "socks", "pajamas", "pyjamas",
        "apparel", "clothing", "garment",
        "t恤", "卫衣", "羽绒服", "polo衫", "衬衫", "外套", "夹克", "连衣裙", "裙", "裤", "毛衣",
        "针织衫", "西装", "服装", "内衣", "袜", "睡衣", "泳衣", "运动服", "上衣",
    ),
    "watches": (
        "watch", "wristwatch", "automatic watch", "dress watch", "quartz watch", "chronograph",
        "watch strap", "watch band", "watch movement",
        "手表", "腕表", "机械表", "石英表", "计时手表", "表带", "机芯",
    ),
    "cosmetics": (
        "lipstick", "lip gloss", "lip balm", "face cream", "eye cream", "hand cream", "night cream",
        "moisturizer", "moisturiser", "serum", "foundation", "concealer", "mascara", "eyeliner",
        "eyeshadow", "eye shadow", "blush", "makeup", "make-up", "cosmetic", "skincare", "skin care",
        "sunscreen", "facial toner", "cleanser", "sheet mask", "facial mask", "shampoo", "hair conditioner",
        "hair dye", "hair spray", "nail polish", "lotion", "toothpaste", "deodorant",
        "口红", "唇膏", "面霜", "精华液", "精华", "粉底液", "粉底", "眼霜", "乳液", "化妆品", "彩妆",
        "护肤品", "防晒霜", "洗面奶", "面膜", "睫毛膏", "眼影", "腮红", "洗发水", "护发素", "指甲油",
        "牙膏", "爽肤水",
    ),
    "perfume": (
        "perfume", "eau de parfum", "eau de toilette", "eau de cologne", "cologne", "fragrance", "parfum",
        "香水", "淡香水", "古龙水", "香氛",
    ),
    "electronics": (
        "memory module", "memory", "ram module", "ddr3", "ddr4", "ddr5", "sodimm", "dimm", "ssd",
        "hard drive", "hard disk", "flash drive", "memory card", "sd card", "graphics card", "motherboard",
        "processor", "integrated circuit", "laptop", "notebook computer", "computer", "tablet computer",
        "tablet pc", "smartphone", "mobile phone", "cell phone", "phone", "earbuds", "earphones",
        "headphones", "headset", "speaker", "charger", "power adapter", "power bank", "battery",
        "batteries", "usb cable", "charging cable", "camera", "smart watch", "smartwatch",
        "fitness tracker", "game console", "router", "projector", "drone", "hair dryer",
        "hair straightener", "shaver",
        "内存条", "内存", "固态硬盘", "硬盘", "u盘", "存储卡", "显卡", "主板", "芯片", "集成电路",
        "笔记本电脑", "电脑", "平板电脑", "手机", "耳机", "无线耳机", "头戴耳机", "蓝牙耳机", "音箱",
        "充电器", "充电宝", "移动电源", "电池", "数据线", "相机", "摄像头", "智能手表", "手环", "游戏机",
        "路由器", "投影仪", "无人机", "吹风机", "电动剃须刀",
    ),
    "eyewear": (
        "sunglasses", "glasses", "eyeglasses", "spectacles", "optical frames", "eyewear",
        "reading glasses", "goggles", "contact lenses",
        "太阳镜", "墨镜", "眼镜", "眼镜框", "镜框", "近视镜", "隐形眼镜", "护目镜",
    ),
    "accessories": (
        "belt", "scarf", "scarves", "shawl", "bracelet", "necklace", "earring", " ring ", " rings ",
        "pendant", "brooch", "jewelry", "jewellery", "hair clip", "keychain", "key chain", "cufflinks",
        "necktie", " tie ", "bow tie", "gloves", " hat ", " hats ", "sun hat", "bucket hat",
        "baseball cap", " cap ", " caps ", "beanie", "umbrella", "headband", "cigarette lighter",
        "皮带", "腰带", "围巾", "披肩", "手链", "项链", "耳环", "耳钉", "戒指", "吊坠", "胸针", "饰品",
        "首饰", "发夹", "帽", "领带", "手套", "雨伞", "遮阳伞", "钥匙扣", "打火机",
    ),
    "toys": (
        " toy ", " toys ", "plush toy", "building blocks", "building bricks", "stuffed animal",
        "action figure", " doll ", "dolls", "puzzle", "jigsaw", "model kit", "die-cast", "diecast",
        "rc car", "remote control car", "board game", "playing cards", "teddy bear",
        "玩具", "积木", "毛绒玩具", "手办", "公仔", "娃娃", "拼图", "遥控车", "桌游",
    ),
    "home": (
        " lamp", "desk lamp", "chandelier", "storage box", "bedding", "bed sheet", "duvet cover",
        "pillowcase", "pillow", "memory foam", "blanket", "towel", "curtain", "tablecloth", "kettle",
        "coffee maker", " mug", "tableware", "dinnerware", "ceramic", "porcelain", "vase", "cookware",
        "frying pan", "knife set", "candle", "cushion", " rug ", " rugs ", "carpet", "wine glass",
        "shoe rack", "shoe cabinet", "vacuum cleaner", "blender", "food processor", "furniture", "sofa",
        "mattress",
        "台灯", "灯", "收纳盒", "收纳", "四件套", "床上用品", "床单", "被套", "枕头", "毛巾", "窗帘",
        "电水壶", "水壶", "陶瓷", "餐具", "锅", "家居", "地毯", "抱枕", "蜡烛", "鞋柜", "鞋架", "吸尘器",
        "家具", "沙发", "床垫",
    ),
    "tobacco": (
        "cigarette", "cigar", "cigarillo", "tobacco", "e-cigarette", "electronic cigarette", "vape",
        "heated tobacco", "shisha", "nicotine",
        "香烟", "卷烟", "烟草", "雪茄", "电子烟", "烟丝", "烟弹",
    ),
    "pesticides": (
        "pesticide", "insecticide", "herbicide", "fungicide", "rodenticide", "weedkiller", "weed killer",
        "glyphosate", "paraquat", "glufosinate", "chlorpyrifos", "imidacloprid", "abamectin", "emamectin",
        "atrazine", "mancozeb", "cypermethrin", "cyhalothrin", "acetamiprid", "tebuconazole",
        "azoxystrobin", "plant growth regulator", "agrochemical", "crop protection", "mosquito coil",
        "rat poison",
        "农药", "杀虫剂", "除草剂", "杀菌剂", "杀鼠剂", "草甘膦", "百草枯", "草铵膦", "毒死蜱", "吡虫啉",
        "阿维菌素", "甲维盐", "莠去津", "代森锰锌", "氯氰菊酯", "啶虫脒", "戊唑醇", "嘧菌酯",
        "植物生长调节剂", "蚊香", "灭鼠",
    ),
    "pharmaceuticals": (
        "medicine", "medicament", "pharmaceutical", "tablets", "capsules", "pills", "antibiotic",
        "vaccine", "insulin", "ointment", "drugs", "sildenafil", "tadalafil", "paracetamol",
        "acetaminophen", "ibuprofen", "amoxicillin", "azithromycin", "metformin", "omeprazole",
        "semaglutide", "botulinum",
        "药品", "药物", "药膏", "胶囊", "片剂", "抗生素", "疫苗", "西药", "中成药", "注射液", "布洛芬",
        "对乙酰氨基酚", "阿莫西林", "西地那非",
    ),
    "auto parts": (
        "auto parts", "car parts", "auto spare parts", "car spare parts", "brake pad", "brake disc",
        "brake", "spark plug", "oil filter", "air filter", "fuel filter", "shock absorber", "clutch plate",
        "clutch disc", "clutch kit", "headlight", "headlamp", "tail light", "car battery", "tyre", " tire",
        "wheel rim", "alloy wheel", "radiator", "bumper", "steering wheel", "wiper blade", "seat belt",
        "timing belt", "gearbox", "piston", "airbag", "car mirror",
        "汽车配件", "汽配", "刹车片", "刹车盘", "火花塞", "滤清器", "机滤", "空气滤芯", "减震器",
        "离合器", "大灯", "车灯", "轮胎", "轮毂", "雨刮", "安全带", "气囊", "汽车电瓶",
    ),
}  # fmt: skip

#: Phrases of other goods that contain a category's keyword: they win over it and name no category.
OTHER_GOODS: tuple[str, ...] = (
    "tea bag", "garbage bag", "trash bag", "plastic bag", "paper bag", "shoe polish", "鞋油", "life jacket",
    "conveyor belt", "coffee capsules", "saxophone", "xylophone",
)  # fmt: skip

#: Characters of a description that are searched for keywords; the rest is ignored. Goods descriptions are short
#: (the EU customs data model's "description of goods" holds at most 512 characters; the simulated ones run to
#: 25): a longer value is a description followed by something else. The bound keeps one description's cost
#: bounded: every keyword is searched in the whole text, several hundred searches per description (a megabyte
#: description took 0.1 s to read in the real-time check, 500 times an ordinary declaration's whole check).
MAX_DESCRIPTION_CHARS = 512

#: Characters read as spaces in descriptions (so that "hat," is the whole word "hat"); no keyword holds one.
PUNCTUATION: tuple[str, ...] = (",", ".", ";", "/", "(", ")", "&")

# Names a marketplace's ``brands.category`` may carry, as normalised, per category they mean.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "shoes": ("shoe", "footwear", "sneakers", "trainers", "boots", "sports shoes"),
    "bags": (
        "bag", "handbag", "handbags", "bags and luggage", "luggage", "wallets", "purses", "leather goods",
    ),
    "apparel": (
        "clothing", "clothes", "garments", "fashion apparel", "sportswear", "menswear", "womenswear",
    ),
    "watches": ("watch", "timepieces", "watches and clocks"),
    "cosmetics": (
        "cosmetic", "beauty", "makeup", "make up", "skincare", "skin care", "hair care", "personal care",
    ),
    "perfume": ("perfumes", "fragrance", "fragrances", "perfumery"),
    "electronics": (
        "electronic", "consumer electronics", "memory", "memory modules", "computers",
        "computer accessories", "phones", "mobile phones", "phone accessories", "audio", "headphones",
    ),
    "eyewear": ("sunglasses", "glasses", "eyeglasses", "optical", "spectacles"),
    "accessories": (
        "accessory", "fashion accessories", "jewelry", "jewellery", "imitation jewellery",
        "costume jewelry", "belts", "scarves", "hats", "headwear",
    ),
    "toys": ("toy", "toys and games", "games", "dolls"),
    "home": (
        "home goods", "homeware", "household", "home and garden", "home & garden", "home decor",
        "kitchen", "bedding", "lighting", "furniture",
    ),
    "tobacco": ("cigarettes", "cigars", "vapes", "e cigarettes", "tobacco products"),
    "pesticides": (
        "pesticide", "agrochemicals", "agrochemical", "crop protection", "herbicides", "insecticides",
    ),
    "pharmaceuticals": ("pharmaceutical", "pharma", "medicines", "medicine", "drugs"),
    "auto parts": (
        "auto part", "car parts", "automotive", "automotive parts", "vehicle parts", "auto spare parts",
    ),
}  # fmt: skip


class HSCode(NamedTuple):
    """One row of the table: an HS prefix (chapter, heading or subheading), its category and its meaning."""

    prefix: str
    category: str
    meaning: str


#: The whole table, in category order, each category's rows as written.
HS_CODES: tuple[HSCode, ...] = tuple(HSCode(p, c, m) for c in CATEGORIES for p, m in _HS[c])


def _normalise_name(name: str) -> str:
    """Category-name normalisation; mirrored by :func:`category_sql`."""
    return name.strip(" ").lower().replace("_", " ").replace("-", " ")


#: Normalised category name -> category (the categories themselves included).
SYNONYMS: Mapping[str, str] = {_normalise_name(n): c for c in CATEGORIES for n in (c, *_SYNONYMS.get(c, ()))}

# -- compiled structures for the Python path ----------------------------------------------------------------
_HS_SEPARATORS = (".", " ", "-")
_HS_BY_LENGTH: tuple[tuple[int, dict[str, str]], ...] = tuple(
    (n, {r.prefix: r.category for r in HS_CODES if len(r.prefix) == n})
    for n in sorted({len(r.prefix) for r in HS_CODES}, reverse=True)
)
# Every keyword with its category (None: other goods), longest first; ties keep table order (sort is stable).
_KEYWORD_ORDER: tuple[tuple[str, str | None], ...] = tuple(
    sorted(
        [(k, c) for c in CATEGORIES for k in KEYWORDS[c]] + [(k, None) for k in OTHER_GOODS],
        key=lambda kc: -len(kc[0]),
    )
)


def hs_category(code: str | int | None) -> str | None:
    """Category of an HS code by longest prefix (None when no prefix matches); see :func:`hs_category_sql`."""
    if code is None:
        return None
    digits = str(code)
    for sep in _HS_SEPARATORS:
        digits = digits.replace(sep, "")
    for n, table in _HS_BY_LENGTH:
        found = table.get(digits[:n])
        if found is not None:
            return found
    return None


def description_category(text: str | None) -> str | None:
    """Category a goods description names by its longest keyword; see :func:`description_category_sql`."""
    if text is None:
        return None
    padded = text[:MAX_DESCRIPTION_CHARS].lower()
    for mark in PUNCTUATION:
        padded = padded.replace(mark, " ")
    padded = f" {padded} "
    for keyword, category in _KEYWORD_ORDER:
        if keyword in padded:
            return category
    return None


def normalise_category(name: str | None) -> str | None:
    """A free-text category name (``brands.category``) as one of :data:`CATEGORIES`, or None when unknown."""
    return None if name is None else SYNONYMS.get(_normalise_name(name))


# -- SQL ----------------------------------------------------------------------------------------------------
def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _digits_sql(column: str) -> str:
    expr = f"CAST({column} AS VARCHAR)"
    for sep in _HS_SEPARATORS:
        expr = f"replace({expr}, {_literal(sep)}, '')"
    return expr


def hs_category_sql(column: str) -> str:
    """SQL expression: the category of the HS code in ``column`` by longest prefix, NULL when none matches.

    One simple CASE per prefix length, longest first, under ``coalesce``: a lookup per length rather than a
    scan of the table, and no join, so it can sit in any SELECT list.
    """
    digits = _digits_sql(column)
    cases = []
    for n, table in _HS_BY_LENGTH:
        whens = " ".join(f"WHEN {_literal(p)} THEN {_literal(c)}" for p, c in table.items())
        cases.append(f"CASE substr({digits}, 1, {n}) {whens} END")
    return f"coalesce({', '.join(cases)})"


def description_category_sql(column: str) -> str:
    """SQL expression: the category a free-text description in ``column`` names, by its longest keyword.

    A searched CASE in the longest-first order of :func:`description_category`, so the first WHEN that hits is
    the longest keyword. Portable functions only (lower, replace, ``||``, contains); the normalised text is
    spelt out in every WHEN (about 1.5-2 s per million descriptions on DuckDB), on the first
    :data:`MAX_DESCRIPTION_CHARS` characters.
    """
    text = f"lower(substr({column}, 1, {MAX_DESCRIPTION_CHARS}))"
    for mark in PUNCTUATION:
        text = f"replace({text}, {_literal(mark)}, ' ')"
    padded = f"(' ' || {text} || ' ')"
    whens = " ".join(
        f"WHEN contains({padded}, {_literal(k)}) THEN {'NULL' if c is None else _literal(c)}"
        for k, c in _KEYWORD_ORDER
    )
    return f"CASE {whens} END"


def category_sql(column: str) -> str:
    """SQL expression: the free-text category name in ``column`` through :data:`SYNONYMS`, NULL if unknown."""
    name = f"replace(replace(lower(trim({column})), '_', ' '), '-', ' ')"
    whens = " ".join(f"WHEN {_literal(n)} THEN {_literal(c)}" for n, c in SYNONYMS.items())
    return f"CASE {name} {whens} END"


def hs_table_sql() -> str:
    """SELECT of the table as a VALUES relation ``(prefix, category, meaning)``, for joins and lookups."""
    rows = ", ".join(
        f"({_literal(r.prefix)}, {_literal(r.category)}, {_literal(r.meaning)})" for r in HS_CODES
    )
    return f"SELECT prefix, category, meaning FROM (VALUES {rows}) AS hs_codes(prefix, category, meaning)"


# -- documentation ------------------------------------------------------------------------------------------
def _is_chinese(keyword: str) -> bool:
    return any(ch >= "\u2e80" for ch in keyword)


def _code(keyword: str) -> str:
    """A keyword as Markdown code; whole-word keywords keep their spaces visible inside quotes."""
    return f'`"{keyword}"`' if keyword != keyword.strip(" ") else f"`{keyword}`"


def hs_codes_markdown() -> str:
    """``docs/hs-codes.md``: the table, keywords and synonyms, from the same data the functions read."""
    marks = " ".join(f"`{m}`" for m in PUNCTUATION)
    lines = [
        "# HS codes and goods categories",
        "",
        "The counterfeit-prone goods category an HS code, a goods description or a brand's category names, for",
        "customs screening. Generated from `marketguard.features.hs_codes` by",
        "`python -m marketguard.features.hs_codes > docs/hs-codes.md` (a test keeps this page and the code in",
        "step). The SQL builders (`hs_category_sql`, `description_category_sql`, `category_sql`,",
        "`hs_table_sql`) and their Python twins (`hs_category`, `description_category`, `normalise_category`)",
        "give the same answers.",
        "",
        "- **HS code: longest prefix wins.** Dots, spaces and hyphens are removed first, so `8473.30.00` reads",
        "  as `84733000` and falls to subheading 847330; a longer prefix overrides a shorter one. No match: NULL.",
        "- **Description: longest keyword wins.** Lower-cased, punctuation read as spaces",
        f"  ({marks}), padded with a space on each side, then searched for every keyword as a",
        "  substring. The longest keyword found (in characters, spaces included) names the category; a tie goes",
        '  to the category listed first. A keyword shown in quotes with spaces (`" hat "`) matches only a whole',
        "  word. Phrases of other goods win like keywords and name no category. No keyword: NULL. Only the",
        f"  first {MAX_DESCRIPTION_CHARS} characters are read (a description is a line, not a document).",
        "- **Category name: synonyms.** Trimmed, lower-cased, `_` and `-` read as spaces, then looked up.",
        "  Unknown: NULL.",
        "",
        f"Source of the codes: {SOURCE} (meanings shortened).",
        "A code retired in 2022 resolves through its heading (940540 through 9405).",
        "",
        "## HS prefixes",
        "",
        "| category | HS prefix | meaning |",
        "|---|---|---|",
        *(f"| {r.category} | {r.prefix} | {r.meaning} |" for r in HS_CODES),
        "",
        "## Description keywords",
        "",
        "| category | English | Chinese |",
        "|---|---|---|",
    ]
    for c in CATEGORIES:
        en = ", ".join(_code(k) for k in KEYWORDS[c] if not _is_chinese(k))
        zh = ", ".join(_code(k) for k in KEYWORDS[c] if _is_chinese(k))
        lines.append(f"| {c} | {en} | {zh} |")
    synonyms = {c: ", ".join(f"`{n}`" for n, m in SYNONYMS.items() if m == c) for c in CATEGORIES}
    lines += [
        "",
        f"Phrases of other goods (no category): {', '.join(_code(k) for k in OTHER_GOODS)}.",
        "",
        "## Category synonyms",
        "",
        "| category | names read as it |",
        "|---|---|",
        *(f"| {c} | {synonyms[c]} |" for c in CATEGORIES),
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(hs_codes_markdown(), end="")
