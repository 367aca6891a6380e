"""A case: everything the results say about one network, as plain JSON-able data.

The case is the single source for every output (HTML, JSON, GraphML), so the three can never disagree, and an
analyst can diff two scans' cases as JSON. Nothing here recomputes a score: it selects, orders and sums rows the
scan wrote.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from marketguard.pipeline.results import FLAGGED_SCORE, NETWORK_SHARED_WORDS
from marketguard.report.evidence import artifact_uses, network_accounts, shared_artifacts
from marketguard.report.money_trail import main_chain
from marketguard.report.results_dir import ResultsDir, Row, UnknownNetworkError
from marketguard.sentences import noun, plural

#: Months summed for the recent-revenue figure when the scan wrote no revenue window.
RECENT_MONTHS = 3


#: Optional results: the input table they are traced from, and what a case lacks without them.
_OPTIONAL: dict[str, tuple[str, str]] = {
    "sites": ("shipments", "sites not traced"),
    "money": ("transfers", "money trail not traced"),
    "declaration_scores": ("declarations", "export declarations not screened"),
    "network_revenue": ("orders", "revenue by month not available"),
}


def build_case(results: Path | ResultsDir, network_id: str) -> dict[str, Any]:
    """The case of ``network_id`` read from the results directory ``results`` (a path, or a reader of one).

    Raises
    ------
    UnknownNetworkError
        The network is not in the results; the message lists a few valid ids.
    ResultsDirError
        ``results`` is not a scan's results directory.
    """
    rd = results if isinstance(results, ResultsDir) else ResultsDir(results)
    network = _network_row(rd, network_id)
    notes: list[str] = []
    manifest = rd.manifest()
    links = sorted(
        rd.read("links", network_id) or [],
        key=lambda r: (-(r["weight"] or 0.0), r["account_a"], r["account_b"], r["kind"], r["artifact"]),
    )
    stores = sorted(rd.read("store_scores", network_id) or [], key=_store_order)
    uses = artifact_uses(links)
    accounts = network_accounts(links, stores, uses)
    months = sorted(
        _optional(rd, "network_revenue", network_id, manifest, notes) or [], key=lambda r: r["month"]
    )
    sites = _ranked(_optional(rd, "sites", network_id, manifest, notes))
    money = _ranked(_optional(rd, "money", network_id, manifest, notes))
    declarations = _ranked(_optional(rd, "declaration_scores", network_id, manifest, notes))
    rings = _review_rings(rd, network_id, notes)
    listings = _listings(rd, network_id, stores)
    notes += _coverage_notes(network, accounts, stores)
    return {
        "network_id": network_id,
        "score": network["score"],
        "verdict": verdict(network),
        "reasons": list(network["reasons"] or []),
        "summary": _summary(network),
        "recent_revenue": _recent_revenue(rd, network, months),
        "revenue_by_month": [
            {k: r.get(k) for k in ("month", "revenue", "currency", "n_orders", "units")} for r in months
        ],
        "accounts": accounts,
        "artifacts": shared_artifacts(links, uses),
        "uses": uses,
        "links": [{k: v for k, v in r.items() if k != "network_id"} for r in links],
        "stores": [{k: v for k, v in r.items() if k != "network_id"} for r in stores],
        "sites": sites,
        "money": money,
        "money_chain": main_chain(money),
        "declarations": declarations,
        "review_rings": rings,
        "listings": listings,
        "notes": notes,
        "scan": _scan_facts(rd.path, manifest),
    }


def verdict(network: Row) -> dict[str, str]:
    """One line that says what the score means for this network: ``level`` (high, low) and ``text``.

    A linked network of stores that do not look counterfeit is what e-commerce agencies, families and shared
    offices are; the line says so, naming what ties the accounts, rather than calling every network a
    counterfeit seller."""
    score = network["score"] or 0.0
    stores = network.get("n_stores") or 0
    if score >= FLAGGED_SCORE:
        return {
            "level": "high",
            "text": f"High risk (score {score:.2f}): flagged as a counterfeit-seller network, "
            f"{plural(stores, 'store')} run by one operator; the reasons and the evidence below say why.",
        }
    ties = [
        plural(network[column], word) for column, word in NETWORK_SHARED_WORDS.items() if network.get(column)
    ][:3]
    tied = f" by {', '.join(ties)}" if ties else ""
    office = bool(network.get("n_shared_offices"))
    look = (
        "an e-commerce agency or a shared office (an office's place and purse)"
        if office or stores >= 10
        else "a family, a household or a small shop team"
    )
    return {
        "level": "low",
        "text": f"Low risk (score {score:.2f}): {plural(stores, 'store')} whose listings, prices and customers do "
        f"not look counterfeit, linked{tied}: this looks like {look}, not a counterfeit-seller network.",
    }


def render_json(case: dict[str, Any]) -> str:
    """The case as indented JSON (what ``marketguard report --format json`` writes)."""
    return json.dumps(case, indent=2, ensure_ascii=False) + "\n"


def _network_row(rd: ResultsDir, network_id: str) -> Row:
    rows = rd.read("networks", network_id) or []
    if rows:
        return rows[0]
    ids = rd.column("networks", "network_id")
    scores = rd.column("networks", "score")
    known = [] if ids is None else ids.to_pylist()
    ranked = sorted(
        zip(known, [None] * len(known) if scores is None else scores.to_pylist(), strict=True),
        key=lambda p: (-(p[1] or 0.0), p[0]),
    )
    valid = ", ".join(str(i) for i, _ in ranked[:5]) or "none (the scan found no networks)"
    close = difflib.get_close_matches(network_id, known, n=1)
    hint = f" Did you mean {close[0]}?" if close else ""
    raise UnknownNetworkError(
        f"Network {network_id!r} is not in the results at {rd.path} ({len(known)} networks).{hint} "
        f"Valid ids include: {valid} (highest scored first). "
        "Fix: pass a network_id from the scan's summary or from networks.parquet."
    )


def _store_order(row: Row) -> tuple[Any, ...]:
    rank = row["rank"] if row["rank"] is not None else float("inf")
    return (rank, -(row["score"] or 0.0), row["store_id"])


def _ranked(rows: list[Row] | None) -> list[Row] | None:
    if rows is None:
        return None
    ordered = sorted(rows, key=lambda r: (r["rank"] if r["rank"] is not None else float("inf"),))
    return [{k: v for k, v in r.items() if k != "network_id"} for r in ordered]


def _optional(
    rd: ResultsDir, name: str, network_id: str, manifest: dict[str, Any], notes: list[str]
) -> list[Row] | None:
    """Rows of an optional result; a note says why a case lacks it (input missing, old scan, nothing traced)."""
    source, lacking = _OPTIONAL[name]
    rows = rd.read(name, network_id)
    if rows is None:
        if source in (manifest.get("missing_optional_tables") or []):
            notes.append(f"no {source} in the input: {lacking}")
        else:
            notes.append(f"the results have no {name} table (a scan from before it was written): {lacking}")
    elif not rows:
        notes.append(f"no {name.replace('_', ' ')} rows for this network in the results: {lacking}")
    return rows


def _review_rings(rd: ResultsDir, network_id: str, notes: list[str]) -> list[Row] | None:
    """The review rings whose members reviewed the network's stores (``ring_networks``), most reviews first,
    each with the ring's own size and evidence (``review_rings``); None when the scan wrote no such table."""
    rows = rd.read("ring_networks", network_id)
    if rows is None:
        if rd.has("review_scores"):
            notes.append("the results have no ring_networks table (a scan from before it was written)")
        return None
    serving = sorted({r["ring_id"] for r in rows})
    rings = (
        {r["ring_id"]: r for r in rd.read_where("review_rings", "ring_id", serving) or []} if serving else {}
    )
    out = []
    for row in sorted(rows, key=lambda r: (-r["n_reviews"], r["ring_id"])):
        ring = rings.get(row["ring_id"], {})
        out.append(
            {k: v for k, v in row.items() if k != "network_id"}
            | {
                "ring_reviewers": ring.get("n_reviewers"),
                "ring_density": ring.get("density"),
                "ring_evidence": ring.get("evidence"),
            }
        )
    return out


