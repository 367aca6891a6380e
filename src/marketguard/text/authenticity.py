"""Review-text authenticity: a trainable TF-IDF + linear model, used when labelled reviews exist.

Features: word unigrams and bigrams with case and punctuation kept ("!!!", "I", "my husband" are among the
strongest tells of invented reviews in Ott et al. 2011), plus character 2-5-grams within words (robust to
misspellings and to Chinese text, which has no spaces). A linear SVM separates them; its margin, squashed by a
logistic fitted on the training margins, is the score in [0, 1]. Nothing is shipped pre-trained: the model is
fitted on the platform's own labelled reviews (the Ott corpus is for evaluation only; its licence is
non-commercial).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

#: Words, plus the punctuation marks that carry tone.
TOKENS = r"(?u)\b\w+\b|[!?.,$]"


class ReviewTextModel:
    """Fit on review texts labelled 1 (fake) / 0 (genuine); ``score`` gives P(fake) per text.

    Parameters
    ----------
    C
        Inverse regularisation strength of the linear SVM.
    chars
        Add character 2-5-grams to the word features.
    """

    def __init__(self, *, C: float = 1.0, chars: bool = True) -> None:
        self.C = C
        self.chars = chars

    def _features(self) -> FeatureUnion:
        parts = [
            (
                "words",
                TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=False, token_pattern=TOKENS),
            )
        ]
        if self.chars:
            parts.append(
                (
                    "chars",
                    TfidfVectorizer(
                        analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=False
                    ),
                )
            )
        return FeatureUnion(parts)

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> ReviewTextModel:
        y = np.asarray(labels, dtype=np.int64)
        self.features_ = self._features()
        x = self.features_.fit_transform(list(texts))
        self.svm_ = LinearSVC(C=self.C).fit(x, y)
        margin = self.svm_.decision_function(x).reshape(-1, 1)
        self.scale_ = LogisticRegression().fit(margin, y)
        return self

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.svm_.predict(self.features_.transform(list(texts)))

    def score(self, texts: Sequence[str]) -> np.ndarray:
        margin = self.svm_.decision_function(self.features_.transform(list(texts)))
        return expit(self.scale_.coef_[0, 0] * margin + self.scale_.intercept_[0])
