"""Optimizers on 2-D test surfaces: the surfaces, a runner, a trajectory plot, an animation.

A :class:`Surface` is a function of two variables with its hand-written gradient, a box to
draw it in and a default start point. Its function is written with arithmetic only, so it
accepts NumPy arrays and torch tensors alike (the tests differentiate it with autograd to
check the hand-written gradients). Four are provided:

- ``ROSENBROCK``  f = (1 - x)^2 + 100 (y - x^2)^2, a curved, narrow valley; minimum (1, 1);
- ``BEALE``       f = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2,
                  flat plateaus and steep walls; minimum (3, 0.5);
- ``ILL_CONDITIONED``  f = (x^2 + 25 y^2) / 2, a quadratic bowl 25 times steeper across
                  than along; minimum (0, 0);
- ``SADDLE``      f = x^2 / 2 + y^4 / 4 - y^2 / 2, a saddle point at the origin between
                  two minima (0, -1) and (0, 1).

Run an optimizer of :mod:`cnnbook.numpy_ops.optim` (any class built as ``cls([w], **kw)``
with a ``step([g])`` method that updates ``w`` in place) and draw the paths::

    path = run_optimizer(ROSENBROCK, Adam, steps=200, lr=0.05)      # (201, 2)
    plot_trajectories(ROSENBROCK, {"Adam": path})
    HTML(animate_trajectories(ROSENBROCK, {"Adam": path}).to_jshtml())

The figures are made without ``pyplot``, except when :func:`plot_trajectories` is given
no axes (then it opens a pyplot figure, as a notebook expects).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple

import numpy as np

Array = np.ndarray


@dataclass(frozen=True)
class Surface:
    """A 2-D test function with its gradient, a drawing box and a default start.

    Attributes:
        name: a short name for titles.
        f: ``f(x, y)``, elementwise on NumPy arrays or torch tensors of equal shapes.
        gradient: ``gradient(x, y) -> (df/dx, df/dy)``, elementwise like ``f``.
        minima: the global minima, as (x, y) pairs.
        xlim, ylim: the box in which to draw the surface.
        start: the default start point of an optimizer.
        log_levels: draw contour levels spaced logarithmically (for surfaces whose values
            span orders of magnitude).
    """

    name: str
    f: Callable[[Any, Any], Any]
    gradient: Callable[[Any, Any], Tuple[Any, Any]]
    minima: Tuple[Tuple[float, float], ...]
    xlim: Tuple[float, float]
    ylim: Tuple[float, float]
    start: Tuple[float, float]
    log_levels: bool = False

    def value(self, point: Sequence[float]) -> float:
        """f at one point (x, y)."""
        with np.errstate(over="ignore", invalid="ignore"):
            return float(self.f(np.float64(point[0]), np.float64(point[1])))

    def grad(self, point: Sequence[float]) -> Array:
        """The gradient at one point (x, y), as a float64 array of shape (2,)."""
        with np.errstate(over="ignore", invalid="ignore"):  # a diverging path gives inf
            gx, gy = self.gradient(np.float64(point[0]), np.float64(point[1]))
        return np.array([gx, gy], dtype=np.float64)

    def values_along(self, path: Array) -> Array:
        """f at each row of an (n, 2) path: shape (n,)."""
        path = np.asarray(path, dtype=np.float64)
        return np.asarray(self.f(path[:, 0], path[:, 1]), dtype=np.float64)

    def grid(self, resolution: int = 200) -> Tuple[Array, Array, Array]:
        """(X, Y, Z) on a regular ``resolution`` x ``resolution`` grid of the box."""
        xs = np.linspace(*self.xlim, resolution)
        ys = np.linspace(*self.ylim, resolution)
        x, y = np.meshgrid(xs, ys)  # (resolution, resolution), rows follow y
        return x, y, np.asarray(self.f(x, y), dtype=np.float64)


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def _rosenbrock_gradient(x, y):
    return -2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)


def _beale(x, y):
    return ((1.5 - x + x * y) ** 2 + (2.25 - x + x * y ** 2) ** 2
            + (2.625 - x + x * y ** 3) ** 2)


def _beale_gradient(x, y):
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3
    gx = 2 * a * (y - 1) + 2 * b * (y ** 2 - 1) + 2 * c * (y ** 3 - 1)
    gy = 2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y ** 2
    return gx, gy


CONDITION = 25.0  # the curvature ratio of the ill-conditioned quadratic


def _quadratic(x, y):
    return 0.5 * (x ** 2 + CONDITION * y ** 2)


def _quadratic_gradient(x, y):
    return 1.0 * x, CONDITION * y


def _saddle(x, y):
    return 0.5 * x ** 2 + 0.25 * y ** 4 - 0.5 * y ** 2


def _saddle_gradient(x, y):
    return 1.0 * x, y ** 3 - y


ROSENBROCK = Surface("Rosenbrock", _rosenbrock, _rosenbrock_gradient, ((1.0, 1.0),),
                     xlim=(-2.0, 2.0), ylim=(-1.0, 3.0), start=(-1.2, 1.0), log_levels=True)
BEALE = Surface("Beale", _beale, _beale_gradient, ((3.0, 0.5),),
                xlim=(-0.5, 4.0), ylim=(-1.5, 2.0), start=(1.0, 1.5), log_levels=True)
ILL_CONDITIONED = Surface(f"quadratic, condition number {CONDITION:g}", _quadratic,
                          _quadratic_gradient, ((0.0, 0.0),), xlim=(-5.0, 5.0),
                          ylim=(-2.5, 2.5), start=(-4.5, 2.0))
SADDLE = Surface("saddle", _saddle, _saddle_gradient, ((0.0, -1.0), (0.0, 1.0)),
                 xlim=(-2.0, 2.0), ylim=(-1.6, 1.6), start=(-1.8, 1e-3))

SURFACES: Dict[str, Surface] = {"rosenbrock": ROSENBROCK, "beale": BEALE,
                                "ill_conditioned": ILL_CONDITIONED, "saddle": SADDLE}


def get_surface(name: str) -> Surface:
    """The surface called ``name``: one of "rosenbrock", "beale", "ill_conditioned", "saddle"."""
    if name not in SURFACES:
        raise ValueError(f"get_surface: name must be one of {sorted(SURFACES)}, got {name!r}")
    return SURFACES[name]


def _start_point(surface: Surface, start: Optional[Sequence[float]], op: str) -> Array:
    point = np.array(surface.start if start is None else start, dtype=np.float64)
    if point.shape != (2,):
        raise ValueError(f"{op}: start must be a point (x, y) of shape (2,), "
                         f"got shape {point.shape}")
    return point


def run_optimizer(
    surface: Surface,
    optimizer: Callable[..., Any],
    *,
    start: Optional[Sequence[float]] = None,
    steps: int = 100,
    **hyperparameters: Any,
) -> Array:
    """Run an optimizer on a surface and return the visited points.

    Args:
        surface: the function to minimise.
        optimizer: a class of :mod:`cnnbook.numpy_ops.optim` (e.g. ``Adam``), or any callable
            ``optimizer([w], **hyperparameters)`` returning an object whose ``step([g])``
            updates the float64 array ``w`` of shape (2,) in place.
        start: the start point (x, y); by default ``surface.start``.
        steps: how many updates to make.
        **hyperparameters: passed to the optimizer (``lr=...``, ``momentum=...``, ...).

    Returns:
        A float64 array (steps + 1, 2): the start and the point after each update. If a
        point becomes inf or NaN (divergence), the path stops there: it is shorter.

    Torch equivalent: the same loop with ``torch.optim`` (:func:`run_torch_optimizer`).
    """
    if not isinstance(steps, (int, np.integer)) or isinstance(steps, bool) or steps < 0:
        raise ValueError(f"run_optimizer: steps must be a non-negative int, got {steps!r}")
    w = _start_point(surface, start, "run_optimizer")
    opt = optimizer([w], **hyperparameters)
    path = [w.copy()]
    for _ in range(int(steps)):
        opt.step([surface.grad(w)])
        path.append(w.copy())
        if not np.all(np.isfinite(w)):
            break
    return np.array(path)


def run_torch_optimizer(
    surface: Surface,
    optimizer: Callable[..., Any],
    *,
    start: Optional[Sequence[float]] = None,
    steps: int = 100,
    **hyperparameters: Any,
) -> Array:
    """The oracle of :func:`run_optimizer`: a ``torch.optim`` optimizer in float64.

    The gradient comes from autograd on ``surface.f``, not from the hand-written one.

    Args:
        surface, start, steps, **hyperparameters: as in :func:`run_optimizer`.
        optimizer: a ``torch.optim`` class, e.g. ``torch.optim.Adam``.

    Returns:
        A float64 array (steps + 1, 2) of the visited points.
    """
    import torch

    point = torch.tensor(_start_point(surface, start, "run_torch_optimizer"),
                         dtype=torch.float64, requires_grad=True)
    opt = optimizer([point], **hyperparameters)
    path = [point.detach().numpy().copy()]
    for _ in range(int(steps)):
        opt.zero_grad()
        surface.f(point[0], point[1]).backward()
        opt.step()
        path.append(point.detach().numpy().copy())
    return np.array(path)


# ----------------------------------------------------------------------------- pictures


def _levels(surface: Surface, z: Array, count: int) -> Array:
    if surface.log_levels:
        low = max(float(z.min()), 1e-3)
        return np.geomspace(low, float(z.max()), count)
    return np.linspace(float(z.min()), float(z.max()), count)


def draw_surface(ax, surface: Surface, *, levels: int = 30, resolution: int = 200) -> None:
    """Contour lines of ``surface`` on ``ax`` with its minima marked as stars."""
    from matplotlib.colors import LogNorm

    x, y, z = surface.grid(resolution)
    norm = LogNorm() if surface.log_levels else None
    ax.contour(x, y, z, levels=_levels(surface, z, levels), cmap="Greys_r", norm=norm,
               linewidths=0.7, alpha=0.7)
    for mx, my in surface.minima:
        ax.plot(mx, my, marker="*", color="gold", markeredgecolor="black", markersize=15,
                linestyle="none", zorder=5)
    ax.set_xlim(*surface.xlim)
    ax.set_ylim(*surface.ylim)
    ax.set_xlabel("x")
    ax.set_ylabel("y")


def _colors(count: int):
    return [f"C{i % 10}" for i in range(count)]


def plot_trajectories(
    surface: Surface,
    paths: Mapping[str, Array],
    *,
    ax=None,
    title: Optional[str] = None,
    levels: int = 30,
):
    """Draw optimizer paths over the contour lines of a surface.

    Args:
        surface: the surface the paths were computed on.
        paths: ``{label: path}`` with each path an (n, 2) array (from :func:`run_optimizer`).
        ax: the axes to draw on; by default a new pyplot figure.
        title: the axes title; by default the surface's name.
        levels: the number of contour levels.

    Returns:
        The axes. The start is a black dot, each path a coloured line with dots at its
        points, each end a larger marker; minima are gold stars.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(6, 5))
    draw_surface(ax, surface, levels=levels)
    for color, (label, path) in zip(_colors(len(paths)), paths.items()):
        path = np.asarray(path, dtype=np.float64)
        ax.plot(path[:, 0], path[:, 1], "-", color=color, linewidth=1.6, label=label,
                marker=".", markersize=3)
        ax.plot(path[-1, 0], path[-1, 1], "o", color=color, markersize=7,
                markeredgecolor="black")
    starts = np.array([np.asarray(p)[0] for p in paths.values()]) if paths else np.zeros((0, 2))
    if len(starts):
        ax.plot(starts[:, 0], starts[:, 1], "ko", markersize=6, label="start")
    ax.set_title(title or surface.name)
    if paths:
        ax.legend(fontsize=8, loc="best")
    return ax


