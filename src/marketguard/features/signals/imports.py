"""Import signals: the look of a grey-market seller, who sells genuine goods without the brand's authorisation.

Grey-market sellers are the hardest honest look-alike of a counterfeiter: branded goods well below the brand's
price, often the basic template, brands reporting them. What sets them apart is that their goods are real imports:
parcels leave bonded (free-trade) zones where imports wait for customs, titles name the version ("HK version",
港版, 水货), and buyers complain about the warranty, the manual or the plug, not about fakes. These signals are
context (direction 0): they say "genuine import", which is not a risk, and a learnt model and the grey-market
reasons read them (:mod:`marketguard.detect.grey_market`). The listings' signals are a group of their own here; the
parcels' and the reviews' are read in the passes over those tables that the logistics and review groups already
make (``share_parcels_bonded``, ``share_import_complaints``), with the words below.

The words are the trade's own, in Chinese and English (how importers, customs zones and buyers name these
things), matched in lower case; a platform with other words extends them here.
"""

from __future__ import annotations

from marketguard.engine.tables import Tables
from marketguard.features.signals.catalogue import Signal, SignalGroup

#: Bonded and free-trade zones in an address: 保税区, 综合保税区, 保税港区, 保税物流中心, 自贸区, "bonded", "FTZ".
BONDED_WORDS = ("保税", "保稅", "综保区", "自贸区", "自由贸易", "bonded", "free trade zone", "ftz")
#: A listing naming the market version of imported goods, or the parallel-import channel.
VERSION_WORDS = (
    *("港版", "国际版", "海外版", "日版", "美版", "欧版", "英版", "韩版", "水货", "平行进口", "海外直邮"),
    *("hk version", "international version", "overseas version", "japan version", "us version", "eu version"),
    *("uk version", "imported", "parallel import"),
)
#: A review about what imported goods lack: the local warranty and after-sales service, a local manual, plug or
#: voltage, the local version.
IMPORT_COMPLAINT_WORDS = (
    *("保修", "联保", "国行", "港版", "海外版", "国际版", "说明书", "插头", "转换头", "变压器", "电压"),
    *("warranty", "service center", "international version", "foreign version", "manual", "plug", "adapter"),
)


BONDED_PATTERN = "|".join(BONDED_WORDS)
VERSION_PATTERN = "|".join(VERSION_WORDS)
IMPORT_COMPLAINT_PATTERN = "|".join(IMPORT_COMPLAINT_WORDS)


def _listings_sql(tables: Tables) -> str:
    return (
        "SELECT store_id, avg(CASE WHEN regexp_matches(lower(coalesce(title, '')), "
        f"'{VERSION_PATTERN}') THEN 1 ELSE 0 END) AS share_version_titles, "
        "count(DISTINCT brand) AS n_brands FROM listings GROUP BY store_id"
    )


LISTINGS = SignalGroup(
    name="import_listings",
    meaning="listings that name the import version, and how many brands the store carries",
    tables=("stores", "listings"),
    sql=_listings_sql,
    signals=(
        Signal(
            "share_version_titles",
            "share of listing titles naming an import version or channel (港版, 水货, international version...)",
            0,
            0.0,
            says="{value:.0%} of its titles name an import version",
        ),
        Signal("n_brands", "distinct brands the store lists (importers carry many)", 0, 0.0),
    ),
)
