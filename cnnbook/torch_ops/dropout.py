"""Inverted dropout: zero each entry with probability p, scale the survivors by 1 / (1 - p)."""

from __future__ import annotations

from numbers import Real
from typing import Optional

import torch

from cnnbook.torch_ops._checks import require_tensor
from cnnbook.validation import require_float


def dropout(
    x: torch.Tensor,
    p: float = 0.5,
    *,
    training: bool = True,
    generator: Optional[torch.Generator] = None,
) -> torch.Tensor:
    """Inverted dropout of any-shaped ``x``.

    In training, out = x * mask / (1 - p) with mask[i] ~ Bernoulli(1 - p), so that
    E[out] = x and nothing needs rescaling at test time; in evaluation (``training=False``)
    or with p = 0, out = x. p = 1 drops everything.

    Args:
        x: input, any shape.
        p: probability of zeroing an entry, in [0, 1].
        training: apply dropout (True) or return ``x`` unchanged (False).
        generator: optional ``torch.Generator`` on x's device, for a reproducible mask.
            With the same seed, the mask is the one torch.nn.functional.dropout draws
            from the default generator on the CPU.

    Returns:
        out, the shape of x.

    Torch equivalent: torch.nn.functional.dropout
    """
    op = "dropout"
    require_tensor(x, "x", op=op)
    require_float(x, "x", op=op)
    if not isinstance(p, Real) or isinstance(p, bool) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"{op}: p must be a probability in [0, 1], got {p!r}")
    if generator is not None:
        if not isinstance(generator, torch.Generator):
            raise ValueError(f"{op}: generator must be a torch.Generator, got {type(generator).__name__}")
        if generator.device.type != x.device.type:
            raise ValueError(
                f"{op}: generator must be on the device of x ({x.device}), got {generator.device}"
            )
    p = float(p)
    if not training or p == 0.0:
        return x
    if p == 1.0:
        return x * torch.zeros_like(x)
    keep = 1.0 - p
    mask = torch.empty_like(x).bernoulli_(keep, generator=generator)  # 1 = kept, 0 = dropped
    return x * (mask / keep)
