"""Review-text authenticity: a trainable TF-IDF + linear model, used when labelled reviews exist.

One linear SVM over three blocks of features, each L2-normalised per review:

- word unigrams and bigrams, sublinear TF-IDF, with the punctuation that carries tone kept as tokens ("!!!",
  "my husband", "i" are among the strongest tells of invented reviews in Ott et al. 2011);
- character 2-5-grams within words, sublinear TF-IDF, case kept (robust to misspellings, carries the case the
  word block folds, and copes with Chinese text, which has no spaces);
- the same words again, present/absent, scaled by their naive-Bayes log-count ratio
  ``log(P(word | fake) / P(word | genuine))`` learned from the training labels (NB-SVM, Wang & Manning 2012).

Why the third block: TF-IDF alone spreads the SVM's weight over thousands of rare n-grams; the naive-Bayes
ratios give it a supervised prior on which words separate the classes, which helps most when the labelled
set is small. The NB block on its own is worse than TF-IDF; averaging the margins of separately trained word,
character and NB models did about as well as one SVM on the stacked blocks, which is simpler (one model to fit
and keep). On the Ott deceptive opinion corpus (``benchmarks/review_text.py``, nested cross-validation on its
shipped folds, C chosen inside) the NB block takes accuracy from 89.9% to 91.1% on all reviews, from 89.8% to
90.4% on the positive half and from 89.9% to 90.0% on the negative half. Words are lower-cased because case is
already in the character block and pooled counts give steadier ratios. What did not help there: word
trigrams, binary TF in the TF-IDF blocks, ``min_df`` > 1, logistic regression instead of the SVM, a
function-word skeleton of the text.

A linear SVM's margin, squashed by a logistic fitted on the training margins, is the score in [0, 1]. Nothing
is shipped pre-trained: the model is fitted on the platform's own labelled reviews (the Ott corpus is for
evaluation only; its licence is non-commercial).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import Normalizer
from sklearn.svm import LinearSVC

from marketguard.errors import ParameterError

__all__ = ["NaiveBayesScaler", "ReviewTextModel"]

#: Words, plus the punctuation marks that carry tone.
TOKENS = r"(?u)\b\w+\b|[!?.,$]"


class NaiveBayesScaler(TransformerMixin, BaseEstimator):
    """Scale each column by its naive-Bayes log-count ratio between class 1 and class 0.

    Parameters
    ----------
    alpha
        Additive (Laplace) smoothing of the per-class counts of documents containing the feature.

    Notes
    -----
    Wang, S. and Manning, C. D. (2012), "Baselines and bigrams: simple, good sentiment and topic
    classification", ACL. The ratio is ``log((p / |p|_1) / (q / |q|_1))`` with ``p = alpha + documents of
    class 1 containing the feature`` and ``q`` likewise for class 0.
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def fit(self, X: sp.spmatrix, y: Sequence[int]) -> NaiveBayesScaler:
        labels = np.asarray(y)
        present = sp.csr_matrix(X) > 0
        fake = self.alpha + np.asarray(present[labels == 1].sum(axis=0)).ravel()
        genuine = self.alpha + np.asarray(present[labels == 0].sum(axis=0)).ravel()
        self.ratio_ = np.log(fake / fake.sum()) - np.log(genuine / genuine.sum())
        return self

    def transform(self, X: sp.spmatrix) -> sp.csr_matrix:
        return sp.csr_matrix(X @ sp.diags(self.ratio_))


class ReviewTextModel:
    """Fit on review texts labelled 1 (fake) / 0 (genuine); ``score`` gives P(fake) per text.

    Parameters
    ----------
    C
        Inverse regularisation strength of the linear SVM.
    chars
        Add character 2-5-grams to the word features.
    naive_bayes
        Add the word features scaled by their naive-Bayes log-count ratios (NB-SVM).
    """

    def __init__(self, *, C: float = 1.0, chars: bool = True, naive_bayes: bool = True) -> None:
        self.C = C
        self.chars = chars
        self.naive_bayes = naive_bayes

    def _validate_params(self) -> None:
        """Collect every bad parameter, then raise once (the house message template)."""
        owner, problems = type(self).__name__, []
        is_number = isinstance(self.C, int | float) and not isinstance(self.C, bool)
        if not (is_number and 0 < self.C < math.inf):
            problems.append(
                f"The 'C' parameter of {owner} must be a float in the range (0, inf). Got {self.C!r} instead."
            )
        for name in ("chars", "naive_bayes"):
            value = getattr(self, name)
            if not isinstance(value, bool):
                problems.append(
                    f"The '{name}' parameter of {owner} must be one of True, False. Got {value!r} instead."
                )
        if problems:
            raise ParameterError("\n".join(problems))

    def _features(self) -> FeatureUnion:
        words = {"ngram_range": (1, 2), "token_pattern": TOKENS}
        parts = [("words", TfidfVectorizer(sublinear_tf=True, **words))]
        if self.chars:
            chars = TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, lowercase=False
            )
            parts.append(("chars", chars))
        if self.naive_bayes:
            nb = make_pipeline(CountVectorizer(binary=True, **words), Normalizer(), NaiveBayesScaler())
            parts.append(("naive_bayes", nb))
        return FeatureUnion(parts)

    def fit(self, texts: Sequence[str], labels: Sequence[int]) -> ReviewTextModel:
        self._validate_params()
        y = np.asarray(labels, dtype=np.int64)
        self.features_ = self._features()
        texts = list(texts)
        x = self.features_.fit_transform(texts, y)
        # a labelled text repeated k times is one row weighing k: the same objective, and bought reviews repeat
        # templates (15,246 labelled reviews, 847 texts at 1M reviews: the SVM fits in 0.1 s, not 2.6 s)
        first, weight = _distinct_rows(texts, y)
        self.svm_ = LinearSVC(C=self.C, random_state=0).fit(  # liblinear shuffles: seed it
            x[first], y[first], sample_weight=weight
        )
        margin = self.svm_.decision_function(x).reshape(-1, 1)
        self.scale_ = LogisticRegression().fit(margin, y)
        return self

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return (self._margin(texts) > 0).astype(np.int64)

    def score(self, texts: Sequence[str]) -> np.ndarray:
        return expit(self.scale_.coef_[0, 0] * self._margin(texts) + self.scale_.intercept_[0])

    def _margin(self, texts: Sequence[str]) -> np.ndarray:
        """The SVM's margin per text, each distinct text featurised once: bought reviews repeat templates,
        and featurising is what costs (a million reviews of a few thousand texts take seconds, not minutes)."""
        distinct, inverse = np.unique(np.asarray(list(texts), dtype=object), return_inverse=True)
        return self.svm_.decision_function(self.features_.transform(distinct.tolist()))[inverse]


def _distinct_rows(texts: list[str], y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first row of each distinct (text, label), in input order, and how many rows it stands for."""
    keys = np.array(
        [f"{label}\x00{text}" for text, label in zip(texts, y.tolist(), strict=True)], dtype=object
    )
    _, first, counts = np.unique(keys, return_index=True, return_counts=True)
    order = np.argsort(first)
    return first[order], counts[order].astype(np.float64)
