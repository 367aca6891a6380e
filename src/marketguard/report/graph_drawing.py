"""The evidence graph as inline SVG: accounts, the artifacts they share and the stores they own.

Layout is Kamada-Kawai's (Kamada & Kawai, "An algorithm for drawing general undirected graphs", Inf. Process.
Lett. 1989): node distances on the page approach hop distances in the graph, each pair weighted by the inverse
square of its hop distance. Its energy is minimised by stress majorization (Gansner, Koren & North, "Graph
drawing by stress majorization", Graph Drawing 2004), which lowers it at every step and needs no step size,
starting from the nodes evenly on a circle in node order, with a fixed stopping rule: no random numbers, so the
same case draws the same picture on every run (Fruchterman-Reingold does not, even seeded). Readability caps: at
most :data:`MAX_ARTIFACTS` artifacts are drawn (strongest kinds first; the rest stay in the tables) and labels
are dropped for large node sets, with a caption saying so; every node keeps a hover tooltip. Artifacts of one
kind used by exactly the same accounts are one node ("4 IP addresses"): the layout would stack them anyway. An
artifact only two accounts share is drawn as a line between them in its kind's colour, not as a node: a node
would add nothing a line does not say, and hubs (artifacts of three or more accounts) stand out the more. Last,
every node is a box of its shape and its label, and overlapping boxes are pushed apart in page pixels until no
label touches another label or node (:func:`label_boxes` gives the boxes; the browser test measures them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.linalg import cho_factor, cho_solve
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components, shortest_path

from marketguard.report.evidence import KIND_LABELS, kind_rank
from marketguard.report.formatting import score
from marketguard.report.svg import colour, document, element, text_width, tooltip, truncate

Row = dict[str, Any]

MAX_ARTIFACTS = 60
MAX_ACCOUNT_LABELS = 60
MAX_STORE_LABELS = 40
_WIDTH = 900.0
_MARGIN = 70.0
_LEGEND_H = 34.0
#: Closest two node centres may come, in pixels, after the layout.
_MIN_DISTANCE = 22.0
_GAP = 6.0
#: Label font size in pixels (``svg .label`` in the stylesheet); widths are budgeted by :func:`svg.text_width`.
_LABEL_FONT = 10.5
_LEGEND_FONT = 11.0
#: A label's box, from its baseline: the ascent and descent of the font budgeted at 0.95 and 0.3 em.
_ASCENT = 0.95 * _LABEL_FONT
_DESCENT = 0.3 * _LABEL_FONT
#: Clear space kept between any two node-and-label boxes, in pixels.
_BOX_GAP = 3.0
#: Label offset from the node's edge and below its centre (the baseline), in pixels.
_LABEL_DX = 3.0
_LABEL_DY = 4.0
#: Stress majorization stops when a step lowers the stress by less than this fraction, or after this many steps.
_LAYOUT_TOLERANCE = 1e-4
_LAYOUT_STEPS = 500


@dataclass(frozen=True)
class _Node:
    type: str  # account, artifact or store
    kind: str  # colour key: the artifact kind, or the type
    label: str
    tip: str
    size: float


def _artifact_groups(artifacts: list[Row]) -> list[list[Row]]:
    """Artifacts of one kind used by exactly the same accounts, as one group (strongest first): they carry the
    same information for the picture and would otherwise be drawn on top of each other."""
    groups: dict[tuple[str, tuple[str, ...]], list[Row]] = {}
    for art in artifacts:
        groups.setdefault((art["kind"], tuple(art["accounts"])), []).append(art)
    return list(groups.values())


def _group_node(group: list[Row]) -> _Node:
    first = group[0]
    kind: str = first["kind"]
    name = KIND_LABELS.get(kind, kind)
    n_accounts = first["n_accounts"]
    if len(group) == 1:
        tip = f"{name} {first['artifact']}: shared by {n_accounts} accounts"
        return _Node(
            "artifact", kind, truncate(first["artifact"], 22), tip, 5.0 + 2.0 * math.sqrt(n_accounts)
        )
    values = ", ".join(a["artifact"] for a in group[:12]) + (", …" if len(group) > 12 else "")
    plural = name + ("es" if name.endswith("s") else "s")
    tip = f"{len(group)} {plural}, each shared by the same {n_accounts} accounts: {values}"
    return _Node("artifact", kind, f"{len(group)} {plural}", tip, 6.0 + 2.0 * math.sqrt(n_accounts))


@dataclass(frozen=True)
class _Edge:
    source: int
    target: int
    kind: str  # colour key: the artifact kind, or "store" for ownership
    weight: float
    tip: str = ""


def _pair_edges(pairs: list[Row], index: dict[str, int]) -> list[_Edge]:
    """One line per pair of accounts sharing artifacts no third account uses, in the strongest kind's colour."""
    by_pair: dict[tuple[str, str], list[Row]] = {}
    for art in pairs:
        a, b = art["accounts"]
        by_pair.setdefault((a, b), []).append(art)
    edges = []
    for (a, b), arts in by_pair.items():
        strongest = min(arts, key=lambda art: kind_rank(art["kind"]))
        shared = ", ".join(
            f"{KIND_LABELS.get(art['kind'], art['kind'])} {art['artifact']}" for art in arts[:8]
        )
        more = f" and {len(arts) - 8} more" if len(arts) > 8 else ""
        weight = max((art["weight"] or 0.0) for art in arts)
        tip = f"{a} and {b} share {shared}{more}"
        edges.append(_Edge(index["account:" + a], index["account:" + b], strongest["kind"], weight, tip))
    return edges


