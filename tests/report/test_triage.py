"""Triage lists over the tiny results: filters, the documented total order, and the command's formats."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from marketguard.cli import main
from marketguard.errors import ParameterError
from marketguard.report.triage import list_declarations, list_networks, list_sites, list_stores
from tests.report.conftest import WriteResults, _network


def _ids(table, key: str) -> list[str]:
    return table.column(key).to_pylist()


def test_networks_riskiest_first_and_ties_broken_by_revenue_then_size_then_id(
    make_results: WriteResults,
) -> None:
    tied = [
        _network("N-C", 2, 2, 0.9, 100.0, 1),
        _network("N-A", 2, 2, 0.9, 100.0, 1),
        _network("N-B", 2, 5, 0.9, 100.0, 1),
        _network("N-D", 2, 2, 0.9, 900.0, 1),
        _network("N-E", 2, 9, 0.5, 9000.0, 1),
    ]
    results = make_results(networks=tied)
    assert _ids(list_networks(results), "network_id") == ["N-D", "N-B", "N-A", "N-C", "N-E"]
    assert _ids(list_networks(results, sort="revenue", limit=2), "network_id") == ["N-E", "N-D"]
    assert _ids(list_networks(results, sort="stores"), "network_id")[:2] == ["N-E", "N-B"]
    assert _ids(list_networks(results, min_score=0.6), "network_id") == ["N-D", "N-B", "N-A", "N-C"]


def test_networks_of_a_brand(make_results: WriteResults) -> None:
    brands = [
        {"network_id": "N-B7", "brand": "Lira", "n_listings": 2, "n_stores": 1, "n_authorized_stores": 0},
        {"network_id": "N-A1", "brand": "Risa", "n_listings": 1, "n_stores": 1, "n_authorized_stores": 0},
    ]
    results = make_results(network_brands=brands)
    assert _ids(list_networks(results, brand="LIRA"), "network_id") == ["N-B7"]
    assert list_networks(results, brand="nobody").num_rows == 0
    with pytest.raises(ParameterError, match="network_brands"):
        list_networks(make_results(drop=("network_brands",)), brand="Lira")


def test_stores_with_their_network_score(results: Path) -> None:
    stores = list_stores(results)
    assert _ids(stores, "store_id") == ["S1", "S2", "S4", "S3", "S5"]
    assert stores.column("network_score").to_pylist() == [0.91, 0.91, 0.40, 0.91, None]
    assert _ids(list_stores(results, network="N-A1", sort="network", min_score=0.5), "store_id") == [
        "S1",
        "S2",
        "S3",
    ]


def test_declarations_riskiest_first_with_their_network(results: Path) -> None:
    declarations = list_declarations(results)
    assert _ids(declarations, "declaration_id") == ["D7", "D2"]
    assert declarations.column("network_score").to_pylist() == [0.91, None]
    assert _ids(list_declarations(results, min_score=0.5), "declaration_id") == ["D7"]
    assert _ids(list_declarations(results, network="N-B7"), "declaration_id") == []


def test_sites_by_score_then_parcels_and_the_latin_address(results: Path) -> None:
    sites = list_sites(results)  # every site scores 0.8: parcels decide
    assert _ids(sites, "site_id") == ["SITE-1", "SITE-2", "SITE-3"]
    assert sites.column("address_latin").to_pylist()[0] == "12 Fenghuanglu, Baoan, Shenzhen"
    assert _ids(list_sites(results, sort="parcels", limit=1), "site_id") == ["SITE-1"]
    assert list_sites(results, network="N-B7").num_rows == 0


def test_a_table_the_scan_did_not_write_is_named(make_results: WriteResults) -> None:
    with pytest.raises(
        ParameterError, match="has no declaration_scores: the data had no export declarations"
    ):
        list_declarations(make_results(drop=("declaration_scores",)))


def test_unknown_sort_is_a_parameter_error(results: Path) -> None:
    with pytest.raises(ParameterError, match="--sort must be one of"):
        list_networks(results, sort="bogus")


def test_command_formats(results: Path) -> None:
    run = CliRunner().invoke
    quiet = run(main, ["networks", str(results), "-q"])
    assert quiet.exit_code == 0 and quiet.output.split() == ["N-A1", "N-B7"]
    as_json = json.loads(run(main, ["stores", str(results), "--format", "json", "--limit", "1"]).output)
    assert as_json == [
        {
            "store_id": "S1",
            "score": 0.95,
            "rank": 1,
            "account_id": "A1",
            "network_id": "N-A1",
            "network_score": 0.91,
            "reasons": ["cheap"],
        }
    ]
    csv = run(main, ["networks", str(results), "--format", "csv"]).output.splitlines()
    assert csv[0].startswith("network_id,score,n_stores") and csv[1].startswith("N-A1,0.91,3,3,1500.0")
    table = run(main, ["networks", str(results), "--min-score", "0.5"])
    assert "N-A1" in table.output and "N-B7" not in table.output and "1 network\n" in table.output
    assert run(main, ["networks", "-h"]).exit_code == 0
    assert run(main, ["declarations", str(results), "-q"]).output.split() == ["D7", "D2"]
    sites = run(main, ["sites", str(results), "--network", "N-A1"])
    assert sites.exit_code == 0 and "12 Fenghuanglu" in sites.output and "3 sites\n" in sites.output


def test_not_a_results_directory(tmp_path: Path) -> None:
    done = CliRunner().invoke(main, ["networks", str(tmp_path)])
    assert done.exit_code == 1 and "not a scan's results directory" in done.output
