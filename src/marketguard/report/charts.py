"""The case's small figures as inline SVG: revenue by month, the ranked sites on a map, and the money trail.

Each returns ``None`` when it has nothing to draw, so the page shows a sentence instead of an empty frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from marketguard.report import basemap
from marketguard.report.formatting import amount, compact, integer, percent
from marketguard.report.svg import colour, document, element, nice_ticks, text_width, tooltip, truncate

Row = dict[str, Any]

#: Parties drawn in the money-flow diagram (the table lists all of them).
MAX_FLOW_PARTIES = 12
#: Sites labelled with their address on the map (all are numbered by rank).
MAX_SITE_LABELS = 8
#: Months with their value written on the bar (beyond, the tooltip and the table have it).
MAX_VALUE_LABELS = 24
_KM_PER_DEGREE = 111.32


@dataclass(frozen=True)
class _Frame:
    """A figure's canvas and the plot area inside its margins."""

    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float

    @property
    def plot_w(self) -> float:
        return self.width - self.left - self.right

    @property
    def plot_h(self) -> float:
        return self.height - self.top - self.bottom

    @property
    def base(self) -> float:
        return self.top + self.plot_h


def _month_index(month: str) -> int:
    year, number = month.split("-")[:2]
    return int(year) * 12 + int(number) - 1


def _filled_months(months: list[Row]) -> list[Row]:
    """Every calendar month between the first and the last, zero where the network sold nothing: a gap in
    sales is evidence too (a network pausing, or moving to new stores)."""
    by_index = {_month_index(r["month"]): r for r in months if r.get("month")}
    if not by_index:
        return []
    return [
        by_index.get(
            i, {"month": f"{i // 12:04d}-{i % 12 + 1:02d}", "revenue": 0.0, "n_orders": 0, "units": 0}
        )
        for i in range(min(by_index), max(by_index) + 1)
    ]


def _value_axis(
    frame: _Frame, ticks: list[float], y_of: Callable[[float], float], title: str = "revenue"
) -> list[str]:
    body = []
    for tick in ticks:
        y = y_of(tick)
        body.append(element("line", x1=frame.left, x2=frame.width - frame.right, y1=y, y2=y, class_="grid"))
        body.append(
            element("text", compact(tick), x=frame.left - 6, y=y + 4, class_="tick", text_anchor="end")
        )
    mid = frame.top + frame.plot_h / 2
    return [
        *body,
        element("line", x1=frame.left, x2=frame.left, y1=frame.top, y2=frame.base, class_="axis"),
        element(
            "line", x1=frame.left, x2=frame.width - frame.right, y1=frame.base, y2=frame.base, class_="axis"
        ),
        element(
            "text",
            title,
            x=12,
            y=mid,
            class_="axis-title",
            text_anchor="middle",
            transform=f"rotate(-90 12 {mid:.1f})",
        ),
    ]


def _month_bar(
    frame: _Frame,
    row: Row,
    x: float,
    slot: float,
    y_of: Callable[[float], float],
    *,
    show_value: bool,
    show_month: bool,
) -> list[str]:
    value = row["revenue"] or 0.0
    y = y_of(value)
    tip = tooltip(f"{row['month']}: revenue {amount(value)} from {integer(row['n_orders'])} orders")
    body = [element("rect", children=tip, x=x, y=y, width=slot * 0.7, height=frame.base - y, class_="bar")]
    centre = x + slot * 0.35
    if show_value and value > 0:
        body.append(element("text", compact(value), x=centre, y=y - 4, class_="value", text_anchor="middle"))
    if show_month:
        ly = frame.base + 14
        rotate = f"rotate(-40 {centre:.1f} {ly:.1f})"
        body.append(
            element("text", row["month"], x=centre, y=ly, class_="tick", text_anchor="end", transform=rotate)
        )
    return body


