"""Detectors: one module per detector, one interface (:class:`~marketguard.detect.base.Detector`).

The names below are imported on first use: a module that needs one detector's schema (the results catalogue, the
triage commands) does not load every detector's libraries (scikit-learn, numba, pypinyin: 2 s of a CLI start).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from marketguard.lazy import lazy_members

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable
    from typing import Any

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


__getattr__: Callable[[str], Any]  # typed ahead: the registry's builder calls it
__dir__: Callable[[], list[str]]
__getattr__, __dir__ = lazy_members(
    __name__, globals(), _LAZY, {"DETECTORS": lambda: tuple(__getattr__(n) for n in _ORDER)}
)
