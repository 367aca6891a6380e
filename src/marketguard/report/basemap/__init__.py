"""The offline basemap: Natural Earth's 1:50m country outlines (world-atlas 2.0.2, vendored unmodified with its
licence beside it). The case report draws them under its site map; the console serves the same file to its map.

TopoJSON stores each border once as an arc of quantized, delta-encoded points; a country is rings of arcs (a
negative index, ``~i``, is arc ``i`` reversed). Decoded once per process: about 100,000 points, a tenth of a
second.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

#: The vendored TopoJSON, as world-atlas publishes it.
WORLD_ATLAS = Path(__file__).parent / "world-atlas-2.0.2-countries-50m.json"

Ring = list[tuple[float, float]]  # (longitude, latitude) points, closed


@cache
def _topology() -> tuple[list[Ring], list[list[list[int]]]]:
    """Decoded arcs, and every country as polygons of rings of arc indices."""
    topo = json.loads(WORLD_ATLAS.read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    countries = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        if geometry["type"] == "Polygon":
            countries.append(geometry["arcs"])
        elif geometry["type"] == "MultiPolygon":
            countries.extend(geometry["arcs"])
    return arcs, countries


def _ring(arcs: list[Ring], indices: list[int]) -> Ring:
    points: Ring = []
    for i in indices:
        arc = arcs[i] if i >= 0 else arcs[~i][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def land(west: float, south: float, east: float, north: float) -> list[Ring]:
    """The rings (outer boundaries and holes) of every country polygon that reaches into the box: the caller
    fills them even-odd and clips them to its plot."""
    arcs, polygons = _topology()
    rings = []
    for polygon in polygons:
        outer = _ring(arcs, polygon[0])
        lons, lats = [p[0] for p in outer], [p[1] for p in outer]
        if max(lons) < west or min(lons) > east or max(lats) < south or min(lats) > north:
            continue
        rings.append(outer)
        rings.extend(_ring(arcs, hole) for hole in polygon[1:])
    return rings
