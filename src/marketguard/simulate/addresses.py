"""Writing one physical site's address in the several ways real shipping labels do.

Variants of one site: the canonical Chinese form; abbreviated without province and without the 市/区
suffixes; full-width digits; floor/room noise ("3楼301室", "3F-301"); a Latin/pinyin form; and a colloquial
form naming the building type. Matching sites from free-text addresses has to see through all of these.
A site in a bonded zone names the zone between its district and its road, as such labels do.
"""

from __future__ import annotations

import numpy as np

from .geography import CITIES, ROADS, City

__all__ = ["N_VARIANTS", "address_forms", "site_addresses", "site_coordinates"]

N_VARIANTS = 7
_FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
#: The building type named by the colloquial form, per site kind (factory, warehouse, shop, bonded warehouse).
_KIND_ZH = ("厂房", "仓库", "档口", "保税仓")
_SUFFIXES = ("街道", "市", "区", "镇")


def _short(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _variants(
    city: int, district: int, road: int, number: int, building: int, floor: int, room: int, kind: int
) -> list[str]:
    c = CITIES[city]
    return address_forms(c, c.districts[district], ROADS[road], (number, building, floor, room), kind)


def address_forms(
    c: City,
    district: tuple[str, str],
    road: tuple[str, str],
    place: tuple[int, int, int, int],
    kind: int,
    zone: tuple[str, str] = ("", ""),
) -> list[str]:
    """The ``N_VARIANTS`` written forms of one site, canonical first: ``place`` is (house number, building (-1:
    none), floor, room), ``kind`` a site kind (:data:`_KIND_ZH`), ``zone`` a zone named between district and
    road (Chinese, pinyin; empty: none)."""
    number, building, floor, room = place
    d_zh, d_py = district
    r_zh, r_py = road
    z_zh, z_py = zone
    bld = f"{chr(65 + building)}栋" if building >= 0 else ""
    prov = "" if c.province_zh == c.zh else c.province_zh
    canonical = f"{prov}{c.zh}{d_zh}{z_zh}{r_zh}{number}号{bld}"
    pinyin = f"No.{number} {r_py}, " + (f"{z_py}, " if z_py else "") + f"{d_py}, {c.py}"
    pinyin += "" if not prov else f", {c.province_py}"
    return [
        canonical,
        f"{_short(c.zh)}{_short(d_zh)}{z_zh}{r_zh}{number}号{bld}",
        canonical.translate(_FULL_WIDTH),
        f"{canonical}{floor}楼{room}室",
        f"{c.zh}{d_zh}{r_zh}{number}号 {floor}F-{room}",
        pinyin,
        f"{_short(c.zh)}{d_zh}{r_zh}{number}号{_KIND_ZH[kind]}",
    ]


def site_addresses(
    rng: np.random.Generator, city: np.ndarray, kind: np.ndarray
) -> tuple[list[str], np.ndarray]:
    """All variants of every site (``N_VARIANTS`` per site, canonical first) and each site's district."""
    n = city.size
    n_d = np.array([len(c.districts) for c in CITIES])[city]
    district = (rng.random(n) * n_d).astype(np.int64)
    road = rng.integers(0, len(ROADS), n)
    number = rng.integers(1, 999, n)
    building = np.where(rng.random(n) < 0.4, rng.integers(0, 6, n), -1)
    floor = rng.integers(1, 13, n)
    room = floor * 100 + rng.integers(1, 21, n)
    out: list[str] = []
    for row in zip(
        city.tolist(),
        district.tolist(),
        road.tolist(),
        number.tolist(),
        building.tolist(),
        floor.tolist(),
        room.tolist(),
        kind.tolist(),
        strict=True,
    ):
        out.extend(_variants(*row))
    return out, district


def site_coordinates(
    rng: np.random.Generator, city: np.ndarray, district: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Site coordinates: city centre, a fixed offset per district (~5-15 km), a site offset (~2 km)."""
    lat0 = np.array([c.lat for c in CITIES])[city]
    lon0 = np.array([c.lon for c in CITIES])[city]
    angle = (city * 2.399 + district * 2.1) % (2 * np.pi)
    dist_km = 5 + 4 * district
    lat = lat0 + dist_km / 111.0 * np.sin(angle) + rng.normal(0, 2 / 111.0, city.size)
    lon = (
        lon0
        + dist_km / (111.0 * np.cos(np.radians(lat0))) * np.cos(angle)
        + rng.normal(0, 2 / 111.0, city.size)
    )
    return lat, lon
