"""An interactive explorer of kernel size, stride, padding and dilation (ipywidgets).

The computation and the wiring are separate:

* :func:`explore_convolution` takes the settings and a grey image and returns the numbers
  (padded and output sizes, the effective kernel size, the rows and columns no window
  reads) and the filtered image. It needs no browser, so tests check it against torch.
* :func:`convolution_figure` draws such a result (padded input and output, to scale).
* :func:`convolution_explorer` wires sliders to the two. In Jupyter or Colab, moving a
  slider recomputes and redraws; a static web page shows the state at build time only.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

from cnnbook.numpy_ops.conv import conv2d_forward
from cnnbook.numpy_ops.padding import PADDING_MODES, pad2d
from cnnbook.shapes import conv2d_output_size
from cnnbook.validation import positive_int, require_ndim

KERNELS = ("box blur", "edge (pixel minus local mean)")


@dataclass
class ConvolutionResult:
    """What one convolution setting does to one (H, W) image; see :func:`explore_convolution`."""

    kernel_size: int
    stride: int
    padding: int
    dilation: int
    kernel_name: str
    padding_mode: str
    input_shape: Tuple[int, int]
    padded_shape: Tuple[int, int]
    output_shape: Tuple[int, int]
    effective_kernel_size: int  # D (K - 1) + 1: the layer's receptive field
    unread: Tuple[int, int]  # padded rows (bottom) and columns (right) that no window reads
    kernel: np.ndarray  # (K, K)
    padded: np.ndarray  # (H + 2P, W + 2P)
    output: np.ndarray  # (O_H, O_W)

    def formula(self, axis: int = 0) -> str:
        """The output-size formula with this setting's numbers, for axis 0 (H) or 1 (W)."""
        size, out = self.input_shape[axis], self.output_shape[axis]
        k, s, p, d = self.kernel_size, self.stride, self.padding, self.dilation
        return (f"floor(({size} + 2·{p} − {d}·({k} − 1) − 1) / {s}) + 1 = "
                f"floor({size + 2 * p - d * (k - 1) - 1} / {s}) + 1 = {out}")


