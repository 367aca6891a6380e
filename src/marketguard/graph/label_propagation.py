"""Connected components as iterative SQL: min-label propagation with pointer jumping.

For engines where the edge list should not be collected to one machine (Spark). Each round every node takes
the smallest label among itself and its neighbours, then jumps to its label's label; it converges in about
log(diameter) rounds. The result labels each node with the smallest node id of its component, the same
components as :func:`marketguard.graph.components.connected_components`.

Notes
-----
Each round is two joins and a group-by over the edge list: O(E) work per round, O(E log D) in all.
"""

from __future__ import annotations

from marketguard.engine.base import Backend, Step

__all__ = ["component_labels"]


def component_labels(backend: Backend, edges: str, *, max_rounds: int = 64, name: str = "cc_labels") -> str:
    """Label each node of the undirected graph ``edges`` (columns ``src``, ``dst``) with the smallest node id of
    its component; returns the name of the table ``(node, label)`` it creates."""
    backend.run(
        [
            Step(f"{name}_edges", f"SELECT src, dst FROM {edges} UNION ALL SELECT dst, src FROM {edges}"),
            Step(
                f"{name}_0",
                f"SELECT src AS node, least(src, min(dst)) AS label FROM {name}_edges GROUP BY src",
            ),
        ]
    )
    current = f"{name}_0"
    for round_ in range(1, max_rounds + 1):
        spread, jumped = f"{name}_spread", f"{name}_{round_}"
        backend.run(
            [
                Step(
                    spread,
                    f"SELECT l.node, least(min(l.label), min(n.label)) AS label FROM {current} l "
                    f"JOIN {name}_edges e ON l.node = e.src JOIN {current} n ON e.dst = n.node "
                    "GROUP BY l.node",
                ),
                Step(
                    jumped,
                    f"SELECT p.node, least(p.label, q.label) AS label FROM {spread} p "
                    f"JOIN {spread} q ON p.label = q.node",
                ),
            ]
        )
        changed = backend.scalar(
            f"SELECT count(*) AS n FROM {jumped} a JOIN {current} b ON a.node = b.node WHERE a.label <> b.label",
            f"{name} round {round_}",
        )
        backend.drop(current)
        backend.drop(spread)
        current = jumped
        if changed == 0:
            break
    else:
        raise RuntimeError(f"connected components did not converge in {max_rounds} rounds")
    backend.run(Step(name, f"SELECT node, label FROM {current}"))
    backend.drop(current)
    return name
