"""``docs/signals.md``, generated from the catalogue: ``python -m marketguard.features.signals.doc``."""

from __future__ import annotations

from marketguard.features.declaration_signals import DECLARATION_GROUPS
from marketguard.features.review_signals import REVIEW_GROUPS
from marketguard.features.signals import GROUPS, catalogue_markdown

HEADER = """# Store signals

The signals the store risk model reads, one row per store in `store_features`. Generated from
`marketguard.features.signals` by `python -m marketguard.features.signals.doc > docs/signals.md` (a test
keeps this page and the code in step). Direction says whether a higher value is riskier on its own; a model
learns how they combine. A store with no rows for a group gets the default ("unknown" stays missing, for the
model to treat as such). A group whose tables are absent is left out, and the scan says which signals are
missing and why.
"""

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
        f"{HEADER}\n{catalogue_markdown(GROUPS)}\n\n{REVIEWS}\n{catalogue_markdown(REVIEW_GROUPS)}\n\n"
        f"{DECLARATIONS}\n{catalogue_markdown(DECLARATION_GROUPS)}\n"
    )


if __name__ == "__main__":  # pragma: no cover
    print(page(), end="")
