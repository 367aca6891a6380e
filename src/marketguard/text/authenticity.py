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

A linear SVM's margin, squashed by a logistic fitted on the training margins, is the probability in [0, 1].
Nothing is shipped pre-trained: the model is fitted on the platform's own labelled reviews (the Ott corpus is
for evaluation only; its licence is non-commercial).

The blocks are weighed from term counts made once per distinct text (:mod:`marketguard.text.feature_blocks`):
:meth:`ReviewTextModel.count` then :meth:`~ReviewTextModel.fit_corpus` per fold reads a cross-fit's texts once
(the same models as ``fit`` on each fold's texts, a sixth of the reading for five folds).

It is a scikit-learn classifier (``clone``, ``cross_val_score``, ``GridSearchCV``, ``Pipeline`` take it) that
checks its own inputs: scikit-learn's validation (``check_array``) is for numbers, not texts.
"""

from __future__ import annotations

import math
import numbers
import reprlib
import warnings
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.exceptions import NotFittedError as SklearnNotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from marketguard.errors import ParameterError
from marketguard.text.feature_blocks import FeatureBlocks, TextCorpus, naive_bayes_ratio

__all__ = ["MAX_TEXT_CHARS", "NaiveBayesScaler", "NotFittedError", "ReviewTextModel"]

#: Positions and classes shown in an error message before "...".
SHOWN = 5
#: A review is read to this many characters. The longest review of the Ott corpus has 4,159; a pasted megabyte
#: would otherwise cost its character n-grams (about a second) at every pass over it.
MAX_TEXT_CHARS = 5_000


class NotFittedError(ParameterError, SklearnNotFittedError):
    """A model used before ``fit``: a :class:`ParameterError` that scikit-learn recognises as its own."""


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
    class 1 containing the feature`` and ``q`` likewise for class 0. Labels must already be coded 0/1
    (:class:`ReviewTextModel` codes them from its ``classes_`` before this step sees them).
    """

    def __init__(self, alpha: float = 1.0) -> None:
        self.alpha = alpha

    def fit(self, X: sp.spmatrix, y: Sequence[int]) -> NaiveBayesScaler:
        labels = np.asarray(y)
        present = sp.csr_matrix(X) > 0
        fake = np.asarray(present[labels == 1].sum(axis=0), np.float64).ravel()
        genuine = np.asarray(present[labels == 0].sum(axis=0), np.float64).ravel()
        self.ratio_ = naive_bayes_ratio(fake, genuine, self.alpha)
        return self

    def transform(self, X: sp.spmatrix) -> sp.csr_matrix:
        return sp.csr_matrix(X @ sp.diags(self.ratio_))


class ReviewTextModel(ClassifierMixin, BaseEstimator):
    """Binary classifier of review texts (e.g. 1 = fake, 0 = genuine), with calibrated probabilities.

    A scikit-learn estimator: parameters are stored by ``__init__`` and checked by ``fit``, so ``clone``,
    ``set_params`` and grid searches work; ``score(X, y)`` is the mixin's accuracy.

    Parameters
    ----------
    C
        Inverse regularisation strength of the linear SVM.
    chars
        Add character 2-5-grams to the word features.
    naive_bayes
        Add the word features scaled by their naive-Bayes log-count ratios (NB-SVM).

    Attributes
    ----------
    classes_
        The two labels seen in ``fit``, sorted; ``classes_[1]`` is the positive class (the one a positive
        ``decision_function`` and ``predict_proba[:, 1]`` speak for), which is 1 (fake) for 0/1 labels.
    vocabulary_
        The terms of the texts fitted on (word n-grams, character n-grams or None), the columns of the counts.
    features_
        The weighting of the blocks learned from the training texts
        (:class:`~marketguard.text.feature_blocks.FeatureBlocks`; ``features_.names`` lists the blocks).
    svm_
        The linear SVM on those features, fitted on labels coded 0/1 in ``classes_`` order.
    converged_
        False when the SVM's solver stopped at its iteration limit before its tolerance (scikit-learn's
        ``ConvergenceWarning``, kept here instead of printed): the margins are then an approximate optimum.
    scale_
        The logistic regression that maps the SVM's margin to ``predict_proba``.

    Notes
    -----
    Input checks (each raises :class:`~marketguard.errors.ParameterError` naming the problem):

    - ``X`` is a one-dimensional sequence of strings (a list, a 1-D array, a pandas Series, a pyarrow array).
      Missing texts (None, NaN) are refused, not read as empty: an empty review is a real review whose score
      is learned from having no words, while a missing one is unknown, and scoring it would put a made-up
      number into the results (the review fraud detector drops missing texts and scores them NaN).
    - ``y`` holds exactly two classes of one type (ints, bools or strings, as scikit-learn classifiers take
      them) and no missing labels.
    - ``sample_weight`` weighs the SVM's loss and the probability calibration; the vocabularies, IDF weights
      and naive-Bayes ratios are learned from the texts unweighted (scikit-learn's vectorisers take no
      weights), so a weight is not quite the same as repeating a text.

    ``predict`` follows the margin's sign and ``predict_proba`` a logistic of it, so near the boundary the two
    can disagree (as with ``sklearn.svm.SVC(probability=True)``). ``check_estimator`` cannot run: its checks
    feed numeric 2-D arrays (the tags say text only); the tests run the checks that need no data, and text
    versions of the data checks.
    """

    def __init__(self, *, C: float = 1.0, chars: bool = True, naive_bayes: bool = True) -> None:
        self.C = C
        self.chars = chars
        self.naive_bayes = naive_bayes

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X: Iterable[str], y: ArrayLike, sample_weight: ArrayLike | None = None) -> Self:
        """Learn the features and the SVM from labelled texts; returns self.

        Parameters
        ----------
        X
            Review texts.
        y
            One label per text, two classes.
        sample_weight
            Non-negative weight per text (default 1): how much its error costs the SVM and the calibration.
        """
        self._validate_params()
        owner = f"{type(self).__name__}.fit"
        texts = _check_texts(X, owner)
        return self._fit(self._count(texts, owner, None), np.arange(len(texts)), y, sample_weight, owner)

    def count(self, X: Iterable[str], learn: ArrayLike | None = None) -> TextCorpus:
        """The texts' term counts (:class:`~marketguard.text.feature_blocks.TextCorpus`), for
        :meth:`fit_corpus` and :meth:`corpus_proba`: a cross-fit reads its texts once, not once per fold. The
        terms are learned from the texts ``learn`` (positions; default all), the only ones a model can then be
        fitted on: give the labelled texts when the rest are only to be scored."""
        self._validate_params()
        owner = f"{type(self).__name__}.count"
        texts = _check_texts(X, owner)
        return self._count(texts, owner, None if learn is None else np.asarray(learn, np.int64))

    def fit_corpus(
        self, corpus: TextCorpus, rows: ArrayLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> Self:
        """:meth:`fit` on the texts ``rows`` (positions in the texts ``corpus`` counted, repeats allowed): the
        same model as ``fit`` on those texts, from counts made once. Score the corpus's texts with
        :meth:`corpus_proba` or :meth:`corpus_decision`."""
        self._validate_params()
        owner, rows = f"{type(self).__name__}.fit_corpus", np.asarray(rows, np.int64)
        outside = np.flatnonzero(~corpus.learned[corpus.inverse[rows]])
        if outside.size:
            raise ParameterError(
                f"The 'rows' parameter of {owner} must be texts the corpus learned its terms from. Got "
                f"{_count(outside.size, 'other text')} instead, at {_positions(outside.tolist())}; count the "
                "corpus with learn= covering every text a model is fitted on."
            )
        return self._fit(corpus, rows, y, sample_weight, owner)

    def corpus_proba(self, corpus: TextCorpus, rows: ArrayLike | None = None) -> np.ndarray:
        """P(``classes_[1]``) of the texts ``rows`` (default: all) of the corpus this model was fitted on."""
        return self._proba(self.corpus_decision(corpus, rows))

    def corpus_decision(self, corpus: TextCorpus, rows: ArrayLike | None = None) -> np.ndarray:
        """The SVM's margin for the texts ``rows`` (default: all) of the corpus this model was fitted on."""
        if not hasattr(self, "svm_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet: call fit_corpus(corpus, rows, y) before "
                "scoring its corpus."
            )
        distinct = corpus.inverse if rows is None else corpus.inverse[np.asarray(rows, np.int64)]
        ids, back = np.unique(distinct, return_inverse=True)
        return self.features_.margins(corpus, ids, self.svm_.coef_[0], self.svm_.intercept_[0])[back]

    def _count(self, texts: list[str], owner: str, learn: np.ndarray | None) -> TextCorpus:
        try:
            return TextCorpus.count(texts, chars=self.chars, learn=learn)
        except ValueError as error:
            if "empty vocabulary" not in str(error):
                raise
            raise ParameterError(
                f"The 'X' parameter of {owner} must hold some words. Got {len(texts)} texts without "
                "any word or punctuation instead."
            ) from error

    def _fit(
        self, corpus: TextCorpus, rows: np.ndarray, y: ArrayLike, sample_weight: ArrayLike | None, owner: str
    ) -> Self:
        classes, y = _encode_labels(y, rows.size, owner)
        weight = _check_weights(sample_weight, y, owner)
        self.classes_ = classes
        self.vocabulary_ = corpus.terms
        self.features_ = FeatureBlocks.fit(corpus, rows, y, chars=self.chars, naive_bayes=self.naive_bayes)
        # a labelled text repeated k times is one row weighing k: the same objective, and bought reviews repeat
        # templates (15,246 labelled reviews, 847 texts at 1M reviews: the SVM fits in 0.1 s, not 2.6 s)
        distinct = corpus.inverse[rows]
        first, row_weight, group = _distinct_rows(distinct, y, weight)
        x = self.features_.transform(corpus, distinct[first])
        with warnings.catch_warnings():
            # said once, as an attribute, not printed at every fit: liblinear stops at its iteration limit on
            # large, noisy labelled sets (six times in a 100k-store scan), and the margins still rank
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.svm_ = LinearSVC(C=self.C, random_state=0).fit(  # liblinear shuffles: seed it
                x, y[first], sample_weight=row_weight
            )
        self.converged_ = bool(np.max(self.svm_.n_iter_) < self.svm_.max_iter)
        margin = self.svm_.decision_function(x)[group].reshape(-1, 1)
        self.scale_ = LogisticRegression().fit(margin, y, sample_weight=weight)
        return self

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """The SVM's signed margin per text; positive means ``classes_[1]`` (fake, for 0/1 labels)."""
        return self._margin(self._check_ready(X, "decision_function"))

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """The label of the side of the SVM's boundary each text falls on (values from ``classes_``)."""
        margin = self._margin(self._check_ready(X, "predict"))
        return self.classes_[(margin > 0).astype(np.intp)]

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """P(class) per text, columns in ``classes_`` order; ``[:, 1]`` is P(fake) for 0/1 labels.

        The margin through a logistic fitted on the training margins (Platt-style, on the training set
        itself: cheap, and the ranking, which the detectors use, does not depend on it).
        """
        positive = self._proba(self._margin(self._check_ready(X, "predict_proba")))
        return np.column_stack([1.0 - positive, positive])

    def score(
        self, X: Iterable[str], y: ArrayLike | None = None, sample_weight: ArrayLike | None = None
    ) -> float:
        """Accuracy on labelled texts (the mixin's); ``score(texts)``, once P(fake), says where that went."""
        if y is None:
            raise ParameterError(
                f"The 'y' parameter of {type(self).__name__}.score must be the labels of X: score(X, y) is "
                "the accuracy. Got None instead; for P(fake) per text use predict_proba(X)[:, 1]."
            )
        return float(super().score(X, y, sample_weight=sample_weight))

    def _validate_params(self) -> None:
        """Collect every bad parameter, then raise once (the house message template)."""
        owner, problems = type(self).__name__, []
        is_number = isinstance(self.C, numbers.Real) and not isinstance(self.C, bool | np.bool_)
        if not (is_number and 0 < self.C < math.inf):
            problems.append(
                f"The 'C' parameter of {owner} must be a float in the range (0, inf). Got {self.C!r} instead."
            )
        for name in ("chars", "naive_bayes"):
            value = getattr(self, name)
            if not isinstance(value, bool | np.bool_):
                problems.append(
                    f"The '{name}' parameter of {owner} must be one of True, False. Got {value!r} instead."
                )
        if problems:
            raise ParameterError("\n".join(problems))

    def _check_ready(self, X: Iterable[str], method: str) -> list[str]:
        """The texts to score, once the model is known to be fitted (checked first, as scikit-learn does)."""
        if not hasattr(self, "svm_"):
            raise NotFittedError(
                f"This {type(self).__name__} is not fitted yet: call fit(X, y) before {method}(X)."
            )
        return _check_texts(X, f"{type(self).__name__}.{method}")

    def _proba(self, margin: np.ndarray) -> np.ndarray:
        return expit(self.scale_.coef_[0, 0] * margin + self.scale_.intercept_[0])

    def _margin(self, texts: list[str]) -> np.ndarray:
        """The SVM's margin per text, each distinct text read once: bought reviews repeat templates, and
        reading is what costs (a million reviews of a few thousand texts take seconds, not minutes)."""
        if not texts:
            return np.empty(0, np.float64)
        corpus = TextCorpus.count(texts, chars=self.chars, terms=self.vocabulary_)
        ids = np.arange(corpus.words.shape[0])
        return self.svm_.decision_function(self.features_.transform(corpus, ids))[corpus.inverse]


def _sequence(values: Any, name: str, owner: str, what: str) -> Any:
    """One-dimensional input as it is (an array, a Series) or as a list: the checks X and y share."""
    if hasattr(values, "to_pylist"):  # pyarrow: nulls become None, which the caller reports
        values = values.to_pylist()
    shape = getattr(values, "shape", None)
    if isinstance(values, str | bytes):
        got = f"one {type(values).__name__} instead; wrap it in a list"
    elif shape is not None and len(shape) != 1:
        got = f"an array of shape {shape} instead; pass a single column (e.g. df['text'])"
    elif values is None or not isinstance(values, Iterable) or isinstance(values, Mapping | AbstractSet):
        got = "None instead" if values is None else f"{type(values).__name__} {reprlib.repr(values)} instead"
    else:
        return values if shape is not None else list(values)
    raise ParameterError(f"The '{name}' parameter of {owner} must be {what}. Got {got}.")


def _check_texts(X: Iterable[str], owner: str) -> list[str]:
    """The texts as a list, or a ParameterError naming every problem (missing and non-string values)."""
    head = f"The 'X' parameter of {owner} must be a sequence of strings (review texts)."
    texts = list(_sequence(X, "X", owner, "a sequence of strings (review texts)"))
    bad = [i for i, text in enumerate(texts) if not isinstance(text, str)]
    missing = [i for i in bad if _is_missing(texts[i])]
    others = sorted(set(bad) - set(missing))
    problems = []
    if missing:
        problems.append(
            f"{head} Got {_count(len(missing), 'missing text')} (None or NaN) instead, at "
            f"{_positions(missing)}; drop those reviews or fill them with '' (an empty review)."
        )
    if others:
        value = texts[others[0]]
        problems.append(
            f"{head} Got {_count(len(others), 'value')} of another type instead, the first at position "
            f"{others[0]}: {type(value).__name__} {reprlib.repr(value)}."
        )
    if problems:
        raise ParameterError("\n".join(problems))
    return [text[:MAX_TEXT_CHARS] for text in texts]


def _encode_labels(y: ArrayLike, n_texts: int, owner: str) -> tuple[np.ndarray, np.ndarray]:
    """The two sorted classes and the labels coded 0/1 in that order, or a ParameterError naming the problem."""
    head = f"The 'y' parameter of {owner} must be"
    values = _sequence(y, "y", owner, "a sequence of labels, one per text")
    labels = np.asarray(values)
    if labels.dtype.kind == "U" and isinstance(values, list) and not all(isinstance(v, str) for v in values):
        labels = np.asarray(values, dtype=object)  # numbers among strings: numpy would make them strings
    if labels.size != n_texts:
        raise ParameterError(
            f"{head} one label per text. Got {labels.size} labels for {n_texts} texts instead."
        )
    missing = _missing_positions(labels)
    if missing:
        raise ParameterError(
            f"{head} a label for every text. Got {_count(len(missing), 'missing label')} (None or NaN) "
            f"instead, at {_positions(missing)}; drop the unlabelled texts before fit."
        )
    fractional = np.flatnonzero(labels != np.round(labels)) if labels.dtype.kind == "f" else np.empty(0, int)
    if len(fractional):
        raise ParameterError(
            f"{head} class labels (ints, bools or strings). Got non-integer numbers instead, the first at "
            f"position {fractional[0]}: {labels.tolist()[fractional[0]]!r}."
        )
    try:
        classes, coded = np.unique(labels, return_inverse=True)
    except TypeError as error:  # numbers and strings in one object array cannot be sorted
        kinds = ", ".join(sorted({type(v).__name__ for v in labels.tolist()}))
        raise ParameterError(f"{head} labels of one type. Got a mix of {kinds} instead.") from error
    if classes.size != 2:
        shown = ", ".join(map(repr, classes[:SHOWN].tolist())) + (", ..." if classes.size > SHOWN else "")
        raise ParameterError(
            f"{head} labels of exactly two classes (e.g. 1 = fake, 0 = genuine). Got "
            f"{_count(classes.size, 'class', 'classes')} instead: [{shown}]."
        )
    return classes, coded.astype(np.int64)


def _check_weights(sample_weight: ArrayLike | None, y: np.ndarray, owner: str) -> np.ndarray | None:
    """The weights as floats (a scalar is one weight for every text), or a ParameterError naming the problem."""
    if sample_weight is None:
        return None
    head = f"The 'sample_weight' parameter of {owner} must be"
    try:
        weight = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise ParameterError(f"{head} numbers, one per text. Got {sample_weight!r} instead.") from error
    if weight.ndim == 0:
        weight = np.full(y.size, float(weight))
    if weight.shape != y.shape:
        raise ParameterError(
            f"{head} one weight per text. Got shape {weight.shape} for {y.size} texts instead."
        )
    bad = np.flatnonzero(~np.isfinite(weight) | (weight < 0)).tolist()
    if bad:
        raise ParameterError(
            f"{head} finite and non-negative. Got {_count(len(bad), 'such weight')} instead, at "
            f"{_positions(bad)} (the first is {float(weight[bad[0]])!r})."
        )
    if np.unique(y[weight > 0]).size < 2:
        raise ParameterError(
            f"{head} positive for texts of both classes. Got a class with no weight instead."
        )
    return weight


def _distinct_rows(
    texts: np.ndarray, y: np.ndarray, weight: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per distinct (text code, label), in order of first appearance: its first row and the total weight it
    stands for; and per row, which of them it is."""
    keys = texts.astype(np.int64) * 2 + y
    _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    total = counts.astype(np.float64) if weight is None else np.bincount(inverse, weights=weight)
    order = np.argsort(first)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return first[order], total[order], rank[inverse]


def _missing_positions(labels: np.ndarray) -> list[int]:
    if labels.dtype.kind == "f":
        return np.flatnonzero(np.isnan(labels)).tolist()
    return [i for i, v in enumerate(labels.tolist()) if _is_missing(v)] if labels.dtype.kind == "O" else []


def _is_missing(value: object) -> bool:
    """None, a float NaN, or a pandas/pyarrow missing marker (whose own ``==`` refuses to say)."""
    if value is None or (isinstance(value, float | np.floating) and math.isnan(value)):
        return True
    return type(value).__name__ in {"NAType", "NaTType"}


def _count(n: int, noun: str, plural: str | None = None) -> str:
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def _positions(positions: list[int]) -> str:
    shown = ", ".join(map(str, positions[:SHOWN])) + (", ..." if len(positions) > SHOWN else "")
    return f"position{'s' if len(positions) > 1 else ''} {shown}"
