"""Activation functions written from their formulas in plain torch tensor ops.

Each one is elementwise, keeps the shape, dtype and device of its input, and is
differentiated by autograd. The exponentials are arranged so that no intermediate
overflows, in the values or in the gradients.
"""

from __future__ import annotations

import math

import torch

from cnnbook.torch_ops._checks import require_tensor
from cnnbook.validation import require_float


def _check(x: torch.Tensor, op: str) -> None:
    require_tensor(x, "x", op=op)
    require_float(x, "x", op=op)


def relu(x: torch.Tensor) -> torch.Tensor:
    """Rectified linear unit, relu(x) = max(x, 0), any shape.

    The gradient at x = 0 is taken as 0, as in torch. (``x.clamp(min=0)`` computes the
    same values, but older torch versions give it the gradient 1 at x = 0.)

    Torch equivalent: torch.nn.functional.relu
    """
    _check(x, "relu")
    return torch.where(x <= 0, torch.zeros_like(x), x)  # written this way round, nan stays nan


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """Logistic sigmoid, sigmoid(x) = 1 / (1 + exp(-x)), any shape.

    exp(-x) overflows for very negative x, so those entries use the equal form
    exp(x) / (1 + exp(x)). Each branch sees only the inputs it is used for (the others
    are replaced by 0), so neither branch produces inf or nan, not even in the gradient.

    Torch equivalent: torch.sigmoid
    """
    _check(x, "sigmoid")
    positive = x >= 0
    x_pos = torch.where(positive, x, torch.zeros_like(x))  # entries >= 0, others 0
    x_neg = torch.where(positive, torch.zeros_like(x), x)  # entries < 0, others 0
    e_neg = torch.exp(x_neg)  # in (0, 1]
    from_pos = 1 / (1 + torch.exp(-x_pos))
    from_neg = e_neg / (1 + e_neg)
    return torch.where(positive, from_pos, from_neg)


def tanh(x: torch.Tensor) -> torch.Tensor:
    """Hyperbolic tangent, tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x)), any shape.

    Computed as 2 sigmoid(2x) - 1 (the same formula after dividing by exp(x) + exp(-x)),
    which inherits the overflow-free sigmoid above.

    Torch equivalent: torch.tanh
    """
    _check(x, "tanh")
    return 2 * sigmoid(2 * x) - 1


def softplus(x: torch.Tensor) -> torch.Tensor:
    """Softplus, a smooth relu: softplus(x) = log(1 + exp(x)), any shape (beta = 1).

    Above the threshold x > 20, softplus(x) equals x to double precision, and exp(x)
    would soon overflow; like torch, those entries return x itself. Below it,
    log1p(exp(x)) is accurate even where exp(x) is tiny.

    Torch equivalent: torch.nn.functional.softplus (beta=1, threshold=20)
    """
    _check(x, "softplus")
    threshold = 20.0
    linear = x > threshold
    x_small = torch.where(linear, torch.zeros_like(x), x)  # keep exp() away from large inputs
    return torch.where(linear, x, torch.log1p(torch.exp(x_small)))


def _check_number(value: float, name: str, op: str) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    if not ok:
        raise ValueError(f"{op}: {name} must be a finite number, got {value!r}")


def leaky_relu(x: torch.Tensor, negative_slope: float = 0.01) -> torch.Tensor:
    """Leaky ReLU: x for x > 0, negative_slope * x otherwise, any shape.

    The gradient at x = 0 is negative_slope, as in torch.

    Torch equivalent: torch.nn.functional.leaky_relu
    """
    _check(x, "leaky_relu")
    _check_number(negative_slope, "negative_slope", "leaky_relu")
    return torch.where(x > 0, x, x * negative_slope)


def elu(x: torch.Tensor, alpha: float = 1.0) -> torch.Tensor:
    """Exponential linear unit: x for x > 0, alpha * (exp(x) - 1) otherwise, any shape.

    The exponential only sees min(x, 0): for a large positive x, exp(x) would be inf in
    the unused branch, and its gradient inf * 0 = nan would leak through torch.where.

    Torch equivalent: torch.nn.functional.elu
    """
    _check(x, "elu")
    _check_number(alpha, "alpha", "elu")
    x_neg = torch.where(x > 0, torch.zeros_like(x), x)  # entries <= 0 unchanged, others 0
    return torch.where(x > 0, x, alpha * torch.expm1(x_neg))


def gelu(x: torch.Tensor, approximate: str = "none") -> torch.Tensor:
    """Gaussian error linear unit, any shape.

    gelu(x) = x * Phi(x) = x / 2 * (1 + erf(x / sqrt 2))                 approximate="none"
            ~ x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))      approximate="tanh"

    Torch equivalent: torch.nn.functional.gelu
    """
    _check(x, "gelu")
    if approximate == "none":
        return 0.5 * x * (1 + torch.erf(x / math.sqrt(2.0)))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)
        return 0.5 * x * (1 + torch.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