def frame_indices(length: int, frames: int) -> Array:
    """Which path index each of ``frames`` animation frames shows (0 .. length - 1, ascending).

    Early steps get more frames than late ones (square-root spacing), since optimizers move
    most at the start.
    """
    if length < 1 or frames < 1:
        raise ValueError(f"frame_indices: length and frames must be >= 1, got {length}, {frames}")
    raw = (np.linspace(0.0, 1.0, frames) ** 2) * (length - 1)
    return np.unique(np.round(raw).astype(int))


class TrajectoryScene:
    """The figure of an animation of optimizer paths and a method that draws one frame.

    Arguments as in :func:`animate_trajectories`. Call :meth:`update` with a frame number
    (0 .. ``n_frames - 1``); ``indices[frame]`` is the path step it shows.
    """

    def __init__(self, surface: Surface, paths: Mapping[str, Array], *, frames: int = 40,
                 title: Optional[str] = None, figsize=(5.6, 4.6), dpi: float = 80,
                 tail: int = 0, levels: int = 20):
        from matplotlib.figure import Figure

        if not paths:
            raise ValueError("TrajectoryScene: paths must hold at least one path, got none")
        self.paths = {k: np.asarray(v, dtype=np.float64) for k, v in paths.items()}
        length = max(len(p) for p in self.paths.values())
        self.indices = frame_indices(length, frames)
        self.n_frames = len(self.indices)
        self.tail = tail
        self.figure = Figure(figsize=figsize, dpi=dpi)
        ax = self.figure.subplots()
        self.ax = ax
        draw_surface(ax, surface, levels=levels)
        self._lines, self._heads = [], []
        for color, label in zip(_colors(len(self.paths)), self.paths):
            (line,) = ax.plot([], [], "-", color=color, linewidth=1.6, label=label)
            (head,) = ax.plot([], [], "o", color=color, markersize=8, markeredgecolor="black")
            self._lines.append(line)
            self._heads.append(head)
        first = next(iter(self.paths.values()))[0]
        ax.plot(first[0], first[1], "ko", markersize=5)
        ax.legend(fontsize=8, loc="upper left")
        self._title = title or surface.name
        ax.set_title(self._title, fontsize=10)
        self.figure.tight_layout()
        self.update(0)

    def update(self, frame: int):
        """Draw every path up to step ``indices[frame]``; return the changed artists."""
        if not 0 <= frame < self.n_frames:
            raise ValueError(f"TrajectoryScene.update: frame must be in [0, {self.n_frames}), "
                             f"got {frame!r}")
        step = int(self.indices[frame])
        for line, head, path in zip(self._lines, self._heads, self.paths.values()):
            k = min(step, len(path) - 1)
            first = max(0, k - self.tail) if self.tail else 0
            line.set_data(path[first:k + 1, 0], path[first:k + 1, 1])
            head.set_data([path[k, 0]], [path[k, 1]])
        self.ax.set_title(f"{self._title}: step {step}", fontsize=10)
        return [*self._lines, *self._heads]

    def heads(self) -> Array:
        """The drawn head positions, one (x, y) per path, read back from the figure."""
        return np.array([[h.get_xdata()[0], h.get_ydata()[0]] for h in self._heads])


