"""Possible grey-market sellers: stores whose goods look like genuine imports sold outside the brand's channel.

Brands report grey-market sellers as they report counterfeiters, so some carry a takedown label; a model that
learns those labels as "counterfeit" learns bonded-zone parcels and warranty complaints as a sign of fakes, and
ranks every importer among the counterfeiters. A store looks imported when what only imports leave behind
dominates: most of its parcels leave bonded zones, or its buyers complain about the warranty, version, manual or
plug of imported goods more often than about fakes (signals of :mod:`marketguard.features.signals.imports`).

For such a store a positive label is not learned as counterfeit (it is left unlabelled: the takedown says the brand
objects to the channel, not that the goods are fake), and its reasons open with "possible grey-market seller", so
an analyst weighs a channel dispute rather than a counterfeit case. A counterfeiter shipping its fakes from a
bonded zone to look imported still meets the network evidence (money, parcels, copied listings), which this leaves
untouched.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["GREY_REASON", "MOSTLY", "grey_figures", "grey_sentence", "looks_imported"]

#: "Most of its parcels": more than half leave bonded zones (a store that only sometimes ships an import is an
#: ordinary seller with a cross-border line).
MOSTLY = 0.5
GREY_REASON = "POSSIBLE_GREY_MARKET_SELLER"


def _column(signals: pa.Table, name: str) -> np.ndarray:
    if name not in signals.column_names:
        return np.zeros(signals.num_rows)
    return np.nan_to_num(np.asarray(signals.column(name).to_numpy(zero_copy_only=False), dtype=np.float64))


def looks_imported(signals: pa.Table) -> np.ndarray:
    """Per row of the store ``signals``: whether its goods look like genuine imports (see the module)."""
    bonded = _column(signals, "share_parcels_bonded")
    imports, fakes = _column(signals, "share_import_complaints"), _column(signals, "share_complaints")
    return (bonded > MOSTLY) | ((imports > 0) & (imports > fakes))


def grey_figures(signals: pa.Table) -> np.ndarray:
    """Per row of the store ``signals``: the figures its grey-market reason quotes (bonded parcels, import
    complaints, fake complaints; 0 when missing), read once for every store a scan explains."""
    return np.column_stack(
        [
            _column(signals, name)
            for name in ("share_parcels_bonded", "share_import_complaints", "share_complaints")
        ]
    )


def grey_sentence(figures: np.ndarray, row: int) -> str:
    """The reason that opens a possible grey-market seller's explanation, with its figures
    (:func:`grey_figures`)."""
    bonded, imports, fakes = figures[row].tolist()
    return (
        f"possible grey-market seller (genuine imports outside the brand's channel), not necessarily counterfeit: "
        f"{bonded:.0%} of its parcels leave bonded zones; {imports:.0%} of its reviews are about the warranty or "
        f"version of imported goods, {fakes:.0%} about fakes"
    )