def _listings(rd: ResultsDir, network_id: str, stores: list[Row]) -> list[Row] | None:
    """The network's branded listings (``network_listings``), store by store in the case's store order, the
    cheapest against the brand's reference first; None when the scan wrote no such table."""
    rows = rd.read("network_listings", network_id)
    if rows is None:
        return None
    position = {s["store_id"]: i for i, s in enumerate(stores)}
    rows.sort(
        key=lambda r: (
            position.get(r["store_id"], len(position)),
            r["price_ratio"] if r["price_ratio"] is not None else float("inf"),
            r["listing_id"],
        )
    )
    return [{k: v for k, v in r.items() if k != "network_id"} for r in rows]


def _summary(network: Row) -> dict[str, Any]:
    keys = (
        "n_accounts",
        "n_stores",
        "n_id_documents",
        "revenue",
        "currency",
        "n_orders",
        "first_seen",
        "last_seen",
    )
    shared = [
        {
            "column": column,
            "label": noun(network[column], word),
            "count": network[column],
        }
        for column, word in NETWORK_SHARED_WORDS.items()
        if network.get(column)
    ]
    return {**{k: network.get(k) for k in keys}, "shared": shared}


def _month_index(month: str) -> int:
    year, number = month.split("-")[:2]
    return int(year) * 12 + int(number) - 1