def make_kernel(name: str, kernel_size: int) -> np.ndarray:
    """A (K, K) float64 kernel: "box blur" (the local mean) or "edge (pixel minus local mean)"."""
    op = "make_kernel"
    k = positive_int(kernel_size, "kernel_size", op=op)
    box = np.full((k, k), 1.0 / (k * k))
    if name == KERNELS[0]:
        return box
    if name == KERNELS[1]:
        centre = np.zeros((k, k))
        centre[k // 2, k // 2] = 1.0
        return centre - box
    raise ValueError(f"{op}: name must be one of {KERNELS}, got {name!r}")


def explore_convolution(
    image: np.ndarray,
    kernel_size: int = 3,
    stride: int = 1,
    padding: int = 0,
    dilation: int = 1,
    *,
    kernel: str = "box blur",
    padding_mode: str = "zeros",
) -> ConvolutionResult:
    """Convolve a grey image with one setting and report the sizes involved.

    Args:
        image: (H, W) grey image.
        kernel_size, stride, padding, dilation: ints, as in ``torch.nn.Conv2d`` (the same
            value for both axes).
        kernel: one of ``KERNELS``.
        padding_mode: one of ``PADDING_MODES`` (torch's four plus "symmetric").

    Returns:
        A :class:`ConvolutionResult`; its output has shape (O_H, O_W) with
        O = floor((I + 2P - D (K - 1) - 1) / S) + 1 per axis.

    Torch equivalent: ``torch.nn.Conv2d(1, 1, kernel_size, stride, padding, dilation,
    bias=False, padding_mode=padding_mode)`` with the kernel as its weight.
    """
    op = "explore_convolution"
    require_ndim(image, 2, "image", op=op, layout="(H, W)")
    if padding_mode not in PADDING_MODES:
        raise ValueError(f"{op}: padding_mode must be one of {PADDING_MODES}, got {padding_mode!r}")
    weights = make_kernel(kernel, kernel_size)
    x = np.asarray(image, dtype=np.float64)[None, None]  # (1, 1, H, W)
    padded = pad2d(x, padding, padding_mode)  # (1, 1, H + 2P, W + 2P)
    out, _ = conv2d_forward(padded, weights[None, None], stride=stride, dilation=dilation)
    reach = dilation * (kernel_size - 1) + 1
    output_shape = tuple(conv2d_output_size(n, kernel_size, stride=stride, padding=padding,
                                            dilation=dilation) for n in image.shape)
    unread = tuple(n + 2 * padding - ((o - 1) * stride + reach)
                   for n, o in zip(image.shape, output_shape))
    return ConvolutionResult(
        kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation,
        kernel_name=kernel, padding_mode=padding_mode, input_shape=tuple(image.shape),
        padded_shape=tuple(padded.shape[-2:]), output_shape=output_shape,
        effective_kernel_size=reach, unread=unread, kernel=weights, padded=padded[0, 0],
        output=out[0, 0],
    )


def draw_convolution_result(result: ConvolutionResult, axes):
    """Draw the padded input (original border and one kernel footprint marked) and the output.

    ``axes`` is a pair of matplotlib Axes; give them widths in the ratio of the padded and
    output widths to see both at the same scale.
    """
    from matplotlib.patches import Rectangle

    ax_in, ax_out = axes
    h, w = result.input_shape
    p, reach = result.padding, result.effective_kernel_size
    edge = result.kernel_name != KERNELS[0]
    limit = float(np.percentile(np.abs(result.output), 99)) or 1.0
    ax_in.imshow(result.padded, cmap="gray", vmin=0, vmax=1)
    ax_in.add_patch(Rectangle((p - 0.5, p - 0.5), w, h, fill=False, edgecolor="tab:cyan",
                              linewidth=1.2, linestyle="--", label="original image"))
    ax_in.add_patch(Rectangle((-0.5, -0.5), reach, reach, fill=False, edgecolor="tab:orange",
                              linewidth=1.5, label=f"kernel footprint {reach}×{reach}"))
    ax_in.legend(loc="lower left", fontsize=9, framealpha=0.8)
    ax_in.set(title=f"padded input {result.padded_shape[0]}×{result.padded_shape[1]} "
                    f"({result.padding_mode})", xlabel="column (pixels)", ylabel="row (pixels)")
    shown = (ax_out.imshow(result.output, cmap="RdBu_r", vmin=-limit, vmax=limit) if edge
             else ax_out.imshow(result.output, cmap="gray", vmin=0, vmax=1))
    ax_out.set(title=f"output {result.output_shape[0]}×{result.output_shape[1]} "
                     f"({result.kernel_name.split(' (')[0]})",
               xlabel="output column", ylabel="output row")
    return shown


def convolution_figure(result: ConvolutionResult, *, width: float = 9.0, dpi: float = 72,
                       title: str = ""):
    """A matplotlib Figure (made without pyplot) of :func:`draw_convolution_result`.

    The panels' widths follow the padded and output widths, so one pixel has the same
    size in both and a stride visibly shrinks the output.
    """
    from matplotlib.figure import Figure

    (hp, wp), (oh, ow) = result.padded_shape, result.output_shape
    left, gap, right, below, above = 0.7, 0.9, 0.2, 0.6, 0.45 + (0.3 if title else 0)
    scale = (width - left - gap - right) / (wp + ow)  # inches per pixel, the same in both panels
    for _ in range(2):  # leave room for the output's title when the output is tiny
        right = max(0.2, 1.9 - ow * scale)
        scale = (width - left - gap - right) / (wp + ow)
    height = max(hp, oh) * scale + below + above
    fig = Figure(figsize=(width, height), dpi=dpi)
    top = 1 - above / height
    ax_in = fig.add_axes((left / width, top - hp * scale / height, wp * scale / width,
                          hp * scale / height))
    ax_out = fig.add_axes(((left + wp * scale + gap) / width, top - oh * scale / height,
                           ow * scale / width, oh * scale / height))
    draw_convolution_result(result, (ax_in, ax_out))
    if title:
        fig.suptitle(title, y=1 - 0.1 / height, va="top")
    return fig


def default_image() -> np.ndarray:
    """The bundled cat photo in grey levels, halved to about 150 × 225 pixels (2 × 2 means)."""
    from cnnbook.data import load_image

    grey = load_image("cat") @ np.array([0.299, 0.587, 0.114], dtype=np.float32)  # (H, W)
    h, w = (n - n % 2 for n in grey.shape)
    return grey[:h, :w].reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3)).astype(np.float64)