def animate_trajectories(
    surface: Surface,
    paths: Mapping[str, Array],
    *,
    frames: int = 40,
    interval: int = 150,
    title: Optional[str] = None,
    figsize=(5.6, 4.6),
    dpi: float = 80,
    tail: int = 0,
    levels: int = 20,
):
    """Animate optimizer paths moving over a surface, for a page without a Python kernel.

    Args:
        surface, paths, title: as in :func:`plot_trajectories`.
        frames: the most frames to draw (steps are subsampled, densely at the start).
        interval: milliseconds per frame.
        figsize, dpi: the frame size; small values keep the embedded HTML small (each frame
            is stored as a PNG).
        tail: draw only the last ``tail`` steps of each path (0: the whole path so far).
        levels: the number of contour levels (fewer lines make smaller frames).

    Returns:
        A ``matplotlib.animation.FuncAnimation``; show it with
        ``IPython.display.HTML(anim.to_jshtml())``. The scene is ``anim.scene``
        (see :class:`TrajectoryScene`).
    """
    from matplotlib.animation import FuncAnimation

    scene = TrajectoryScene(surface, paths, frames=frames, title=title, figsize=figsize,
                            dpi=dpi, tail=tail, levels=levels)
    anim = FuncAnimation(scene.figure, scene.update, frames=scene.n_frames,
                         interval=interval, blit=False, repeat=True)
    anim.scene = scene
    return anim
