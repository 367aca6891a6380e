"""Network mates' means: self excluded, unknowns skipped, loners get nothing."""

import numpy as np

from marketguard.features.neighbours import mean_of_mates


def test_mean_of_the_other_members_skipping_unknowns() -> None:
    values = np.array([[1.0, 10.0], [3.0, np.nan], [5.0, 30.0], [7.0, 70.0], [9.0, 90.0]])
    groups = np.array([0, 0, 0, 1, -1])
    got = mean_of_mates(values, groups)
    expected = np.array([[4.0, 30.0], [3.0, 20.0], [2.0, 10.0], [np.nan, np.nan], [np.nan, np.nan]])
    np.testing.assert_allclose(got, expected)
