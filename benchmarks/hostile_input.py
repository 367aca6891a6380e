"""Benchmark: what one over-long value costs a scan, stage by stage (issue 14, "No size limits").

A small marketplace is simulated and written, then copied once per case with ONE value made long: a
shipment's ``origin_address``, a declaration's ``description``, ``exporter_address`` and ``exporter`` (name), a
review's ``text`` (``--chars``, 1 MB by default), and ids of ``--id-chars`` (100k by default): a ``review_id``,
a ``listing_id`` and an ``account_id`` (renamed in every table that references them, so the rows stay joined),
and an account's ``phone`` (renamed wherever the same phone is written: shipments' ``sender_phone``,
declarations' ``exporter_phone``). The rows chosen are busy ones (the most common address, description and
exporter, the listing and the reviewer with most reviews), so the long value meets the algorithms that group,
join and compare. Each long value comes in three flavours: ``repeat``, the row's own value written over and
over (a paste or concatenation bug); ``noise``, seeded random text of the value's own characters, letters,
digits, spaces and punctuation, then the value; ``padded``, zeros then the value (a fixed-width export).

Every scan (:func:`marketguard.pipeline.scan.scan`) runs in a fresh process on one thread (DuckDB's threads and
OpenMP's: threads waiting on a shared machine would count as CPU time), stopped after ``--timeout`` seconds;
first a warm-up scan and ``--repeats`` baseline scans of the unmodified copy (the fastest per stage
kept). Printed per case: the extra seconds of every stage over the baseline and in total (stage seconds
summed), in CPU time of the scan's process (what the value costs; wall-clock differences on a shared machine
are mostly other work) and in wall-clock time, the stage a stopped scan was stuck in, and the rows quarantined
(a value the data contract rejects never reaches the algorithms: by default (``--limits raised``) every text
column's length limit is lifted so that it does; ``--limits contract`` keeps the contract's limits, which
quarantine the long value). The bar: at most 1 s extra in total, and no stage's
time jumping. Then the real-time path: ``CustomsScreener.score_one`` (fitted on the unmodified copy) on one
declaration with a long ``description``, ``exporter_address``, ``exporter`` or ``exporter_phone``, against the
same declaration as written (CPU milliseconds; the customs issue's latency bar is 5 ms).

    python benchmarks/hostile_input.py [--stores 2000] [--chars 1000000] [--id-chars 100000] [--cases ...]
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from common import market_parser, peak_mb
from marketguard.contract.settings import ValidationSettings
from marketguard.contract.spec import LABEL_TARGETS, TABLES, Kind
from marketguard.pipeline.scan import ScanConfig, load_screener, scan
from marketguard.pipeline.stages import StageRecord
from marketguard.simulate import simulate, write_marketplace

#: Extra scan seconds one long value may cost (issue 14's bar).
BAR_SECONDS = 1.0
FLAVOURS = ("repeat", "noise", "padded")
_PUNCTUATION = list(" ,.;:-()#/，。、")


#: Every text column's length limit, lifted past any value this benchmark writes.
_NO_LIMITS = {
    f"{t.name}.{c.name}": 1 << 30
    for t in TABLES.values()
    for c in t.columns
    if c.kind in (Kind.STRING, Kind.IP)
}


def main() -> None:
    parser = market_parser(__doc__, stores=2_000)
    parser.add_argument("--chars", type=int, default=1_000_000, help="length of a long text value")
    parser.add_argument("--id-chars", type=int, default=100_000, help="length of a long id")
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument(
        "--score-one", nargs="*", default=list(REAL_TIME), choices=list(REAL_TIME), help="real-time columns"
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a scan is stopped")
    parser.add_argument("--repeats", type=int, default=2, help="baseline scans (fastest per stage kept)")
    parser.add_argument("--flavours", nargs="*", default=list(FLAVOURS), choices=FLAVOURS)
    parser.add_argument(
        "--limits",
        choices=("raised", "contract"),
        default="raised",
        help="raised (default): every text column's length limit lifted, so the long value reaches the "
        "algorithms; contract: the contract's limits, which quarantine it",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hostile-") as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        write_marketplace(simulate(args.stores, args.seed, args.difficulty), root / "market")
        print(
            json.dumps(
                {
                    "bench": "hostile_input",
                    "name": "simulate",
                    "stores": args.stores,
                    "seconds": round(time.perf_counter() - start, 2),
                }
            ),
            flush=True,
        )
        # the scans' processes run OpenMP (LightGBM) on one thread, whatever it asks for, and without spinning
        os.environ.update(OMP_NUM_THREADS="1", OMP_THREAD_LIMIT="1", OMP_WAIT_POLICY="PASSIVE")
        scans = _Scans(root, args.timeout, raised=args.limits == "raised")
        scans.run(root / "market", "warmup")  # page cache and compiled code, not measured
        baseline = _fastest([scans.run(root / "market", "baseline") for _ in range(args.repeats)])
        print(json.dumps({"bench": "hostile_input", "name": "baseline", **_summary(baseline)}), flush=True)
        for case in args.cases:
            field_kind, make = CASES[case]
            length = args.chars if field_kind == "text" else args.id_chars
            for flavour in args.flavours:
                data = root / f"{case}-{flavour}"
                shutil.copytree(root / "market", data, ignore=shutil.ignore_patterns("truth"))
                rng = np.random.default_rng(args.seed)
                what = make(data, lambda value: _long(value, length, flavour, rng))  # noqa: B023
                result = scans.run(data, f"{case}-{flavour}")
                shutil.rmtree(data)
                print(json.dumps(_compare(case, flavour, length, what, baseline, result)), flush=True)
        for column in args.score_one:
            length = args.chars if REAL_TIME[column] == "text" else args.id_chars
            for flavour in args.flavours:
                rng = np.random.default_rng(args.seed)
                print(json.dumps(scans.score_one(root / "market", column, length, flavour, rng)), flush=True)


# -- the long values ----------------------------------------------------------------------------------------
def _long(value: str, length: int, flavour: str, rng: np.random.Generator) -> str:
    """``value`` made ``length`` characters long: repeated, after random text of its own characters, letters,
    digits, spaces and punctuation, or after zeros."""
    fill = max(length - len(value), 0)
    if flavour == "repeat":
        return (value * (length // max(len(value), 1) + 1))[:length]
    if flavour == "padded":
        return "0" * fill + value
    alphabet = sorted(set(value)) + list("abcdefghijklmnopqrstuvwxyz0123456789") + _PUNCTUATION
    picks = rng.integers(0, len(alphabet), fill)
    return "".join(np.array(alphabet, dtype=object)[picks].tolist()) + value


def _rewrite(data: Path, table: str, column: str, mask: pa.Array | pa.ChunkedArray, new: str) -> int:
    """Set ``table.column`` to ``new`` where ``mask`` holds; returns the rows changed."""
    path = data / f"{table}.parquet"
    t = pq.read_table(path)
    i = t.schema.get_field_index(column)
    if isinstance(mask, pa.ChunkedArray):
        mask = mask.combine_chunks()
    n = pc.sum(mask).as_py() or 0
    values = pc.replace_with_mask(t.column(column).combine_chunks(), mask, pa.array([new] * n, pa.string()))
    t = t.set_column(i, column, values)
    pq.write_table(t, path, compression="zstd", compression_level=1)
    return n


def _busiest(data: Path, table: str, column: str) -> str:
    """The most frequent value of ``table.column`` (ties: the smallest)."""
    counts = pq.read_table(data / f"{table}.parquet", columns=[column]).column(column).value_counts()
    order = pc.sort_indices(
        pa.table({"n": counts.field("counts"), "v": counts.field("values")}),
        [("n", "descending"), ("v", "ascending")],
    )
    return counts.field("values")[order[0].as_py()].as_py()


def _one_value(table: str, column: str, pick: str) -> Callable[[Path, Callable[[str], str]], dict]:
    """A case making one row's ``table.column`` long: the first row holding the busiest value of ``pick``."""

    def make(data: Path, lengthen: Callable[[str], str]) -> dict:
        t = pq.read_table(data / f"{table}.parquet")
        row = pc.index(t.column(pick), _busiest(data, table, pick)).as_py()
        value = t.column(column)[row].as_py() or ""
        mask = pa.array(np.arange(t.num_rows) == row)
        _rewrite(data, table, column, mask, lengthen(value))
        return {"table": table, "column": column, "rows": 1, "original": value[:60]}

    return make


