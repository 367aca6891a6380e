"""The detector contract, checked once over every registered detector."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from marketguard.contract import validate
from marketguard.detect import DETECTORS
from marketguard.detect.base import Interval
from marketguard.engine import Tables, make_backend
from marketguard.errors import ContractError, ParameterError


@pytest.fixture
def tables(tiny):
    with make_backend("duckdb") as backend:
        validated, _ = validate(backend, tiny())
        yield validated


def _fit_in_order(tables: Tables, upto: type) -> object:
    for detector in DETECTORS:  # later detectors read what earlier ones register
        fitted = detector().fit(tables)
        if detector is upto:
            return fitted
    raise AssertionError


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.__name__)
def test_fit_returns_self_scores_in_range_and_is_deterministic(tables, detector) -> None:
    model = _fit_in_order(tables, detector)
    assert isinstance(model, detector)
    first, second = model.score(tables), model.score(tables)
    assert first.equals(second)
    score = first.column("score").to_numpy()
    assert first.column_names[1] == "score" and first.column_names[0].endswith("_id")
    assert np.all((score >= 0) & (score <= 1))
    evidence = model.explain(tables)
    assert evidence.column_names[1:] == ["reason", "value", "detail"]


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.__name__)
def test_bad_parameters_get_the_one_message_template(tables, detector) -> None:
    for name, constraint in detector.parameter_constraints.items():
        bad = -1 if isinstance(constraint, Interval) else "nonsense"
        with pytest.raises(
            ParameterError,
            match=rf"The '{name}' parameter of {detector.__name__} must be .* "
            rf"Got {bad!r} instead\.",
        ):
            detector(**{name: bad}).fit(tables)


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.__name__)
def test_init_stores_parameters_only(detector) -> None:
    model = detector()
    assert set(vars(model)) == set(model.get_params())
    assert not any(k.endswith("_") for k in vars(model))


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.__name__)
def test_missing_required_table_is_a_contract_error(tables, detector) -> None:
    required = detector.required_tables[0]
    crippled = Tables(tables.backend, tables.present - {required})
    with pytest.raises(ContractError, match=rf"{required}: {detector.__name__} needs this table"):
        detector().fit(crippled)


def test_importing_marketguard_does_not_import_pyspark() -> None:
    code = (
        "import sys, marketguard, marketguard.cli, marketguard.pipeline.scan; print('pyspark' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


def test_a_reason_never_reads_minus_zero() -> None:
    from marketguard.detect.scoring import value_sentence
    from marketguard.features.review_signals import REVIEWER

    entropy = next(s for s in REVIEWER.signals if s.name == "reviewer_rating_entropy")
    assert value_sentence(entropy, -0.0) == "its account gives the same few stars (rating entropy 0.00)"
