"""The review-text model learns the tells of invented reviews, scores in [0, 1], and is a scikit-learn classifier."""

from __future__ import annotations

import functools
import pickle
import warnings
from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import exceptions as sklearn_exceptions
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils import estimator_checks

from marketguard.errors import ParameterError
from marketguard.text import ReviewTextModel
from marketguard.text.authenticity import NaiveBayesScaler, NotFittedError, _distinct_rows

GENUINE = [
    "The room was clean and the staff were helpful, breakfast was average.",
    "Good location near the station. The bed was a bit hard.",
    "Check-in took twenty minutes but the view from the tenth floor was nice.",
    "Parking was expensive; the pool closed early. Decent value overall.",
]
FAKE = [
    "My husband and I loved it!!! Best hotel ever!!! We will definitely be back!!!",
    "Amazing amazing amazing!!! My husband said it was the best vacation of our lives!!!",
    "Absolutely perfect in every way!!! My family loved everything!!! Highly recommend!!!",
    "I loved the luxurious experience!!! My husband and I felt like royalty!!!",
]
NEW = ["We loved it!!! My husband wants to come back!!!", "The lift was slow and the room small."]
TEXTS, LABELS = GENUINE + FAKE, [0] * 4 + [1] * 4


def p_fake(model: ReviewTextModel, texts: list[str]) -> np.ndarray:
    return model.predict_proba(texts)[:, 1]


def corpus(n: int = 20) -> tuple[list[str], np.ndarray]:
    """``n`` invented and ``n`` genuine reviews of three sentences each, seeded: enough for cross-validation."""
    rng = np.random.default_rng(0)
    fake = [
        "My husband and I loved it!!!",
        "Best hotel ever!!!",
        "Amazing stay!!!",
        "Highly recommend!!!",
        "We will definitely be back!!!",
        "Absolutely perfect!!!",
        "My family felt like royalty!!!",
    ]
    genuine = [
        "The room was clean.",
        "Check-in took twenty minutes.",
        "Parking was expensive.",
        "The bed was a bit hard.",
        "Breakfast was average.",
        "The lift was slow.",
        "Good location.",
    ]
    texts = [" ".join(rng.choice(parts, 3, replace=False)) for parts in (fake, genuine) for _ in range(n)]
    return texts, np.array([1] * n + [0] * n)


@pytest.mark.parametrize(
    "params",
    [{}, {"C": 0.3}, {"naive_bayes": False}, {"chars": False}, {"chars": False, "naive_bayes": False}],
)
def test_invented_reviews_score_higher_than_genuine_ones(params: dict) -> None:
    texts, labels = GENUINE + FAKE, [0] * 4 + [1] * 4
    model = ReviewTextModel(**params).fit(texts, labels)
    assert model.predict(texts).tolist() == labels
    new = p_fake(model, NEW)
    assert ((new >= 0) & (new <= 1)).all() and new[0] > 0.5 > new[1]
    assert model.predict(NEW).tolist() == [1, 0]


def test_chinese_text_is_scored() -> None:
    model = ReviewTextModel().fit(GENUINE + FAKE, [0] * 4 + [1] * 4)
    assert np.isfinite(p_fake(model, ["一个中文评论 没有空格"])).all()  # character n-grams cope with Chinese


def test_fit_is_deterministic_and_scoring_does_not_change_the_model() -> None:
    texts, labels = GENUINE + FAKE, [0] * 4 + [1] * 4
    first = ReviewTextModel().fit(texts, labels)
    before, state = p_fake(first, NEW), pickle.dumps(first)
    first.predict_proba(GENUINE), first.predict(GENUINE), first.decision_function(GENUINE)
    assert pickle.dumps(first) == state
    np.testing.assert_array_equal(p_fake(first, NEW), before)
    np.testing.assert_array_equal(p_fake(ReviewTextModel().fit(texts, labels), NEW), before)


