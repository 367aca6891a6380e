"""Imports follow the data flow: every package imports only what docs/architecture.md says it may."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "marketguard"
#: Modules every package may import.
SHARED = {"errors", "params", "sentences", "lazy", "threads", "memory", "__init__"}
ENGINES = {"duckdb", "pyspark"}


def allowed() -> dict[str, set[str]]:
    """The "may import" column of the package table in docs/architecture.md."""
    table = {}
    for line in (ROOT / "docs" / "architecture.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"`\w+`", cells[0]):
            table[cells[0].strip("`")] = set(re.findall(r"`(\w+)`", cells[2]))
    return table


def imports() -> dict[str, set[tuple[str, str]]]:
    """Per package: (imported package or engine driver, importing file)."""
    found: dict[str, set[tuple[str, str]]] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE)
        package = rel.parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module]
                if isinstance(node, ast.ImportFrom) and node.module and not node.level
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            for name in names:
                parts = name.split(".")
                if parts[0] == "marketguard" and len(parts) > 1 and parts[1] != package:
                    found.setdefault(package, set()).add((parts[1], str(rel)))
                elif parts[0] in ENGINES:
                    found.setdefault(package, set()).add((parts[0], str(rel)))
    return found


def violations(found: dict[str, set[tuple[str, str]]], rules: dict[str, set[str]]) -> list[str]:
    wrong = []
    for package, targets in found.items():
        if package in SHARED or package == "cli":
            continue
        may = rules[package] | SHARED | (ENGINES if package == "engine" else set())
        wrong += [f"{file} imports {target}" for target, file in targets if target not in may]
    return sorted(wrong)


def test_every_import_runs_with_the_data_flow() -> None:
    rules = allowed()
    assert {"contract", "engine", "features", "detect", "trace", "report", "pipeline", "text"} <= set(rules)
    wrong = violations(imports(), rules)
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(wrong)


def test_a_wrong_import_is_seen() -> None:
    found = {"features": {("duckdb", "features/x.py")}, "trace": {("pipeline", "trace/y.py")}}
    assert violations(found, allowed()) == ["features/x.py imports duckdb", "trace/y.py imports pipeline"]
    assert ("engine", "contract/load.py") in imports()["contract"]