class ConvolutionExplorer:
    """Sliders for kernel size, stride, padding and dilation, with the numbers and the picture.

    Attributes:
        widget: the ``ipywidgets.VBox`` shown in a notebook (displaying the explorer
            displays it).
        controls: dict of the input widgets, keyed like :func:`explore_convolution`'s
            arguments.
        result: the latest :class:`ConvolutionResult` (None after an invalid setting).
        numbers: ``ipywidgets.HTML`` with the sizes; picture: ``ipywidgets.Image`` (PNG).
    """

    def __init__(self, image: Optional[np.ndarray] = None):
        import ipywidgets as widgets

        self.image = default_image() if image is None else np.asarray(image, dtype=np.float64)
        require_ndim(self.image, 2, "image", op="convolution_explorer", layout="(H, W)")
        style = {"description_width": "90px"}
        self.controls = {
            "kernel_size": widgets.IntSlider(value=3, min=1, max=15, description="kernel size",
                                             style=style),
            "stride": widgets.IntSlider(value=1, min=1, max=6, description="stride", style=style),
            "padding": widgets.IntSlider(value=0, min=0, max=10, description="padding",
                                         style=style),
            "dilation": widgets.IntSlider(value=1, min=1, max=6, description="dilation",
                                          style=style),
            "kernel": widgets.Dropdown(options=KERNELS, value=KERNELS[0], description="kernel",
                                       style=style),
            "padding_mode": widgets.Dropdown(options=PADDING_MODES, value="zeros",
                                             description="padding mode", style=style),
        }
        self.numbers = widgets.HTML()
        self.picture = widgets.Image(format="png")
        self.result: Optional[ConvolutionResult] = None
        for control in self.controls.values():
            control.observe(self._on_change, names="value")
        sliders = [self.controls[k] for k in ("kernel_size", "stride", "padding", "dilation")]
        menus = [self.controls[k] for k in ("kernel", "padding_mode")]
        self.widget = widgets.VBox([widgets.HBox([widgets.VBox(sliders), widgets.VBox(menus)]),
                                    self.numbers, self.picture])
        self.update()

    def settings(self) -> dict:
        """The current values of the controls, as keyword arguments of explore_convolution."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self) -> None:
        """Recompute with the current settings and redraw the numbers and the picture."""
        try:
            self.result = explore_convolution(self.image, **self.settings())
        except ValueError as error:  # e.g. reflect padding larger than the image
            self.result = None
            self.numbers.value = f"<b>Not a valid setting:</b> {error}"
            return
        self.numbers.value = _numbers_html(self.result)
        buffer = io.BytesIO()
        convolution_figure(self.result).savefig(buffer, format="png")
        self.picture.value = buffer.getvalue()

    def _on_change(self, change) -> None:
        self.update()

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _numbers_html(result: ConvolutionResult) -> str:
    (h, w), (oh, ow) = result.input_shape, result.output_shape
    k, d = result.kernel_size, result.dilation
    unread = (f"{result.unread[0]} row(s) at the bottom and {result.unread[1]} column(s) at the "
              f"right of the padded input are never read" if any(result.unread)
              else "every row and column of the padded input is read")
    return (
        f"input {h}×{w} → padded {result.padded_shape[0]}×{result.padded_shape[1]} → "
        f"<b>output {oh}×{ow}</b><br>"
        f"effective kernel size (receptive field of this layer): D(K − 1) + 1 = "
        f"{d}·({k} − 1) + 1 = <b>{result.effective_kernel_size}</b><br>"
        f"rows: O = {result.formula(0)}; columns: O = {result.formula(1)}<br>{unread}"
    )


def convolution_explorer(image: Optional[np.ndarray] = None) -> ConvolutionExplorer:
    """An interactive explorer of a convolution's settings on a grey image.

    Args:
        image: (H, W) grey image in [0, 1]; by default the bundled cat photo, halved.

    Returns:
        A :class:`ConvolutionExplorer`; as the last line of a notebook cell it shows the
        sliders, the sizes and the padded input beside the output. Nothing waits for
        events, so a notebook that shows it runs straight through.
    """
    return ConvolutionExplorer(image)