def test_naive_bayes_block_is_in_the_features_only_when_asked() -> None:
    texts, labels = GENUINE + FAKE, [0] * 4 + [1] * 4
    assert ReviewTextModel().fit(texts, labels).features_.names == ("words", "chars", "naive_bayes")
    fitted = ReviewTextModel(chars=False, naive_bayes=False).fit(texts, labels)
    assert fitted.features_.names == ("words",)
    assert fitted.vocabulary_[1] is None and "husband" in fitted.vocabulary_[0]


def test_naive_bayes_ratio_is_the_smoothed_log_count_ratio() -> None:
    # Column 0 in both fake docs, column 1 in the one genuine doc, column 2 everywhere (counts, not presence,
    # must not matter: the 5 counts once).
    x = sp.csr_matrix(np.array([[1, 0, 5], [1, 0, 1], [0, 1, 1]], dtype=float))
    scaler = NaiveBayesScaler(alpha=1.0).fit(x, [1, 1, 0])
    fake, genuine = np.array([3.0, 1.0, 3.0]), np.array([1.0, 2.0, 2.0])
    expected = np.log(fake / 7) - np.log(genuine / 5)
    np.testing.assert_allclose(scaler.ratio_, expected)
    assert scaler.ratio_[0] > 0 > scaler.ratio_[1]
    np.testing.assert_allclose(scaler.transform(x).toarray(), x.toarray() * expected)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"C": 0}, r"The 'C' parameter of ReviewTextModel must be a float in the range \(0, inf\)\. Got 0"),
        ({"C": float("nan")}, r"'C' parameter .* Got nan instead"),
        ({"C": True}, r"'C' parameter .* Got True instead"),
        (
            {"naive_bayes": "yes"},
            r"The 'naive_bayes' parameter of ReviewTextModel must be one of True, False",
        ),
    ],
)
def test_bad_parameters_are_named_at_fit(params: dict, match: str) -> None:
    model = ReviewTextModel(**params)  # __init__ stores only
    with pytest.raises(ParameterError, match=match):
        model.fit(GENUINE + FAKE, [0] * 4 + [1] * 4)


def test_every_bad_parameter_is_reported_at_once() -> None:
    with pytest.raises(ValueError, match=r"(?s)'C' parameter.*'chars' parameter"):
        ReviewTextModel(C=-1.0, chars=None).fit(GENUINE + FAKE, [0] * 4 + [1] * 4)  # type: ignore[arg-type]


