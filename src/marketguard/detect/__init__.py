"""Detectors: one module per detector, one interface (:class:`~marketguard.detect.base.Detector`)."""

from marketguard.detect.base import Detector
from marketguard.detect.baseline_risk import BaselineStoreRisk
from marketguard.detect.operator_linking import OperatorLinker
from marketguard.detect.review_fraud import ReviewFraudDetector
from marketguard.detect.shared_environment import SharedEnvironmentLinker
from marketguard.detect.store_risk import StoreRiskModel

#: Every registered detector, in the order a scan runs them; the common tests run over this list.
DETECTORS: tuple[type[Detector], ...] = (
    SharedEnvironmentLinker,
    OperatorLinker,
    BaselineStoreRisk,
    ReviewFraudDetector,
    StoreRiskModel,
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
