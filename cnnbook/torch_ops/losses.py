"""Softmax cross-entropy loss from a numerically stable log-sum-exp."""

from __future__ import annotations

import torch

from cnnbook.torch_ops._checks import require_tensor
from cnnbook.validation import require_float, require_ndim


def cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean softmax cross-entropy between raw scores and integer class labels.

    Args:
        logits: unnormalised scores, (N, K).
        target: class indices, (N,), integers in [0, K).

    Returns:
        A scalar tensor, the mean over the batch of

        loss_n = -log softmax(logits_n)[target_n] = logsumexp(logits_n) - logits_n[target_n],

        with logsumexp(z) = m + log sum_k exp(z_k - m), m = max_k z_k, so that no exp()
        overflows. m is a constant for autograd: the formula's value does not depend on it.

    Torch equivalent: torch.nn.functional.cross_entropy (reduction="mean")
    """
    op = "cross_entropy"
    require_tensor(logits, "logits", op=op)
    require_ndim(logits, 2, "logits", op=op, layout="(N, K)")
    require_float(logits, "logits", op=op)
    require_tensor(target, "target", op=op)
    require_ndim(target, 1, "target", op=op, layout="(N,)")
    n, k = logits.shape
    if target.shape[0] != n:
        raise ValueError(
            f"{op}: target must have shape (N,) = ({n},) to match logits (shape {tuple(logits.shape)}), "
            f"got shape {tuple(target.shape)}"
        )
    if target.dtype.is_floating_point or target.dtype.is_complex or target.dtype == torch.bool:
        raise ValueError(f"{op}: target must hold integer class indices, got dtype {target.dtype}")
    if target.device != logits.device:
        raise ValueError(
            f"{op}: target must be on the device of logits ({logits.device}), got {target.device}"
        )
    if n == 0 or k == 0:
        raise ValueError(f"{op}: logits must be non-empty (N, K), got shape {tuple(logits.shape)}")
    low, high = int(target.min()), int(target.max())
    if low < 0 or high >= k:
        raise ValueError(
            f"{op}: target must hold class indices in [0, {k}) for logits of shape "
            f"{tuple(logits.shape)}, got values in [{low}, {high}]"
        )

    m = logits.detach().amax(dim=1, keepdim=True)  # (N, 1)
    log_sum_exp = m.squeeze(1) + torch.log(torch.exp(logits - m).sum(dim=1))  # (N,)
    correct = logits.gather(1, target.long().unsqueeze(1)).squeeze(1)  # (N,)
    return (log_sum_exp - correct).mean()
