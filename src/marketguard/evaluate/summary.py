"""Plain-text lines for the metrics of :func:`marketguard.evaluate.evaluate`, truth or labels, so the CLI (and
anything else) only prints them: the wording of every figure lives here, next to the figures.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["fmt", "metric_lines"]


def fmt(value: Any) -> str:
    """A figure for reading: three decimals, ``n/a`` for NaN (no positives, or nothing to compare)."""
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.3f}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def metric_lines(metrics: dict[str, Any]) -> list[str]:
    """One line per figure group, then what was skipped and why, notes and warnings (prefixed ``warning:``)."""
    lines = _label_lines(metrics) if metrics.get("against") == "labels" else _truth_lines(metrics)
    lines += [f"skipped {what}: {why}" for what, why in metrics.get("skipped", {}).items()]
    lines += [f"note: {n}" for n in metrics.get("notes", [])]
    lines += [f"warning: {w}" for w in metrics.get("warnings", [])]
    return lines


def _ranking(m: dict[str, Any]) -> str:
    return (
        f"ROC-AUC {fmt(m['roc_auc'])}, average precision {fmt(m['average_precision'])}, "
        f"precision@k {fmt(m['precision_at_k'])} (k={m['k']})"
    )


def _truth_lines(metrics: dict[str, Any]) -> list[str]:
    s, networks = metrics["stores"], metrics["networks"]
    merges = ""
    if "networks_merging_any_operators" in networks:
        merges = (
            f"; {networks['networks_merging_any_operators']} hold stores of two or more true operators of any kind, "
            f"{networks['counterfeit_networks_merging_operators']} of them with counterfeit stores"
        )
    if "networks_merging_through_hubs" in networks:
        merges += (
            f"; {networks['networks_merging_through_hubs']} tie two operators through hubs alone (3PL warehouses, "
            "forwarders, proxy exits)"
        )
    lines = [
        f"stores: {_ranking(s)}, agency share of top k {fmt(s['agency_share_top_k'])}, "
        f"grey-market share {fmt(s.get('grey_market_share_top_k', 0.0))}"
        + (f"; unlabelled stores only: {_ranking(s['unlabelled'])}" if "unlabelled" in s else ""),
        f"networks: {networks['n_networks']} found; {networks['networks_merging_operators']} merge two or more "
        f"true counterfeit/agency operators{merges}",
    ]
    lines += [
        f"networks ({scope.replace('_', ' ')}): pairwise precision {fmt(m['precision'])}, "
        f"recall {fmt(m['recall'])}, F1 {fmt(m['f1'])}"
        for scope, m in networks.items()
        if isinstance(m, dict)
    ]
    if "operators" in metrics:
        o = metrics["operators"]
        lines.append(
            f"operators: {o['counterfeit_recovered']} of {o['n_counterfeit']} counterfeit operators "
            f"({fmt(o['counterfeit_recovered_share'])}) have >= {o['min_store_share']:.0%} of their stores in one "
            f"network >= {o['min_network_purity']:.0%} theirs; {o['agencies_split']} of {o['n_agencies']} agencies "
            f"split ({o['agencies_split_over_networks']} over several networks, "
            f"{o['agencies_with_stores_in_no_network']} with stores in no network), "
            f"{o['agencies_merged_with_counterfeit']} sharing a network with counterfeit stores"
        )
    if "reviews" in metrics:
        r = metrics["reviews"]
        lines.append(
            f"reviews: ROC-AUC {fmt(r['roc_auc'])}, average precision {fmt(r['average_precision'])}; "
            f"{r['farms_recovered']} of {r['n_farms']} review farms recovered as rings "
            f"(recall {fmt(r['farm_recall'])}) among {r['n_rings']} rings"
            + (
                f"; {r['ring_network_rows_true']} of {r['ring_network_rows']} ring-network rows name a farm and an "
                f"operator it served (precision {fmt(r['ring_network_precision'])}; "
                f"{fmt(r['ring_network_precision_of_farm_rings'])} over the rows of rings one farm dominates), "
                f"{r['farm_clients_found']} of {r['farm_clients_of_recovered_farms']} clients of the recovered farms "
                f"found ({r['farm_clients']} clients of all farms)"
                if "ring_network_rows" in r
                else ""
            )
        )
    if "sites" in metrics:
        t = metrics["sites"]
        lines.append(
            f"sites: {t['found']} of {t['true_sites']} counterfeit factories/warehouses among their network's "
            f"top 5 sites within 2 km (recall {fmt(t['recall'])})"
        )
    if "declarations" in metrics:
        d = metrics["declarations"]
        lines.append(
            f"declarations: {_ranking(d)}; {d['counterfeit_tied']} counterfeit and {d['legitimate_tied']} "
            "legitimate declarations tied to networks"
        )
    if "money" in metrics:
        m = metrics["money"]
        lines.append(
            f"money: collectors {m['collector']['found']} of {m['collector']['true']}, suppliers "
            f"{m['supplier']['found']} of {m['supplier']['true']} among their network's top 3 of that role "
            f"active at the time (recall {fmt(m['recall'])})"
        )
    return lines


def _label_lines(metrics: dict[str, Any]) -> list[str]:
    info = metrics["labels"]
    counts = "; ".join(
        f"{entity} " + " / ".join(f"{n:,} {outcome}" for outcome, n in c.items())
        for entity, c in info["by_entity"].items()
    )
    lines = [
        f"labels from {info['source']}: {fmt(info.get('rows_read', 0))} rows read, "
        f"{fmt(info.get('rows_quarantined', 0))} quarantined; {counts}"
    ]
    lines += [f"  {line}" for line in info.get("quarantine_lines", [])]
    if "stores" in metrics:
        s = metrics["stores"]
        lines.append(
            f"stores (labelled only): {_ranking(s)}; {fmt(s['n_counterfeit'])} counterfeit and "
            f"{fmt(s['n_legitimate'])} legitimate labelled stores ({fmt(s['n_from_accounts'])} through their "
            f"owner account), {fmt(s['n_missing'])} missing from the results"
        )
        lines.append(f"  scan: {s['note']}")
    if "networks" in metrics:
        n = metrics["networks"]
        lines.append(
            f"networks (labelled stores): {fmt(n['n_networks'])} found; {fmt(n['counterfeit_with_counterfeit_mate'])} "
            f"of {fmt(n['n_counterfeit'])} labelled counterfeit stores share a network with another "
            f"({fmt(n['counterfeit_mate_share'])}); label purity {fmt(n['label_purity'])} over "
            f"{fmt(n['networks_with_two_labelled'])} networks holding two or more labelled stores, "
            f"{fmt(n['networks_mixed'])} mixing counterfeit and legitimate labels"
        )
    if "reviews" in metrics:
        r = metrics["reviews"]
        lines.append(
            f"reviews (labelled only): {_ranking(r)}; {fmt(r['fake_in_rings'])} of {fmt(r['n_fake'])} fake and "
            f"{fmt(r['genuine_in_rings'])} of {fmt(r['n_genuine'])} genuine labelled reviews in review rings"
        )
        lines.append(f"  scan: {r['note']}")
    if "declarations" in metrics:
        d = metrics["declarations"]
        lines.append(
            f"declarations (labelled only): {_ranking(d)}; {fmt(d['counterfeit_tied'])} of "
            f"{fmt(d['n_counterfeit'])} counterfeit and {fmt(d['legitimate_tied'])} of {fmt(d['n_legitimate'])} "
            "legitimate labelled declarations tied to networks"
        )
        lines.append(f"  scan: {d['note']}")
    return lines
