"""Synthetic data sets: shapes, dtypes, determinism, geometry and bad-input messages."""

import numpy as np
import pytest

from cnnbook.data.synthetic import make_blobs, make_rings


@pytest.mark.parametrize("n, radii", [(1, (1.0, 2.0)), (50, (1.0, 2.0)), (7, (0.5, 1.0, 3.0))])
def test_rings_shapes_dtypes_and_class_counts(n, radii):
    x, y = make_rings(n, radii=radii, seed=3)
    k = len(radii)
    assert x.shape == (n * k, 2) and x.dtype == np.float64
    assert y.shape == (n * k,) and y.dtype == np.int64
    assert np.bincount(y, minlength=k).tolist() == [n] * k


def test_rings_without_noise_lie_exactly_on_their_circles():
    radii = (0.5, 1.25, 4.0)
    x, y = make_rings(40, noise=0.0, radii=radii, seed=1)
    distance = np.hypot(x[:, 0], x[:, 1])  # computed independently of the generator
    np.testing.assert_allclose(distance, np.asarray(radii)[y], rtol=1e-12)


def test_rings_noise_is_radial_with_the_requested_spread():
    x, y = make_rings(20000, noise=0.2, radii=(1.0, 3.0), seed=0)
    distance = np.hypot(x[:, 0], x[:, 1])
    for label, radius in enumerate((1.0, 3.0)):
        d = distance[y == label]
        assert abs(d.mean() - radius) < 0.01
        assert abs(d.std() - 0.2) < 0.01
    # Angles cover the whole circle: every quadrant holds about a quarter of the points.
    quadrant = (x[:, 0] > 0).astype(int) * 2 + (x[:, 1] > 0)
    assert np.allclose(np.bincount(quadrant) / len(y), 0.25, atol=0.01)


def test_rings_are_deterministic_seeded_and_shuffled():
    x1, y1 = make_rings(30, seed=5)
    x2, y2 = make_rings(30, seed=5)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    x3, _ = make_rings(30, seed=6)
    assert not np.array_equal(x1, x3)
    assert 0 < y1[:30].sum() < 30, "labels are mixed, not sorted by class"


def test_rings_are_not_linearly_separable_but_separable_by_radius():
    x, y = make_rings(200, noise=0.1, seed=0)
    design = np.column_stack([np.ones(len(y)), x])
    theta, *_ = np.linalg.lstsq(design, y.astype(float), rcond=None)
    linear_accuracy = np.mean((design @ theta > 0.5) == y)
    radius_accuracy = np.mean((np.hypot(x[:, 0], x[:, 1]) > 1.5) == y)
    assert linear_accuracy < 0.7
    assert radius_accuracy == 1.0


def test_blobs_shapes_centres_and_spread():
    centers = np.array([[0.0, 0.0, 1.0], [5.0, -2.0, 0.0]])
    x, y = make_blobs(5000, centers, std=0.5, seed=2)
    assert x.shape == (10000, 3) and x.dtype == np.float64
    assert y.shape == (10000,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [5000, 5000]
    for label in range(2):
        np.testing.assert_allclose(x[y == label].mean(axis=0), centers[label], atol=0.03)
        np.testing.assert_allclose(x[y == label].std(axis=0), 0.5, atol=0.02)


def test_blobs_are_deterministic_and_accept_lists():
    a = make_blobs(4, [[0, 0], [1, 1], [2, 0]], std=0.0, seed=0)
    b = make_blobs(4, np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]), std=0.0, seed=0)
    for u, v in zip(a, b):
        np.testing.assert_array_equal(u, v)
    x, y = a
    np.testing.assert_array_equal(x, np.array([[0, 0], [1, 1], [2, 0]], dtype=float)[y])


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_per_class=0), "make_rings: n_per_class must be an int >= 1, got 0"),
    (dict(n_per_class=2.5), "n_per_class must be an int >= 1, got 2.5"),
    (dict(n_per_class=10, noise=-0.1), "make_rings: noise must be a finite number >= 0, got -0.1"),
    (dict(n_per_class=10, noise=float("nan")), "noise must be a finite number >= 0"),
    (dict(n_per_class=10, radii=(2.0, 1.0)), "radii must hold at least 2 positive, strictly increasing"),
    (dict(n_per_class=10, radii=(1.0,)), "got [1.0]"),
    (dict(n_per_class=10, radii=(0.0, 1.0)), "radii must hold at least 2 positive"),
    (dict(n_per_class=10, radii="ab"), "radii must be a sequence of numbers, got 'ab'"),
])
def test_rings_bad_input_names_the_argument(kwargs, message):
    n = kwargs.pop("n_per_class")
    with pytest.raises(ValueError) as error:
        make_rings(n, **kwargs)
    assert message in str(error.value)


@pytest.mark.parametrize("n, centers, std, message", [
    (0, [[0.0, 0.0]], 1.0, "make_blobs: n_per_class must be an int >= 1, got 0"),
    (5, [0.0, 1.0], 1.0, "centers must be a non-empty 2-D array (K, D) of finite numbers, got shape (2,)"),
    (5, np.zeros((0, 2)), 1.0, "got shape (0, 2)"),
    (5, [[0.0, np.inf]], 1.0, "of finite numbers"),
    (5, [["a", "b"]], 1.0, "centers must be a (K, D) array of numbers"),
    (5, [[0.0, 0.0]], -1.0, "make_blobs: std must be a finite number >= 0, got -1.0"),
])
def test_blobs_bad_input_names_the_argument(n, centers, std, message):
    with pytest.raises(ValueError) as error:
        make_blobs(n, centers, std=std)
    assert message in str(error.value)