def test_probabilities_follow_classes_and_agree_with_the_margin() -> None:
    model = ReviewTextModel().fit(TEXTS, LABELS)
    proba, margin = model.predict_proba(NEW + GENUINE), model.decision_function(NEW + GENUINE)
    assert model.classes_.tolist() == [0, 1] and proba.shape == (6, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.array_equal(np.argsort(proba[:, 1]), np.argsort(margin))  # one monotone map of the margin
    assert model.predict(NEW + GENUINE).tolist() == (margin > 0).astype(int).tolist()
    assert model.predict([]).shape == (0,) and model.predict_proba([]).shape == (0, 2)


@pytest.mark.parametrize(
    ("genuine", "fake"), [("truthful", "deceptive"), (False, True), (0.0, 1.0), (-1, 1), ("0", "1")]
)
def test_two_classes_of_any_type_are_mapped_through_classes(genuine: object, fake: object) -> None:
    labels = np.array([genuine] * 4 + [fake] * 4)
    model = ReviewTextModel().fit(np.array(TEXTS, dtype=object), labels)
    assert model.classes_.tolist() == sorted([genuine, fake])  # type: ignore[type-var]
    assert model.predict(NEW).tolist() == [fake, genuine]
    column = model.classes_.tolist().index(fake)  # "deceptive" sorts first: P(fake) is then column 0
    assert model.predict_proba(NEW)[0, column] > 0.5 > model.predict_proba(NEW)[1, column]
    assert model.score(TEXTS, labels) == 1.0


def test_texts_and_labels_may_be_pandas_or_pyarrow() -> None:
    pd, pa = pytest.importorskip("pandas"), pytest.importorskip("pyarrow")
    model = ReviewTextModel().fit(pd.Series(TEXTS), pd.Series(LABELS))
    assert model.predict(pa.array(NEW)).tolist() == [1, 0]
    assert ReviewTextModel().fit(pa.array(TEXTS), pa.array(LABELS)).predict(NEW).tolist() == [1, 0]


FIT = "ReviewTextModel.fit"


@pytest.mark.parametrize(
    ("labels", "match"),
    [
        (
            [1] * 8,
            rf"The 'y' parameter of {FIT} must be labels of exactly two classes .* Got 1 class instead: \[1\]",
        ),
        ([0, 1, 2, 0, 1, 2, 0, 1], r"exactly two classes .* Got 3 classes instead: \[0, 1, 2\]\."),
        (
            ["a", "b", "c", "d", "e", "f", "g", "h"],
            r"Got 8 classes instead: \['a', 'b', 'c', 'd', 'e', \.\.\.\]",
        ),
        (
            [0, 1, None, 0, 1, None, 0, 1],
            r"a label for every text\. Got 2 missing labels \(None or NaN\) instead, "
            r"at positions 2, 5; drop the unlabelled texts",
        ),
        ([0, 1, 0, 1, 0, 1, 0, np.nan], r"Got 1 missing label \(None or NaN\) instead, at position 7;"),
        (
            [0, 1, 0.5, 1, 0, 1, 0, 1],
            r"must be class labels \(ints, bools or strings\)\. Got non-integer numbers "
            r"instead, the first at position 2: 0\.5\.",
        ),
        ([0, 1, "1", 1, 0, 1, 0, 1], r"must be labels of one type\. Got a mix of int, str instead\."),
        (
            [0, 1] * 3,
            rf"The 'y' parameter of {FIT} must be one label per text\. Got 6 labels for 8 texts instead\.",
        ),
        (
            np.zeros((8, 1)),
            r"must be a sequence of labels, one per text\. Got an array of shape \(8, 1\) instead",
        ),
        (
            None,
            r"The 'y' parameter of ReviewTextModel\.fit must be a sequence of labels, one per text\. Got None",
        ),
        ("01010101", r"Got one str instead; wrap it in a list\."),
    ],
)
def test_bad_labels_are_named(labels: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        ReviewTextModel().fit(TEXTS, labels)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("texts", "match"),
    [
        (
            [*TEXTS[:6], None, float("nan")],
            rf"The 'X' parameter of {FIT} must be a sequence of strings \(review "
            r"texts\)\. Got 2 missing texts \(None or NaN\) instead, at positions 6, 7; drop those reviews or fill "
            r"them with ''",
        ),
        ([None] * 8, r"Got 8 missing texts \(None or NaN\) instead, at positions 0, 1, 2, 3, 4, \.\.\.;"),
        ([*TEXTS[:6], 3, b"x"], r"Got 2 values of another type instead, the first at position 6: int 3\."),
        ([*TEXTS[:7], None], r"(?s)Got 1 missing text .* position 7;.*"),
        (
            "one review",
            r"must be a sequence of strings \(review texts\)\. Got one str instead; wrap it in a list",
        ),
        (np.array(TEXTS).reshape(4, 2), r"Got an array of shape \(4, 2\) instead; pass a single column"),
        (set(TEXTS), r"Got set \{.*\} instead\."),
        (42, r"Got int 42 instead\."),
        (
            ["", " ", "", "", "", "", "", ""],
            rf"The 'X' parameter of {FIT} must hold some words\. Got 8 texts",
        ),
    ],
)
def test_bad_texts_are_named(texts: object, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        ReviewTextModel().fit(texts, LABELS)  # type: ignore[arg-type]


def test_missing_and_mistyped_texts_are_reported_at_once_and_at_predict() -> None:
    with pytest.raises(
        ValueError,
        match=r"(?s)1 missing text .* position 1;.*1 value of another type .* "
        r"position 3: float 2\.5",
    ):
        ReviewTextModel().fit([TEXTS[0], None, TEXTS[2], 2.5, *TEXTS[4:]], LABELS)  # type: ignore[list-item]
    model = ReviewTextModel().fit(TEXTS, LABELS)
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(
            ParameterError, match=rf"'X' parameter of ReviewTextModel\.{method} .* at position 1;"
        ):
            getattr(model, method)(["fine", None])


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        (
            [1.0] * 7,
            r"The 'sample_weight' parameter of ReviewTextModel\.fit must be one weight per text\. Got "
            r"shape \(7,\) for 8 texts instead\.",
        ),
        (
            [1.0, -1.0] * 4,
            r"must be finite and non-negative\. Got 4 such weights instead, at positions 1, 3, 5, 7 "
            r"\(the first is -1\.0\)\.",
        ),
        ([1.0] * 7 + [np.inf], r"Got 1 such weight instead, at position 7 \(the first is inf\)"),
        ([1.0] * 4 + [0.0] * 4, r"must be positive for texts of both classes\."),
        (["heavy"] * 8, r"must be numbers, one per text\."),
    ],
)
def test_bad_sample_weights_are_named(weights: list, match: str) -> None:
    with pytest.raises(ParameterError, match=match):
        ReviewTextModel().fit(TEXTS, LABELS, sample_weight=weights)


