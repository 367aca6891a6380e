"""Benchmark: the workbench API under load, against the bars of the workbench issue.

Registers a scan of the simulated marketplace in a fresh SQLite case store (bar: 30 s at 100k stores), starts
``marketguard serve`` (uvicorn, one process), then ``--clients`` clients (coroutines of this process, one connection each) call it
for ``--seconds``, each sending its next request as soon as the last is answered (closed loop; ``--think-ms``
adds a pause between requests, as a person reading the page would): each request is a queue page (random filters and sort, the next page by cursor half the time),
a network's evidence (a network from the queue) or a search (a store, an account or a shared artifact). Prints
one JSON line per kind with requests, errors, p50/p95/p99 latency and the ratio of p99 to its bar (queue and
network 50 ms, search 100 ms), one for the registration, and the floor: the same clients for up to 20 s on
``/v1/me`` (the token checked, nothing read), what the web stack itself costs on this machine; each kind's p99 is
also printed as a ratio to it.

    python benchmarks/api.py                      # 100k stores, 50 clients, 60 s
    python benchmarks/api.py --stores 10000 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import httpx
import numpy as np

from common import ensure_market, free_port, market_parser, wait_for_server
from marketguard.cases import CaseStore, QueueQuery, database_url
from marketguard.cases.users import add_user, issue_token

BARS_MS = {"queue": 50.0, "network": 50.0, "search": 100.0}
KINDS = tuple(BARS_MS)
REGISTER_BAR_S = 30.0


def results_of(data: Path) -> Path:
    """The scan of ``data`` (made beside it, as the scan benchmark does; again when the data is newer)."""
    out = data.parent / f"{data.name}-results-duckdb"
    manifest = out / "manifest.json"
    if not manifest.exists() or manifest.stat().st_mtime < (data / "simulator.txt").stat().st_mtime:
        subprocess.run(
            [sys.executable, "-m", "marketguard.cli", "scan", str(data), "--out", str(out)], check=True
        )
    return out


def main() -> None:
    parser = market_parser(__doc__)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--think-ms", type=float, default=0.0, help="pause of each client between requests")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server processes (marketguard serve --workers; default one per core)",
    )
    args = parser.parse_args()
    results = results_of(ensure_market(args.stores, args.seed, args.difficulty))
    with tempfile.TemporaryDirectory(prefix="marketguard-api-") as tmp:
        url = database_url(Path(tmp) / "cases.sqlite")
        with CaseStore(url) as store:
            start = time.perf_counter()
            registered = store.register_scan(results)
            seconds = time.perf_counter() - start
            add_user(store, "bench", "investigator")
            token = issue_token(store, "bench")
            queue = store.queue(QueueQuery(limit=500)).rows
        n_cases = sum(registered.changes.values())
        print(
            json.dumps(
                {
                    "name": "register",
                    "stores": args.stores,
                    "cases": n_cases,
                    "seconds": round(seconds, 2),
                    "bar_seconds": REGISTER_BAR_S,
                    "ratio_to_bar": round(seconds / REGISTER_BAR_S, 3),
                }
            ),
            flush=True,
        )
        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "marketguard.cli",
                "serve",
                "--db",
                url,
                "--port",
                str(port),
                "--workers",
                str(args.workers),
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for_server(base, server)
            networks = [r["network_id"] for r in queue if r["network_id"]]
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
                probes = _probes(http, networks[:20])
                http.get(f"/v1/networks/{networks[0]}")  # loads the results before the clock starts
            think = args.think_ms / 1000
            timings = asyncio.run(
                _clients(base, headers, networks, probes, args.clients, args.seconds, think, KINDS)
            )
            # the floor: the same clients on the cheapest authenticated answer (who the token is), no data read
            floor = asyncio.run(
                _clients(base, headers, networks, probes, args.clients, min(args.seconds, 20), think, ("me",))
            )
            timings["me"] = floor["me"]
        finally:
            server.terminate()
            server.wait(timeout=10)
    floor_ms = _percentile(timings["me"][0], 99)
    for kind, bar in BARS_MS.items():
        p99 = _percentile(timings[kind][0], 99)
        extra = {
            "bar_p99_ms": bar,
            "ratio_to_bar": round(p99 / bar, 3),
            "ratio_to_floor": round(p99 / floor_ms, 3),
        }
        print(json.dumps(_line(kind, timings[kind], args.seconds, args) | extra), flush=True)
    what = {"what": "GET /v1/me: the token checked, nothing else read"}
    print(json.dumps(_line("floor", timings["me"], min(args.seconds, 20), args) | what), flush=True)


def _line(name: str, timed: tuple[list[float], int], seconds: float, args: argparse.Namespace) -> dict:
    """One kind's figures: requests, errors, rate and latency percentiles."""
    latencies, errors = timed
    return {
        "name": name,
        "stores": args.stores,
        "clients": args.clients,
        "think_ms": args.think_ms,
        "workers": args.workers,
        "seconds": seconds,
        "requests": len(latencies),
        "errors": errors,
        "requests_per_s": round(len(latencies) / seconds, 1),
        "p50_ms": round(_percentile(latencies, 50), 1),
        "p95_ms": round(_percentile(latencies, 95), 1),
        "p99_ms": round(_percentile(latencies, 99), 1),
    }


