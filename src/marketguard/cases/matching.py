"""Which network of today's scan is which network of yesterday's: matching by the stores they hold.

A network's id is a name made by the scan (after its earliest-created account: it survives new accounts joining,
not an older one joining or a merge), so it is no key across scans: networks grow, shrink, split and merge
between scans. What persists is the stores.
A previous network and a new one are the same case when they share stores, the pairs sharing the most stores
matched first (greedy maximum overlap, one to one): a network that split keeps its case in the piece holding most
of its stores, the other pieces open new cases ("split"); networks that merged continue the case whose network
brought the most stores, the others end ("merged"). A previous network that shares no store with any new one is
"gone". Ties are broken by the previous case's key, then the new network's id, so the same two scans always match
the same way.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["CHANGES", "Match", "match_networks"]

#: What happened to a network between two scans. ``same``: the same stores; ``grown`` / ``shrunk``: stores only
#: added / only removed; ``changed``: both; ``new``: no store in any previous network; ``split``: a piece of a
#: previous network that another piece continues; ``merged``: a previous network continued by another case's;
#: ``gone``: no store of it is in any network now.
CHANGES = ("new", "same", "grown", "shrunk", "changed", "split", "merged", "gone")


@dataclass(frozen=True)
class Match:
    """One row of a matching: the previous case (None for a network new in this scan), the new network (None when
    the case's network is gone or merged), the change, the stores added and removed, and the case it relates to
    (the case a split piece came from, or the case a merged network went into)."""

    case: str | None
    network: str | None
    change: str
    added: int = 0
    removed: int = 0
    related: str | None = None


def match_networks(
    previous: Mapping[str, Iterable[str]], current: Mapping[str, Iterable[str]]
) -> list[Match]:
    """Match ``previous`` (case key -> its network's store ids in the last scan) to ``current`` (network id ->
    store ids now): one :class:`Match` per case and per new network, in the order cases, then new networks."""
    prev = {case: frozenset(stores) for case, stores in previous.items()}
    now = {network: frozenset(stores) for network, stores in current.items()}
    case_of_store = {store: case for case, stores in prev.items() for store in stores}
    overlap: Counter[tuple[str, str]] = Counter()
    for network, stores in now.items():
        for store in stores:
            case = case_of_store.get(store)
            if case is not None:
                overlap[case, network] += 1
    order = sorted(overlap.items(), key=lambda item: (-item[1], item[0][0], item[0][1]))
    taken_case: dict[str, str] = {}
    taken_network: dict[str, str] = {}
    for (case, network), _ in order:
        if case not in taken_case and network not in taken_network:
            taken_case[case] = network
            taken_network[network] = case
    # the strongest other side of each unmatched one, for its "split from" / "merged into"
    best_case: dict[str, str] = {}
    best_network: dict[str, str] = {}
    for (case, network), _ in order:
        best_case.setdefault(network, case)
        best_network.setdefault(case, network)

    out = []
    for case in sorted(prev):
        continued = taken_case.get(case)
        if continued is not None:
            added, removed = len(now[continued] - prev[case]), len(prev[case] - now[continued])
            change = (
                "same"
                if not added and not removed
                else "grown"
                if not removed
                else "shrunk"
                if not added
                else "changed"
            )
            out.append(Match(case, continued, change, added, removed))
        elif case in best_network:
            into = taken_network.get(best_network[case])
            out.append(Match(case, None, "merged", removed=len(prev[case]), related=into))
        else:
            out.append(Match(case, None, "gone", removed=len(prev[case])))
    for network in sorted(now):
        if network in taken_network:
            continue
        source = best_case.get(network)
        out.append(
            Match(None, network, "split" if source else "new", added=len(now[network]), related=source)
        )
    return out