def _nodes_and_edges(case: dict[str, Any]) -> tuple[list[_Node], list[_Edge], list[str]]:
    """Nodes, edges and the caption lines about what was drawn differently or left out."""
    nodes: list[_Node] = []
    index: dict[str, int] = {}
    for acc in case["accounts"]:
        index["account:" + acc["account_id"]] = len(nodes)
        tip = f"account {acc['account_id']}: {len(acc['store_ids'])} store(s), {acc['n_artifacts']} shared artifact(s)"
        nodes.append(_Node("account", "account", acc["account_id"], tip, 7.0))
    pairs = [
        a
        for a in case["artifacts"]
        if len(a["accounts"]) == 2 and all("account:" + u in index for u in a["accounts"])
    ]
    paired = {a["key"] for a in pairs}
    groups = _artifact_groups([a for a in case["artifacts"] if a["key"] not in paired])
    for group in groups[:MAX_ARTIFACTS]:
        for art in group:
            index["artifact:" + art["key"]] = len(nodes)
        nodes.append(_group_node(group))
    strongest: dict[tuple[int, int], float] = {}
    for use in case["uses"]:
        target = index.get(f"artifact:{use['kind']}:{use['artifact']}")
        if target is not None:
            pair = (index["account:" + use["account_id"]], target)
            strongest[pair] = max(strongest.get(pair, 0.0), use["weight"] or 0.0)
    edges = [_Edge(a, b, nodes[b].kind, weight) for (a, b), weight in strongest.items()]
    edges += _pair_edges(pairs, index)
    for store in case["stores"]:
        owner = index.get(f"account:{store.get('account_id')}")
        if owner is None:
            continue
        index["store:" + store["store_id"]] = len(nodes)
        nodes.append(
            _Node(
                "store",
                "store",
                store["store_id"],
                f"store {store['store_id']}: score {score(store['score'])}",
                5.0,
            )
        )
        edges.append(_Edge(owner, len(nodes) - 1, "store", 0.0))
    notes = []
    if pairs:
        notes.append(
            f"{len(pairs)} artifact(s) only two accounts share are drawn as lines between them, in the kind's colour"
        )
    if sum(len(g) > 1 for g in groups[:MAX_ARTIFACTS]):
        notes.append("artifacts of one kind shared by exactly the same accounts are drawn as one node")
    if len(groups) > MAX_ARTIFACTS:
        hidden = sum(len(g) for g in groups[MAX_ARTIFACTS:])
        notes.append(
            f"{hidden} weaker artifacts not drawn (of {len(case['artifacts'])}); every one is in the evidence table"
        )
    return nodes, edges, notes


