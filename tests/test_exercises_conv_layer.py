"""The im2col / conv2d_forward / conv2d_backward exercise checks.

The reference solutions (the notebook's) pass every case; each typical wrong answer fails
with its own hint; nothing raises; the torch oracles agree with the package's NumPy layer.
The hidden cases (a grader's, from its own seed) are random, reproducible, checked against
torch here, passed by the references and failed by wrong or memorised answers.
"""

from __future__ import annotations

import time

import numpy as np
import pytest
import torch

from cnnbook.exercises.conv_layer import (
    check_conv2d_backward,
    check_conv2d_forward,
    check_im2col,
    conv2d_backward_cases,
    conv2d_backward_hidden_cases,
    conv2d_forward_cases,
    conv2d_forward_hidden_cases,
    im2col_cases,
    im2col_hidden_cases,
)
from cnnbook.numpy_ops.conv import conv2d_backward as package_backward
from cnnbook.numpy_ops.conv import conv2d_forward as package_forward
from cnnbook.numpy_ops.conv import im2col as package_im2col
from harness import (
    assert_fails_with_hint,
    assert_hidden_cases_depend_on_the_rng_only,
    assert_memorised_answers_fail_hidden_cases,
    assert_reference_passes_hidden_cases,
    fingerprints,
    public_answers_cheat,
    seeded_cases,
)

# --------------------------------------------------------------------------- reference solutions


def im2col(x, kernel_size, stride):
    C, H, W = x.shape
    KH, KW = kernel_size
    OH, OW = (H - KH) // stride + 1, (W - KW) // stride + 1
    cols = np.zeros((C * KH * KW, OH * OW))
    for i in range(OH):
        for j in range(OW):
            window = x[:, i * stride:i * stride + KH, j * stride:j * stride + KW]  # (C, KH, KW)
            cols[:, i * OW + j] = window.reshape(-1)
    return cols


def conv2d_forward(x, w, b, stride, padding):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    OH, OW = (H + 2 * padding - KH) // stride + 1, (W + 2 * padding - KW) // stride + 1
    out = np.zeros((N, F, OH, OW))
    for i in range(OH):
        for j in range(OW):
            window = xpad[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3]))
    return out + b.reshape(1, F, 1, 1)


def conv2d_backward(dout, x, w, b, stride, padding):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxpad = np.zeros_like(xpad)
    dw = np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows = slice(i * stride, i * stride + KH)
            cols = slice(j * stride, j * stride + KW)
            g = dout[:, :, i, j]  # (N, F)
            dw += np.tensordot(g, xpad[:, :, rows, cols], axes=(0, 0))
            dxpad[:, :, rows, cols] += np.tensordot(g, w, axes=(1, 0))
    dx = dxpad[:, :, padding:padding + H, padding:padding + W]
    return dx, dw, dout.sum(axis=(0, 2, 3))


# --------------------------------------------------------------------------- wrong im2col


def im2col_transposed(x, kernel_size, stride):
    return im2col(x, kernel_size, stride).T


def im2col_kernel_outside_channels(x, kernel_size, stride):
    cols = im2col(x, kernel_size, stride)
    C, (KH, KW) = x.shape[0], kernel_size
    return cols.reshape(C, KH, KW, -1).transpose(1, 2, 0, 3).reshape(C * KH * KW, -1)


def im2col_stride_ignored(x, kernel_size, stride):
    return im2col(x, kernel_size, 1)


def im2col_off_by_one(x, kernel_size, stride):
    C, H, W = x.shape
    KH, KW = kernel_size
    OH, OW = (H - KH) // stride, (W - KW) // stride  # forgot the + 1
    cols = np.zeros((C * KH * KW, OH * OW))
    for i in range(OH):
        for j in range(OW):
            cols[:, i * OW + j] = x[:, i * stride:i * stride + KH, j * stride:j * stride + KW].reshape(-1)
    return cols


def im2col_column_major(x, kernel_size, stride):
    C, H, W = x.shape
    KH, KW = kernel_size
    OH, OW = (H - KH) // stride + 1, (W - KW) // stride + 1
    cols = im2col(x, kernel_size, stride)
    return cols.reshape(-1, OH, OW).transpose(0, 2, 1).reshape(cols.shape)


def im2col_kernel_swapped(x, kernel_size, stride):
    return im2col(x, kernel_size[::-1], stride)