def test_sample_weight_of_one_changes_nothing_and_weight_pulls_towards_its_class() -> None:
    plain = p_fake(ReviewTextModel().fit(TEXTS, LABELS), NEW)
    np.testing.assert_allclose(
        p_fake(ReviewTextModel().fit(TEXTS, LABELS, sample_weight=[1.0] * 8), NEW), plain
    )
    np.testing.assert_allclose(p_fake(ReviewTextModel().fit(TEXTS, LABELS, sample_weight=1.0), NEW), plain)
    heavy_fakes = ReviewTextModel().fit(TEXTS, LABELS, sample_weight=[1.0] * 4 + [5.0] * 4)
    assert (
        heavy_fakes.decision_function(NEW) > ReviewTextModel().fit(TEXTS, LABELS).decision_function(NEW)
    ).all()


def test_repeated_texts_become_one_row_carrying_their_total_weight() -> None:
    texts, y = np.array([7, 2, 7, 7]), np.array([0, 1, 0, 1])  # (7, 1) is another row than (7, 0)
    first, weight, group = _distinct_rows(texts, y, None)
    assert (
        first.tolist() == [0, 1, 3] and weight.tolist() == [2.0, 1.0, 1.0] and group.tolist() == [0, 1, 0, 2]
    )
    first, weight, _ = _distinct_rows(texts, y, np.array([1.0, 2.0, 3.0, 4.0]))
    assert first.tolist() == [0, 1, 3] and weight.tolist() == [4.0, 2.0, 4.0]


