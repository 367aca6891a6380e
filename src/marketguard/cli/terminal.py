"""The terminal side of the command line: the consoles, error translation (no traceback without ``--debug``),
per-stage progress, the options every dataset-reading command shares, and the summaries commands print."""

from __future__ import annotations

import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.status import Status
from rich.table import Table

from marketguard.contract import ValidationReport
from marketguard.engine import SPARK_SETTINGS
from marketguard.errors import ContractError, MarketguardError

#: Exit codes, one meaning each (documented in the README); 2, a bad command line, is click's usage error.
EXIT_FAILED, EXIT_DATA = 1, 3

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


@contextmanager
def errors(debug: bool) -> Iterator[None]:
    try:
        yield
    except MarketguardError as exc:
        if debug:
            raise
        err_console.print(f"error: {exc}", markup=False)
        sys.exit(EXIT_DATA if isinstance(exc, ContractError) else EXIT_FAILED)
    except OSError as exc:
        if debug:
            raise
        where = f" {exc.filename}" if exc.filename else ""
        err_console.print(f"error: cannot use{where}: {exc.strerror or exc}", markup=False)
        sys.exit(EXIT_FAILED)
    except Exception as exc:
        if debug:
            raise
        err_console.print(
            f"error: marketguard failed unexpectedly ({type(exc).__name__}: {exc}). Run the command again with "
            "--debug for the traceback, and please report it.",
            markup=False,
        )
        sys.exit(EXIT_FAILED)


class Progress:
    """Prints one line per scan stage (its time, peak memory and rows out), and while a stage runs a spinner with
    its name, its number among the stages and the time it has taken so far."""

    def __init__(self) -> None:
        self.status: Status | None = None
        self.started = 0.0
        self.n_stages = 0
        self._done = threading.Event()
        self._lock = threading.Lock()  # the ticking thread never updates a spinner being stopped

    def __call__(self, event: str, record: Any) -> None:
        if event == "start":
            self.n_stages += 1
            self.started = time.monotonic()
            self.status = console.status(self._running(record.name))
            self.status.start()
            self._done = threading.Event()
            self._tick(self.status, self._done, record.name)
            return
        with self._lock:
            self._done.set()
            if self.status is not None:
                self.status.stop()
                self.status = None
        if event == "skip":
            console.print(f"  - {record.name}: skipped ({record.why})", markup=False)
            return
        rows = f", {record.rows_out:,} rows" if record.rows_out is not None else ""
        notes = f" ({'; '.join(record.notes)})" if record.notes else ""
        console.print(
            f"  ✓ {record.name}: {record.seconds:.1f} s, peak {record.peak_rss_mb:,.0f} MB{rows}{notes}",
            markup=False,
        )

    def _running(self, name: str) -> str:
        return f"stage {self.n_stages}: {name} ({time.monotonic() - self.started:.0f} s)"

    def _tick(self, status: Status, done: threading.Event, name: str) -> None:
        """Refresh the spinner's elapsed time every second until the stage ends (a daemon thread)."""

        def tick() -> None:
            while not done.wait(1.0):
                with self._lock:
                    if not done.is_set():
                        status.update(self._running(name))

        threading.Thread(target=tick, name="progress", daemon=True).start()


def _debugging(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        logging.getLogger("marketguard").setLevel(logging.DEBUG)  # every SQL step's text
    return value


def debug_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--debug", is_flag=True, callback=_debugging, help="Show tracebacks and the SQL of every step."
    )(f)