def _rename_id(table: str, pick: Callable[[Path], str]) -> Callable[[Path, Callable[[str], str]], dict]:
    """A case renaming the id ``pick`` chooses in ``table`` to a long one, in every column that refers to it
    (the contract's references and labels), so that the rows stay joined."""

    def make(data: Path, lengthen: Callable[[str], str]) -> dict:
        key = TABLES[table].key
        assert key is not None
        old = pick(data)
        new = lengthen(old)
        changed = {f"{table}.{key}": _rewrite_equal(data, table, key, old, new)}
        for spec in TABLES.values():
            for c in spec.columns:
                if c.references == (table, key) and (data / f"{spec.name}.parquet").exists():
                    changed[f"{spec.name}.{c.name}"] = _rewrite_equal(data, spec.name, c.name, old, new)
        entity = next((e for e, target in LABEL_TARGETS.items() if target == (table, key)), None)
        if entity and (data / "labels.parquet").exists():
            labels = pq.read_table(data / "labels.parquet")
            mask = pc.and_(
                pc.equal(labels.column("entity_type"), entity), pc.equal(labels.column("entity_id"), old)
            )
            changed["labels.entity_id"] = _rewrite(data, "labels", "entity_id", mask, new)
        return {"table": table, "column": key, "original": old, "rows": changed}

    return make