@pytest.mark.parametrize("params", [{}, {"chars": False}, {"naive_bayes": False}])
def test_a_fit_on_a_corpus_rows_is_the_fit_on_those_texts(params: dict) -> None:
    # the corpus holds terms the training rows lack (NEW, a repeat): they must count as absent, not as columns
    # that shift the IDF, the norms or the naive-Bayes sums
    texts, labels = corpus(12)
    everything = [*NEW, *texts, texts[0], *GENUINE]
    rows = np.arange(2, 2 + len(texts) + 1)
    y = [*labels.tolist(), labels[0]]
    model = ReviewTextModel(**params)
    counted = model.count(everything)
    model.fit_corpus(counted, rows, y)
    learned = ReviewTextModel(**params).count(everything, learn=rows)  # terms of the training texts only
    assert learned.words.shape[1] < counted.words.shape[1]
    alike = ReviewTextModel(**params).fit_corpus(learned, rows, y)
    np.testing.assert_allclose(alike.corpus_proba(learned), model.corpus_proba(counted), rtol=0, atol=1e-12)
    with pytest.raises(ParameterError, match=r"'rows' parameter .* 1 other text instead, at position 0;"):
        ReviewTextModel(**params).fit_corpus(learned, [0, *rows], [1, *y])
    plain = ReviewTextModel(**params).fit([everything[i] for i in rows], y)
    np.testing.assert_allclose(model.corpus_proba(counted, [0, 1]), p_fake(plain, NEW), rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        model.corpus_proba(counted)[rows], p_fake(plain, texts + texts[:1]), atol=1e-12
    )
    np.testing.assert_allclose(p_fake(model, GENUINE), p_fake(plain, GENUINE), atol=1e-12)
    margin = model.corpus_decision(counted, rows)
    assert ((margin > 0) == (plain.predict(texts + texts[:1]) == 1)).all()
    with pytest.raises(NotFittedError, match=r"call fit_corpus\(corpus, rows, y\) before scoring its corpus"):
        ReviewTextModel().corpus_proba(counted)


def test_unfitted_model_says_so_in_both_vocabularies() -> None:
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(
            NotFittedError, match=rf"This ReviewTextModel is not fitted yet: .* before {method}"
        ):
            getattr(ReviewTextModel(), method)(NEW)
    assert issubclass(NotFittedError, ParameterError)
    assert issubclass(NotFittedError, sklearn_exceptions.NotFittedError)


def test_score_is_accuracy_and_the_old_call_points_to_predict_proba() -> None:
    model = ReviewTextModel().fit(TEXTS, LABELS)
    assert model.score(TEXTS, LABELS) == 1.0 and model.score(NEW, [0, 0]) == 0.5
    with pytest.raises(
        ParameterError, match=r"'y' parameter of ReviewTextModel\.score .* predict_proba\(X\)\[:, 1\]"
    ):
        model.score(NEW)


def test_get_params_set_params_and_clone_round_trip() -> None:
    model = ReviewTextModel(C=0.3, chars=False)
    assert model.get_params() == {"C": 0.3, "chars": False, "naive_bayes": True}
    assert model.set_params(C=3.0, naive_bayes=False) is model
    assert model.get_params() == {"C": 3.0, "chars": False, "naive_bayes": False}
    assert repr(model) == "ReviewTextModel(C=3.0, chars=False, naive_bayes=False)"
    fitted = model.fit(TEXTS, LABELS)
    twin = clone(fitted)
    assert twin is not fitted and twin.get_params() == fitted.get_params()
    assert not [k for k in vars(twin) if k.endswith("_")]  # a clone is unfitted
    np.testing.assert_array_equal(p_fake(twin.fit(TEXTS, LABELS), NEW), p_fake(fitted, NEW))
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(p_fake(restored, NEW), p_fake(fitted, NEW))


def test_grid_values_from_numpy_are_accepted() -> None:
    model = ReviewTextModel(C=np.float64(0.3), chars=np.bool_(False)).fit(TEXTS, LABELS)  # type: ignore[arg-type]
    assert model.predict(NEW).tolist() == [1, 0]
    assert ReviewTextModel(C=np.int64(2)).fit(TEXTS, LABELS).predict(NEW).tolist() == [1, 0]


# scikit-learn's own checks. Its data checks feed numeric 2-D arrays, which a text model rejects by design (the
# tags say string input, no 2-D arrays), so parametrize_with_checks yields only its clone check; the API checks
# below need no data and run as they are, and the data checks that matter have text versions further down.
API_CHECKS = [
    estimator_checks.check_estimator_repr,
    estimator_checks.check_no_attributes_set_in_init,
    estimator_checks.check_parameters_default_constructible,
    estimator_checks.check_get_params_invariance,
    estimator_checks.check_set_params,
    estimator_checks.check_do_not_raise_errors_in_init_or_set_params,
    estimator_checks.check_estimators_unfitted,
    estimator_checks.check_mixin_order,
    estimator_checks.check_valid_tag_types,
    estimator_checks.check_estimator_tags_renamed,
]