# --------------------------------------------------------------------------- wrong forward


def forward_no_bias(x, w, b, stride, padding):
    return conv2d_forward(x, w, np.zeros_like(b), stride, padding)


def forward_bias_per_image(x, w, b, stride, padding):
    return conv2d_forward(x, w, np.zeros_like(b), stride, padding) + b.reshape(-1, 1, 1, 1)


def forward_flipped(x, w, b, stride, padding):
    return conv2d_forward(x, w[:, :, ::-1, ::-1], b, stride, padding)


def forward_no_padding(x, w, b, stride, padding):
    return conv2d_forward(x, w, b, stride, 0)


def forward_stride_ignored(x, w, b, stride, padding):
    return conv2d_forward(x, w, b, 1, padding)


def forward_filters_first(x, w, b, stride, padding):
    return conv2d_forward(x, w, b, stride, padding).transpose(1, 0, 2, 3)


# --------------------------------------------------------------------------- wrong backward


def backward_db_wrong_axes(dout, x, w, b, stride, padding):
    dx, dw, _ = conv2d_backward(dout, x, w, b, stride, padding)
    return dx, dw, dout.sum(axis=(2, 3))


def backward_db_mean(dout, x, w, b, stride, padding):
    dx, dw, _ = conv2d_backward(dout, x, w, b, stride, padding)
    return dx, dw, dout.mean(axis=(0, 2, 3))


def backward_dx_not_cropped(dout, x, w, b, stride, padding):
    _, dw, db = conv2d_backward(dout, x, w, b, stride, padding)
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxpad, _, _ = conv2d_backward(dout, xpad, w, b, stride, 0)
    return dxpad, dw, db


def backward_dx_overwritten(dout, x, w, b, stride, padding):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    dxpad = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows = slice(i * stride, i * stride + KH)
            cols = slice(j * stride, j * stride + KW)
            dxpad[:, :, rows, cols] = np.tensordot(dout[:, :, i, j], w, axes=(1, 0))  # = not +=
    _, dw, db = conv2d_backward(dout, x, w, b, stride, padding)
    return dxpad[:, :, padding:padding + H, padding:padding + W], dw, db


def backward_dx_overwritten_loop_nfij(dout, x, w, b, stride, padding):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    dxpad = np.zeros((N, C, H + 2 * padding, W + 2 * padding))
    for n in range(N):
        for f in range(F):
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    rows = slice(i * stride, i * stride + KH)
                    cols = slice(j * stride, j * stride + KW)
                    dxpad[n, :, rows, cols] = dout[n, f, i, j] * w[f]
    _, dw, db = conv2d_backward(dout, x, w, b, stride, padding)
    return dxpad[:, :, padding:padding + H, padding:padding + W], dw, db


def backward_dx_flipped(dout, x, w, b, stride, padding):
    dx, _, _ = conv2d_backward(dout, x, w[:, :, ::-1, ::-1], b, stride, padding)
    _, dw, db = conv2d_backward(dout, x, w, b, stride, padding)
    return dx, dw, db


def backward_stride_ignored(dout, x, w, b, stride, padding):
    N, C, H, W = x.shape
    F, _, KH, KW = w.shape
    xpad = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    dxpad, dw = np.zeros_like(xpad), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            g = dout[:, :, i, j]
            dw += np.tensordot(g, xpad[:, :, i:i + KH, j:j + KW], axes=(0, 0))  # i, not i*stride
            dxpad[:, :, i:i + KH, j:j + KW] += np.tensordot(g, w, axes=(1, 0))
    return dxpad[:, :, padding:padding + H, padding:padding + W], dw, dout.sum(axis=(0, 2, 3))


def backward_dw_transposed(dout, x, w, b, stride, padding):
    dx, dw, db = conv2d_backward(dout, x, w, b, stride, padding)
    return dx, dw.transpose(1, 0, 2, 3), db


def backward_two_values(dout, x, w, b, stride, padding):
    dx, dw, _ = conv2d_backward(dout, x, w, b, stride, padding)
    return dx, dw


def backward_dx_none(dout, x, w, b, stride, padding):
    _, dw, db = conv2d_backward(dout, x, w, b, stride, padding)
    return None, dw, db


def backward_torch(dout, x, w, b, stride, padding):
    dx, dw, db = conv2d_backward(dout, x, w, b, stride, padding)
    return torch.from_numpy(dx), dw, db


