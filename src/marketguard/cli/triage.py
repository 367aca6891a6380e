"""``marketguard networks``, ``stores``, ``declarations`` and ``sites``: a scan's results listed, filtered and sorted in the
terminal (a table), for a spreadsheet (CSV), for a program (a JSON array) or as bare ids
(``-q``, one per line, for the shell: ``marketguard report results --network $(marketguard networks results -q
--limit 1) ...``)."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import Any

import click
import pyarrow as pa
from rich.table import Table

from marketguard.cli.terminal import console, debug_option, errors
from marketguard.report.results_dir import jsonable_row
from marketguard.report.triage import (
    DECLARATION_SORTS,
    NETWORK_SORTS,
    SITE_SORTS,
    STORE_SORTS,
    list_declarations,
    list_networks,
    list_sites,
    list_stores,
)
from marketguard.sentences import plural

__all__ = ["declarations", "networks", "sites", "stores"]

_FORMATS = ("table", "csv", "json")


def _common(sorts: dict[str, tuple[str, ...]], noun: str) -> Any:
    def decorate(f: Any) -> Any:
        for option in reversed(
            [
                click.argument("results", type=click.Path(exists=True, file_okay=False, path_type=Path)),
                click.option(
                    "--min-score", type=click.FloatRange(0, 1), help=f"Only {noun} scoring this or more."
                ),
                click.option(
                    "--sort",
                    type=click.Choice(list(sorts)),
                    default="score",
                    show_default=True,
                    help="Order.",
                ),
                click.option(
                    "--limit", type=click.IntRange(1), default=None, help=f"At most this many {noun}."
                ),
                click.option(
                    "--format", "fmt", type=click.Choice(_FORMATS), default="table", show_default=True
                ),
                click.option("-q", "--quiet", is_flag=True, help="Print the ids only, one per line."),
                debug_option,
            ]
        ):
            f = option(f)
        return f

    return decorate


@click.command()
@_common(NETWORK_SORTS, "networks")
@click.option("--brand", help="Only networks listing this brand (any case).")
def networks(results: Path, fmt: str, quiet: bool, debug: bool, **query: Any) -> None:
    """List RESULTS' operator networks, riskiest first (ties: revenue, then stores, then id)."""
    with errors(debug):
        table = list_networks(results, **query)
    _print(table, "network_id", fmt, quiet, ("score", "n_stores", "n_accounts", "revenue", "currency"))


@click.command()
@_common(STORE_SORTS, "stores")
@click.option("--network", help="Only the stores of this network.")
def stores(results: Path, fmt: str, quiet: bool, debug: bool, **query: Any) -> None:
    """List RESULTS' stores, riskiest first (ties: their network's score, then id)."""
    with errors(debug):
        table = list_stores(results, **query)
    _print(table, "store_id", fmt, quiet, ("score", "network_id", "network_score"))


@click.command()
@_common(DECLARATION_SORTS, "declarations")
@click.option("--network", help="Only the declarations tied to this network.")
def declarations(results: Path, fmt: str, quiet: bool, debug: bool, **query: Any) -> None:
    """List RESULTS' screened export declarations, riskiest first (ties: their network's score, then id)."""
    with errors(debug):
        table = list_declarations(results, **query)
    _print(table, "declaration_id", fmt, quiet, ("score", "network_id", "network_score"))


@click.command()
@_common(SITE_SORTS, "sites")
@click.option("--network", help="Only the sites of this network.")
def sites(results: Path, fmt: str, quiet: bool, debug: bool, **query: Any) -> None:
    """List the networks' ship-from sites, most likely production or stock sites first (ties: parcels, then
    network and site id)."""
    with errors(debug):
        table = list_sites(results, **query)
    _print(table, "site_id", fmt, quiet, ("network_id", "rank", "score", "n_shipments", "address_latin"))


def _print(table: pa.Table, key: str, fmt: str, quiet: bool, shown: tuple[str, ...]) -> None:
    if quiet:
        for value in table.column(key).to_pylist():
            click.echo(value)
        return
    rows = [jsonable_row(r) for r in table.to_pylist()]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(table.column_names)
        for row in rows:
            writer.writerow(["; ".join(v) if isinstance(v, list) else v for v in row.values()])
        sys.stdout.write(buffer.getvalue())
    else:
        cells = [[row[key], *(_cell(c, row[c]) for c in shown)] for row in rows]
        out = Table(key, *shown, "strongest reason")
        for j, column in enumerate(out.columns[:-1]):  # figures whole; the reason cut to the terminal's width
            column.no_wrap = True
            column.min_width = max([len(str(column.header)), *(len(r[j]) for r in cells)])
        used = (
            sum(c.min_width or 0 for c in out.columns[:-1]) + 3 * len(out.columns) + 1
        )  # cells' padding, rules
        reason = out.columns[-1]
        reason.no_wrap, reason.overflow = True, "ellipsis"
        reason.min_width = reason.max_width = max(len("strongest reason"), console.width - used)
        for row, shown_cells in zip(rows, cells, strict=True):
            reasons = row.get("reasons") or []
            out.add_row(*shown_cells, reasons[0] if reasons else "")
        console.print(out)
        console.print(plural(len(rows), key.removesuffix("_id")), markup=False)


def _cell(column: str, value: Any) -> str:
    if value is None:
        return ""
    if column.endswith("score"):
        return f"{value:.4f}"
    if column == "rank":
        return str(value)
    if isinstance(value, float | int):
        return f"{value:,.0f}"
    return str(value)
