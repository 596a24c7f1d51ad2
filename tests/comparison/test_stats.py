"""The statistics on inputs whose right answer is known."""

from __future__ import annotations

import math

import numpy as np
import pytest
from rliable import metrics

from npp_rl.comparison import stats


def test_mean_and_iqm_of_known_arrays():
    a = stats.aggregate(np.arange(1.0, 9.0)[None, :])  # one seed, 8 levels: 1..8
    assert a["mean"] == pytest.approx(4.5)
    assert a["iqm"] == pytest.approx((3 + 4 + 5 + 6) / 4)  # the middle half
    b = stats.aggregate(np.array([[0.0, 0.0, 0.0, 100.0]]))  # an outlier moves the mean, not the IQM
    assert b["mean"] == pytest.approx(25.0) and b["iqm"] == pytest.approx(0.0)


def test_intervals_collapse_for_identical_seeds_but_not_over_levels():
    m = np.tile([1.0, 0.0, 1.0, 1.0, 0.0, 1.0], (3, 1))  # three seeds that agree on every level
    a = stats.aggregate(m, over="seeds")
    assert a["mean_low"] == a["mean"] == a["mean_high"] == pytest.approx(4 / 6)
    assert a["iqm_low"] == a["iqm_high"] == a["iqm"]
    lv = stats.aggregate(m, over="seeds+levels", reps=4000)
    assert lv["mean_low"] < 0.5 < 4 / 6 < lv["mean_high"]  # other levels could have gone either way


def test_interval_over_seeds_of_a_known_spread():
    # one level, seeds at 0.2, 0.5, 0.8: the bootstrap mean of three draws; all-0.2 has probability
    # 1/27 = 3.7 % > 2.5 %, so the 95 % interval is exactly [0.2, 0.8] (pooled episodes gave [0.46, 0.54])
    a = stats.aggregate(np.array([[0.2], [0.5], [0.8]]), reps=20_000)
    assert a["mean"] == pytest.approx(0.5)
    assert a["mean_low"] == pytest.approx(0.2) and a["mean_high"] == pytest.approx(0.8)
    assert stats.aggregate(np.array([[0.2], [0.5], [0.8]]), reps=500, seed=3) == \
        stats.aggregate(np.array([[0.2], [0.5], [0.8]]), reps=500, seed=3)  # reproducible


def test_probability_of_improvement_known_cases():
    ones, zeros = np.ones((3, 5)), np.zeros((2, 5))
    p = stats.probability_of_improvement(ones, zeros)
    assert p == {"p": 1.0, "low": 1.0, "high": 1.0}
    assert stats.probability_of_improvement(zeros, ones)["p"] == 0.0
    assert stats.probability_of_improvement(ones, ones)["p"] == 0.5  # ties count a half
    # one seed each: the fraction of levels won, ties halved: wins on 1, tie on 2 of 3 -> (1 + 0.5 + 0.5) / 3
    one = stats.probability_of_improvement(np.array([[1.0, 0.0, 1.0]]), np.array([[0.0, 0.0, 1.0]]))
    assert one["p"] == pytest.approx(2 / 3) and one["low"] == one["high"] == pytest.approx(2 / 3)
    rng = np.random.default_rng(1)
    x, y = rng.random((3, 7)), rng.random((4, 7))
    assert stats._poi(x, y) == pytest.approx(metrics.probability_of_improvement(x, y))  # = rliable's
    with pytest.raises(ValueError, match="same levels"):
        stats.probability_of_improvement(np.ones((2, 3)), np.ones((2, 4)))


def test_performance_profile_known():
    m = np.array([[0.0, 0.5, 1.0, 1.0]])
    prof, ci = stats.performance_profile(m)
    at = {round(t, 2): v for t, v in zip(stats.TAU, prof, strict=True)}
    assert at[0.0] == 0.75 and at[0.25] == 0.75 and at[0.5] == 0.5 and at[0.99] == 0.5 and at[1.0] == 0.0
    assert ci.shape == (2, len(stats.TAU)) and np.allclose(ci[0], prof) and np.allclose(ci[1], prof)


def test_area_under_curve_and_censored_steps():
    auc, steps, reached = stats.auc_and_first_reach([(10, 0.5), (20, 0.5)], budget=40)
    assert auc == pytest.approx(0.5) and steps == 10 and reached  # held before and after its points
    auc, steps, reached = stats.auc_and_first_reach([(0, 0.0), (100, 1.0)], budget=100)
    assert auc == pytest.approx(0.5) and steps == 100 and reached
    auc, steps, reached = stats.auc_and_first_reach([(10, 0.1), (50, 0.2)], budget=100)
    assert steps == 100 and not reached  # never reached: counted as the full budget, not dropped
    assert auc == pytest.approx((10 * 0.1 + 40 * 0.15 + 50 * 0.2) / 100)
    assert math.isnan(stats.auc_and_first_reach([], 100)[0])


def test_success_first_order():
    # the best score (row 0) has a success interval wholly below both others: it can only come last
    order = stats.success_first_order([0.9, 0.5, 0.6], [(0.0, 0.0), (0.1, 0.2), (0.15, 0.5)])
    assert order == [2, 1, 0]
    # overlapping intervals: the score decides
    assert stats.success_first_order([0.9, 0.5], [(0.0, 0.3), (0.2, 0.4)]) == [0, 1]
    assert stats.intervals_overlap((0, 0.3), (0.3, 0.4)) and not stats.wholly_below((0, 0.3), (0.3, 0.4))
    assert not stats.intervals_overlap((0, float("nan")), (0, 1))