# --------------------------------------------------------------------------- common wrong answers


def returns_none(*args):
    return None


def raises(*args):
    return args[0][10 ** 6]


def stub(*args):
    raise NotImplementedError


def mutates_first_input(*args):
    args[0][...] = 0
    return args[0]


CHECKS = {"im2col": (check_im2col, im2col, im2col_cases),
          "conv2d_forward": (check_conv2d_forward, conv2d_forward, conv2d_forward_cases),
          "conv2d_backward": (check_conv2d_backward, conv2d_backward, conv2d_backward_cases)}


@pytest.mark.parametrize("title", list(CHECKS))
def test_reference_passes_every_case(capsys, title):
    check, reference, cases = CHECKS[title]
    result = check(reference)
    out = capsys.readouterr().out
    n = len(cases())
    assert result.all_passed and result.passed == result.total == n
    assert "FAIL" not in out and out.count("PASS") == n
    assert f"{title}: {n}/{n} cases passed" in out


@pytest.mark.parametrize("title", list(CHECKS))
def test_cases_are_deterministic(title):
    _, _, cases = CHECKS[title]
    for a, b in zip(cases(), cases()):
        for x, y in zip(a.args, b.args):
            np.testing.assert_array_equal(x, y)


def test_im2col_oracle_agrees_with_the_package():
    for case in im2col_cases():
        x, kernel_size, stride = case.args
        np.testing.assert_allclose(package_im2col(x[None], kernel_size, stride=stride), case.expected,
                                   rtol=1e-12, atol=1e-12)


def test_conv2d_oracles_agree_with_the_package():
    for case in conv2d_forward_cases():
        x, w, b, stride, padding = case.args
        out, _ = package_forward(x, w, b, stride=stride, padding=padding)
        np.testing.assert_allclose(out, case.expected, rtol=1e-12, atol=1e-12)
    for case in conv2d_backward_cases():
        dout, x, w, b, stride, padding = case.args
        _, cache = package_forward(x, w, b, stride=stride, padding=padding)
        for got, want in zip(package_backward(dout, cache), case.expected):
            np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_cases_cover_awkward_shapes():
    im2col_args = [case.args for case in im2col_cases()]
    assert any(k[0] != k[1] for _, k, _ in im2col_args), "a non-square kernel"
    assert any(s > 1 and ((x.shape[1] - k[0]) % s or (x.shape[2] - k[1]) % s)
               for x, k, s in im2col_args), "a stride that does not divide"
    assert any(x.shape[1:] == tuple(k) for x, k, _ in im2col_args), "a kernel as large as the image"
    forward_args = [case.args for case in conv2d_forward_cases()]
    assert any(x.shape[0] == 1 for x, *_ in forward_args), "batch 1"
    assert any(x.shape[0] == w.shape[0] for x, w, *_ in forward_args), "N == F"
    assert any(p > 0 and s > 1 for *_, s, p in forward_args), "stride and padding together"
    backward_args = [case.args for case in conv2d_backward_cases()]
    assert any(w.shape[0] != w.shape[1] for _, _, w, *_ in backward_args), "C != F"
    assert any(s > 1 and s < w.shape[2] for _, _, w, _, s, _ in backward_args), "overlap with stride"


IM2COL_WRONG = [
    (im2col_transposed, "transpose", ""),
    (im2col_kernel_outside_channels, "values differ", "loop over the channels outside the kernel loops"),
    (im2col_stride_ignored, "expected shape (18, 9), got shape (18, 25)", "stride ignored"),
    (im2col_off_by_one, "expected shape (9, 4), got shape (9, 1)", "OH = (H - KH) // stride + 1 = (4 - 3) // 1 + 1 = 2"),
    (im2col_column_major, "values differ", "column i*OW + j holds output position (i, j), row-major"),
    (im2col_kernel_swapped, "expected shape", "kernel height and width swapped"),
    (returns_none, "returned None", "`return`"),
    (raises, "raised IndexError", ""),
    (stub, "not implemented yet", "NotImplementedError"),
    (mutates_first_input, "modified its input in place (argument 1)", ""),
    (lambda x, k, s: im2col(x, k, s).tolist(), "returned a list", "return a NumPy array"),
    (lambda x, k, s: torch.from_numpy(im2col(x, k, s)), "expected a NumPy array", "not a torch tensor"),
]

