"""The kernel-sliding animation and the convolution explorer, against torch."""

import re

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from harness import assert_close, rng

from cnnbook.numpy_ops.padding import pad2d
from cnnbook.viz.animation import (
    ConvolutionScene,
    animate_convolution,
    convolution_animation_html,
    kernel_footprints,
)
from cnnbook.viz.widgets import (
    KERNELS,
    convolution_explorer,
    default_image,
    convolution_figure,
    explore_convolution,
    make_kernel,
)

SETTINGS = [
    # input_size, kernel_size, stride, padding, dilation
    (5, 3, 1, 0, 1),
    (5, 3, 1, 1, 1),
    (7, 3, 2, 1, 1),
    (7, 3, 1, 0, 2),
    (8, 3, 2, 0, 1),  # stride does not divide: the last row and column are never read
    ((4, 9), (2, 3), (1, 3), (1, 0), (2, 1)),  # everything non-square
    (3, 1, 2, 0, 1),
]


def torch_visits(input_size, kernel_size, stride, padding, dilation):
    """For each output position (row-major), the padded-input cells that unfold gathers."""
    h, w = (input_size, input_size) if isinstance(input_size, int) else input_size
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    hp, wp = h + 2 * ph, w + 2 * pw
    index = torch.arange(hp * wp, dtype=torch.float64).reshape(1, 1, hp, wp)  # cell numbers
    columns = F.unfold(index, kernel_size, dilation=dilation, stride=stride)  # (1, KH*KW, L)
    return [sorted(divmod(int(v), wp) for v in columns[0, :, k]) for k in range(columns.shape[-1])]


def torch_output_shape(input_size, kernel_size, stride, padding, dilation):
    h, w = (input_size, input_size) if isinstance(input_size, int) else input_size
    out = F.conv2d(torch.zeros(1, 1, h, w), torch.zeros(1, 1, *np.broadcast_to(kernel_size, 2)),
                   stride=stride, padding=padding, dilation=dilation)
    return tuple(out.shape[-2:])


@pytest.mark.parametrize("settings", SETTINGS)
def test_kernel_footprints_are_the_windows_unfold_gathers(settings):
    size, kernel, stride, padding, dilation = settings
    footprints = kernel_footprints(size, kernel, stride=stride, padding=padding, dilation=dilation)
    assert [sorted(map(tuple, taps.tolist())) for _, taps in footprints] == torch_visits(*settings)
    oh, ow = torch_output_shape(*settings)
    assert [pos for pos, _ in footprints] == [(i, j) for i in range(oh) for j in range(ow)]


@pytest.mark.parametrize("settings", SETTINGS)
def test_scene_draws_the_taps_that_unfold_visits_frame_by_frame(settings):
    size, kernel, stride, padding, dilation = settings
    scene = ConvolutionScene(size, kernel, stride=stride, padding=padding, dilation=dilation)
    visits = torch_visits(*settings)
    assert scene.n_frames == len(visits) == np.prod(torch_output_shape(*settings))
    assert scene.output_shape == torch_output_shape(*settings)
    for frame in reversed(range(scene.n_frames)):  # any order: a player can jump around
        scene.update(frame)
        assert scene.highlighted() == visits[frame], f"frame {frame}"


@pytest.mark.parametrize("settings", SETTINGS + [(7, 3, 2, 0, 2)])  # the last: odd cells skipped
def test_scene_marks_exactly_the_cells_unfold_never_gathers(settings):
    size, kernel, stride, padding, dilation = settings
    scene = ConvolutionScene(size, kernel, stride=stride, padding=padding, dilation=dilation)
    gathered = {cell for cells in torch_visits(*settings) for cell in cells}
    unread = {(int(r), int(c)) for r, c in zip(*np.nonzero(scene.unread))}
    hp, wp = scene.unread.shape
    assert unread == {(r, c) for r in range(hp) for c in range(wp)} - gathered


def test_scene_marks_the_cells_no_window_reads():
    scene = ConvolutionScene(8, 3, stride=2)  # windows start at 0, 2, 4: cell 7 is never read
    assert np.array_equal(np.flatnonzero(scene.unread.all(axis=1)), [7])
    assert np.array_equal(np.flatnonzero(scene.unread.all(axis=0)), [7])
    assert not ConvolutionScene(7, 3, stride=2).unread.any()


def test_scene_rejects_a_frame_out_of_range():
    scene = ConvolutionScene(5, 3)
    with pytest.raises(ValueError, match=r"frame must be in \[0, 9\), got 9"):
        scene.update(9)


def test_animation_has_one_frame_per_output_position():
    anim = animate_convolution(7, 3, stride=2, padding=1)
    assert len(list(anim.new_frame_seq())) == anim.scene.n_frames == 16
    anim._draw_was_started = True  # never rendered on purpose: silence matplotlib's warning


def test_jshtml_embeds_every_frame_and_stays_small():
    html = convolution_animation_html(5, 3, padding=1, dpi=40)
    frames = re.findall(r'frames\[(\d+)\] = "data:image/png;base64,', html)
    assert [int(f) for f in frames] == list(range(25))
    assert "<script" in html and len(html) < 25 * 40_000


