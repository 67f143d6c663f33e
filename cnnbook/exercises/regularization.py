"""Checks for the dropout exercise (chapter 6, regularisation).

Two functions, in the convention of the chapter (inverted dropout, as ``torch.nn.Dropout``)::

    dropout_forward(x, p, training, rng) -> (out, mask)
    dropout_backward(dout, mask) -> dx

In training mode every element of ``x`` is kept independently with probability 1 - p
and dropped (set to 0) with probability p; kept elements are scaled by 1 / (1 - p), so

    mask[i] = 1 / (1 - p) with probability 1 - p, else 0;   out = x * mask,

and the random numbers come from the NumPy Generator ``rng`` only. With p = 1 everything
is dropped (mask and out are zeros, as in torch; no division by zero). In eval mode
(``training=False``) dropout is the identity: out is a copy of x and mask is all ones, so
that the backward pass needs no special case. The backward pass reuses the forward mask:
dx = dout * mask. Neither function may modify its arguments.

A random mask cannot be compared with torch's sample by sample (the generators differ),
so the forward check verifies properties that any correct implementation has and an
independent oracle can confirm:

- out and mask are NumPy arrays of the shape of x, with out == x * mask;
- every mask value is 0 or 1 / (1 - p);
- the fraction of kept elements of a large input lies within a binomial band of 1 - p
  (``KEEP_SIGMAS`` standard deviations: a correct function fails with probability < 1e-6);
- the mean of out matches the mean of x within the same number of standard errors;
- eval mode, p = 0 and p = 1 give what ``torch.nn.functional.dropout`` gives;
- the same seed gives the same mask, a different seed a different one.

The backward check is deterministic: the expected dx comes from torch autograd of
``x * mask`` for a fixed mask.

An instructor's grader also runs each check on hidden cases, e.g.
``check_dropout_forward(fn, cases=dropout_forward_hidden_cases(rng))``: random shapes, p
and seeds of the same kinds as the public cases, verified in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np

from cnnbook.exercises.core import Case, CheckResult, run_check

# Half-width of the acceptance bands, in standard deviations of the binomial keep fraction
# (and of the output mean). A correct implementation fails a case with probability ~6e-7.
KEEP_SIGMAS = 5.0
FORWARD_NAMES = ("out", "mask")

SCALE_HINT = ("scale the kept elements by 1 / (1 - p) (inverted dropout), so that the expected "
              "output equals x: mask = keep / (1 - p)")
KEEP_HINT = ("p is the probability of DROPPING an element: keep it with probability 1 - p, "
             "e.g. keep = rng.random(x.shape) >= p")
EVAL_HINT = ("in eval mode dropout is the identity: return a copy of x and a mask of ones; "
             "the 1 / (1 - p) scaling already happened during training")
RNG_HINT = ("draw the random numbers from the rng argument, e.g. rng.random(x.shape), not "
            "from np.random, so that the same seed gives the same mask")
P_ONE_HINT = ("p = 1 drops every element: return zeros for out and mask, without dividing "
              "by 1 - p = 0")
EVAL_GRAD_HINT = "in eval mode the mask is all ones and dx = dout"
P_ONE_GRAD_HINT = "nothing was kept, so no gradient flows back"
REUSE_HINT = ("return the mask you multiplied x by: out must equal x * mask exactly (draw "
              "the mask once and use it for both)")


@dataclass(frozen=True)
class ForwardCase:
    """What the forward check verifies for one call: the kind of case and its parameters."""

    kind: str  # "train", "eval", "p0", "p1" or "seed"
    p: float


# --------------------------------------------------------------------------- oracles


def torch_dropout(x: np.ndarray, p: float, training: bool) -> np.ndarray:
    """``torch.nn.functional.dropout`` of x in float64 (deterministic only for eval, p=0, p=1)."""
    import torch
    import torch.nn.functional as F

    return F.dropout(torch.tensor(np.asarray(x, dtype=np.float64)), p=p, training=training).numpy()


def torch_dropout_grad(dout: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """dL/dx of out = x * mask for the upstream gradient ``dout``, by torch autograd."""
    import torch

    x = torch.zeros(np.shape(mask), dtype=torch.float64, requires_grad=True)
    out = x * torch.tensor(np.asarray(mask, dtype=np.float64))
    out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
    return x.grad.numpy()


def keep_band(p: float, n: int) -> Tuple[float, float]:
    """The acceptance interval of the kept fraction of n elements: 1 - p +- KEEP_SIGMAS sd."""
    sd = np.sqrt(p * (1 - p) / n)
    return 1 - p - KEEP_SIGMAS * sd, 1 - p + KEEP_SIGMAS * sd


# --------------------------------------------------------------------------- cases


def dropout_forward_cases(seed: int = 0) -> List[Case]:
    """The cases of ``dropout_forward``: args (x, p, training, seed of the rng)."""
    rng = np.random.default_rng(seed)
    big = 1.0 + rng.random((200, 500))  # positive, so a mean shift cannot cancel out
    return [
        Case("training, p = 0.5, 200 x 500 input", (big, 0.5, True, 1), ForwardCase("train", 0.5),
             "keep each element with probability 1 - p and scale it by 1 / (1 - p)"),
        Case("training, p = 0.2, (N, C, H, W) = (16, 6, 14, 14)",
             (rng.standard_normal((16, 6, 14, 14)) + 1.0, 0.2, True, 2), ForwardCase("train", 0.2),
             "the mask has the shape of x, any number of dimensions"),
        Case("training, p = 0.8, odd shape (3, 7, 1001)",
             (rng.random((3, 7, 1001)) + 0.5, 0.8, True, 3), ForwardCase("train", 0.8),
             "with p = 0.8 only one element in five survives, scaled by 5"),
        Case("training, p = 0.1, batch of 1: (1, 20000)",
             (rng.random((1, 20000)) + 0.5, 0.1, True, 4), ForwardCase("train", 0.1), ""),
        Case("eval mode, p = 0.5: the identity", (rng.standard_normal((4, 6)), 0.5, False, 5),
             ForwardCase("eval", 0.5), EVAL_HINT),
        Case("training, p = 0: nothing is dropped", (rng.standard_normal((3, 5)), 0.0, True, 6),
             ForwardCase("p0", 0.0), "with p = 0 every element is kept and the scale is 1"),
        Case("training, p = 1: everything is dropped", (rng.standard_normal((3, 5)), 1.0, True, 7),
             ForwardCase("p1", 1.0), P_ONE_HINT),
        Case("same seed -> same mask, other seed -> other mask",
             (rng.standard_normal((50, 40)), 0.5, True, 8), ForwardCase("seed", 0.5), RNG_HINT),
    ]


def _random_mask(rng: np.random.Generator, shape, p: float) -> np.ndarray:
    """An inverted-dropout mask of ``shape``: 1 / (1 - p) with probability 1 - p, else 0."""
    return (rng.random(shape) >= p) / (1.0 - p)


def _backward_case(name: str, dout: np.ndarray, mask: np.ndarray, hint: str) -> Case:
    return Case(name, (dout, mask), torch_dropout_grad(dout, mask), hint)


def dropout_backward_cases(seed: int = 0) -> List[Case]:
    """The cases of ``dropout_backward``: args (dout, mask); expected dx by torch autograd."""
    rng = np.random.default_rng(seed)
    geometries = [
        ("p = 0.5, 4 x 6", rng.standard_normal((4, 6)), _random_mask(rng, (4, 6), 0.5),
         "dx = dout * mask: the gradient passes through kept elements, scaled like them"),
        ("p = 0.2, (N, C, H, W) = (2, 3, 4, 5)", rng.standard_normal((2, 3, 4, 5)),
         _random_mask(rng, (2, 3, 4, 5), 0.2), "dx has the shape of dout and of the mask"),
        ("p = 0.75, batch of 1: (1, 10)", rng.standard_normal((1, 10)),
         _random_mask(rng, (1, 10), 0.75),
         "kept elements are scaled by 1 / (1 - 0.75) = 4, and so is their gradient"),
        ("eval mode: mask of ones", rng.standard_normal((3, 4)), np.ones((3, 4)),
         EVAL_GRAD_HINT),
        ("p = 1: mask of zeros", rng.standard_normal((2, 5)), np.zeros((2, 5)),
         P_ONE_GRAD_HINT),
    ]
    return [_backward_case(*geometry) for geometry in geometries]


# --------------------------------------------------------------------------- hidden cases

# Training cases of the hidden forward check draw p from these ranges (one case each):
# low, around a half, and high, so that keeping with probability p instead of 1 - p lands
# outside the band for two of them. Their inputs have a few thousand elements.
P_RANGES = ((0.1, 0.35), (0.4, 0.6), (0.65, 0.85))


def _random_p(rng: np.random.Generator, low: float, high: float) -> float:
    return round(float(rng.uniform(low, high)), 2)


def _size(rng: np.random.Generator, low: int, high: int) -> int:
    return int(rng.integers(low, high + 1))


def _seed(rng: np.random.Generator) -> int:
    """A seed for the Generator the student's function receives."""
    return int(rng.integers(0, 2 ** 31))