FORWARD_WRONG = [
    (forward_no_bias, "values differ", "you forgot the bias"),
    (forward_bias_per_image, "values differ", "the bias is added along the wrong axis"),
    (forward_flipped, "values differ", "you flipped the kernel"),
    (forward_no_padding, "expected shape (2, 4, 6, 5), got shape (2, 4, 4, 3)", "padding missing"),
    (forward_stride_ignored, "expected shape (2, 3, 3, 4), got shape (2, 3, 5, 7)", "stride ignored"),
    (forward_filters_first, "expected shape (2, 4, 6, 5), got shape (4, 2, 6, 5)", "axes in the wrong order"),
    (returns_none, "returned None", "`return`"),
    (raises, "raised IndexError", ""),
    (stub, "not implemented yet", "NotImplementedError"),
    (lambda *a: torch.from_numpy(conv2d_forward(*a)), "expected a NumPy array", "not a torch tensor"),
]

BACKWARD_WRONG = [
    (backward_db_wrong_axes, "db: expected shape (3,), got shape (2, 3)", "dout.sum(axis=(0, 2, 3))"),
    (backward_db_mean, "db: shape (1,) is right but values differ", "db is a sum, not a mean"),
    (backward_dx_not_cropped, "dx: expected shape (2, 3, 6, 5), got shape (2, 3, 8, 7)", "crop the border"),
    (backward_dx_overwritten, "dx: shape (1, 1, 5, 5) is right but values differ", "accumulate with +="),
    (backward_dx_overwritten_loop_nfij, "dx: shape (1, 1, 5, 5) is right but values differ", "accumulate with +="),
    (backward_dx_flipped, "dx: shape (1, 1, 5, 5) is right but values differ", "as if the kernel were flipped"),
    (backward_stride_ignored, "dx: shape (2, 2, 7, 8) is right but values differ", "stride ignored in the backward pass"),
    (backward_dw_transposed, "dw: expected shape (4, 3, 3, 3), got shape (3, 4, 3, 3)", "first two axes swapped"),
    (backward_two_values, "returned 2 value(s), expected 3 (dx, dw, db)", "return dx, dw, db"),
    (backward_dx_none, "dx is None", "compute dx"),
    (backward_torch, "dx: returned a torch.Tensor", "not a torch tensor"),
    (lambda *a: conv2d_backward(*a)[0], "returned a ndarray, expected a tuple of 3 values", "return dx, dw, db"),
    (returns_none, "returned None", "`return`"),
    (raises, "raised IndexError", ""),
    (stub, "not implemented yet", "NotImplementedError"),
    (mutates_first_input, "modified its input in place (argument 1)", ""),
]