def _spark_setting(key: str) -> Callable[[click.Context, click.Parameter, str | None], None]:
    def remember(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value is None:
            return
        if key == "driver_memory" and not re.fullmatch(r"[1-9][0-9]*[kmgt]?", value, re.IGNORECASE):
            raise click.BadParameter(f"{value!r} is not a JVM memory size such as 8g or 16384m", ctx, param)
        SPARK_SETTINGS[key] = value

    return remember


def spark_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """How a command started with ``--engine spark`` starts its session (also from the environment)."""
    options = [
        click.option(
            "--spark-master",
            envvar="MARKETGUARD_SPARK_MASTER",
            expose_value=False,
            callback=_spark_setting("master"),
            help="With --engine spark: the master URL (default local[*], this machine's cores).",
        ),
        click.option(
            "--spark-driver-memory",
            envvar="MARKETGUARD_SPARK_DRIVER_MEMORY",
            expose_value=False,
            callback=_spark_setting("driver_memory"),
            help="With --engine spark: the driver's heap, e.g. 8g (default 4g; in local mode the driver does "
            "all the work).",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def contract_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The validation settings every command that reads a dataset takes (see docs/data-contract.md)."""
    options = [
        click.option(
            "--vocabulary",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="TOML file mapping your platform's words to the contract's enumerated values.",
        ),
        click.option(
            "--min-time",
            default=None,
            help="Earliest plausible timestamp (ISO 8601; default 2000-01-01): earlier rows are quarantined.",
        ),
        click.option(
            "--max-time",
            default=None,
            help="Latest plausible timestamp (ISO 8601; default the end of the day after today, UTC).",
        ),
        click.option(
            "--max-length",
            multiple=True,
            metavar="TABLE.COLUMN=N",
            help="Raise or lower one text column's length limit (repeatable), e.g. reviews.text=50000.",
        ),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def settings(
    vocabulary: Path | None, min_time: str | None, max_time: str | None, max_length: tuple[str, ...]
) -> Any:
    """The :class:`ValidationSettings` the contract options ask for (raises ParameterError on a bad value)."""
    from marketguard.contract.settings import MIN_TIME, ValidationSettings, parse_lengths, parse_time
    from marketguard.contract.vocabulary import Vocabulary

    return ValidationSettings(
        min_time=parse_time(min_time, "--min-time") if min_time else MIN_TIME,
        max_time=parse_time(max_time, "--max-time") if max_time else None,
        max_lengths=parse_lengths(max_length),
        vocabulary=Vocabulary.load(vocabulary) if vocabulary else Vocabulary(),
    )


def write_top_case(results: Path, workdir: Path) -> None:
    """The case report of the highest-scored network: what an investigator opens first."""
    import pyarrow.parquet as pq

    from marketguard.report import build_case, render_html

    top = pq.read_table(results / "networks.parquet", columns=["network_id"]).slice(0, 1).to_pylist()
    if not top:
        return
    network_id = top[0]["network_id"]
    out = workdir / f"case-{network_id}.html"
    out.write_text(render_html(build_case(results, network_id)), encoding="utf-8")
    console.print(f"4. case report of the top network {network_id}: {out}", markup=False)
    console.print(
        "5. work the cases in the investigator console: `make console` (it prints a demo sign-in), "
        "then open http://127.0.0.1:8000/",
        markup=False,
    )


def print_scan_summary(manifest: dict[str, Any], out: Path) -> None:
    import pyarrow.parquet as pq

    quarantined = sum(t["rows_quarantined"] for t in manifest["inputs"].values())
    console.print(
        f"results in {out}: "
        + ", ".join(f"{k} {v:,}" for k, v in manifest["outputs"].items())
        + f"; {quarantined:,} input rows quarantined",
        markup=False,
    )
    networks = pq.read_table(out / "networks.parquet").slice(0, 5).to_pylist()
    table = Table(title="Top networks", show_lines=True)
    for col in ("network", "stores", "id docs", "score", "reasons"):
        table.add_column(col)
    for n in networks:
        table.add_row(
            n["network_id"],
            str(n["n_stores"]),
            str(n["n_id_documents"]),
            f"{n['score'] or 0:.2f}",
            "\n".join(n["reasons"]),
        )
    console.print(table)


def print_quarantine(report: ValidationReport, out: Path) -> None:
    """Per table and reason: how many rows were set aside, with example rows (they are in OUT/quarantine/)."""
    if not report.n_quarantined:
        return
    console.print(f"quarantined rows, kept in {out / 'quarantine'}:", markup=False)
    for line in report.reason_lines():
        console.print(f"  {line}", markup=False)