def _component_layout(hops: np.ndarray) -> np.ndarray:
    """Kamada-Kawai positions of one connected graph given its hop distances (``n x n``), in hop units.

    Stress majorization: each step solves ``L_w X = L(X_old) X_old`` for the new positions ``X``, with ``L_w``
    the Laplacian of the pair weights ``1 / hops**2`` (factorised once) and ``L(X_old)`` built from the current
    distances. O(n^2) per step, O(n^3) once for the factorisation: at most a few hundred nodes here.
    """
    n = hops.shape[0]
    if n == 1:
        return np.zeros((1, 2))
    angle = 2 * np.pi * np.arange(n) / n
    xy = 0.5 * hops.max() * np.column_stack([np.cos(angle), np.sin(angle)])
    weight = np.zeros((n, n))
    off_diagonal = ~np.eye(n, dtype=bool)
    weight[off_diagonal] = hops[off_diagonal] ** -2.0
    target = weight * hops  # the pull of each pair at unit distance
    # The weight Laplacian is singular (moving every node alike changes nothing); adding 1/n to every entry
    # makes it positive definite without changing the solution for a right-hand side summing to zero, as here.
    factor = cho_factor(np.diag(weight.sum(axis=1)) - weight + 1.0 / n)
    diagonal = np.diag_indices(n)
    stress = np.inf
    for _ in range(_LAYOUT_STEPS):
        distance = np.hypot(xy[:, 0, None] - xy[None, :, 0], xy[:, 1, None] - xy[None, :, 1])
        pull = -np.divide(target, distance, out=np.zeros((n, n)), where=distance > 1e-12)
        pull[diagonal] = -pull.sum(axis=1)
        xy = cho_solve(factor, pull @ xy)
        before, stress = stress, float((weight * np.square(distance - hops)).sum()) / 2
        if before - stress <= _LAYOUT_TOLERANCE * stress:
            break
    return xy - xy.mean(axis=0)


def _layout(n: int, edges: list[_Edge]) -> list[tuple[float, float]]:
    """Kamada-Kawai per connected component, components shelf-packed largest first: one layout of a
    disconnected graph would push the small pieces to the far corners and shrink the main one."""
    ends = np.array([(e.source, e.target) for e in edges], dtype=np.int64).reshape(-1, 2)
    graph = coo_array((np.ones(len(ends)), (ends[:, 0], ends[:, 1])), shape=(n, n)).tocsr()
    _, label = connected_components(graph, directed=False)
    members_of = [np.flatnonzero(label == c).tolist() for c in range(int(label.max()) + 1)]
    parts = sorted(members_of, key=lambda c: (-len(c), c[0]))
    boxes = []
    for members in parts:
        hops = shortest_path(graph[members][:, members], directed=False, unweighted=True)
        coords = _component_layout(hops)
        local = coords - coords.min(axis=0)
        width, height = local.max(axis=0) + 1.5
        boxes.append((members, local.tolist(), float(width), float(height)))
    row_width = max(boxes[0][2], math.sqrt(sum(w * h for _, _, w, h in boxes)) * 1.4)
    placed: list[tuple[float, float]] = [(0.0, 0.0)] * n
    x = y = row_height = 0.0
    for members, local, w, h in boxes:
        if x > 0 and x + w > row_width:
            x, y, row_height = 0.0, y + row_height, 0.0
        for node, (lx, ly) in zip(members, local, strict=True):
            placed[node] = (x + lx, y + ly)
        x, row_height = x + w, max(row_height, h)
    return placed


