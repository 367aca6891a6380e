"""The ``marketguard`` command: a thin edge that parses options, calls the public API and prints (the terminal
side, errors and summaries, is :mod:`marketguard.cli.terminal`).

Errors from the library are printed as plain messages (exit 3 for a dataset's structural problems, 2 for a bad command line, 1 otherwise); so are the
operating system's (a file that cannot be read or written) and, as a last resort, any other error, so that no
traceback reaches the terminal; ``--debug`` shows it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from marketguard import __version__
from marketguard.cli.cases import cases as cases_group
from marketguard.cli.serve import serve, users
from marketguard.cli.terminal import (
    Progress,
    console,
    contract_options,
    debug_option,
    errors,
    print_quarantine,
    print_scan_summary,
    settings,
    spark_options,
    write_top_case,
)
from marketguard.cli.triage import declarations, networks, sites, stores

__all__ = ["main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="marketguard")
@click.option("-v", "--verbose", is_flag=True, help="Log each step's time and what was quarantined.")
def main(verbose: bool) -> None:
    """Find the counterfeit-seller networks behind online stores."""
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("marketguard").setLevel(logging.INFO if verbose else logging.ERROR)


@main.command()
@click.option("--stores", "n_stores", type=click.IntRange(10), default=10_000, show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--difficulty",
    type=click.Choice(["easy", "normal", "hard", "adversarial"]),
    default="normal",
    show_default=True,
)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Dataset directory to write.")
@debug_option
def simulate(n_stores: int, seed: int, difficulty: str, out: Path, debug: bool) -> None:
    """Generate a marketplace with planted counterfeit networks and ground truth (OUT/truth/)."""
    from marketguard.simulate import simulate as run
    from marketguard.simulate import write_marketplace

    with errors(debug), console.status("simulating ..."):
        counts = write_marketplace(run(n_stores=n_stores, seed=seed, difficulty=difficulty), out)
    console.print(f"wrote {out}: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()), markup=False)


@main.command()
@click.argument("dataset", type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), help="Write rejected rows to OUT/quarantine/.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@spark_options
@contract_options
@debug_option
def validate(dataset: Path, out: Path | None, engine: str, debug: bool, **contract: Any) -> None:
    """Check DATASET against the data contract and report every problem."""
    from marketguard.pipeline.validate import validate_dataset

    with errors(debug):
        report = validate_dataset(dataset, out=out, engine=engine, settings=settings(**contract))
    for line in report.lines():
        console.print(line, markup=False)
    verdict = (
        f"{report.n_quarantined} rows would be quarantined" if report.n_quarantined else "no row problems"
    )
    console.print(f"valid: no structural problems; {verdict}", markup=False)


def _link_kinds(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    """``--link-kinds`` as the linker's ``kinds`` (None: its default); unknown kinds are a usage error."""
    if value is None:
        return None
    from marketguard.detect.operator_linking import COMMERCE_TABLES

    kinds = tuple(k.strip() for k in value.split(",") if k.strip())
    unknown = [k for k in kinds if k not in COMMERCE_TABLES]
    if unknown:
        raise click.BadParameter(
            f"unknown kind {', '.join(unknown)}; choose from {', '.join(COMMERCE_TABLES)}"
        )
    return kinds