def _small_shape(rng: np.random.Generator) -> Tuple[int, int]:
    return _size(rng, 2, 6), _size(rng, 2, 7)


def dropout_forward_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Seven random cases of the kinds of the public ones, drawn from ``rng`` only.

    Three training cases (a 2-D input, an (N, C, H, W) input and a batch of one, 1200 to
    7200 positive elements each, p low, near 1/2 and high; see P_RANGES), eval mode, p = 0,
    p = 1 and the same-seed case, each with a random shape, p and seed.
    """
    low, middle, high = (_random_p(rng, *bounds) for bounds in P_RANGES)
    matrix = (_size(rng, 40, 80), _size(rng, 50, 90))
    images = (_size(rng, 4, 8), _size(rng, 3, 4), _size(rng, 10, 14), _size(rng, 10, 14))
    row = (1, _size(rng, 3000, 6000))
    eval_p, seed_p = _random_p(rng, 0.1, 0.9), _random_p(rng, 0.3, 0.7)
    settings = [
        # (name, shape, p, training, what is checked, hint)
        (f"training, p = {low:g}, {matrix[0]} x {matrix[1]} input", matrix, low, True,
         "train", "keep each element with probability 1 - p and scale it by 1 / (1 - p)"),
        (f"training, p = {middle:g}, (N, C, H, W) = {images}", images, middle, True, "train",
         "the mask has the shape of x, any number of dimensions"),
        (f"training, p = {high:g}, batch of 1: {row}", row, high, True, "train",
         f"with p = {high:g} only a fraction {1 - high:.2g} of the elements survives, "
         f"scaled by 1 / (1 - p) = {1 / (1 - high):.3g}"),
        (f"eval mode, p = {eval_p:g}: the identity", _small_shape(rng), eval_p, False, "eval",
         EVAL_HINT),
        ("training, p = 0: nothing is dropped", _small_shape(rng), 0.0, True, "p0",
         "with p = 0 every element is kept and the scale is 1"),
        ("training, p = 1: everything is dropped", _small_shape(rng), 1.0, True, "p1",
         P_ONE_HINT),
        (f"same seed -> same mask, other seed -> other mask, p = {seed_p:g}",
         (_size(rng, 20, 50), _size(rng, 20, 50)), seed_p, True, "seed", RNG_HINT),
    ]
    cases = []
    for name, shape, p, training, kind, hint in settings:
        # positive inputs for the training cases, so that a mean shift cannot cancel out
        x = 0.5 + rng.random(shape) if kind == "train" else rng.standard_normal(shape)
        cases.append(Case(f"hidden: {name}", (x, p, training, _seed(rng)),
                          ForwardCase(kind, p), hint))
    return cases


def dropout_backward_hidden_cases(rng: np.random.Generator) -> List[Case]:
    """Five random cases of the kinds of the public ones, drawn from ``rng`` only.

    Masks with random p in [0.1, 0.8] on a 2-D, an (N, C, H, W) and a batch-of-one shape,
    a mask of ones (eval mode) and one of zeros (p = 1); random shapes and upstream
    gradients.
    """
    matrix = _small_shape(rng)
    images = (_size(rng, 1, 3), _size(rng, 2, 4), _size(rng, 2, 5), _size(rng, 2, 5))
    row = (1, _size(rng, 8, 20))
    p_matrix, p_images, p_row = (_random_p(rng, 0.1, 0.8) for _ in range(3))
    ones, zeros = _small_shape(rng), _small_shape(rng)
    geometries = [
        (f"p = {p_matrix:g}, {matrix[0]} x {matrix[1]}", rng.standard_normal(matrix),
         _random_mask(rng, matrix, p_matrix),
         "dx = dout * mask: the gradient passes through kept elements, scaled like them"),
        (f"p = {p_images:g}, (N, C, H, W) = {images}", rng.standard_normal(images),
         _random_mask(rng, images, p_images), "dx has the shape of dout and of the mask"),
        (f"p = {p_row:g}, batch of 1: {row}", rng.standard_normal(row),
         _random_mask(rng, row, p_row),
         f"kept elements are scaled by 1 / (1 - {p_row:g}) = {1 / (1 - p_row):.3g}, and so "
         "is their gradient"),
        (f"eval mode: mask of ones, {ones[0]} x {ones[1]}", rng.standard_normal(ones),
         np.ones(ones), EVAL_GRAD_HINT),
        (f"p = 1: mask of zeros, {zeros[0]} x {zeros[1]}", rng.standard_normal(zeros),
         np.zeros(zeros), P_ONE_GRAD_HINT),
    ]
    return [_backward_case(f"hidden: {name}", dout, mask, hint)
            for name, dout, mask, hint in geometries]


# --------------------------------------------------------------------------- forward comparison


def _as_pair(got: Any) -> Tuple[str, str, Optional[np.ndarray], Optional[np.ndarray]]:
    """(message, hint, out, mask): a non-empty message when got is not two NumPy arrays."""
    if hasattr(got, "detach") and hasattr(got, "numpy"):
        return ("returned a torch tensor, expected a tuple (out, mask) of NumPy arrays",
                "return NumPy arrays, not torch tensors", None, None)
    if isinstance(got, np.ndarray):
        return ("returned one array, expected a tuple (out, mask)",
                "return both the output and the mask: return out, mask", None, None)
    if not isinstance(got, (tuple, list)) or len(got) != 2:
        what = f"a {type(got).__name__} of length {len(got)}" if isinstance(got, (tuple, list)) \
            else f"a {type(got).__name__}"
        return (f"returned {what}, expected a tuple (out, mask)",
                "end the function with: return out, mask", None, None)
    for name, value in zip(FORWARD_NAMES, got):
        if hasattr(value, "detach") and hasattr(value, "numpy"):
            return (f"{name} is a torch tensor, expected a NumPy array",
                    "return NumPy arrays, not torch tensors (convert with .numpy())", None, None)
        if not isinstance(value, np.ndarray):
            return (f"{name} is a {type(value).__name__}, expected a NumPy array",
                    f"return {name} as a NumPy array (e.g. x * mask is one already)", None, None)
        if value.dtype.kind not in "biuf":
            return f"{name} has dtype {value.dtype}, expected numbers", "", None, None
    return "", "", got[0], got[1]


def _check_shapes(x: np.ndarray, out: np.ndarray, mask: np.ndarray) -> Tuple[str, str]:
    for name, value in zip(FORWARD_NAMES, (out, mask)):
        if value.shape != x.shape:
            return (f"{name} has shape {value.shape}, expected the shape of x {x.shape}",
                    "dropout acts elementwise: draw one random number per element of x")
    if not (np.all(np.isfinite(out)) and np.all(np.isfinite(mask))):
        return "out or mask contains inf/NaN", P_ONE_HINT
    return "", ""


def _product_mismatch(x: np.ndarray, out: np.ndarray, mask: np.ndarray) -> Tuple[str, str]:
    if np.allclose(out, x * mask, rtol=1e-12, atol=1e-12):
        return "", ""
    return "out is not x * mask", REUSE_HINT


def _check_training(x: np.ndarray, p: float, out: np.ndarray, mask: np.ndarray) -> Tuple[str, str]:
    """The properties of a training-mode call with 0 < p < 1 on a large input."""
    scale = 1.0 / (1.0 - p)
    values = np.unique(mask)
    allowed = np.isclose(values[:, None], [0.0, scale], rtol=1e-12, atol=1e-12).any(axis=1)
    kept = np.count_nonzero(mask) / mask.size
    low, high = keep_band(p, mask.size)
    flipped_low, flipped_high = keep_band(1.0 - p, mask.size)  # keep fraction p instead of 1 - p
    if not allowed.all():
        shown = ", ".join(f"{v:g}" for v in values[:4]) + (", ..." if len(values) > 4 else "")
        if len(values) <= 2 and np.isclose(values.max(), 1.0) and p > 0:
            return (f"mask values are {{{shown}}}, expected 0 and 1 / (1 - p) = {scale:g}",
                    SCALE_HINT)
        if len(values) <= 2 and np.isclose(values.max(), 1.0 / p):
            return (f"mask values are {{{shown}}}, expected 0 and 1 / (1 - p) = {scale:g}",
                    "divide by the probability of KEEPING an element, 1 - p, not by p")
        return (f"mask values are {{{shown}}}, expected only 0 and 1 / (1 - p) = {scale:g}",
                "the mask is keep / (1 - p), where keep is 0 or 1 for each element")
    message, hint = _product_mismatch(x, out, mask)
    if message:
        return message, hint
    if not low <= kept <= high:
        hint = (KEEP_HINT if p != 0.5 and flipped_low <= kept <= flipped_high else
                "each element must be kept independently with probability 1 - p")
        return (f"kept fraction {kept:.4f}, expected 1 - p = {1 - p:g} "
                f"(accepted {low:.4f} .. {high:.4f} for {mask.size} elements)", hint)
    standard_error = np.sqrt(np.sum(x ** 2) * p / (1 - p)) / x.size
    if abs(out.mean() - x.mean()) > KEEP_SIGMAS * standard_error:
        return (f"mean of out {out.mean():.4f} differs from the mean of x {x.mean():.4f} by more "
                f"than {KEEP_SIGMAS:g} standard errors", SCALE_HINT)
    return "", ""


def _compare_forward(student_fn: Callable, case: Case, got: Any) -> Tuple[str, str]:
    """Return (message, hint) for a dropout_forward answer; an empty message means correct."""
    x, p, training, seed = case.args
    spec: ForwardCase = case.expected
    message, hint, out, mask = _as_pair(got)
    if message:
        return message, hint
    message, hint = _check_shapes(x, out, mask)
    if message:
        return message, hint
    if spec.kind in ("eval", "p0", "p1"):
        want = torch_dropout(x, p, training)  # deterministic in these three cases
        if not np.allclose(out, want, rtol=1e-12, atol=1e-12):
            if spec.kind == "eval" and (np.allclose(out, x * (1 - p)) or np.allclose(out, x / (1 - p))):
                return "eval mode scaled the output", EVAL_HINT
            if spec.kind == "eval":
                return "eval mode must return x unchanged", EVAL_HINT
            if spec.kind == "p1":
                return "with p = 1 out must be all zeros", P_ONE_HINT
            if np.allclose(out, 0.0):
                return "with p = 0 out must equal x, got zeros", KEEP_HINT
            return "with p = 0 out must equal x", case.hint
        if not np.allclose(mask, 0.0 if spec.kind == "p1" else 1.0, rtol=0, atol=1e-12):
            kind = "zeros" if spec.kind == "p1" else "ones"
            return f"out is right but the mask should be all {kind}", case.hint
        return _product_mismatch(x, out, mask)
    if spec.kind == "train":
        return _check_training(x, p, out, mask)
    # "seed": a repeated call with the same seed must give the same mask, another seed another
    message, hint = _product_mismatch(x, out, mask)
    if message:
        return message, hint
    try:
        _, again = student_fn(x.copy(), p, training, np.random.default_rng(seed))[:2]
        _, other = student_fn(x.copy(), p, training, np.random.default_rng(seed + 1))[:2]
        again, other = np.asarray(again), np.asarray(other)
    except Exception as error:  # noqa: BLE001 - a second call that fails is a FAIL, not a crash
        return f"a second call with the same seed raised {type(error).__name__}", RNG_HINT
    if again.shape != mask.shape or not np.array_equal(again, mask):
        return "two calls with the same seed gave different masks", RNG_HINT
    if other.shape == mask.shape and np.array_equal(other, mask):
        return "two calls with different seeds gave the same mask", RNG_HINT
    return "", ""


def _with_rng(student_fn: Callable) -> Callable:
    """Call student_fn(x, p, training, rng) with a fresh Generator seeded by the case."""

    def call(x, p, training, seed):
        return student_fn(x, p, training, np.random.default_rng(seed))

    return call


# --------------------------------------------------------------------------- backward diagnosis


def _diagnose_backward(case: Case, got: np.ndarray) -> Optional[str]:
    dout, mask = (np.asarray(a, dtype=np.float64) for a in case.args)
    if got.shape != dout.shape:
        return f"dx has the shape of dout and mask, {dout.shape}"
    if np.allclose(got, dout) and not np.allclose(mask, 1.0):
        return "dx = dout ignores the mask: dropped elements get no gradient, dx = dout * mask"
    if np.allclose(got, mask) and not np.allclose(dout, 1.0):
        return "that is the mask alone: multiply it by the upstream gradient, dx = dout * mask"
    if np.allclose(got, dout * (mask > 0)) and not np.allclose(mask[mask > 0], 1.0):
        return ("the kept elements were scaled by 1 / (1 - p) in the forward pass, so their "
                "gradient is scaled too: use the mask itself, dx = dout * mask")
    if not np.array_equal(got == 0, (dout * mask) == 0):
        return ("dx is zero at other elements than the dropped ones: reuse the forward pass's "
                "mask, do not draw a new one: dx = dout * mask")
    return None


# --------------------------------------------------------------------------- checks


def check_dropout_forward(student_fn: Callable, *,
                          cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(x, p, training, rng) -> (out, mask)``, inverted dropout; never raises.

    Verifies the properties listed in the module docstring (mask values, out = x * mask,
    binomial band of the kept fraction, preserved mean, eval mode, p = 0 and p = 1 as in
    torch, reproducibility with a seed) and prints hints for the typical mistakes: no
    1 / (1 - p) scaling, scaling in eval mode, keeping with probability p, returning a mask
    other than the one used, the global np.random, a division by zero at p = 1.
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``dropout_forward_hidden_cases(rng)``); their arguments are (x, p, training, seed),
    and the student's function receives ``np.random.default_rng(seed)``.
    """
    fn = _with_rng(student_fn) if callable(student_fn) else student_fn
    cases = dropout_forward_cases() if cases is None else cases
    return run_check(fn, cases, title="dropout_forward",
                     compare=lambda case, got: _compare_forward(student_fn, case, got))


def check_dropout_backward(student_fn: Callable, *,
                           cases: Optional[Sequence[Case]] = None) -> CheckResult:
    """Check ``student_fn(dout, mask) -> dx`` for inverted dropout; never raises.

    The oracle is torch autograd of x * mask. Hints cover ignoring the mask, returning the
    mask alone, forgetting that kept gradients are scaled too, and a freshly drawn mask.
    ``cases``: run these instead of the public cases (e.g. a grader's
    ``dropout_backward_hidden_cases(rng)``).
    """
    cases = dropout_backward_cases() if cases is None else cases
    return run_check(student_fn, cases, title="dropout_backward",
                     diagnose=_diagnose_backward)