@pytest.mark.parametrize("padding_mode", ["zeros", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("kernel_size, stride, padding, dilation", [
    (3, 1, 1, 1), (5, 2, 2, 1), (3, 3, 2, 2), (4, 2, 0, 3), (1, 2, 3, 1),
])
@pytest.mark.parametrize("kernel", KERNELS)
def test_explore_convolution_matches_torch_conv2d(padding_mode, kernel_size, stride, padding,
                                                  dilation, kernel):
    image = rng(5).random((13, 17))
    result = explore_convolution(image, kernel_size, stride, padding, dilation, kernel=kernel,
                                 padding_mode=padding_mode)
    conv = torch.nn.Conv2d(1, 1, kernel_size, stride=stride, padding=padding, dilation=dilation,
                           bias=False, padding_mode=padding_mode).double()
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(make_kernel(kernel, kernel_size))[None, None])
        expected = conv(torch.from_numpy(image)[None, None])[0, 0]
    assert_close(result.output, expected)
    assert result.output_shape == tuple(expected.shape)
    assert result.effective_kernel_size == dilation * (kernel_size - 1) + 1
    assert result.padded_shape == (13 + 2 * padding, 17 + 2 * padding)


def test_explore_convolution_symmetric_padding_against_numpy_pad():
    image = rng(6).random((9, 8))
    result = explore_convolution(image, 3, 2, 2, 1, padding_mode="symmetric")
    padded = np.pad(image, 2, mode="symmetric")
    expected = F.conv2d(torch.from_numpy(padded)[None, None],
                        torch.full((1, 1, 3, 3), 1 / 9, dtype=torch.float64), stride=2)[0, 0]
    assert_close(result.output, expected)


def test_explore_convolution_counts_the_unread_rows_and_columns():
    image = np.zeros((8, 11))
    result = explore_convolution(image, 3, 2, 0, 1)  # rows: starts 0, 2, 4 -> row 7 unread
    assert result.unread == (1, 0)
    # Unread = the padded cells after the last window, which unfold never gathers.
    visits = torch_visits((8, 11), 3, 2, 0, 1)
    assert max(r for cells in visits for r, _ in cells) == 8 - 1 - result.unread[0]
    assert max(c for cells in visits for _, c in cells) == 11 - 1 - result.unread[1]


def test_edge_kernel_sums_to_zero_and_box_to_one():
    assert np.isclose(make_kernel(KERNELS[0], 5).sum(), 1.0)
    assert np.isclose(make_kernel(KERNELS[1], 5).sum(), 0.0)
    with pytest.raises(ValueError, match="make_kernel: name must be one of"):
        make_kernel("sharpen", 3)


def test_explore_convolution_bad_input():
    with pytest.raises(ValueError, match=r"image must be 2-D \(H, W\)"):
        explore_convolution(np.zeros((1, 5, 5)))
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        explore_convolution(np.zeros((5, 5)), padding_mode="mirror")
    with pytest.raises(ValueError, match="reflect padding must be smaller"):
        explore_convolution(np.zeros((5, 5)), padding=5, padding_mode="reflect")


def test_explorer_widget_builds_and_updates_on_slider_changes():
    image = rng(7).random((20, 24))
    explorer = convolution_explorer(image)
    assert explorer.result.output_shape == (18, 22)
    assert bytes(explorer.picture.value).startswith(b"\x89PNG")
    assert "output 18×22" in explorer.numbers.value
    first_picture = bytes(explorer.picture.value)

    explorer.controls["stride"].value = 2  # observe() recomputes at once, no event loop
    explorer.controls["dilation"].value = 2
    explorer.controls["padding"].value = 3
    explorer.controls["padding_mode"].value = "reflect"
    expected = torch_output_shape((20, 24), 3, 2, 3, 2)
    assert explorer.result.output_shape == expected
    assert f"output {expected[0]}×{expected[1]}" in explorer.numbers.value
    assert "D(K − 1) + 1 = 2·(3 − 1) + 1 = <b>5</b>" in explorer.numbers.value
    assert bytes(explorer.picture.value) != first_picture
    conv = torch.nn.Conv2d(1, 1, 3, stride=2, padding=3, dilation=2, bias=False,
                           padding_mode="reflect").double()
    with torch.no_grad():
        conv.weight.fill_(1 / 9)
        expected_out = conv(torch.from_numpy(image)[None, None])[0, 0]
    assert_close(explorer.result.output, expected_out)
    bundle = explorer._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_explorer_reports_an_invalid_setting_instead_of_raising():
    explorer = convolution_explorer(np.zeros((6, 6)))
    explorer.controls["padding_mode"].value = "reflect"
    explorer.controls["padding"].value = 6
    assert explorer.result is None
    assert "Not a valid setting" in explorer.numbers.value
    explorer.controls["padding"].value = 2
    assert explorer.result.output_shape == (8, 8)


def test_convolution_figure_draws_both_panels():
    result = explore_convolution(np.full((10, 12), 0.5), 3, 2, 1, 1)
    fig = convolution_figure(result)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["padded input 12×14 (zeros)", "output 5×6 (box blur)"]
    assert pad2d(np.zeros((1, 1, 10, 12)), 1).shape[-2:] == result.padded.shape


def test_default_image_is_the_halved_grey_cat():
    image = default_image()
    assert image.shape == (150, 225) and image.dtype == np.float64
    assert 0.0 <= image.min() and image.max() <= 1.0
