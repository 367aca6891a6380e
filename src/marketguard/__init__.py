"""marketguard: find the counterfeit-seller networks behind online stores and trace them to their sources.

Public API::

    from marketguard import scan, screen, load_screener, validate_dataset, simulate, write_marketplace, evaluate
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from marketguard.threads import quiet_openmp_spinning

__version__ = "0.1.0"

quiet_openmp_spinning()  # before any OpenMP runtime loads (LightGBM's, imported where it is used)

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


#: Public functions named like the subpackage that defines them.
_SHADOWED = frozenset(n for n, module in _LAZY.items() if module == f"{__name__}.{n}")


class _Package(types.ModuleType):
    """The package module, keeping ``marketguard.simulate`` and ``marketguard.evaluate`` the functions.

    Importing a subpackage sets the parent's attribute of that name to the subpackage, so after anything imported
    ``marketguard.simulate.x``, ``from marketguard import simulate`` would hand back the module. Such a set
    is turned into the subpackage's function of the same name; the subpackages stay importable by their dotted
    names (``from marketguard.simulate import simulate``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


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
