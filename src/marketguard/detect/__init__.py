"""Detectors: one module per detector, one interface (:class:`~marketguard.detect.base.Detector`).

The names below are imported on first use: a module that needs one detector's schema (the results catalogue, the
triage commands) does not load every detector's libraries (scikit-learn, numba, pypinyin: 2 s of a CLI start).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from marketguard.detect.base import Detector
    from marketguard.detect.baseline_risk import BaselineStoreRisk
    from marketguard.detect.operator_linking import OperatorLinker
    from marketguard.detect.review_fraud import ReviewFraudDetector
    from marketguard.detect.shared_environment import SharedEnvironmentLinker
    from marketguard.detect.store_risk import StoreRiskModel

    #: Every registered detector, in the order a scan runs them; the common tests run over this list.
    DETECTORS: tuple[type[Detector], ...]

_LAZY = {
    "Detector": "marketguard.detect.base",
    "BaselineStoreRisk": "marketguard.detect.baseline_risk",
    "OperatorLinker": "marketguard.detect.operator_linking",
    "ReviewFraudDetector": "marketguard.detect.review_fraud",
    "SharedEnvironmentLinker": "marketguard.detect.shared_environment",
    "StoreRiskModel": "marketguard.detect.store_risk",
}
#: The order a scan runs the registered detectors in (``DETECTORS``).
_ORDER = (
    "SharedEnvironmentLinker",
    "OperatorLinker",
    "BaselineStoreRisk",
    "ReviewFraudDetector",
    "StoreRiskModel",
)

__all__ = [
    "DETECTORS",
    "BaselineStoreRisk",
    "Detector",
    "OperatorLinker",
    "ReviewFraudDetector",
    "SharedEnvironmentLinker",
    "StoreRiskModel",
]


def __getattr__(name: str) -> Any:
    if name == "DETECTORS":
        value: Any = tuple(__getattr__(n) for n in _ORDER)
    elif name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