@pytest.mark.parametrize("title, student_fn, message, hint",
                         [("im2col", *w) for w in IM2COL_WRONG]
                         + [("conv2d_forward", *w) for w in FORWARD_WRONG]
                         + [("conv2d_backward", *w) for w in BACKWARD_WRONG],
                         ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_typical_wrong_answers_fail_with_their_hint(capsys, title, student_fn, message, hint):
    check, _, cases = CHECKS[title]
    result = check(student_fn)
    out = capsys.readouterr().out
    n = len(cases())
    assert_fails_with_hint(out, result, title, n, message, hint)


def test_row_order_mistake_passes_only_single_channel_cases(capsys):
    result = check_im2col(im2col_kernel_outside_channels)
    capsys.readouterr()
    by_name = {case.name: case for case in result.cases}
    assert by_name["1 channel 4x4 (values 0..15), 3x3 kernel, stride 1 -> (9, 4)"].passed
    assert not by_name["3 channels 5x6, non-square 2x3 kernel, stride 1 -> (18, 16)"].passed


def test_overwrite_is_not_blamed_where_windows_do_not_overlap(capsys):
    result = check_conv2d_backward(backward_dx_overwritten)
    capsys.readouterr()
    by_name = {case.name: case for case in result.cases}
    assert by_name["1x1 kernel (no overlap)"].passed
    assert not by_name["stride 2 with a 3x3 kernel (windows share one row/column)"].passed


@pytest.mark.parametrize("title", list(CHECKS))
@pytest.mark.parametrize("student_fn", [
    42,
    None,
    lambda *a: "a string",
    lambda *a: np.zeros((2, 2, 2, 2, 2)),
    lambda *a: (np.zeros(3), "x", None),
    lambda *a: (_ for _ in ()).throw(SystemExit(1)),
    lambda x: x,  # wrong number of parameters
])
def test_check_never_raises_on_exotic_answers(capsys, title, student_fn):
    check, _, cases = CHECKS[title]
    result = check(student_fn)
    out = capsys.readouterr().out
    assert result.passed == 0 and out.count("FAIL") == len(cases())


@pytest.mark.parametrize("title", list(CHECKS))
def test_output_stays_compact_for_large_wrong_answers(capsys, title):
    check, _, _ = CHECKS[title]
    check(lambda *a: np.ones((300, 300)))
    assert len(capsys.readouterr().out) < 4000


# --------------------------------------------------------------------------- hidden cases

HIDDEN = {"im2col": im2col_hidden_cases,
          "conv2d_forward": conv2d_forward_hidden_cases,
          "conv2d_backward": conv2d_backward_hidden_cases}
SEEDS = (1, 2, 3)


hidden_cases = seeded_cases(HIDDEN, cache=False)  # the generation is timed below


memorised = public_answers_cheat  # the public answer for a public input, else the first one


def case_values(case):
    """A case's inputs, then its expected value(s)."""
    expected = case.expected if isinstance(case.expected, tuple) else (case.expected,)
    return list(case.args) + list(expected)


def no_first_input_repeats(first, other):
    """No first argument of ``other``'s cases equals one of ``first``'s."""
    return not any(np.array_equal(a.args[0], b.args[0]) for a in first for b in other)


def torch_leaf64(array):
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


def expected_by_torch(title, args):
    """The answer computed here with torch, independently of the module's oracles."""
    if title == "im2col":
        x, kernel_size, stride = args
        return torch.nn.functional.unfold(torch.tensor(x)[None], kernel_size, stride=stride)[0].numpy()
    if title == "conv2d_forward":
        x, w, b, stride, padding = args
        return torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(w), torch.tensor(b),
                                          stride=stride, padding=padding).numpy()
    dout, x, w, b, stride, padding = args
    xt, wt, bt = torch_leaf64(x), torch_leaf64(w), torch_leaf64(b)
    out = torch.nn.functional.conv2d(xt, wt, bt, stride=stride, padding=padding)
    (out * torch.tensor(dout)).sum().backward()
    return xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("title", list(CHECKS))
def test_reference_passes_every_hidden_case(capsys, title, seed):
    check, reference, _ = CHECKS[title]
    assert_reference_passes_hidden_cases(check, reference, hidden_cases(title, seed), title,
                                         lambda: capsys.readouterr().out)


@pytest.mark.parametrize("title", list(CHECKS))
def test_hidden_cases_depend_on_the_generator_only(title):
    assert_hidden_cases_depend_on_the_rng_only(HIDDEN[title], (7, 8, 9),
                                               differ=no_first_input_repeats)
    first, seeded = (HIDDEN[title](np.random.default_rng(seed))
                     for seed in (7, np.random.SeedSequence(7)))
    assert fingerprints(seeded) == fingerprints(first)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("title", list(CHECKS))
def test_hidden_expected_values_agree_with_torch_and_the_package(title, seed):
    for case in hidden_cases(title, seed):
        want = expected_by_torch(title, case.args)
        if title == "im2col":
            x, kernel_size, stride = case.args
            package = package_im2col(x[None], kernel_size, stride=stride)
        elif title == "conv2d_forward":
            x, w, b, stride, padding = case.args
            package, _ = package_forward(x, w, b, stride=stride, padding=padding)
        else:
            dout, x, w, b, stride, padding = case.args
            _, cache = package_forward(x, w, b, stride=stride, padding=padding)
            package = package_backward(dout, cache)
        for got, torch_value, package_value in zip(case_values(case)[len(case.args):],
                                                   want if isinstance(want, tuple) else (want,),
                                                   package if isinstance(package, tuple) else (package,)):
            np.testing.assert_allclose(got, torch_value, rtol=1e-12, atol=1e-12, err_msg=case.name)
            np.testing.assert_allclose(got, package_value, rtol=1e-10, atol=1e-10, err_msg=case.name)