def revenue_chart(months: list[Row], currency: str | None = None) -> str | None:
    """Bars of revenue per month with a value axis (titled with the ``currency`` when there is one), month
    labels and the value on each bar."""
    rows = _filled_months(months)
    if not rows:
        return None
    frame = _Frame(760.0, 290.0, left=64.0, right=16.0, top=22.0, bottom=58.0)
    peak = max((r["revenue"] or 0.0) for r in rows) or 1.0
    ticks = nice_ticks(0.0, peak)
    if ticks[-1] < peak and len(ticks) > 1:  # one more round tick above the tallest bar
        ticks.append(ticks[-1] + ticks[1] - ticks[0])
    ceiling = max(ticks[-1], peak)

    def y_of(value: float) -> float:
        return frame.top + frame.plot_h * (1 - value / ceiling)

    slot = frame.plot_w / len(rows)
    every = math.ceil(len(rows) / 18)  # month labels on at most 18 bars
    body = _value_axis(frame, ticks, y_of, f"revenue ({currency})" if currency else "revenue")
    for i, row in enumerate(rows):
        x = frame.left + i * slot + slot * 0.15
        body += _month_bar(
            frame, row, x, slot, y_of, show_value=len(rows) <= MAX_VALUE_LABELS, show_month=i % every == 0
        )
    return document(frame.width, frame.height, body, "Revenue by month")


def _scale_bar_km(km_per_px: float, target_px: float) -> float:
    """The largest round length (1, 2 or 5 x a power of ten km) not longer than ``target_px`` pixels."""
    raw = km_per_px * target_px
    power = 10 ** math.floor(math.log10(raw))
    return max(m * power for m in (1, 2, 5) if m * power <= raw)


@dataclass(frozen=True)
class _Projection:
    """Equirectangular: x = longitude x cos(mean latitude), y = latitude, one scale for both (so distances read
    true near the sites), centred in the plot area."""

    frame: _Frame
    lat0: float
    lon0: float
    k: float
    scale: float

    @classmethod
    def fit(cls, frame: _Frame, lats: list[float], lons: list[float]) -> _Projection:
        k = max(math.cos(math.radians(sum(lats) / len(lats))), 0.05)
        span = max((max(lons) - min(lons)) * k, max(lats) - min(lats), 0.02)
        pad = span * 0.15
        scale = min(
            frame.plot_w / ((max(lons) - min(lons)) * k + 2 * pad),
            frame.plot_h / (max(lats) - min(lats) + 2 * pad),
        )
        return cls(frame, (max(lats) + min(lats)) / 2, (max(lons) + min(lons)) / 2, k, scale)

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        f = self.frame
        return f.left + f.plot_w / 2 + (lon - self.lon0) * self.k * self.scale, f.top + f.plot_h / 2 - (
            lat - self.lat0
        ) * self.scale

    def bounds(self) -> tuple[float, float, float, float]:
        """The plot's west, south, east and north edges in degrees."""
        f = self.frame
        half_lon, half_lat = f.plot_w / 2 / (self.k * self.scale), f.plot_h / 2 / self.scale
        return self.lon0 - half_lon, self.lat0 - half_lat, self.lon0 + half_lon, self.lat0 + half_lat

    def land(self) -> list[str]:
        """The sea, then the countries reaching into the plot (Natural Earth 1:50m, :mod:`report.basemap`) in a
        nested ``<svg>`` the size of the plot, which clips them (no ``url(#...)`` reference: the report holds no
        URL at all); points closer than half a pixel to the previous one are left out."""
        f = self.frame
        body = [element("rect", x=f.left, y=f.top, width=f.plot_w, height=f.plot_h, class_="map")]
        west, south, east, north = self.bounds()
        path = []
        for ring in basemap.land(west, south, east, north):
            last = (math.inf, math.inf)
            points = []
            for lon, lat in ring:
                x, y = self.xy(lat, lon)
                if abs(x - last[0]) + abs(y - last[1]) >= 0.5:
                    points.append(f"{x:.1f} {y:.1f}")
                    last = (x, y)
            if len(points) >= 3:
                path.append("M" + "L".join(points) + "Z")
        if path:
            view = f"{f.left:g} {f.top:g} {f.plot_w:g} {f.plot_h:g}"
            land = element("path", d="".join(path), class_="land")
            body.append(
                element(
                    "svg", children=land, x=f.left, y=f.top, width=f.plot_w, height=f.plot_h, viewBox=view
                )
            )
        return body

    def grid(self) -> list[str]:
        """Degree ticks on both axes and a scale bar in km."""
        f = self.frame
        half_lon, half_lat = f.plot_w / 2 / (self.k * self.scale), f.plot_h / 2 / self.scale
        body = []
        for lon in nice_ticks(self.lon0 - half_lon, self.lon0 + half_lon, 6):
            x = self.xy(self.lat0, lon)[0]
            body.append(element("line", x1=x, x2=x, y1=f.top, y2=f.base, class_="grid"))
            body.append(element("text", f"{lon:g}°", x=x, y=f.base + 16, class_="tick", text_anchor="middle"))
        for lat in nice_ticks(self.lat0 - half_lat, self.lat0 + half_lat, 5):
            y = self.xy(lat, self.lon0)[1]
            body.append(element("line", x1=f.left, x2=f.left + f.plot_w, y1=y, y2=y, class_="grid"))
            body.append(element("text", f"{lat:g}°", x=f.left - 6, y=y + 4, class_="tick", text_anchor="end"))
        km = _scale_bar_km(_KM_PER_DEGREE / self.scale, f.plot_w / 4)
        bar, sx, sy = km / _KM_PER_DEGREE * self.scale, f.left + 14, f.base - 14
        body.append(
            element("path", d=f"M{sx:.1f} {sy - 5:.1f}V{sy:.1f}H{sx + bar:.1f}V{sy - 5:.1f}", class_="scale")
        )
        body.append(
            element("text", f"{km:g} km", x=sx + bar / 2, y=sy - 8, class_="tick", text_anchor="middle")
        )
        return body