def _busiest_reviewer(data: Path) -> str:
    return _busiest(data, "reviews", "reviewer_account_id")


def _busiest_listing(data: Path) -> str:
    return _busiest(data, "reviews", "listing_id")


def _busiest_reviewers_review(data: Path) -> str:
    """The first review (by id) of the account with most reviews."""
    reviews = pq.read_table(data / "reviews.parquet", columns=["review_id", "reviewer_account_id"])
    mine = reviews.filter(pc.equal(reviews.column("reviewer_account_id"), _busiest_reviewer(data)))
    return pc.min(mine.column("review_id")).as_py()


def _rewrite_equal(data: Path, table: str, column: str, old: str, new: str) -> int:
    values = pq.read_table(data / f"{table}.parquet", columns=[column]).column(column)
    return _rewrite(data, table, column, pc.fill_null(pc.equal(values, old), False), new)


def _rename_phone(data: Path, lengthen: Callable[[str], str]) -> dict:
    """The phone of the account with most reviews made long wherever that phone is written."""
    reviewer = _busiest_reviewer(data)
    accounts = pq.read_table(data / "accounts.parquet", columns=["account_id", "phone"])
    old = accounts.column("phone")[pc.index(accounts.column("account_id"), reviewer).as_py()].as_py()
    new = lengthen(old or "")
    changed = {
        f"{table}.{column}": _rewrite_equal(data, table, column, old, new)
        for table, column in (
            ("accounts", "phone"),
            ("shipments", "sender_phone"),
            ("declarations", "exporter_phone"),
        )
    }
    return {"table": "accounts", "column": "phone", "original": old, "rows": changed}


#: case -> ("text" or "id": which length applies, how to make the copy)
CASES: dict[str, tuple[str, Callable[[Path, Callable[[str], str]], dict]]] = {
    "origin_address": ("text", _one_value("shipments", "origin_address", "origin_address")),
    "description": ("text", _one_value("declarations", "description", "description")),
    "exporter_address": ("text", _one_value("declarations", "exporter_address", "exporter_address")),
    "exporter_name": ("text", _one_value("declarations", "exporter", "exporter")),
    "review_text": ("text", _one_value("reviews", "text", "text")),
    "review_id": ("id", _rename_id("reviews", _busiest_reviewers_review)),
    "listing_id": ("id", _rename_id("listings", _busiest_listing)),
    "account_id": ("id", _rename_id("accounts", _busiest_reviewer)),
    "phone": ("id", _rename_phone),
}