@pytest.mark.parametrize("seed", SEEDS)
def test_hidden_cases_cover_the_public_edge_cases(seed):
    im2col_args = [case.args for case in hidden_cases("im2col", seed)]
    assert any(k[0] != k[1] and k[0] > 1 and k[1] > 1 for _, k, _ in im2col_args), "a non-square kernel"
    assert any(min(k) == 1 < max(k) for _, k, _ in im2col_args), "a KHx1 or 1xKW kernel"
    assert any(k == (1, 1) for _, k, _ in im2col_args), "a 1x1 kernel"
    assert any(s > 1 and ((x.shape[1] - k[0]) % s or (x.shape[2] - k[1]) % s)
               for x, k, s in im2col_args), "a stride that does not divide"
    assert any(1 < s < min(k) for _, k, s in im2col_args), "overlapping windows with a stride"
    assert any(x.shape[1:] == tuple(k) for x, k, _ in im2col_args), "a kernel as large as the image"
    assert any(np.array_equal(np.sort(x.ravel()), np.arange(x.size)) for x, _, _ in im2col_args), \
        "distinct integers"
    forward_args = [case.args for case in hidden_cases("conv2d_forward", seed)]
    assert any(x.shape[0] == 1 for x, *_ in forward_args), "batch 1"
    assert any(x.shape[0] == w.shape[0] for x, w, *_ in forward_args), "N == F"
    assert any(p > 0 and s > 1 for *_, s, p in forward_args), "stride and padding together"
    assert any(w.shape[2] != w.shape[3] for _, w, *_ in forward_args), "a non-square kernel"
    assert any(w.shape[2:] == (1, 1) and s > 1 for _, w, _, s, _ in forward_args), "1x1 kernel, stride"
    backward_args = [case.args for case in hidden_cases("conv2d_backward", seed)]
    assert any(w.shape[0] != w.shape[1] for _, _, w, *_ in backward_args), "C != F"
    assert any(1 < s < w.shape[2] for _, _, w, _, s, _ in backward_args), "overlap with stride"
    assert any(p > 0 for *_, p in backward_args), "padding"
    assert any(w.shape[2:] == (1, 1) for _, _, w, *_ in backward_args), "a 1x1 kernel"


@pytest.mark.parametrize("title", list(CHECKS))
def test_hidden_cases_are_small_and_quick(title):
    _, reference, _ = CHECKS[title]
    for seed in range(5):
        start = time.perf_counter()
        cases = hidden_cases(title, seed)
        assert time.perf_counter() - start < 2.0
        for case in cases:
            arrays = [a for a in case_values(case) if isinstance(a, np.ndarray)]
            assert max(a.size for a in arrays) <= 2000, case.name
            assert all(a.dtype == np.float64 for a in arrays), case.name
            start = time.perf_counter()
            reference(*case.args)
            assert time.perf_counter() - start < 0.1, case.name


@pytest.mark.parametrize("title", list(CHECKS))
def test_memorised_public_answers_fail_every_hidden_case(capsys, title):
    check, _, public_cases = CHECKS[title]
    assert_memorised_answers_fail_hidden_cases(check, memorised(public_cases()),
                                               [hidden_cases(title, seed) for seed in SEEDS])
    capsys.readouterr()


HIDDEN_WRONG = [(title, student_fn, hint)
                for title, wrong in (("im2col", IM2COL_WRONG), ("conv2d_forward", FORWARD_WRONG),
                                     ("conv2d_backward", BACKWARD_WRONG))
                for student_fn, _, hint in wrong
                if student_fn is not im2col_off_by_one]  # its hint quotes a public case's numbers


@pytest.mark.parametrize("title, student_fn, hint", HIDDEN_WRONG,
                         ids=lambda v: getattr(v, "__name__", None) if callable(v) else None)
def test_typical_wrong_answers_fail_hidden_cases_with_their_hint(capsys, title, student_fn, hint):
    check = CHECKS[title][0]
    for seed in SEEDS:
        result = check(student_fn, cases=hidden_cases(title, seed))
        out = capsys.readouterr().out
        assert not result.all_passed
        assert hint in out
        assert f"{title}: {result.passed}/{result.total} cases passed" in out


def test_off_by_one_hint_names_the_hidden_numbers(capsys):
    check_im2col(im2col_off_by_one, cases=hidden_cases("im2col", 1))
    out = capsys.readouterr().out
    assert "wrong number of columns (output positions): OH = (H - KH) // stride + 1 = (" in out
