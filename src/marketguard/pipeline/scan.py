"""``scan(dataset, out)``: validate, link operators, score reviews and stores, summarise networks, trace their
sites and money, write the results.

The results directory holds Parquet tables (``store_scores``, ``networks``, ``links``; ``review_scores``,
``reviewer_scores``, ``review_rings``, ``network_revenue``, ``sites`` and ``money`` when the input has the
tables for them), ``quarantine/`` with rejected input rows, and ``manifest.json`` describing inputs, quarantine
counts and every stage.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from marketguard import __version__
from marketguard.contract import ValidationReport, validate
from marketguard.contract.settings import ValidationSettings
from marketguard.contract.vocabulary import PLATFORM, SETTLEMENT
from marketguard.detect.customs import CustomsScreener
from marketguard.detect.operator_linking import OperatorLinker, evidence_by_kind
from marketguard.detect.review_fraud import ReviewFraudDetector
from marketguard.detect.ring_clients import ring_networks_sql
from marketguard.detect.store_risk import StoreRiskModel
from marketguard.engine import Backend, Tables, make_backend
from marketguard.errors import ResultsError
from marketguard.features import trace_inputs
from marketguard.features.networks import (
    ENVIRONMENT_COUNTS,
    SHARED_WORDS,
    network_brands_sql,
    network_listings_sql,
    network_summary_sql,
)
from marketguard.features.signals.catalogue import MissingSignal
from marketguard.pipeline.output import ResultsDir
from marketguard.pipeline.results import RESULT_SCHEMAS, write_result
from marketguard.pipeline.stages import ProgressCallback, StageLog
from marketguard.sentences import compact_amount, in_currency, plural
from marketguard.trace.money import follow_money
from marketguard.trace.money_ledger import Ledger, fetch_ledger
from marketguard.trace.revenue import revenue_steps
from marketguard.trace.sites import trace_sites

log = logging.getLogger(__name__)

RESULT_TABLES = tuple(RESULT_SCHEMAS)


@dataclass(frozen=True)
class ScanConfig:
    """Settings of a scan; each is also a CLI option."""

    engine: str = "duckdb"
    min_link_strength: float = 0.5
    young_account_days: int = 30
    threads: int | None = None
    memory_limit: str | None = None
    model: str | None = None  # a store risk model saved by ``marketguard train``; None: fit on this data
    revenue_window_days: int = 90
    max_money_hops: int = 6  # follow_money's default: four mule layers, the collector, its supplier
    link_kinds: tuple[str, ...] | None = None  # the linker's evidence kinds beyond logins and identities
    validation: ValidationSettings = field(default_factory=ValidationSettings)


@dataclass
class ScanResult:
    """Where the results went, what the manifest says, and the validation report."""

    out: Path
    manifest: dict[str, Any]
    validation: ValidationReport


def scan(
    dataset: Path | str,
    out: Path | str,
    config: ScanConfig | None = None,
    *,
    progress: ProgressCallback | None = None,
    backend: Backend | None = None,
) -> ScanResult:
    """Run the whole scan on ``dataset`` and write the results directory ``out``.

    ``out`` is checked before any work and replaced whole at the end (see :mod:`marketguard.pipeline.output`):
    it never mixes two runs' tables, and a failed run leaves it as it was.

    Raises :class:`~marketguard.errors.ContractError` (nothing written) on structural problems, and
    :class:`~marketguard.errors.OutputError` (before any work) when ``out`` cannot be written.
    """
    config = config or ScanConfig()
    dataset, out = Path(dataset), Path(out)
    owned = backend is None
    staged = ResultsDir(out)
    engine = _backend(config) if backend is None else backend
    stages = StageLog(progress, lambda: engine.rows_fetched)
    try:
        with staged:
            tables, report = _validate(stages, engine, dataset, staged.path, config.validation)
            results = _detect(tables, config, stages)
            manifest = _write(stages, staged, _manifest(dataset, config, engine, report), results)
        return ScanResult(out, manifest, report)
    finally:
        if owned:
            engine.close()


def screen(
    dataset: Path | str,
    out: Path | str,
    config: ScanConfig | None = None,
    *,
    networks: Path | str | None = None,
    progress: ProgressCallback | None = None,
) -> ScanResult:
    """Customs screening alone: validate, link operators, score the declarations, write ``declaration_scores``.

    Ties to a network weigh by its risk score, read from ``networks`` (an earlier scan's ``networks.parquet``)
    when given; without it every network counts as :data:`~marketguard.detect.customs.UNSCORED_NETWORK`.
    """
    config = config or ScanConfig()
    dataset, out = Path(dataset), Path(out)
    staged = ResultsDir(out)
    scores = read_network_scores(Path(networks)) if networks else None
    with _backend(config) as backend, staged:
        stages = StageLog(progress, lambda: backend.rows_fetched)
        tables, report = _validate(stages, backend, dataset, staged.path, config.validation)
        with stages.stage("link") as st:
            st.rows_out = (
                OperatorLinker(min_link_strength=config.min_link_strength).fit(tables).assignments_.num_rows
            )
        results = screen_declarations(tables, stages, scores)
        manifest = _write(stages, staged, _manifest(dataset, config, backend, report), results)
    return ScanResult(out, manifest, report)


def read_network_scores(path: Path) -> pa.Table:
    """``network_id, score`` from an earlier scan's ``networks.parquet``, or a clear error naming the file."""
    try:
        schema = pq.read_schema(path)
    except Exception as exc:
        raise ResultsError(
            f"{path} is not a Parquet file ({exc}); pass an earlier scan's networks.parquet"
        ) from exc
    missing = [c for c in ("network_id", "score", "n_stores", "n_accounts") if c not in schema.names]
    if missing:
        raise ResultsError(
            f"{path} has no column {', '.join(missing)}: it is not a scan's networks.parquet "
            f"(its columns: {', '.join(schema.names[:8])})"
        )
    return pq.read_table(path, columns=["network_id", "score"])


def load_screener(
    dataset: Path | str, results: Path | str | None = None, config: ScanConfig | None = None
) -> CustomsScreener:
    """A fitted :class:`~marketguard.detect.customs.CustomsScreener` for real-time checks
    (``screener.score_one(declaration)``): ``dataset`` validated and linked, ties weighed by the network scores
    of the scan in ``results`` when given. The engine is closed on return: scoring one declaration needs none.
    """
    config = config or ScanConfig()
    scores = read_network_scores(Path(results) / "networks.parquet") if results else None
    with _backend(config) as backend:
        tables, _ = validate(backend, Path(dataset), settings=config.validation)
        OperatorLinker(min_link_strength=config.min_link_strength).fit(tables)
        return CustomsScreener().fit(tables, network_scores=scores)


def _backend(config: ScanConfig) -> Backend:
    """The engine a config asks for (DuckDB's threads and memory limit when set)."""
    if config.engine == "duckdb":
        return make_backend("duckdb", threads=config.threads, memory_limit=config.memory_limit)
    return make_backend(config.engine)


def _validate(
    stages: StageLog, backend: Backend, dataset: Path, out: Path, settings: ValidationSettings
) -> tuple[Tables, ValidationReport]:
    """The validate stage: rejected rows to ``out/quarantine``; its notes carry the vocabulary's warnings."""
    with stages.stage("validate") as st:
        tables, report = validate(backend, dataset, quarantine_dir=out / "quarantine", settings=settings)
        st.rows_out = sum(t.rows_accepted for t in report.tables.values())
        st.notes = [f"{report.n_quarantined} rows quarantined"] if report.n_quarantined else []
        st.notes += report.vocabulary.lines()
    return tables, report


def _write(
    stages: StageLog, staged: ResultsDir, manifest: dict[str, Any], results: dict[str, pa.Table]
) -> dict[str, Any]:
    """The write stage: every result table and the manifest into the staging directory, then swapped in."""
    with stages.stage("write") as st:
        st.rows_out = sum(write_result(staged.path, name, table) for name, table in results.items())
    manifest |= {"stages": stages.to_list(), "outputs": {n: t.num_rows for n, t in results.items()}}
    (staged.path / "manifest.json").write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    staged.commit()
    return manifest


def _detect(tables: Tables, config: ScanConfig, stages: StageLog) -> dict[str, pa.Table]:
    with stages.stage("link") as st:
        linker = OperatorLinker(min_link_strength=config.min_link_strength, kinds=config.link_kinds).fit(
            tables
        )
        linker.release(tables)
        st.rows_out = linker.assignments_.num_rows
        st.details = {"kinds_read": list(linker.kinds_)} | evidence_by_kind(
            linker.links_, config.min_link_strength
        )
        st.notes = [
            f"{linker.hubs_.num_rows} hub artifacts (shared by too many accounts) not linked through",
            _kind_note(st.details),
        ]
    reviews = _score_reviews(tables, stages)
    with stages.stage("score_stores") as st:
        risk = (StoreRiskModel.load(config.model) if config.model else StoreRiskModel()).fit(tables)
        how = (
            f"{risk.mode_} scoring: LightGBM on {len(risk.feature_names_)} features"
            if risk.mode_ in ("supervised", "saved")
            else f"unsupervised scoring on {len(risk.used_)} signals"
        )
        st.notes = [how, *_skipped_signals(risk.missing_)]
        store_scores = _store_scores(risk.score(tables), risk.explain(tables), risk.signals_)
        st.rows_out = store_scores.num_rows
    with stages.stage("networks") as st:
        tables.backend.register_arrow("store_scores_in", store_scores.select(["store_id", "score"]))
        with_revenue = tables.has("orders", "listings")
        per_network: dict[str, pa.Table] = {}  # the tables the stage writes beside networks
        if with_revenue:
            tables.run(revenue_steps(config.revenue_window_days))
            per_network["network_revenue"] = tables.fetch(
                "SELECT * FROM network_revenue ORDER BY network_id, month", "fetch network revenue"
            )
        else:
            st.notes = ["revenue skipped: needs orders and listings"]
        tables.run(network_summary_sql(with_revenue, config.revenue_window_days))
        networks = _networks(tables.fetch("SELECT * FROM network_summary", "fetch network summary"))
        st.rows_out = networks.num_rows
        if tables.has("listings"):
            tables.run(network_brands_sql(tables.has("authorized_sellers")))
            per_network["network_brands"] = tables.fetch(
                "SELECT * FROM network_brands ORDER BY network_id, n_listings DESC, brand",
                "fetch network brands",
            )
            tables.run(network_listings_sql(tables.has("brands"), tables.has("authorized_sellers")))
            per_network["network_listings"] = tables.fetch(
                "SELECT * FROM network_listings "
                "ORDER BY network_id, store_id, price_ratio NULLS LAST, listing_id",
                "fetch network listings",
            )
    ledger, linker.ledger_ = linker.ledger_, None  # the money trail's from here, freed once it is followed
    traced = _trace(tables, config, stages, ledger)
    screened = screen_declarations(tables, stages, networks.select(["network_id", "score"]))
    return {
        "store_scores": store_scores,
        "networks": networks,
        "links": linker.links_,
        **reviews,
        **per_network,
        **traced,
        **screened,
    }


def _kind_note(details: dict[str, Any]) -> str:
    """The linked pairs by evidence kind, as a line."""
    kinds = ", ".join(f"{kind} {n:,}" for kind, n in details["pairs_by_kind"].items()) or "none"
    decided = ", ".join(f"{kind} {n:,}" for kind, n in details["decisive_by_kind"].items()) or "none"
    return (
        f"{details['pairs']:,} linked account pairs; by evidence kind: {kinds}; "
        f"linked only with the kind's evidence: {decided}; "
        f"{details['pairs_without_environment']:,} tied with no shared device, Wi-Fi router or IP"
    )


def screen_declarations(
    tables: Tables, stages: StageLog, network_scores: pa.Table | None = None
) -> dict[str, pa.Table]:
    """``declaration_scores`` when the input has declarations: scores, the tied network, reasons."""
    if not tables.has("declarations"):
        stages.skip("screen_declarations", "no declarations table")
        return {}
    with stages.stage("screen_declarations") as st:
        screener = CustomsScreener().fit(tables, network_scores=network_scores)
        scored = screener.score(tables).append_column("network_id", screener.network_ids())
        table = _ranked_with_reasons(scored, screener.explain(tables), "declaration_id")
        st.rows_out = table.num_rows
        st.notes = [
            f"{screener.mode_} scoring on {len(screener.available_)} signals; "
            f"{pc.sum(pc.is_valid(scored.column('network_id'))).as_py() or 0} declarations tied to networks",
            *_skipped_signals(screener.missing_),
        ]
    return {"declaration_scores": table}


def _trace(
    tables: Tables, config: ScanConfig, stages: StageLog, ledger: Ledger | None
) -> dict[str, pa.Table]:
    """Sites from the networks' shipments and the money trail from their settlement accounts, when the input
    has the tables for them. ``ledger``: the one the linker read for its money evidence, if it did."""
    out: dict[str, pa.Table] = {}
    # money first: the ledger is then let go before the shipments are read (a few hundred MB at 100k stores)
    if tables.has("transfers"):
        with stages.stage("trace_money") as st:
            seeds = tables.fetch(trace_inputs.SETTLEMENT_ACCOUNTS, "fetch settlement accounts")
            ledger = ledger if ledger is not None else fetch_ledger(tables)
            out["money"] = follow_money(ledger, seeds, max_hops=config.max_money_hops)
            del ledger
            st.rows_out = out["money"].num_rows
            if tables.lacks_value("transfers.kind", SETTLEMENT) and tables.lacks_value(
                "transfers.party", PLATFORM
            ):
                st.notes = [
                    f"no settlement recognised (no transfers.kind = '{SETTLEMENT}', no party '{PLATFORM}'): "
                    "store accounts are the owners' accounts.bank_account only; map your platform's words "
                    "with --vocabulary"
                ]
    else:
        stages.skip("trace_money", "needs transfers")
    if tables.has("shipments", "orders", "listings"):
        with stages.stage("trace_sites") as st:
            shipments = tables.fetch(trace_inputs.SHIPMENTS, "fetch shipments for sites")
            out["sites"] = trace_sites(shipments)
            st.rows_out = out["sites"].num_rows
    else:
        stages.skip("trace_sites", "needs shipments, orders and listings")
    return out


#: Reviews scoring at least this get their reasons written (the rest are read less, and there are many).
REVIEW_REASONS_FROM = 0.5


def _score_reviews(tables: Tables, stages: StageLog) -> dict[str, pa.Table]:
    """Review rings and scores, when the input has reviews (before store risk, whose review_fraud signals
    read them)."""
    if not tables.has("reviews"):
        stages.skip("score_reviews", "no reviews table")
        return {}
    with stages.stage("score_reviews") as st:
        detector = ReviewFraudDetector().fit(tables)
        scores = detector.score(tables)
        flagged = scores.filter(pc.greater_equal(scores.column("score"), REVIEW_REASONS_FROM))
        evidence = detector.explain(tables, flagged.column("review_id").to_pylist())
        review_scores = _ranked_with_reasons(
            scores.append_column("ring_id", detector.features_.column("ring_id")), evidence, "review_id"
        )
        st.rows_out = review_scores.num_rows
        tables.run(ring_networks_sql())
        ring_networks = tables.fetch(
            "SELECT * FROM ring_networks ORDER BY ring_id, n_reviews DESC, network_id", "rings' networks"
        )
        served = len(set(ring_networks.column("network_id").to_pylist()))
        st.notes = [
            f"{detector.mode_} scoring on {len(detector.feature_names_ if detector.mode_ == 'supervised' else detector.used_)} "
            f"signals; {detector.rings_.num_rows} review rings, serving {served} networks",
            *_skipped_signals(detector.missing_),
        ]
    return {
        "review_scores": review_scores,
        "reviewer_scores": detector.reviewer_scores_,
        "review_rings": detector.rings_,
        "ring_networks": ring_networks,
    }


def _ranked_with_reasons(scores: pa.Table, evidence: pa.Table, key: str) -> pa.Table:
    """``scores`` sorted most suspicious first (ties by ``key``), with a rank and reasons strongest first."""
    grouped = evidence.group_by(key, use_threads=False).aggregate([("detail", "list")])
    position = pc.index_in(scores.column(key), value_set=grouped.column(key))
    reasons = pc.take(grouped.column("detail_list"), position)
    empty = pa.array([[]] * scores.num_rows, pa.list_(pa.string()))
    table = scores.append_column("reasons", pc.if_else(pc.is_null(reasons), empty, reasons)).sort_by(
        [("score", "descending"), (key, "ascending")]
    )
    rank = pa.array(np.arange(1, table.num_rows + 1, dtype=np.int64))
    return table.add_column(2, "rank", rank)


def _skipped_signals(missing: list[MissingSignal]) -> list[str]:
    """One note per set of missing tables, naming the signals it leaves out."""
    by_need: dict[tuple[str, ...], list[str]] = {}
    for m in missing:
        by_need.setdefault(m.tables, []).append(m.signal)
    return [
        f"{len(names)} signals skipped ({', '.join(names)}): need {', '.join(need)}"
        for need, names in by_need.items()
    ]


def _store_scores(scores: pa.Table, evidence: pa.Table, signals: pa.Table) -> pa.Table:
    """Scores with rank (1 = most suspicious, ties by store_id), network and reasons strongest first.

    ``scores`` and ``signals`` are row-aligned (the detector scores its ``signals_`` in order).
    """
    table = pa.table(
        {
            "store_id": signals.column("store_id"),
            "account_id": signals.column("account_id"),
            "score": scores.column("score"),
            "network_id": signals.column("network_id"),
        }
    )
    return _ranked_with_reasons(table, evidence, "store_id")


def _networks(summary: pa.Table) -> pa.Table:
    rows = sorted(summary.to_pylist(), key=lambda r: (-(r["score"] or 0.0), -r["n_stores"], r["network_id"]))
    for r in rows:
        r["reasons"] = network_reasons(r)
    schema = RESULT_SCHEMAS["networks"]
    return pa.Table.from_pylist([{c: r[c] for c in schema.names} for r in rows], schema=schema)


def network_reasons(r: dict[str, Any]) -> list[str]:
    """Plain-language reasons for one network, strongest tell first."""
    shared = [plural(r[col], word) for col, word in SHARED_WORDS.items() if r.get(col)]
    listed = (
        ", ".join(shared[:-1]) + (" and " if len(shared) > 1 else "") + shared[-1] if shared else "nothing"
    )
    hidden = shared and not any(r.get(col) for col in ENVIRONMENT_COUNTS)
    out = [
        f"{plural(r['n_stores'], 'store')} opened with {plural(r['n_id_documents'], 'different identity document')}"
        f" share {listed}" + ("; no shared device, Wi-Fi router or IP" if hidden else "")
    ]
    if r["n_accounts"] > r["n_stores"]:
        out.append(f"{plural(r['n_accounts'], 'account')} in all, including non-store accounts")
    if r.get("revenue"):
        total = in_currency(f"{r['revenue']:,.0f}", r.get("currency"))
        out.append(f"revenue {total} from {plural(r['n_orders'], 'order')}")
    if r.get("revenue_window"):
        recent = (
            "all of it"
            if r["revenue_window"] >= (r["revenue"] or 0)
            else in_currency(compact_amount(r["revenue_window"]), r.get("currency"))
        )
        out.append(f"{recent} in the last {r['window_days']} days of the data")
    return out


def _manifest(
    dataset: Path, config: ScanConfig, backend: Backend, report: ValidationReport
) -> dict[str, Any]:
    """What the manifest says of the run; :func:`_write` adds the stages and outputs once they are done."""
    validation = report.to_dict()
    settings = {k: v for k, v in asdict(config).items() if k != "validation"}
    return {
        "version": __version__,
        "engine": backend.name,
        "dataset": str(dataset),
        "config": {**settings, "validation": validation["settings"]},
        "vocabulary": validation["vocabulary"],
        "inputs": validation["inputs"],
        "missing_optional_tables": validation["missing_optional"],
        "quarantine": validation["quarantine"],
    }
