"""``docs/signals.md``, generated from the catalogue: ``python -m marketguard.features.signals.doc``."""

from __future__ import annotations

from marketguard.features.declaration_signals import DECLARATION_GROUPS
from marketguard.features.review_signals import REVIEW_GROUPS
from marketguard.features.signals import GROUPS, catalogue_markdown
from marketguard.features.signals.propagated import SIGNALS as REACH_SIGNALS

HEADER = """# Store signals

The signals the store risk model reads, one row per store in `store_features`. Generated from
`marketguard.features.signals` by `python -m marketguard.features.signals.doc > docs/signals.md` (a test
keeps this page and the code in step). Direction says whether a higher value is riskier on its own; a model
learns how they combine. A store with no rows for a group gets the default ("unknown" stays missing, for the
model to treat as such). A group whose tables are absent is left out, and the scan says which signals are
missing and why.
"""

MODEL = """## Features only a trained model reads

Besides the signals above and their means over the store's network mates (`mates_<signal>`, not for signals read
from the labels), a model trained on labels reads the labels propagated over the linker's evidence
(`marketguard.detect.label_reach`): a walk from the store along the linker's strong account pairs (the pairs
the clustering split into two networks too) and to the owner's other stores, each step in proportion to the
pair's strength, with a tie of weight 1 to "no evidence"; absorbed at the first labelled store. A labelled
store's own label is left out exactly; labels dated after the data's last login and brands' takedowns of stores
that look like genuine importers are not read. Needs the operator linker's `account_pairs` (0 without labels).
"""


def _model_features() -> str:
    """The propagated labels' features as a Markdown table."""
    arrow = {1: "higher = riskier", -1: "lower = riskier"}
    lines = ["| feature | meaning | direction |", "|---|---|---|"]
    lines += [f"| `{s.name}` | {s.meaning} | {arrow[s.direction]} |" for s in REACH_SIGNALS]
    return "\n".join(lines)


REVIEWS = """## Review signals

The signals the review fraud detector reads, one row per review in `review_features`
(`marketguard.features.review_signals`). `review_text_groups` comes from near-duplicate detection of the texts
(MinHash), `review_rings` and `reviewer_rings` from the dense blocks of the reviewer x (store, week) graph.
"""


DECLARATIONS = """## Declaration signals

The signals customs screening reads, one row per export declaration in `declaration_features`
(`marketguard.features.declaration_signals`). `declaration_links` comes from matching each exporter's phone,
address and company name against the operator networks (`marketguard.detect.exporter_ties`), and
`declaration_network_scores` from the scan's network scores. HS codes and goods categories: see
[hs-codes.md](hs-codes.md).
"""


def page() -> str:
    return (
        f"{HEADER}\n{catalogue_markdown(GROUPS)}\n\n{MODEL}\n{_model_features()}\n\n"
        f"{REVIEWS}\n{catalogue_markdown(REVIEW_GROUPS)}\n\n"
        f"{DECLARATIONS}\n{catalogue_markdown(DECLARATION_GROUPS)}\n"
    )


if __name__ == "__main__":  # pragma: no cover
    print(page(), end="")
