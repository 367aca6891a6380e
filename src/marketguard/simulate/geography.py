"""A small hard-coded gazetteer of Chinese cities, districts and roads.

Regions of accounts, origin sites of shipments and exporter addresses are drawn from this table, so
addresses written in different ways (Chinese, abbreviated, pinyin) still refer to real-looking places with
consistent coordinates. Coordinates are approximate city centres; district offsets are synthetic. The bonded
zones (:data:`BONDED_ZONES`) are real ones, with approximate centres and roads of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = [
    "BONDED_ZONES",
    "CITIES",
    "PORTS",
    "ROADS",
    "BondedZone",
    "City",
    "bonded_cities",
    "city_arrays",
    "region_names",
]


@dataclass(frozen=True)
class City:
    """One city with its province and a few districts (Chinese and pinyin)."""

    zh: str
    py: str
    province_zh: str
    province_py: str
    lat: float
    lon: float
    weight: float
    is_hub: bool
    districts: tuple[tuple[str, str], ...]


def _c(
    zh: str,
    py: str,
    prov: tuple[str, str],
    lat: float,
    lon: float,
    weight: float,
    hub: bool,
    *districts: tuple[str, str],
) -> City:
    return City(zh, py, prov[0], prov[1], lat, lon, weight, hub, districts)


_GD = ("广东省", "Guangdong")
_FJ = ("福建省", "Fujian")
_ZJ = ("浙江省", "Zhejiang")
_JS = ("江苏省", "Jiangsu")
_SD = ("山东省", "Shandong")

#: Cities; ``weight`` is a rough population share, ``is_hub`` marks manufacturing and wholesale hubs.
CITIES: tuple[City, ...] = (
    _c(
        "北京市",
        "Beijing",
        ("北京市", "Beijing"),
        39.904,
        116.407,
        8.0,
        False,
        ("朝阳区", "Chaoyang"),
        ("海淀区", "Haidian"),
        ("丰台区", "Fengtai"),
    ),
    _c(
        "上海市",
        "Shanghai",
        ("上海市", "Shanghai"),
        31.230,
        121.474,
        8.0,
        False,
        ("浦东新区", "Pudong"),
        ("闵行区", "Minhang"),
        ("嘉定区", "Jiading"),
    ),
    _c(
        "广州市",
        "Guangzhou",
        _GD,
        23.129,
        113.264,
        6.0,
        True,
        ("白云区", "Baiyun"),
        ("番禺区", "Panyu"),
        ("天河区", "Tianhe"),
    ),
    _c(
        "深圳市",
        "Shenzhen",
        _GD,
        22.543,
        114.058,
        6.0,
        True,
        ("宝安区", "Bao'an"),
        ("龙岗区", "Longgang"),
        ("龙华区", "Longhua"),
    ),
    _c(
        "东莞市",
        "Dongguan",
        _GD,
        23.021,
        113.752,
        3.0,
        True,
        ("虎门镇", "Humen"),
        ("长安镇", "Chang'an"),
        ("厚街镇", "Houjie"),
    ),
    _c("佛山市", "Foshan", _GD, 23.022, 113.122, 3.0, True, ("南海区", "Nanhai"), ("顺德区", "Shunde")),
    _c("汕头市", "Shantou", _GD, 23.354, 116.682, 1.5, True, ("澄海区", "Chenghai"), ("潮阳区", "Chaoyang")),
    _c(
        "莆田市",
        "Putian",
        _FJ,
        25.454,
        119.008,
        1.0,
        True,
        ("荔城区", "Licheng"),
        ("城厢区", "Chengxiang"),
        ("涵江区", "Hanjiang"),
    ),
    _c(
        "泉州市",
        "Quanzhou",
        _FJ,
        24.874,
        118.676,
        2.0,
        True,
        ("晋江市", "Jinjiang"),
        ("石狮市", "Shishi"),
        ("丰泽区", "Fengze"),
    ),
    _c("厦门市", "Xiamen", _FJ, 24.480, 118.089, 2.0, False, ("思明区", "Siming"), ("湖里区", "Huli")),
    _c("福州市", "Fuzhou", _FJ, 26.074, 119.296, 2.5, False, ("鼓楼区", "Gulou"), ("仓山区", "Cangshan")),
    _c(
        "杭州市",
        "Hangzhou",
        _ZJ,
        30.274,
        120.155,
        4.5,
        False,
        ("西湖区", "Xihu"),
        ("余杭区", "Yuhang"),
        ("萧山区", "Xiaoshan"),
    ),
    _c("义乌市", "Yiwu", _ZJ, 29.306, 120.075, 1.0, True, ("稠城街道", "Choucheng"), ("北苑街道", "Beiyuan")),
    _c("宁波市", "Ningbo", _ZJ, 29.868, 121.544, 3.0, False, ("鄞州区", "Yinzhou"), ("北仑区", "Beilun")),
    _c("温州市", "Wenzhou", _ZJ, 28.000, 120.672, 3.0, True, ("鹿城区", "Lucheng"), ("瓯海区", "Ouhai")),
    _c("苏州市", "Suzhou", _JS, 31.299, 120.585, 4.5, False, ("吴中区", "Wuzhong"), ("相城区", "Xiangcheng")),
    _c("南京市", "Nanjing", _JS, 32.060, 118.797, 3.5, False, ("玄武区", "Xuanwu"), ("江宁区", "Jiangning")),
    _c("无锡市", "Wuxi", _JS, 31.491, 120.312, 2.5, False, ("梁溪区", "Liangxi"), ("滨湖区", "Binhu")),
    _c(
        "成都市",
        "Chengdu",
        ("四川省", "Sichuan"),
        30.573,
        104.066,
        6.0,
        False,
        ("武侯区", "Wuhou"),
        ("锦江区", "Jinjiang"),
        ("成华区", "Chenghua"),
    ),
    _c(
        "重庆市",
        "Chongqing",
        ("重庆市", "Chongqing"),
        29.563,
        106.551,
        6.0,
        False,
        ("渝中区", "Yuzhong"),
        ("江北区", "Jiangbei"),
    ),
    _c(
        "武汉市",
        "Wuhan",
        ("湖北省", "Hubei"),
        30.593,
        114.305,
        4.5,
        False,
        ("江汉区", "Jianghan"),
        ("洪山区", "Hongshan"),
    ),
    _c(
        "长沙市",
        "Changsha",
        ("湖南省", "Hunan"),
        28.228,
        112.939,
        3.5,
        False,
        ("岳麓区", "Yuelu"),
        ("雨花区", "Yuhua"),
    ),
    _c(
        "郑州市",
        "Zhengzhou",
        ("河南省", "Henan"),
        34.747,
        113.625,
        4.0,
        False,
        ("金水区", "Jinshui"),
        ("二七区", "Erqi"),
    ),
    _c(
        "西安市",
        "Xi'an",
        ("陕西省", "Shaanxi"),
        34.341,
        108.940,
        4.0,
        False,
        ("雁塔区", "Yanta"),
        ("未央区", "Weiyang"),
    ),
    _c(
        "天津市",
        "Tianjin",
        ("天津市", "Tianjin"),
        39.343,
        117.362,
        4.0,
        False,
        ("和平区", "Heping"),
        ("南开区", "Nankai"),
    ),
    _c("青岛市", "Qingdao", _SD, 36.067, 120.383, 3.0, False, ("市南区", "Shinan"), ("黄岛区", "Huangdao")),
    _c("济南市", "Jinan", _SD, 36.651, 117.120, 3.0, False, ("历下区", "Lixia"), ("槐荫区", "Huaiyin")),
    _c("临沂市", "Linyi", _SD, 35.104, 118.356, 2.0, True, ("兰山区", "Lanshan"), ("河东区", "Hedong")),
    _c(
        "沈阳市",
        "Shenyang",
        ("辽宁省", "Liaoning"),
        41.806,
        123.432,
        3.0,
        False,
        ("和平区", "Heping"),
        ("沈河区", "Shenhe"),
    ),
    _c(
        "合肥市",
        "Hefei",
        ("安徽省", "Anhui"),
        31.820,
        117.227,
        3.0,
        False,
        ("蜀山区", "Shushan"),
        ("包河区", "Baohe"),
    ),
)

#: Roads used in street addresses (Chinese, pinyin).
ROADS: tuple[tuple[str, str], ...] = (
    ("工业大道", "Gongye Dadao"),
    ("建设路", "Jianshe Lu"),
    ("人民路", "Renmin Lu"),
    ("中山路", "Zhongshan Lu"),
    ("解放路", "Jiefang Lu"),
    ("新华路", "Xinhua Lu"),
    ("和平路", "Heping Lu"),
    ("科技路", "Keji Lu"),
    ("创业路", "Chuangye Lu"),
    ("兴业路", "Xingye Lu"),
    ("环城路", "Huancheng Lu"),
    ("发展大道", "Fazhan Dadao"),
    ("长江路", "Changjiang Lu"),
    ("黄河路", "Huanghe Lu"),
    ("东风路", "Dongfeng Lu"),
    ("迎宾路", "Yingbin Lu"),
    ("物流大道", "Wuliu Dadao"),
    ("商贸路", "Shangmao Lu"),
    ("五金路", "Wujin Lu"),
    ("鞋都路", "Xiedu Lu"),
)

#: Export ports (UN/LOCODE).
PORTS: tuple[str, ...] = ("CNYTN", "CNNSA", "CNSHA", "CNNGB", "CNXMN", "CNTAO", "CNTXG", "CNSHK")


@dataclass(frozen=True)
class BondedZone:
    """A customs bonded zone (综合保税区, 保税港区) holding cross-border e-commerce warehouses: its city (as named
    in :data:`CITIES`), county-level district and name (Chinese, pinyin), a few of its roads, its approximate
    centre and its relative share of the warehouses (the big import hubs hold most)."""

    city: str
    district: tuple[str, str]
    name: tuple[str, str]
    roads: tuple[tuple[str, str], ...]
    lat: float
    lon: float
    weight: float


#: Bonded zones where imported goods wait, duty unpaid, for the buyer's order (cross-border e-commerce and
#: grey-market imports ship from here).
BONDED_ZONES: tuple[BondedZone, ...] = (
    BondedZone(
        "深圳市",
        ("南山区", "Nanshan"),
        ("前海综合保税区", "Qianhai Bonded Zone"),
        (("临海大道", "Linhai Dadao"), ("前湾一路", "Qianwan Yi Lu"), ("妈湾大道", "Mawan Dadao")),
        22.522,
        113.894,
        3.0,
    ),
    BondedZone(
        "上海市",
        ("浦东新区", "Pudong"),
        ("外高桥保税区", "Waigaoqiao Free Trade Zone"),
        (("基隆路", "Jilong Lu"), ("富特北路", "Fute Bei Lu"), ("日京路", "Rijing Lu")),
        31.353,
        121.593,
        3.0,
    ),
    BondedZone(
        "宁波市",
        ("北仑区", "Beilun"),
        ("梅山综合保税区", "Meishan Bonded Port Area"),
        (("梅山大道", "Meishan Dadao"), ("港城路", "Gangcheng Lu")),
        29.780,
        121.960,
        2.0,
    ),
    BondedZone(
        "广州市",
        ("南沙区", "Nansha"),
        ("南沙综合保税区", "Nansha Bonded Zone"),
        (("港前大道", "Gangqian Dadao"), ("龙穴大道", "Longxue Dadao")),
        22.700,
        113.640,
        2.5,
    ),
    BondedZone(
        "郑州市",
        ("新郑市", "Xinzheng"),
        ("新郑综合保税区", "Xinzheng Bonded Zone"),
        (("新港大道", "Xingang Dadao"), ("航兴路", "Hangxing Lu")),
        34.520,
        113.850,
        2.0,
    ),
    BondedZone(
        "杭州市",
        ("钱塘区", "Qiantang"),
        ("下沙综合保税区", "Xiasha Bonded Zone"),
        (("文泽路", "Wenze Lu"), ("学源街", "Xueyuan Jie")),
        30.305,
        120.355,
        2.0,
    ),
    BondedZone(
        "天津市",
        ("滨海新区", "Binhai"),
        ("天津港保税区", "Tianjin Port Free Trade Zone"),
        (("海滨九路", "Haibin Jiu Lu"), ("跃进路", "Yuejin Lu")),
        39.000,
        117.720,
        1.5,
    ),
    BondedZone(
        "重庆市",
        ("沙坪坝区", "Shapingba"),
        ("西永综合保税区", "Xiyong Bonded Zone"),
        (("西永大道", "Xiyong Dadao"),),
        29.590,
        106.300,
        1.0,
    ),
    BondedZone(
        "厦门市",
        ("湖里区", "Huli"),
        ("象屿保税区", "Xiangyu Free Trade Zone"),
        (("象兴四路", "Xiangxing Si Lu"), ("象屿路", "Xiangyu Lu")),
        24.510,
        118.110,
        1.0,
    ),
)


def bonded_cities() -> np.ndarray:
    """Per city code: whether a bonded zone lies in it."""
    names = {z.city for z in BONDED_ZONES}
    return np.array([c.zh in names for c in CITIES])


def city_arrays() -> dict[str, np.ndarray]:
    """Numeric city attributes as arrays indexed by city code, for vectorised sampling."""
    weight = np.array([c.weight for c in CITIES], dtype=np.float64)
    return {
        "lat": np.array([c.lat for c in CITIES]),
        "lon": np.array([c.lon for c in CITIES]),
        "weight": weight / weight.sum(),
        "is_hub": np.array([c.is_hub for c in CITIES]),
        "n_districts": np.array([len(c.districts) for c in CITIES]),
    }


def region_names() -> list[str]:
    """Region label of each city as written in account and order tables (province + city, Chinese)."""
    return [c.zh if c.province_zh == c.zh else c.province_zh + c.zh for c in CITIES]
