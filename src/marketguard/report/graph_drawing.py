"""The evidence graph as inline SVG: accounts, the artifacts they share and the stores they own.

Layout is Kamada-Kawai's (Kamada & Kawai, "An algorithm for drawing general undirected graphs", Inf. Process.
Lett. 1989): node distances on the page approach hop distances in the graph, each pair weighted by the inverse
square of its hop distance. Its energy is minimised by stress majorization (Gansner, Koren & North, "Graph
drawing by stress majorization", Graph Drawing 2004), which lowers it at every step and needs no step size,
starting from the nodes evenly on a circle in node order, with a fixed stopping rule: no random numbers, so the
same case draws the same picture on every run (Fruchterman-Reingold does not, even seeded). Readability caps: at
most :data:`MAX_ARTIFACTS` artifacts are drawn (strongest kinds first; the rest stay in the tables) and labels
are dropped for large node sets, with a caption saying so; every node keeps a hover tooltip. Artifacts of one
kind used by exactly the same accounts are one node ("4 IP addresses"): the layout would stack them anyway.
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
from marketguard.report.svg import colour, document, element, tooltip, truncate

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


def _nodes_and_edges(
    case: dict[str, Any],
) -> tuple[list[_Node], list[tuple[int, int, str, float]], list[str]]:
    """Nodes, edges (source, target, colour kind, weight) and the caption lines about what was left out."""
    nodes: list[_Node] = []
    index: dict[str, int] = {}
    for acc in case["accounts"]:
        index["account:" + acc["account_id"]] = len(nodes)
        tip = f"account {acc['account_id']}: {len(acc['store_ids'])} store(s), {acc['n_artifacts']} shared artifact(s)"
        nodes.append(_Node("account", "account", acc["account_id"], tip, 7.0))
    groups = _artifact_groups(case["artifacts"])
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
    edges = [(a, b, nodes[b].kind, weight) for (a, b), weight in strongest.items()]
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
        edges.append((owner, len(nodes) - 1, "store", 0.0))
    notes = []
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


def _layout(n: int, edges: list[tuple[int, int, str, float]]) -> list[tuple[float, float]]:
    """Kamada-Kawai per connected component, components shelf-packed largest first: one layout of a
    disconnected graph would push the small pieces to the far corners and shrink the main one."""
    ends = np.array([(a, b) for a, b, _, _ in edges], dtype=np.int64).reshape(-1, 2)
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


def _spread(
    coords: list[tuple[float, float]], sizes: list[float], iterations: int = 80
) -> list[tuple[float, float]]:
    """Push apart nodes whose shapes would touch (their sizes plus :data:`_GAP` pixels, at least
    :data:`_MIN_DISTANCE`), deterministically: coincident nodes are first nudged in golden-angle directions by
    their index. No node hides another."""
    xy = np.asarray(coords, dtype=float)
    radius = np.asarray(sizes, dtype=float)
    min_distance = np.maximum(radius[:, None] + radius[None, :] + _GAP, _MIN_DISTANCE)
    turn = np.arange(len(xy)) * 2.399963
    xy += 0.5 * np.column_stack([np.cos(turn), np.sin(turn)])
    for _ in range(iterations):
        delta = xy[:, None, :] - xy[None, :, :]
        distance = np.hypot(delta[..., 0], delta[..., 1])
        np.fill_diagonal(distance, 1e12)
        push = np.where(
            distance < min_distance, (min_distance - distance) / (2 * np.maximum(distance, 1e-6)), 0.0
        )
        if not push.any():
            break
        xy += (delta * push[..., None]).sum(axis=1)
    return [(float(x), float(y)) for x, y in xy]


def _fit(coords: list[tuple[float, float]]) -> tuple[list[tuple[float, float]], float]:
    """Scale the layout uniformly into the canvas width; the height follows the layout's aspect."""
    xs, ys = [c[0] for c in coords], [c[1] for c in coords]
    dx, dy = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    inner_w = _WIDTH - 2 * _MARGIN
    inner_h = min(max(inner_w * dy / dx, 300.0), 860.0)
    s = min(inner_w / dx, inner_h / dy)
    ox = _MARGIN + (inner_w - dx * s) / 2
    oy = _MARGIN / 2 + (inner_h - dy * s) / 2
    return [(ox + (x - min(xs)) * s, oy + (y - min(ys)) * s) for x, y in coords], inner_h + _MARGIN


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


def _legend(nodes: list[_Node], y: float) -> list[str]:
    kinds = sorted({n.kind for n in nodes if n.type == "artifact"}, key=kind_rank)
    entries = [("account", "account"), *[(k, KIND_LABELS.get(k, k)) for k in kinds]]
    if any(n.type == "store" for n in nodes):
        entries.append(("store", "store"))
    body, x = [], 12.0
    for kind, label in entries:
        body.append(element("circle", cx=x + 6, cy=y, r=6, fill=colour(kind), class_="node"))
        body.append(element("text", label, x=x + 16, y=y + 4, class_="legend"))
        x += 30 + 6.2 * len(label)
    return body


def evidence_graph_svg(case: dict[str, Any]) -> tuple[str | None, list[str]]:
    """The SVG (``None`` when the network has no accounts to draw) and caption lines on what it omits."""
    nodes, edges, notes = _nodes_and_edges(case)
    if not nodes:
        return None, notes
    coords, _ = _fit(_layout(len(nodes), edges))
    coords, height = _fit(_spread(coords, [n.size for n in nodes]))
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
    body = []
    for a, b, kind, weight in edges:
        (x1, y1), (x2, y2) = coords[a], coords[b]
        cls = "edge-store" if kind == "store" else "edge"
        width = 0.8 + 2.4 * min(max(weight, 0.0), 1.0)
        body.append(
            element("line", x1=x1, y1=y1, x2=x2, y2=y2, stroke=colour(kind), stroke_width=width, class_=cls)
        )
    for node, (x, y) in zip(nodes, coords, strict=True):
        body.append(_shape(node, x, y))
    for node, (x, y) in zip(nodes, coords, strict=True):
        if show[node.type]:
            body.append(
                element("text", node.label, x=x + node.size + 3, y=y + 4, class_=f"label label-{node.type}")
            )
    body += _legend(nodes, height + _LEGEND_H / 2)
    return document(
        _WIDTH, height + _LEGEND_H, body, "Evidence graph: accounts, shared artifacts and stores"
    ), notes
