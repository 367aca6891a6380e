"""marketguard: find the counterfeit-seller networks behind online stores and trace them to their sources.

Public API::

    from marketguard import scan, screen, load_screener, validate_dataset, simulate, write_marketplace, evaluate
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from marketguard.evaluate import evaluate
    from marketguard.pipeline.scan import ScanConfig, ScanResult, load_screener, scan, screen
    from marketguard.pipeline.validate import validate_dataset
    from marketguard.simulate import simulate, write_marketplace

_LAZY = {
    "scan": "marketguard.pipeline.scan",
    "ScanConfig": "marketguard.pipeline.scan",
    "ScanResult": "marketguard.pipeline.scan",
    "screen": "marketguard.pipeline.scan",
    "load_screener": "marketguard.pipeline.scan",
    "validate_dataset": "marketguard.pipeline.validate",
    "simulate": "marketguard.simulate",
    "write_marketplace": "marketguard.simulate",
    "evaluate": "marketguard.evaluate",
}


def __getattr__(name: str) -> Any:
    """Import public names on first use, so ``import marketguard`` stays light (and never imports pyspark)."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'marketguard' has no attribute {name!r}")


__all__ = [
    "ScanConfig",
    "ScanResult",
    "__version__",
    "evaluate",
    "load_screener",
    "scan",
    "screen",
    "simulate",
    "validate_dataset",
    "write_marketplace",
]