with warnings.catch_warnings():  # the SkipTestWarning for the data checks is the point made above, not news
    warnings.simplefilter("ignore", sklearn_exceptions.SkipTestWarning)
    SCIKIT_LEARN_CHECKS = estimator_checks.parametrize_with_checks([ReviewTextModel()])


@SCIKIT_LEARN_CHECKS
def test_scikit_learn_checks_that_take_text(estimator: ReviewTextModel, check: Callable[..., None]) -> None:
    check(estimator)


@pytest.mark.parametrize("check", API_CHECKS, ids=lambda c: c.__name__)
def test_scikit_learn_api_checks(check: Callable[..., None]) -> None:
    check("ReviewTextModel", ReviewTextModel())


def test_text_versions_of_the_data_checks() -> None:
    texts, y = corpus()
    model = ReviewTextModel()
    assert model.fit(texts, y) is model  # fit returns self
    proba = model.predict_proba(texts)
    np.testing.assert_array_equal(model.fit(texts, y).predict_proba(texts), proba)  # idempotent
    order = np.random.default_rng(1).permutation(len(texts))
    shuffled = [texts[i] for i in order]
    np.testing.assert_allclose(model.predict_proba(shuffled), proba[order])  # sample order invariance
    np.testing.assert_allclose(model.predict_proba(texts[:7]), proba[:7])  # subset invariance
    assert model.get_params() == ReviewTextModel().get_params()  # fitting changed no parameter


def test_cross_val_score_grid_search_and_pipeline() -> None:
    texts, y = corpus()
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    assert cross_val_score(ReviewTextModel(), texts, y, cv=folds).mean() >= 0.9
    assert cross_val_score(ReviewTextModel(), texts, y, cv=folds, scoring="roc_auc").mean() >= 0.9
    words = np.where(y == 1, "deceptive", "truthful")
    assert cross_val_score(ReviewTextModel(), np.array(texts, dtype=object), words, cv=folds).mean() >= 0.9
    search = GridSearchCV(ReviewTextModel(), {"C": [0.3, 3.0]}, cv=folds).fit(texts, y)
    assert search.best_params_["C"] in (0.3, 3.0) and search.best_score_ >= 0.9
    assert isinstance(search.best_estimator_, ReviewTextModel) and search.predict(NEW).tolist() == [1, 0]
    # the documented way to score reviews without text: fill them before the model, in the pipeline
    fill = FunctionTransformer(lambda X: ["" if t is None else t for t in X])
    pipeline = make_pipeline(fill, ReviewTextModel()).fit([*texts, None], [*y, 0])
    assert pipeline.predict([None, NEW[0]]).tolist()[1] == 1


def test_a_review_is_read_to_its_first_characters() -> None:
    from marketguard.text.authenticity import MAX_TEXT_CHARS

    model = ReviewTextModel().fit(TEXTS, LABELS)
    head = (GENUINE[0] + " ") * (MAX_TEXT_CHARS // len(GENUINE[0]) + 1)
    long_ones = [head[:MAX_TEXT_CHARS] + tail for tail in ("", "!!! amazing " * 100_000, "x" * 1_000_000)]
    scores = model.predict_proba(long_ones)[:, 1]
    assert scores[0] == scores[1] == scores[2]


def test_a_solver_stopped_at_its_iteration_limit_is_reported_not_printed(monkeypatch) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing may be printed at a fit
        assert ReviewTextModel().fit(TEXTS, LABELS).converged_
        from marketguard.text import authenticity

        monkeypatch.setattr(authenticity, "LinearSVC", functools.partial(authenticity.LinearSVC, max_iter=1))
        stopped = ReviewTextModel().fit(*corpus(20))
    assert not stopped.converged_
    assert np.isfinite(p_fake(stopped, NEW)).all()