#: Declaration columns whose long values are also checked one declaration at a time, through
#: ``CustomsScreener.score_one`` (the real-time path, no engine): "text" or "id" (which length applies).
REAL_TIME = {"description": "text", "exporter_address": "text", "exporter": "text", "exporter_phone": "id"}


# -- scanning and comparing ---------------------------------------------------------------------------------
class _Scans:
    """Scans, each in a fresh process (so that one stuck on a long value can be stopped after ``timeout``
    seconds) that writes a line per stage start and end to a file, so a stopped scan still says where it was."""

    def __init__(self, root: Path, timeout: float, raised: bool) -> None:
        self.root, self.timeout, self.raised = root, timeout, raised
        self.context = multiprocessing.get_context("spawn")

    def run(self, data: Path, name: str) -> dict:
        events, out = self.root / f"{name}.events", self.root / f"out-{name}"
        events.unlink(missing_ok=True)
        start = time.perf_counter()
        with self.context.Pool(1) as pool:
            job = pool.apply_async(_scan_in_child, (str(data), str(out), str(events), self.raised))
            try:
                quarantined, peak = job.get(self.timeout)
                timed_out = None
            except multiprocessing.TimeoutError:
                quarantined, peak = 0, 0.0
                timed_out = time.perf_counter() - start
        shutil.rmtree(out, ignore_errors=True)
        wall, cpu, running = _read_events(events)
        if timed_out is not None and running is not None:  # at least this much, CPU time unknown: as wall
            wall[running] = cpu[running] = timed_out - sum(wall.values())
        return {
            "wall": wall,
            "cpu": cpu,
            "quarantined": quarantined,
            "peak_mb": peak,
            "timed_out": running if timed_out is not None else None,
        }

    def score_one(self, data: Path, column: str, length: int, flavour: str, rng: np.random.Generator) -> dict:
        """The real-time check of one declaration with a long ``column``, in a fresh process (stopped after
        ``timeout`` seconds)."""
        n_declarations = pq.read_metadata(data / "declarations.parquet").num_rows
        plain = _busiest(data, "declarations", column)
        with self.context.Pool(1) as pool:
            job = pool.apply_async(
                _score_one_in_child, (str(data), column, _long(plain, length, flavour, rng))
            )
            plain_ms: float | None
            try:
                plain_ms, long_ms = job.get(self.timeout)
            except multiprocessing.TimeoutError:
                plain_ms, long_ms = None, math.inf
        return {
            "bench": "hostile_input",
            "name": "score_one",
            "column": column,
            "flavour": flavour,
            "chars": length,
            "declarations": n_declarations,
            "plain_ms": None if plain_ms is None else round(plain_ms, 2),
            "long_ms": f"> {self.timeout:.0f} s (stopped)" if plain_ms is None else round(long_ms, 2),
            "extra_ms": None if plain_ms is None else round(long_ms - plain_ms, 2),
        }


def _score_one_in_child(data: str, column: str, value: str) -> tuple[float, float]:
    """CPU milliseconds of ``score_one`` on the busiest declaration of ``column`` as it is (its written forms
    are remembered from fitting) and with ``value`` instead (a new written form), after a warm-up call."""
    screener = load_screener(data)
    declarations = pq.read_table(Path(data) / "declarations.parquet")
    row = declarations.slice(
        pc.index(declarations[column], _busiest(Path(data), "declarations", column)).as_py()
    )
    declaration = row.slice(0, 1).to_pylist()[0] | {"declaration_id": "D-NEW"}
    screener.score_one(declaration)
    out = []
    for d in (declaration, declaration | {column: value}):
        start = time.process_time()
        screener.score_one(d)
        out.append((time.process_time() - start) * 1000)
    return out[0], out[1]