def _percentile(latencies: list[float], q: float) -> float:
    """The ``q``-th percentile in milliseconds (NaN without requests)."""
    return float(np.percentile(np.array(latencies) * 1000, q)) if latencies else float("nan")


def _probes(http: httpx.Client, networks: list[str]) -> list[str]:
    """Search terms: stores, accounts and shared artifacts of a few networks."""
    out = []
    for network in networks:
        body = http.get(f"/v1/networks/{network}").json()
        out += [s["store_id"] for s in body["stores"][:2]]
        out += [link[k] for link in body["links"][:2] for k in ("account_a", "artifact")]
    return out or ["nothing"]


async def _clients(
    base: str,
    headers: dict[str, str],
    networks: list[str],
    probes: list[str],
    clients: int,
    seconds: float,
    think: float,
    kinds: tuple[str, ...],
) -> dict[str, tuple[list[float], int]]:
    """Run the clients: coroutines of one event loop, each on its own keep-alive connection, speaking HTTP/1.1
    over plain sockets. A client library would spend as much CPU per request as the server does, on the same
    cores: this costs tens of microseconds, so the latencies are the server's."""
    timings: dict[str, tuple[list[float], int]] = {k: ([], 0) for k in kinds}
    url = urlsplit(base)
    lines = "".join(f"{k}: {v}\r\n" for k, v in {"Host": url.netloc, **headers}.items())
    deadline = time.monotonic() + seconds

    async def client(seed: int) -> None:
        rng = random.Random(seed)
        cursor = None
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        try:
            while time.monotonic() < deadline:
                await asyncio.sleep(rng.uniform(0.5, 1.5) * think)
                kind = rng.choice(kinds)
                params: dict[str, object] = {}
                if kind == "me":
                    path = "/v1/me"
                elif kind == "queue":
                    params = {
                        "limit": 50,
                        "sort": rng.choice(("score", "revenue", "n_stores")),
                    }
                    if cursor and rng.random() < 0.5:
                        params = {"limit": 50, "cursor": cursor}
                    elif rng.random() < 0.3:
                        params["min_stores"] = rng.choice((2, 3, 5))
                    path = "/v1/queue"
                elif kind == "network":
                    path, params = f"/v1/networks/{quote(rng.choice(networks))}", {}
                else:
                    path, params = "/v1/search", {"q": rng.choice(probes)}
                target = f"{path}?{urlencode(params)}" if params else path
                start = time.perf_counter()
                try:
                    writer.write(f"GET {target} HTTP/1.1\r\n{lines}\r\n".encode())
                    status, body = await _answer(reader)
                    ok = status == 200
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    ok = False
                    writer.close()
                    reader, writer = await asyncio.open_connection(url.hostname, url.port)
                elapsed = time.perf_counter() - start
                if ok and kind == "queue" and "cursor" not in params:
                    cursor = json.loads(body)["next"]
                latencies, errors = timings[kind]
                if ok:
                    latencies.append(elapsed)
                else:
                    timings[kind] = (latencies, errors + 1)
        finally:
            writer.close()

    await asyncio.gather(*(client(i) for i in range(clients)))
    return timings


async def _answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Status and body of one HTTP/1.1 answer (the server sends a Content-Length with every JSON answer)."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return status, await reader.readexactly(int(value))
    raise ValueError("an answer without Content-Length")


if __name__ == "__main__":
    main()
