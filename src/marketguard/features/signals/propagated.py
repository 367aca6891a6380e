"""Signals a trained store risk model reads beyond the catalogue: the labels propagated over the linker's evidence.

Computed by :mod:`marketguard.detect.label_reach` (a walk over the linker's strong account pairs, not a SQL
step), for a model that learnt their weight; ``docs/signals.md`` lists them after the catalogue.
"""

from __future__ import annotations

from marketguard.features.signals.catalogue import Signal

SIGNALS = (
    Signal(
        "reach_counterfeit_labels",
        "chance that a walk along the linker's strong account pairs (and the owner's other stores), each step "
        "weighted by the pair's strength, ends at a store labelled counterfeit (the label propagation's harmonic "
        "function); the store's own label is never read",
        1,
        0.0,
        from_labels=True,
        says="the linker's evidence around it leads to stores labelled counterfeit (chance {value:.2f})",
    ),
    Signal(
        "reach_legitimate_labels",
        "the same walk's chance of ending at a store labelled legitimate",
        -1,
        0.0,
        from_labels=True,
        says="the linker's evidence around it leads to stores labelled legitimate (chance {value:.2f})",
    ),
)