def _site_mark(site: Row, x: float, y: float, also: list[int], right_edge: float) -> list[str]:
    r = 6 + 12 * math.sqrt(max(site.get("share") or 0.0, 0.0))
    tip = f"#{site['rank']} {site['address']}: {integer(site['n_shipments'])} parcels ({percent(site['share'])})"
    body = [
        element("circle", children=tooltip(tip), cx=x, cy=y, r=r, class_="site", fill=colour("site")),
        element("text", str(site["rank"]), x=x, y=y + 4, class_="site-rank", text_anchor="middle"),
    ]
    if (site["rank"] or MAX_SITE_LABELS + 1) <= MAX_SITE_LABELS:
        label = truncate(str(site.get("address_latin") or site["address"]), 40) + (
            f" (also #{', #'.join(map(str, also))})" if also else ""
        )
        if x + r + 4 + text_width(label, _LABEL_FONT) <= right_edge:
            body.append(element("text", label, x=x + r + 4, y=y + 4, class_="label"))
        else:  # it would run past the plot: put it on the mark's left
            body.append(element("text", label, x=x - r - 4, y=y + 4, class_="label", text_anchor="end"))
    return body


def _merge_close(points: list[tuple[Row, float, float]]) -> list[tuple[Row, float, float, list[int]]]:
    """Sites within :data:`_SITE_MERGE_PX` of a better-ranked one join its mark (same building, or the same
    place written differently): their numbers and labels would otherwise print over each other."""
    marks: list[tuple[Row, float, float, list[int]]] = []
    for site, x, y in sorted(points, key=lambda p: p[0]["rank"] or 0):
        near = next((m for m in marks if math.hypot(m[1] - x, m[2] - y) < _SITE_MERGE_PX), None)
        if near is None:
            marks.append((site, x, y, []))
        else:
            near[3].append(site["rank"])
    return marks


_SITE_MERGE_PX = 10.0
#: The site labels' font size in pixels (``svg .label`` in the stylesheet).
_LABEL_FONT = 10.5


def _site_panel(
    frame: _Frame, points: list[Row]
) -> tuple[list[str], list[tuple[Row, float, float, list[int]]]]:
    """One map of ``points`` fitted to ``frame``: sea, land, grid, scale bar and the numbered marks."""
    projection = _Projection.fit(frame, [p["lat"] for p in points], [p["lon"] for p in points])
    body = projection.land() + projection.grid()
    marks = _merge_close([(s, *projection.xy(s["lat"], s["lon"])) for s in points])
    for site, x, y, also in reversed(marks):  # rank 1 drawn last, on top
        body += _site_mark(site, x, y, also, frame.left + frame.plot_w)
    return body, marks


def site_map(sites: list[Row]) -> str | None:
    """Sites with coordinates on an equirectangular plot over the countries' outlines, numbered by rank, area by
    share of parcels. When the overview prints sites on one mark (a factory and its warehouse in one city seen at
    a country's scale), a close-up of the best-ranked such mark follows below it, fitted to those sites alone."""
    points = [s for s in sites if s.get("lat") is not None and s.get("lon") is not None]
    if not points:
        return None
    overview = _Frame(760.0, 440.0, left=62.0, right=20.0, top=16.0, bottom=46.0)
    body, marks = _site_panel(overview, points)
    height = overview.height
    crowded = next((m for m in marks if m[3]), None)
    if crowded is not None:
        ranks = {crowded[0]["rank"], *crowded[3]}
        closeup = _Frame(760.0, height + 24.0 + 380.0, left=62.0, right=20.0, top=height + 24.0, bottom=46.0)
        more, resolved = _site_panel(closeup, [s for s in points if s["rank"] in ranks])
        if len(resolved) > 1:  # sites at one place stay one mark: a close-up would show nothing new
            title = f"Close-up of #{', #'.join(str(r) for r in sorted(ranks))}, one mark above"
            body.append(element("text", title, x=overview.left, y=height + 14, class_="axis-title"))
            body += more
            height = closeup.height
    return document(overview.width, height, body, "Ranked sites, latitude and longitude")


