"""``marketguard cases``: register scans in the case store, work the queue from a terminal, export decisions as
labels. The store is a SQLite file (``--db PATH``) or a database URL (``--db postgresql+psycopg://...``)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from marketguard.cases.statuses import DISMISS_REASONS, STATUSES
from marketguard.cli.terminal import console, debug_option, errors

#: The environment variable read when ``--db`` is not given.
DB_VARIABLE = "MARKETGUARD_CASES_DB"


def db_option(f: Any) -> Any:
    return click.option(
        "--db",
        envvar=DB_VARIABLE,
        help=f"Case store: a SQLite file path or a database URL (default: ${DB_VARIABLE}).",
    )(f)


def open_store(db: str | None, beside: Path | None = None) -> Any:
    from marketguard.cases import CaseStore, database_url
    from marketguard.errors import ParameterError

    if db is not None:
        return CaseStore(database_url(db))
    if beside is None:
        raise ParameterError(f"Say which case store to use: --db PATH-OR-URL, or set ${DB_VARIABLE}.")
    return CaseStore(database_url(beside.resolve().parent / "cases.sqlite"))


def _actor(by: str | None) -> str:
    return by or os.environ.get("USER") or "unknown"


@click.group()
def cases() -> None:
    """Follow networks from scan to scan as cases, record decisions, export them as labels."""


@cases.command("import")
@click.argument(
    "results", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@db_option
@debug_option
def import_(results: tuple[Path, ...], db: str | None, debug: bool) -> None:
    """Register the scans in RESULTS (oldest first) and match their networks to the cases of the scan before.

    Without --db the store is cases.sqlite beside the first RESULTS directory."""
    with errors(debug), open_store(db, results[0]) as store:
        console.print(f"case store: {store.url}", markup=False)
        for path in results:
            done = store.register_scan(path)
            if done.already:
                console.print(f"{path}: already registered as scan {done.scan_id}", markup=False)
                continue
            counts = ", ".join(f"{n} {change}" for change, n in sorted(done.changes.items()))
            console.print(f"{path}: scan {done.scan_id}, networks {counts}", markup=False)


@cases.command("list")
@db_option
@click.option("--status", type=click.Choice(STATUSES))
@click.option("--min-score", type=click.FloatRange(0, 1))
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@debug_option
def list_(
    db: str | None, status: str | None, min_score: float | None, limit: int, as_json: bool, debug: bool
) -> None:
    """The latest scan's cases, highest score first."""
    from marketguard.cases import QueueQuery

    with errors(debug), open_store(db) as store:
        rows = store.queue(QueueQuery(status=status, min_score=min_score, limit=limit)).rows
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, default=str))
        return
    table = Table("case", "network", "change", "score", "stores", "status", "assignee")
    for r in rows:
        score = "" if r["score"] is None else f"{r['score']:.4f}"
        stores = "" if r["n_stores"] is None else str(r["n_stores"])
        network = r["network_id"] or f"({r['last_network_id']})"
        change = r["change"] + (f" ({r['related_case']})" if r["related_case"] else "")
        status_text = r["status"] + (f": {r['reason']}" if r["reason"] else "")
        table.add_row(r["key"], network, change, score, stores, status_text, r["assignee"] or "")
    console.print(table)


@cases.command()
@click.argument("case")
@db_option
@debug_option
def show(case: str, db: str | None, debug: bool) -> None:
    """One case as JSON: its state, its network at every scan, notes, decisions and audit log."""
    with errors(debug), open_store(db) as store:
        click.echo(json.dumps(store.case(case), default=str, indent=2))


@cases.command()
@click.argument("case")
@click.option("--status", type=click.Choice(STATUSES), required=True)
@click.option("--reason", type=click.Choice(DISMISS_REASONS), help="Why a case is dismissed (needed then).")
@click.option("--note", help="A note recorded with the decision.")
@click.option("--by", help="Who decides (default: $USER).")
@click.option("--version", type=int, help="The case version you read: refused if it changed since.")
@db_option
@debug_option
def decide(
    case: str,
    status: str,
    reason: str | None,
    note: str | None,
    by: str | None,
    version: int | None,
    db: str | None,
    debug: bool,
) -> None:
    """Set CASE's status; the evidence it is decided on is kept with the decision."""
    with errors(debug), open_store(db) as store:
        state = store.decide(case, status, _actor(by), reason=reason, note=note, version=version)
    click.echo(f"{case}: {state['status']}" + (f" ({state['reason']})" if state["reason"] else ""))


@cases.command()
@click.argument("case")
@click.argument("assignee")
@click.option("--by", help="Who assigns (default: $USER).")
@db_option
@debug_option
def assign(case: str, assignee: str, by: str | None, db: str | None, debug: bool) -> None:
    """Give CASE to ASSIGNEE (a new case goes into review)."""
    with errors(debug), open_store(db) as store:
        state = store.assign(case, assignee, _actor(by))
    click.echo(f"{case}: {state['status']}, assigned to {assignee}")


@cases.command()
@click.argument("case")
@click.argument("text")
@click.option("--by", help="Who writes (default: $USER).")
@db_option
@debug_option
def note(case: str, text: str, by: str | None, db: str | None, debug: bool) -> None:
    """Append a note to CASE."""
    with errors(debug), open_store(db) as store:
        store.add_note(case, _actor(by), text)
    click.echo(f"{case}: note added")


@cases.command()
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Directory to write."
)
@db_option
@debug_option
def labels(out: Path, db: str | None, debug: bool) -> None:
    """Write the decisions as the contract's labels table (OUT/labels.parquet) for `marketguard train`."""
    import pyarrow.parquet as pq

    with errors(debug), open_store(db) as store:
        table = store.labels()
        out.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, out / "labels.parquet")
    n_bad = sum(1 for v in table.column("label").to_pylist() if v == 1)
    click.echo(f"{table.num_rows} store labels ({n_bad} counterfeit) written to {out / 'labels.parquet'}")
