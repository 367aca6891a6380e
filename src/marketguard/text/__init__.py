"""Review text: a trainable authenticity model (TF-IDF features, linear classifier)."""

from marketguard.text.authenticity import ReviewTextModel

__all__ = ["ReviewTextModel"]
