"""A kernel sliding over a padded input: a matplotlib animation that plays in a static page.

One frame per output position, in the order the output is filled (row by row). The left
panel is the padded input: real pixels in blue, padding in grey, pixels that no window
ever reads (when the stride does not divide) in red; the kernel's taps are orange
squares inside the outline of its footprint, spaced ``dilation`` cells apart. The right
panel is the output grid, filling in as the kernel moves.

    anim = animate_convolution(input_size=5, kernel_size=3, padding=1)
    IPython.display.HTML(anim.to_jshtml())   # a JavaScript player: no kernel needed

The figures are made without ``pyplot``, so creating an animation never leaves a
stray static figure in a notebook.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

import numpy as np

from cnnbook.shapes import conv2d_output_shape
from cnnbook.validation import IntPair, pair

INPUT_COLOR = "#cfe2f3"
PADDING_COLOR = "#eeeeee"
UNREAD_COLOR = "#f4cccc"
TAP_COLOR = "tab:orange"
DONE_COLOR = "#9fc5e8"
EMPTY_COLOR = "white"


def kernel_footprints(
    input_size: IntPair,
    kernel_size: IntPair,
    *,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
) -> List[Tuple[Tuple[int, int], np.ndarray]]:
    """The input cells that each output position reads, in row-major output order.

    Args:
        input_size: (H, W) of the input, or an int for a square one.
        kernel_size, stride, padding, dilation: as in ``torch.nn.Conv2d`` (int or pair).

    Returns:
        A list of ((i, j), taps) for the output positions (0, 0), (0, 1), ...; taps is an
        int array (KH * KW, 2) of (row, column) coordinates in the *padded* input, where
        row r reads xpad[i S_h + u D_h] for the kernel row u (and the same for columns).

    Torch equivalent: the columns of ``torch.nn.functional.unfold`` (im2col).
    """
    op = "kernel_footprints"
    (kh, kw), (sh, sw) = pair(kernel_size, "kernel_size", op=op), pair(stride, "stride", op=op)
    (dh, dw) = pair(dilation, "dilation", op=op)
    oh, ow = conv2d_output_shape(input_size, kernel_size, stride=stride, padding=padding,
                                 dilation=dilation)
    u, v = np.meshgrid(np.arange(kh) * dh, np.arange(kw) * dw, indexing="ij")  # (KH, KW) offsets
    offsets = np.stack([u.ravel(), v.ravel()], axis=1)  # (KH * KW, 2)
    return [((i, j), offsets + np.array([i * sh, j * sw])) for i in range(oh) for j in range(ow)]


class ConvolutionScene:
    """The figure of one convolution and a method that draws the state at one frame.

    Build it, call :meth:`update` with a frame number (0 .. ``n_frames - 1``), and
    read back what is drawn with :meth:`highlighted`; :func:`animate_convolution` wraps it
    in a ``FuncAnimation``. Arguments as in :func:`animate_convolution`.
    """

    def __init__(
        self,
        input_size: IntPair = 5,
        kernel_size: IntPair = 3,
        *,
        stride: IntPair = 1,
        padding: IntPair = 0,
        dilation: IntPair = 1,
        title: Optional[str] = None,
        cell: float = 0.3,
        dpi: float = 100,
    ):
        from matplotlib.figure import Figure
        from matplotlib.patches import Rectangle

        op = "ConvolutionScene"
        self.input_size = pair(input_size, "input_size", op=op)
        self.kernel_size = pair(kernel_size, "kernel_size", op=op)
        self.stride = pair(stride, "stride", op=op)
        self.padding = pair(padding, "padding", op=op, minimum=0)
        self.dilation = pair(dilation, "dilation", op=op)
        self.footprints = kernel_footprints(self.input_size, self.kernel_size, stride=self.stride,
                                            padding=self.padding, dilation=self.dilation)
        (h, w), (ph, pw) = self.input_size, self.padding
        hp, wp = h + 2 * ph, w + 2 * pw  # padded input
        oh, ow = self.footprints[-1][0][0] + 1, self.footprints[-1][0][1] + 1
        self.output_shape = (oh, ow)
        self.n_frames = oh * ow
        reach = [d * (k - 1) + 1 for d, k in zip(self.dilation, self.kernel_size)]
        self.reach = tuple(reach)

        rows = max(hp, oh)
        above, below, side = 0.6, 0.8, 0.5  # margins in inches: titles; ticks, labels, caption
        width, height = cell * (wp + ow) + 3 * side + 0.4, cell * rows + above + below
        self.figure = Figure(figsize=(max(width, 4.6), height), dpi=dpi)
        ax_in, ax_out = self.figure.subplots(1, 2, gridspec_kw={"width_ratios": [wp, ow]})
        self.axes = (ax_in, ax_out)

        # Padded cells that no tap of any window reads: the last rows and columns when the
        # stride does not divide, and the cells between the taps when stride and dilation
        # skip the same ones.
        read = np.zeros((hp, wp), dtype=bool)
        for _, taps in self.footprints:
            read[taps[:, 0], taps[:, 1]] = True
        self.unread = ~read
        for r in range(hp):
            for c in range(wp):
                inside = ph <= r < ph + h and pw <= c < pw + w
                color = INPUT_COLOR if inside else PADDING_COLOR
                if inside and self.unread[r, c]:
                    color = UNREAD_COLOR
                ax_in.add_patch(Rectangle((c, r), 1, 1, facecolor=color, edgecolor="0.6",
                                          hatch=None if inside else "//", linewidth=0.8))
        self._outline = Rectangle((0, 0), reach[1], reach[0], fill=False, edgecolor=TAP_COLOR,
                                  linewidth=2.5)
        ax_in.add_patch(self._outline)
        self._taps = []
        for _ in range(self.kernel_size[0] * self.kernel_size[1]):
            tap = Rectangle((0, 0), 0.8, 0.8, facecolor=TAP_COLOR, alpha=0.8, edgecolor="none")
            ax_in.add_patch(tap)
            self._taps.append(tap)
        self._out_cells = []
        for r in range(oh):
            for c in range(ow):
                patch = Rectangle((c, r), 1, 1, facecolor=EMPTY_COLOR, edgecolor="0.6",
                                  linewidth=0.8)
                ax_out.add_patch(patch)
                self._out_cells.append(patch)
        self._current = Rectangle((0, 0), 1, 1, fill=False, edgecolor=TAP_COLOR, linewidth=2.5)
        ax_out.add_patch(self._current)

        font = 8
        for ax, (nr, nc), first in ((ax_in, (hp, wp), (-ph, -pw)), (ax_out, (oh, ow), (0, 0))):
            ax.set_xlim(0, nc)
            ax.set_ylim(nr, 0)
            ax.set_aspect("equal")
            ax.set_xticks(np.arange(nc) + 0.5, [str(first[1] + c) for c in range(nc)], fontsize=font)
            ax.set_yticks(np.arange(nr) + 0.5, [str(first[0] + r) for r in range(nr)], fontsize=font)
            ax.tick_params(length=0)
        ax_in.set_title(f"input {h}×{w}" + (f", padded to {hp}×{wp}" if hp * wp > h * w else ""),
                        fontsize=font + 1)
        ax_in.set(xlabel="input column", ylabel="input row")
        ax_out.set_title(f"output {oh}×{ow}", fontsize=font + 1)
        ax_out.set(xlabel="output column", ylabel="output row")
        for ax in self.axes:
            ax.xaxis.label.set_fontsize(font)
            ax.yaxis.label.set_fontsize(font)
        kh, kw = self.kernel_size
        self.figure.suptitle(title or (
            f"kernel {kh}×{kw}, stride {_pair_text(self.stride)}, padding "
            f"{_pair_text(self.padding)}, dilation {_pair_text(self.dilation)}"), fontsize=font + 2)
        self._caption = self.figure.text(0.5, 0.05 / height, "", ha="center", va="bottom",
                                         fontsize=font)
        self.figure.subplots_adjust(left=side / self.figure.get_figwidth(),
                                    right=1 - 0.2 / self.figure.get_figwidth(),
                                    bottom=below / height, top=1 - above / height, wspace=0.3)
        self.update(0)

    def update(self, frame: int):
        """Draw the kernel at output position ``frame`` (row-major); return the changed artists."""
        if not 0 <= frame < self.n_frames:
            raise ValueError(f"ConvolutionScene.update: frame must be in [0, {self.n_frames}), "
                             f"got {frame!r}")
        (i, j), taps = self.footprints[frame]
        for tap, (r, c) in zip(self._taps, taps):
            tap.set_xy((c + 0.1, r + 0.1))
        self._outline.set_xy((j * self.stride[1], i * self.stride[0]))
        for k, patch in enumerate(self._out_cells):
            patch.set_facecolor(DONE_COLOR if k < frame else EMPTY_COLOR)
        self._out_cells[frame].set_facecolor(TAP_COLOR)
        self._current.set_xy((j, i))
        rows = sorted({int(r) for r in taps[:, 0] - self.padding[0]})
        cols = sorted({int(c) for c in taps[:, 1] - self.padding[1]})
        self._caption.set_text(f"output ({i}, {j}) reads input rows {_list_text(rows)} "
                               f"and columns {_list_text(cols)}")
        return [*self._taps, self._outline, *self._out_cells, self._current, self._caption]

    def highlighted(self) -> List[Tuple[int, int]]:
        """The padded-input cells (row, column) under the drawn taps, read from the figure."""
        return sorted((int(np.floor(t.get_y())), int(np.floor(t.get_x()))) for t in self._taps)


def _pair_text(values: Tuple[int, int]) -> str:
    return str(values[0]) if values[0] == values[1] else f"({values[0]}, {values[1]})"


def _list_text(values: List[int]) -> str:
    return ", ".join(str(v) for v in values)


def animate_convolution(
    input_size: IntPair = 5,
    kernel_size: IntPair = 3,
    *,
    stride: IntPair = 1,
    padding: IntPair = 0,
    dilation: IntPair = 1,
    title: Optional[str] = None,
    interval: int = 700,
    dpi: float = 100,
):
    """Animate a kernel sliding over a padded input while the output fills in.

    Args:
        input_size: (H, W) of the input, or an int for a square one.
        kernel_size, stride, padding, dilation: as in ``torch.nn.Conv2d`` (int or pair).
        title: the figure's title; by default it lists the settings.
        interval: milliseconds per frame.
        dpi: resolution of the frames; keep it low to keep an embedded animation small.

    Returns:
        A ``matplotlib.animation.FuncAnimation`` with one frame per output position,
        O_H O_W frames with O = floor((I + 2P - D (K - 1) - 1) / S) + 1 per axis. Show it
        in a notebook with ``IPython.display.HTML(anim.to_jshtml())``; the scene is
        ``anim.scene`` (see :class:`ConvolutionScene`).
    """
    from matplotlib.animation import FuncAnimation

    scene = ConvolutionScene(input_size, kernel_size, stride=stride, padding=padding,
                             dilation=dilation, title=title, dpi=dpi)
    anim = FuncAnimation(scene.figure, scene.update, frames=scene.n_frames, interval=interval,
                         blit=False, repeat=True)
    anim.scene = scene
    return anim


def convolution_animation_html(
    input_size: IntPair = 5,
    kernel_size: IntPair = 3,
    **settings,
) -> str:
    """The JavaScript-player HTML of :func:`animate_convolution` (``anim.to_jshtml()``).

    Takes the same arguments. The HTML embeds every frame as a PNG, so it plays in a
    static web page without a Python kernel.
    """
    anim = animate_convolution(input_size, kernel_size, **settings)
    return anim.to_jshtml()