def _month_name(index: int) -> str:
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def _recent_revenue(rd: ResultsDir, network: Row, months: list[Row]) -> dict[str, Any] | None:
    """The figure investigators quote: the scan's revenue window if it wrote one, else the last
    ``RECENT_MONTHS`` calendar months of the data (ending at the latest month of any network)."""
    if network.get("revenue_window") is not None and network.get("window_days"):
        end = network.get("window_end")
        return {
            "revenue": network["revenue_window"],
            "n_orders": network.get("n_orders_window"),
            "basis": "window",
            "period": f"last {network['window_days']} days" + (f" to {end[:10]}" if end else ""),
        }
    all_months = rd.column("network_revenue", "month")
    present = [m for m in ([] if all_months is None else all_months.to_pylist()) if m]
    if not present:
        return None
    last = max(_month_index(m) for m in present)
    first = last - RECENT_MONTHS + 1
    recent = [r for r in months if first <= _month_index(r["month"]) <= last]
    return {
        "revenue": round(sum(r["revenue"] or 0.0 for r in recent), 2),
        "n_orders": sum(r["n_orders"] or 0 for r in recent),
        "basis": "months",
        "period": f"last {RECENT_MONTHS} months of the data ({_month_name(first)} to {_month_name(last)})",
    }


def _coverage_notes(network: Row, accounts: list[Row], stores: list[Row]) -> list[str]:
    notes = []
    unseen = (network.get("n_accounts") or 0) - len(accounts)
    if unseen > 0:
        notes.append(f"{unseen} of the network's accounts have no link rows and own no store: not drawn")
    if stores and not any(s.get("account_id") for s in stores):
        notes.append("store_scores has no owner accounts (an older scan): stores are not tied to accounts")
    return notes


def _scan_facts(path: Path, manifest: dict[str, Any]) -> dict[str, Any]:
    stages = manifest.get("stages") or []
    seconds = sum(float(s.get("seconds") or 0.0) for s in stages if isinstance(s, dict))
    return {
        "results": str(path),
        "written_at": manifest.get("written_at"),
        "engine": manifest.get("engine"),
        "version": manifest.get("version"),
        "dataset": manifest.get("dataset"),
        "seconds": round(seconds, 3) if stages else None,
        "outputs": manifest.get("outputs") or {},
        "missing_optional_tables": manifest.get("missing_optional_tables") or [],
    }
