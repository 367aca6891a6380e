"""Validation on the bad-input corpus: each hostile dataset ends in exactly the promised quarantine or message."""

from __future__ import annotations

from pathlib import Path

import pytest

from marketguard.contract import validate
from marketguard.engine import make_backend
from marketguard.errors import ContractError
from tests.contract.corpus import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_dataset_is_quarantined_exactly_or_stopped_with_a_message(
    case: Case, tmp_path: Path
) -> None:
    dataset = case.write(tmp_path / "data")
    with make_backend("duckdb") as backend:
        if case.error is not None:
            with pytest.raises(ContractError) as caught:
                validate(backend, dataset, quarantine_dir=tmp_path / "q")
            assert case.error in str(caught.value)
            assert not (tmp_path / "q").exists()
            return
        tables, report = validate(backend, dataset, quarantine_dir=tmp_path / "q")
        accepted = {t: backend.count(t) for t in tables.present}
    got = {name: t.reasons for name, t in report.tables.items() if t.reasons}
    assert got == case.quarantined
    for name, t in report.tables.items():
        assert t.rows_read == t.rows_accepted + t.rows_quarantined == accepted[name] + t.rows_quarantined
    text = "\n".join(report.lines())
    for said in case.says:
        assert said in text
    assert "Traceback" not in text