def _party_row(party: Row, trunk: tuple[float, float], x: float, y: float) -> tuple[str, list[str]]:
    """An elbow from ``trunk`` (the network, or the party that paid it) to the party's box, as thick as its
    share; and the box with rank, role, amount."""
    (tx, ty), (box_w, box_h) = trunk, _PARTY_BOX
    stroke = 1.5 + 16 * max(party.get("share") or 0.0, 0.0)
    detail = f"{party.get('role') or 'party'} · {compact(party['amount'])} · {percent(party.get('share'))}"
    path = party.get("via")
    through = f", via {' → '.join(path)}" if path else ""
    tip = tooltip(
        f"{party['party']}: {amount(party['amount'])} at {integer(party.get('hops'))} hop(s){through}"
    )
    edge = element(
        "path", children=tip, d=f"M{tx:.1f} {ty:.1f}V{y:.1f}H{x:.1f}", class_="flow", stroke_width=stroke
    )
    return edge, [
        element("rect", x=x, y=y - box_h / 2, width=box_w, height=box_h, rx=4, class_="flow-party"),
        element(
            "text", f"#{party['rank']} {truncate(str(party['party']), 26)}", x=x + 8, y=y - 3, class_="label"
        ),
        element("text", detail, x=x + 8, y=y + 13, class_="tick"),
    ]


_PARTY_BOX = (230.0, 40.0)


def money_flow(money: list[Row], network_id: str) -> str | None:
    """The network at the top left; one row per party (nearest hops first), its box indented by its hops from
    the network's accounts and joined by an elbow as thick as its share of the money traced to whoever paid it:
    the party drawn above it that its main path last passed through (a collector paying a supplier), else the
    network. Edges are drawn beneath the boxes; the whole path is in each party's tooltip and the table
    (``via``)."""
    parties = sorted(money[:MAX_FLOW_PARTIES], key=lambda p: (p.get("hops") or 0, p["rank"] or 0))
    if not parties:
        return None
    hops = sorted({p.get("hops") or 0 for p in parties})
    width, top, net_w, net_h, row_h = 760.0, 28.0, 150.0, 40.0, 50.0
    first_x = 12.0 + net_w + 30
    step = min(200.0, (width - 12 - _PARTY_BOX[0] - first_x) / max(len(hops) - 1, 1))
    column = {h: first_x + i * step for i, h in enumerate(hops)}
    rows_top = top + net_h + 12
    height = rows_top + len(parties) * row_h + 4
    body = [
        element(
            "text",
            f"{h} hop{'s' if h != 1 else ''}",
            x=column[h] + _PARTY_BOX[0] / 2,
            y=18,
            class_="axis-title",
            text_anchor="middle",
        )
        for h in hops
    ]
    trunk = (12.0 + net_w / 2, top + net_h)
    placed: dict[str, tuple[float, float]] = {}
    edges, boxes = [], []
    for j, party in enumerate(parties):
        x, y = column[party.get("hops") or 0], rows_top + j * row_h + _PARTY_BOX[1] / 2
        payer = placed.get((party.get("via") or [None])[-1])
        start = trunk if payer is None or payer[0] >= x else (x - 10, payer[1] + _PARTY_BOX[1] / 2)
        edge, box = _party_row(party, start, x, y)
        edges.append(edge)
        boxes += box
        placed[str(party["party"])] = (x, y)
    body += edges + boxes
    body += [
        element("rect", x=12.0, y=top, width=net_w, height=net_h, rx=6, class_="flow-network"),
        element(
            "text",
            truncate(network_id, 20),
            x=12.0 + net_w / 2,
            y=top + net_h / 2 + 4,
            class_="flow-network-label",
            text_anchor="middle",
        ),
    ]
    return document(width, height, body, "Money trail from the network's accounts")