def _fit(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Scale the layout uniformly into the canvas width (its height follows the layout's aspect, within bounds)."""
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    dx, dy = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    inner_w = _WIDTH - 2 * _MARGIN
    inner_h = min(max(inner_w * dy / dx, 300.0), 860.0)
    s = min(inner_w / dx, inner_h / dy)
    return [((x - min(xs)) * s, (y - min(ys)) * s) for x, y in coords]


def _text_width(text: str) -> float:
    return text_width(text, _LABEL_FONT)


def _extents(nodes: list[_Node], labels: list[str]) -> np.ndarray:
    """Each node's box with its label, relative to the node's centre: ``(left, top, right, bottom)`` rows."""
    rows = []
    for node, label in zip(nodes, labels, strict=True):
        s = node.size
        right, top, bottom = s, -s, s
        if label:
            right = s + _LABEL_DX + _text_width(label)
            top, bottom = min(-s, _LABEL_DY - _ASCENT), max(s, _LABEL_DY + _DESCENT)
        rows.append((-s, top, right, bottom))
    return np.asarray(rows, dtype=float).reshape(-1, 4) + np.array([-1.0, -1.0, 1.0, 1.0]) * _BOX_GAP / 2


def _separate(coords: list[tuple[float, float]], extents: np.ndarray, steps: int = 2000) -> np.ndarray:
    """Push apart nodes whose boxes (shape and label, :func:`_extents`) overlap, in page pixels.

    Each overlapping pair moves apart along the axis of the smaller overlap, each box half the way; pairs with
    the same centre part by index. No random numbers, so the same case gives the same picture. Stops when no two
    boxes overlap (the usual end, within a few dozen steps) or after ``steps``.
    """
    xy = np.asarray(coords, dtype=float).reshape(-1, 2).copy()
    n = len(xy)
    order = np.arange(n)
    earlier = order[:, None] < order[None, :]
    for _ in range(steps):
        box = np.column_stack([xy, xy]) + extents
        over_x = np.minimum(box[:, None, 2], box[None, :, 2]) - np.maximum(box[:, None, 0], box[None, :, 0])
        over_y = np.minimum(box[:, None, 3], box[None, :, 3]) - np.maximum(box[:, None, 1], box[None, :, 1])
        hit = (over_x > 0) & (over_y > 0)
        np.fill_diagonal(hit, False)
        if not hit.any():
            break
        centre = (box[:, :2] + box[:, 2:]) / 2
        away = centre[:, None, :] - centre[None, :, :]
        side = np.where(earlier, -1.0, 1.0)
        sign_x = np.where(away[..., 0] != 0, np.sign(away[..., 0]), side)
        sign_y = np.where(away[..., 1] != 0, np.sign(away[..., 1]), side)
        along_x = over_x < over_y
        # half the overlap each, and a quarter pixel more so that touching boxes do not stall
        push_x = np.where(hit & along_x, sign_x * (over_x / 2 + 0.25), 0.0).sum(axis=1)
        push_y = np.where(hit & ~along_x, sign_y * (over_y / 2 + 0.25), 0.0).sum(axis=1)
        xy += np.column_stack([push_x, push_y])
    return xy


def _frame(xy: np.ndarray, extents: np.ndarray) -> tuple[np.ndarray, float, float]:
    """Shift the drawing inside the margins; the canvas is at least :data:`_WIDTH` wide and grows to fit."""
    box = np.column_stack([xy, xy]) + extents
    low, high = box[:, :2].min(axis=0), box[:, 2:].max(axis=0)
    width = max(_WIDTH, float(high[0] - low[0]) + 2 * _MARGIN / 2)
    offset = np.array([(width - (high[0] - low[0])) / 2 - low[0], _MARGIN / 2 - low[1]])
    return xy + offset, width, float(high[1] - low[1]) + _MARGIN


def _shape(node: _Node, x: float, y: float) -> str:
    tip = tooltip(node.tip)
    fill = colour(node.kind)
    if node.type == "account":
        return element("circle", children=tip, cx=x, cy=y, r=node.size, fill=fill, class_="node")
    if node.type == "store":
        s = node.size
        return element(
            "rect", children=tip, x=x - s, y=y - s, width=2 * s, height=2 * s, fill=fill, class_="node"
        )
    s = node.size
    points = f"{x:.1f},{y - s:.1f} {x + s:.1f},{y:.1f} {x:.1f},{y + s:.1f} {x - s:.1f},{y:.1f}"
    return element("polygon", children=tip, points=points, fill=fill, class_="node")


def _legend(nodes: list[_Node], edges: list[_Edge], top: float, width: float) -> tuple[list[str], float]:
    """The legend's swatches and names, wrapped to the canvas width; returns them and the height they take."""
    drawn = {n.kind for n in nodes if n.type == "artifact"} | {e.kind for e in edges if e.kind != "store"}
    kinds = sorted(drawn, key=kind_rank)
    entries = [("account", "account"), *[(k, KIND_LABELS.get(k, k)) for k in kinds]]
    if any(n.type == "store" for n in nodes):
        entries.append(("store", "store"))
    body, x, y = [], 12.0, top + _LEGEND_H / 2
    for kind, label in entries:
        step = 30 + text_width(label, _LEGEND_FONT)
        if x > 12.0 and x + step > width:
            x, y = 12.0, y + _LEGEND_H * 0.6
        body.append(element("circle", cx=x + 6, cy=y, r=6, fill=colour(kind), class_="node"))
        body.append(element("text", label, x=x + 16, y=y + 4, class_="legend"))
        x += step
    return body, y + _LEGEND_H / 2 - top


def _drawing(
    case: dict[str, Any],
) -> tuple[list[_Node], list[_Edge], list[str], list[str], np.ndarray, float, float]:
    """Nodes, edges, labels (empty when hidden), caption notes, node centres and the canvas size."""
    nodes, edges, notes = _nodes_and_edges(case)
    n_accounts = sum(n.type == "account" for n in nodes)
    n_stores = sum(n.type == "store" for n in nodes)
    show = {
        "account": n_accounts <= MAX_ACCOUNT_LABELS,
        "store": n_stores <= MAX_STORE_LABELS,
        "artifact": True,
    }
    for type_, limit in (("account", MAX_ACCOUNT_LABELS), ("store", MAX_STORE_LABELS)):
        if not show[type_]:
            notes.append(f"{type_} labels hidden (more than {limit} {type_}s); hover a node for its id")
    labels = [node.label if show[node.type] else "" for node in nodes]
    extents = _extents(nodes, labels)
    if not nodes:
        return nodes, edges, labels, notes, np.zeros((0, 2)), _WIDTH, 0.0
    xy = _separate(_fit(_layout(len(nodes), edges)), extents)
    xy, width, height = _frame(xy, extents)
    return nodes, edges, labels, notes, xy, width, height


def label_boxes(case: dict[str, Any]) -> list[tuple[str, str, tuple[float, float, float, float]]]:
    """Every drawn node's shape box and every label's text box, as ``(what, text, (left, top, right, bottom))``
    in the SVG's coordinates (``what`` is ``"node"`` or ``"label"``): what the no-overlap check measures."""
    nodes, _, labels, _, xy, _, _ = _drawing(case)
    boxes = []
    for node, label, (x, y) in zip(nodes, labels, xy, strict=True):
        s = node.size
        boxes.append(("node", node.label, (x - s, y - s, x + s, y + s)))
        if label:
            left, base = x + s + _LABEL_DX, y + _LABEL_DY
            boxes.append(("label", label, (left, base - _ASCENT, left + _text_width(label), base + _DESCENT)))
    return boxes


def evidence_graph_svg(case: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The SVG (``None`` when the network has no accounts to draw) and caption lines on what it omits."""
    nodes, edges, labels, notes, xy, width, height = _drawing(case)
    if not nodes:
        return None, notes
    coords = [(float(x), float(y)) for x, y in xy]
    body = []
    for edge in edges:
        (x1, y1), (x2, y2) = coords[edge.source], coords[edge.target]
        cls = "edge-store" if edge.kind == "store" else "edge"
        width_px = 0.8 + 2.4 * min(max(edge.weight, 0.0), 1.0)
        body.append(
            element(
                "line",
                children=tooltip(edge.tip) if edge.tip else "",
                x1=x1,
                y1=y1,
                x2=x2,
                y2=y2,
                stroke=colour(edge.kind),
                stroke_width=width_px,
                class_=cls,
            )
        )
    for node, (x, y) in zip(nodes, coords, strict=True):
        body.append(_shape(node, x, y))
    for node, label, (x, y) in zip(nodes, labels, coords, strict=True):
        if label:
            body.append(
                element(
                    "text",
                    label,
                    x=x + node.size + _LABEL_DX,
                    y=y + _LABEL_DY,
                    class_=f"label label-{node.type}",
                )
            )
    legend, legend_height = _legend(nodes, edges, height, width)
    body += legend
    label = "Evidence graph: accounts, shared artifacts and stores"
    return document(width, height + legend_height, body, label), notes