@main.command()
@click.argument("dataset", type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Results directory.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@spark_options
@click.option(
    "--min-link-strength",
    type=click.FloatRange(0.0, 1.0),
    default=0.5,
    show_default=True,
    help="Account pairs whose combined shared evidence is weaker than this are not linked.",
)
@click.option(
    "--revenue-window-days",
    type=click.IntRange(1),
    default=90,
    show_default=True,
    help="Each network's revenue is also given for this many days up to the data's last order.",
)
@click.option(
    "--max-money-hops",
    type=click.IntRange(1, 10),
    default=6,
    show_default=True,
    help="How many transfers away from a network's store accounts its money is followed "
    "(six: up to four mules, the collector, its supplier).",
)
@click.option(
    "--link-kinds",
    default=None,
    callback=_link_kinds,
    help="Evidence the operator linker reads beyond logins and identities, comma-separated ('' for none), "
    "from: listing, listing_text, price_list, customer, site, payee, destination, office. Default: listing, "
    "site, payee, destination, office. listing_text (near-duplicate listings, MinHash) adds about 13 s per 100k stores.",
)
@click.option(
    "--threads",
    type=click.IntRange(1),
    default=None,
    help="DuckDB threads (default: MARKETGUARD_THREADS, which LightGBM and numba follow too, else all cores).",
)
@click.option(
    "--model",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Score stores with a model saved by 'marketguard train' (default: fit on this data's labels, "
    "or unsupervised without them).",
)
@contract_options
@debug_option
def scan(
    dataset: Path,
    out: Path,
    engine: str,
    min_link_strength: float,
    revenue_window_days: int,
    max_money_hops: int,
    link_kinds: tuple[str, ...],
    threads: int | None,
    model: Path | None,
    debug: bool,
    **contract: Any,
) -> None:
    """Validate DATASET, find networks, score reviews and stores, trace sites and money, write to OUT."""
    from marketguard.pipeline.scan import ScanConfig
    from marketguard.pipeline.scan import scan as run

    with errors(debug):
        config = ScanConfig(
            engine=engine,
            min_link_strength=min_link_strength,
            revenue_window_days=revenue_window_days,
            max_money_hops=max_money_hops,
            link_kinds=link_kinds,
            threads=threads,
            model=str(model) if model else None,
            validation=settings(**contract),
        )
        console.print(f"scanning {dataset} on {engine}", markup=False)
        result = run(dataset, out, config, progress=Progress())
    print_scan_summary(result.manifest, out)
    print_quarantine(result.validation, out)


@main.command()
@click.argument("dataset", type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Results directory.")
@click.option(
    "--networks",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="An earlier scan's networks.parquet: ties to a network weigh by its risk score.",
)
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@spark_options
@contract_options
@debug_option
def customs(
    dataset: Path, out: Path, networks: Path | None, engine: str, debug: bool, **contract: Any
) -> None:
    """Screen DATASET's export declarations alone (validate, link operators, score) into OUT."""
    import pyarrow.parquet as pq

    from marketguard.pipeline.scan import ScanConfig, screen

    console.print(f"screening the declarations of {dataset} on {engine}", markup=False)
    with errors(debug):
        config = ScanConfig(engine=engine, validation=settings(**contract))
        result = screen(dataset, out, config, networks=networks, progress=Progress())
    if not (out / "declaration_scores.parquet").is_file():
        console.print("no declarations table in the input: nothing screened", markup=False)
        return
    top = pq.read_table(out / "declaration_scores.parquet").slice(0, 10).to_pylist()
    table = Table(title="Riskiest declarations", show_lines=True)
    for col in ("declaration", "score", "network", "reasons"):
        table.add_column(col)
    for d in top:
        table.add_row(
            d["declaration_id"], f"{d['score']:.2f}", d["network_id"] or "", "\n".join(d["reasons"])
        )
    console.print(table)
    console.print(
        f"results in {out}: declaration_scores {result.manifest['outputs'].get('declaration_scores', 0):,}"
    )


@main.command()
@click.argument("dataset", type=click.Path(exists=True, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Model file.")
@click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True)
@spark_options
@click.option(
    "--signals",
    type=click.Choice(["all", "live"]),
    default="all",
    show_default=True,
    help="The signal catalogue, or the groups events keep current (a model for the live path).",
)
@click.option(
    "--min-labels",
    type=click.IntRange(2),
    default=30,
    show_default=True,
    help="Labelled stores of each outcome the model needs (fewer make its cross-fitted figures noisy).",
)
@contract_options
@debug_option
def train(
    dataset: Path, out: Path, engine: str, signals: str, min_labels: int, debug: bool, **contract: Any
) -> None:
    """Train the store risk model on DATASET's labelled stores and save it to OUT."""
    from marketguard.detect.label_bias import selection_line
    from marketguard.pipeline.train import train_model

    with errors(debug):
        summary = train_model(
            dataset, out, engine=engine, settings=settings(**contract), signals=signals, min_labels=min_labels
        )
    labels, metrics = summary["labels"], summary["metrics"]
    console.print(
        f"trained on {labels['counterfeit']:,} counterfeit and {labels['legitimate']:,} legitimate labelled "
        f"stores ({summary['features']} features); cross-fitted ROC-AUC {metrics['cross_fitted_roc_auc']:.3f}, "
        f"average precision {metrics['cross_fitted_average_precision']:.3f}",
        markup=False,
    )
    console.print(selection_line(metrics["selection"]), markup=False)
    console.print(f"wrote {out}", markup=False)


@main.command()
@click.argument("dataset", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Results directory."
)
@click.option(
    "--train-until",
    help="ISO 8601 time: train on what was known then, replay the rest (default: the middle of the logins).",
)
@click.option(
    "--threshold", type=click.FloatRange(0.0, 1.0), default=0.5, show_default=True, help="Score that alerts."
)
@click.option(
    "--min-labels",
    type=click.IntRange(2),
    default=30,
    show_default=True,
    help="Labelled stores of each outcome the model needs before the cut.",
)
@contract_options
@debug_option
def replay(
    dataset: Path,
    out: Path,
    train_until: str | None,
    threshold: float,
    min_labels: int,
    debug: bool,
    **contract: Any,
) -> None:
    """How early the live path flags counterfeit stores: train on DATASET up to a time, replay every event in
    time order through the live scorer, and write alerts.parquet and summary.json to OUT."""
    from marketguard.contract.settings import parse_time
    from marketguard.live.replay import replay as run_replay

    with errors(debug):
        summary = run_replay(
            dataset,
            out,
            train_until=parse_time(train_until, "--train-until") if train_until else None,
            threshold=threshold,
            min_labels=min_labels,
            settings=settings(**contract),
        )
    share = summary["share_flagged_before_first_sale"]
    rate = summary["honest_alert_rate"]
    console.print(
        f"replayed {summary['events']:,} events (p99 {summary['ms_per_event_p99']} ms each) after training on "
        f"data up to {summary['train_until']}; of {summary['new_counterfeit_stores']:,} counterfeit stores opened "
        f"after it ({summary['measured_on']}), "
        f"{'n/a' if share is None else f'{share:.1%}'} were flagged before their first sale "
        f"(median lead {summary['median_lead_days']} days); honest stores alerted: "
        f"{'n/a' if rate is None else f'{rate:.1%}'}; agency stores alerted: {summary['agency']['alerted']}, "
        f"grey-market: {summary['grey_market']['alerted']}",
        markup=False,
    )
    for point in summary["at_honest_alert_budget"]:
        early = point["share_flagged_before_first_sale"]
        console.print(
            f"  at most {point['honest_alert_budget']:.1%} of honest stores alerted (threshold "
            f"{point['threshold']:.4f}, picked in hindsight): "
            f"{'n/a' if early is None else f'{early:.1%}'} flagged before their first sale",
            markup=False,
        )
    console.print(f"wrote {out / 'alerts.parquet'} and {out / 'summary.json'}", markup=False)


@main.command()
@click.argument("results", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--truth", type=click.Path(exists=True, path_type=Path), help="The simulator's DATASET/truth directory."
)
@click.option(
    "--labels",
    type=click.Path(exists=True, path_type=Path),
    help="A dataset (directory or DuckDB file) or its labels file: figures over the labelled entities.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@debug_option
def evaluate(results: Path, truth: Path | None, labels: Path | None, as_json: bool, debug: bool) -> None:
    """Compare RESULTS with the simulator's ground truth (--truth) or with a dataset's labels (--labels)."""
    from marketguard.evaluate import evaluate as run
    from marketguard.evaluate import metric_lines

    if (truth is None) == (labels is None):
        raise click.UsageError("pass exactly one of --truth DATASET/truth and --labels DATASET")
    with errors(debug):
        metrics = run(results, truth, labels=labels)
    if as_json:
        click.echo(json.dumps(metrics, indent=2))
    else:
        for line in metric_lines(metrics):
            console.print(line, markup=False)


@main.command()
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--network", "network_id", required=True, help="Network id, e.g. N-U010009514.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option("--format", "fmt", type=click.Choice(["html", "json"]), default="html", show_default=True)
@debug_option
def report(results: Path, network_id: str, out: Path, fmt: str, debug: bool) -> None:
    """Write the case report of one network from RESULTS (self-contained HTML, or JSON)."""
    from marketguard.pipeline.output import check_output_file
    from marketguard.report import RENDERERS, build_case

    with errors(debug):
        check_output_file(out, "report")
        case = build_case(results, network_id)
        text = RENDERERS[fmt](case)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    click.echo(f"case report of {network_id} written to {out}")


@main.command()
@click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--network", "network_id", required=True, help="Network id, e.g. N-U010009514.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="File to write.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["graphml", "ftm"]),
    default="graphml",
    show_default=True,
    help="graphml: Gephi and link-analysis tools; ftm: FollowTheMoney entities (one JSON per line) for Aleph.",
)
@debug_option
def export(results: Path, network_id: str, out: Path, fmt: str, debug: bool) -> None:
    """Export one network's evidence graph from RESULTS for link-analysis tools."""
    from marketguard.pipeline.output import check_output_file
    from marketguard.report import RENDERERS, build_case

    with errors(debug):
        check_output_file(out, "export")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(RENDERERS[fmt](build_case(results, network_id)), encoding="utf-8")
    click.echo(f"{fmt} of {network_id} written to {out}")


@main.command()
@click.option("--stores", "n_stores", type=click.IntRange(10), default=10_000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option(
    "--difficulty",
    type=click.Choice(["easy", "normal", "hard", "adversarial"]),
    default="normal",
    show_default=True,
)
@click.option("--workdir", type=click.Path(path_type=Path), default=Path("demo"), show_default=True)
@debug_option
def demo(n_stores: int, seed: int, difficulty: str, workdir: Path, debug: bool) -> None:
    """Simulate a marketplace, scan it, evaluate, show the top networks and write the top network's case."""
    from marketguard.evaluate import evaluate as run_evaluate
    from marketguard.evaluate import metric_lines
    from marketguard.pipeline.scan import scan as run_scan
    from marketguard.simulate import simulate as run_simulate
    from marketguard.simulate import write_marketplace

    data, results = workdir / "marketplace", workdir / "results"
    with errors(debug):
        with console.status(f"simulating {n_stores:,} stores ({difficulty}, seed {seed}) ..."):
            counts = write_marketplace(
                run_simulate(n_stores=n_stores, seed=seed, difficulty=difficulty), data
            )
        console.print(
            f"1. simulated {data}: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()), markup=False
        )
        console.print(f"2. scanning into {results}", markup=False)
        result = run_scan(data, results, progress=Progress())
        print_scan_summary(result.manifest, results)
        console.print("3. evaluating against the ground truth", markup=False)
        for line in metric_lines(run_evaluate(results, data / "truth")):
            console.print(line, markup=False)
        write_top_case(results, workdir)


main.add_command(cases_group, "cases")
main.add_command(serve)
main.add_command(users)
main.add_command(networks)
main.add_command(stores)
main.add_command(declarations)
main.add_command(sites)
