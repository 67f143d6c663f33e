"""Test surfaces, the optimizer runner, the trajectory plot and the animation."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
import torch

from cnnbook.numpy_ops import optim
from cnnbook.viz.trajectories import (
    BEALE,
    ILL_CONDITIONED,
    ROSENBROCK,
    SADDLE,
    SURFACES,
    animate_trajectories,
    frame_indices,
    get_surface,
    plot_trajectories,
    run_optimizer,
    run_torch_optimizer,
)
from harness import assert_close

SURFACE_LIST = list(SURFACES.values())
IDS = list(SURFACES)


@pytest.mark.parametrize("surface", SURFACE_LIST, ids=IDS)
def test_gradient_matches_autograd(surface):
    rng = np.random.default_rng(0)
    for _ in range(20):
        point = np.array([rng.uniform(*surface.xlim), rng.uniform(*surface.ylim)])
        p = torch.tensor(point, requires_grad=True)
        surface.f(p[0], p[1]).backward()
        assert_close(surface.grad(point), p.grad, name=f"{surface.name} at {point}", tol=1e-9)


@pytest.mark.parametrize("surface", SURFACE_LIST, ids=IDS)
def test_minima_are_stationary_and_lowest(surface):
    for minimum in surface.minima:
        np.testing.assert_allclose(surface.grad(minimum), 0.0, atol=1e-12)
    _, _, z = surface.grid(120)
    assert min(surface.value(m) for m in surface.minima) <= z.min() + 1e-9


def test_known_values():
    assert ROSENBROCK.value((1, 1)) == 0 and ROSENBROCK.value((0, 0)) == 1
    assert BEALE.value((3, 0.5)) == pytest.approx(0.0, abs=1e-15)
    assert ILL_CONDITIONED.value((1, 1)) == pytest.approx(13.0)
    assert SADDLE.value((0, 1)) == pytest.approx(-0.25)
    np.testing.assert_allclose(SADDLE.grad((0, 0)), 0.0)  # the saddle point itself


OPTIMIZERS = [
    ("SGD", dict(lr=1e-3)),
    ("SGD", dict(lr=1e-3, momentum=0.9)),
    ("SGD", dict(lr=1e-3, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=1e-3, momentum=0.9, dampening=0.1)),
    ("Adagrad", dict(lr=0.5)),
    ("Adadelta", dict(lr=1.0)),
    ("RMSprop", dict(lr=0.01)),
    ("Adam", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.1)),
]


@pytest.mark.parametrize("surface", SURFACE_LIST, ids=IDS)
@pytest.mark.parametrize("name, hyper", OPTIMIZERS, ids=[f"{n}-{i}" for i, (n, _) in
                                                         enumerate(OPTIMIZERS)])
def test_paths_equal_torch_optim(surface, name, hyper):
    ours = run_optimizer(surface, getattr(optim, name), steps=120, **hyper)
    theirs = run_torch_optimizer(surface, getattr(torch.optim, name), steps=120, **hyper)
    assert ours.shape == (121, 2)
    assert_close(ours, theirs, name=f"{name} on {surface.name}", tol=1e-9)


def test_path_starts_where_asked_and_moves():
    path = run_optimizer(ROSENBROCK, optim.Adam, start=(0.5, -0.5), steps=10, lr=0.1)
    np.testing.assert_array_equal(path[0], [0.5, -0.5])
    assert np.all(np.linalg.norm(np.diff(path, axis=0), axis=1) > 0)


def test_a_diverging_path_stops_at_the_first_non_finite_point():
    path = run_optimizer(ROSENBROCK, optim.SGD, steps=200, lr=0.1)
    assert len(path) < 201
    assert np.all(np.isfinite(path[:-1])) and not np.all(np.isfinite(path[-1]))


def test_bad_arguments():
    with pytest.raises(ValueError, match="get_surface: name must be one of"):
        get_surface("himmelblau")
    with pytest.raises(ValueError, match=r"run_optimizer: start must be a point .* shape \(3,\)"):
        run_optimizer(ROSENBROCK, optim.SGD, start=(0, 0, 0))
    with pytest.raises(ValueError, match="run_optimizer: steps must be a non-negative int"):
        run_optimizer(ROSENBROCK, optim.SGD, steps=-1)
    with pytest.raises(ValueError, match="TrajectoryScene: paths must hold"):
        animate_trajectories(ROSENBROCK, {})


def test_frame_indices_cover_the_path():
    idx = frame_indices(201, 40)
    assert idx[0] == 0 and idx[-1] == 200 and len(idx) <= 40
    assert np.all(np.diff(idx) > 0)
    assert idx[1] - idx[0] <= idx[-1] - idx[-2]  # dense at the start
    np.testing.assert_array_equal(frame_indices(1, 5), [0])


def test_plot_draws_every_path():
    from matplotlib.figure import Figure

    paths = {"SGD": run_optimizer(BEALE, optim.SGD, steps=20, lr=1e-3),
             "Adam": run_optimizer(BEALE, optim.Adam, steps=30, lr=0.05)}
    ax = Figure().subplots()
    plot_trajectories(BEALE, paths, ax=ax, title="test")
    drawn = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(drawn["Adam"].get_xydata(), paths["Adam"])
    assert ax.get_title() == "test" and ax.get_xlabel() == "x"


def test_animation_moves_the_heads_along_the_paths():
    paths = {"SGD": run_optimizer(SADDLE, optim.SGD, steps=30, lr=0.1),
             "Adam": run_optimizer(SADDLE, optim.Adam, steps=50, lr=0.05)}
    anim = animate_trajectories(SADDLE, paths, frames=12, dpi=40)
    scene = anim.scene
    assert scene.n_frames == len(scene.indices) <= 12
    last = scene.n_frames - 1
    scene.update(last)
    np.testing.assert_allclose(scene.heads(), [paths["SGD"][-1], paths["Adam"][-1]])
    scene.update(0)
    np.testing.assert_allclose(scene.heads(), [paths["SGD"][0], paths["Adam"][0]])
    with pytest.raises(ValueError, match="frame must be in"):
        scene.update(scene.n_frames)
    html = anim.to_jshtml()
    assert "<script" in html and len(html) < 3_000_000