def _scan_in_child(data: str, out: str, events: str, raised: bool) -> tuple[int, float]:
    """One scan (in a child process): rows quarantined and the peak memory of the process. ``raised``: every
    text column's length limit lifted past any long value, so that it reaches the algorithms."""
    started: dict[str, float] = {}
    with open(events, "a", encoding="utf-8") as log:

        def progress(event: str, record: StageRecord) -> None:
            now = time.process_time()
            started.setdefault(record.name, now)
            line = {"event": event, "stage": record.name, "seconds": record.seconds}
            log.write(json.dumps(line | {"cpu": now - started[record.name]}) + "\n")
            log.flush()

        settings = ValidationSettings(max_lengths=_NO_LIMITS) if raised else ValidationSettings()
        result = scan(data, out, ScanConfig(threads=1, validation=settings), progress=progress)
    return result.validation.n_quarantined, peak_mb()


def _read_events(path: Path) -> tuple[dict[str, float], dict[str, float], str | None]:
    """Wall-clock and CPU seconds of every finished stage, and the stage still running when the scan stopped
    (None: none)."""
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    running = None
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        e = json.loads(line)
        if e["event"] == "start":
            running = e["stage"]
        elif e["event"] == "end":
            wall[e["stage"]], cpu[e["stage"]], running = e["seconds"], e["cpu"], None
    return wall, cpu, running


def _fastest(runs: list[dict]) -> dict:
    """Per stage, the fastest of several scans of the same data (the machine is shared)."""
    return {
        "wall": {name: min(r["wall"][name] for r in runs) for name in runs[0]["wall"]},
        "cpu": {name: min(r["cpu"][name] for r in runs) for name in runs[0]["cpu"]},
        "quarantined": runs[0]["quarantined"],
        "peak_mb": max(r["peak_mb"] for r in runs),
    }


def _summary(run: dict) -> dict:
    return {
        "seconds": round(sum(run["wall"].values()), 2),
        "cpu_seconds": round(sum(run["cpu"].values()), 2),
        "stages": {k: round(v, 2) for k, v in run["wall"].items()},
        "cpu_stages": {k: round(v, 2) for k, v in run["cpu"].items()},
        "quarantined": run["quarantined"],
        "peak_mb": run["peak_mb"],
    }


def _compare(case: str, flavour: str, length: int, what: dict, baseline: dict, run: dict) -> dict:
    """The case's extra seconds over the baseline, per stage and in total, in CPU time of the scan's process
    (what the long value costs, little moved by other work on a shared machine; the bar is read against it)
    and in wall-clock time. A scan stopped at the timeout has its stuck stage at least the time it ran (CPU
    time counted as that too) and the stages after it missing."""
    extra = {
        kind: {name: round(s - baseline[kind].get(name, 0.0), 2) for name, s in run[kind].items()}
        for kind in ("cpu", "wall")
    }
    total = {kind: round(sum(per_stage.values()), 2) for kind, per_stage in extra.items()}
    return {
        "bench": "hostile_input",
        "name": case,
        "flavour": flavour,
        "chars": length,
        **what,
        "extra_cpu_seconds": total["cpu"],
        "extra_cpu_per_stage": extra["cpu"],
        "worst_stage": max(extra["cpu"], key=lambda name: extra["cpu"][name]) if extra["cpu"] else None,
        "extra_wall_seconds": total["wall"],
        "extra_wall_per_stage": extra["wall"],
        "timed_out_in": run["timed_out"],
        "quarantined_extra": run["quarantined"] - baseline["quarantined"],
        "bar_seconds": BAR_SECONDS,
        "ratio_to_bar": round(max(total["cpu"], 0.0) / BAR_SECONDS, 2),
        "peak_mb": run["peak_mb"],
        "baseline_peak_mb": baseline["peak_mb"],
    }


if __name__ == "__main__":
    main()
