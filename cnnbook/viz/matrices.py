"""Draw small matrices (images, kernels, feature maps) as grids of cells with their values."""

from __future__ import annotations

from typing import Optional, Tuple, Union

import numpy as np

Pair = Union[int, Tuple[int, int]]


def show_matrix(
    ax,
    values: np.ndarray,
    title: str = "",
    *,
    cmap: str = "viridis",
    xlabel: str = "column",
    ylabel: str = "row",
    box: Optional[Tuple[int, int]] = None,
    box_size: Pair = 1,
    box_color: str = "tab:orange",
    fmt: str = "{:g}",
    fontsize: float = 11,
    vmin: Optional[float] = None,
    vmax: Optional[float] = None,
):
    """Draw a 2-D array as coloured cells, each labelled with its value.

    Args:
        ax: the matplotlib Axes to draw on.
        values: (H, W) array of numbers.
        title, xlabel, ylabel: the axes' labels.
        cmap: matplotlib colour map name.
        box: optional (row, column) of the top-left cell of a highlighted rectangle.
        box_size: the rectangle's size in cells, an int or a (height, width) pair.
        box_color: the rectangle's colour.
        fmt: format string for the cell labels (``"{:.2f}"`` for fractions).
        fontsize: the labels' font size; use a smaller one for large matrices.
        vmin, vmax: the colour scale; by default ``min(values.min(), 0)`` and
            ``max(values.max(), 1)``.

    Returns:
        The AxesImage drawn (for a colour bar).
    """
    import matplotlib.pyplot as plt

    values = np.asarray(values)
    if values.ndim != 2:
        raise ValueError(f"show_matrix: values must be a 2-D array (H, W), got shape {values.shape}")
    low = min(float(values.min()), 0.0) if vmin is None else vmin
    high = max(float(values.max()), 1.0) if vmax is None else vmax
    shown = ax.imshow(values, cmap=cmap, vmin=low, vmax=high)
    for (r, c), value in np.ndenumerate(values):
        red, green, blue, _ = shown.cmap(shown.norm(value))
        dark_cell = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        ax.text(c, r, fmt.format(value), ha="center", va="center", fontsize=fontsize,
                color="white" if dark_cell else "black")
    if box is not None:
        height, width = (box_size, box_size) if isinstance(box_size, int) else box_size
        ax.add_patch(plt.Rectangle((box[1] - 0.5, box[0] - 0.5), width, height,
                                   fill=False, edgecolor=box_color, linewidth=3))
    ax.set_xticks(range(values.shape[1]))
    ax.set_yticks(range(values.shape[0]))
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return shown
