"""LeNet-5 (LeCun et al., 1998) as a readable torch module, with switches for the chapters.

The layer sizes follow the 1998 paper for 28x28 MNIST digits padded to 32x32::

    input (N, 1, 28, 28)
    conv1 5x5, padding 2 -> (N, 6, 28, 28)   act   pool 2 -> (N, 6, 14, 14)
    conv2 5x5            -> (N, 16, 10, 10)  act   pool 2 -> (N, 16, 5, 5)
    flatten -> 400   fc1 -> 120 act   fc2 -> 84 act   fc3 -> num_classes (logits)

Modern choices replace the paper's scaled tanh and trainable subsampling by ``activation``
and ``pool``; ``norm`` inserts a normalisation layer after each convolution and ``dropout``
drops the inputs of fc2 and fc3, so the training chapters can switch one thing at a time.
Parameter count with the defaults: 61,706.
"""

from __future__ import annotations

from typing import Optional

import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "sigmoid": nn.Sigmoid,
    "leaky_relu": nn.LeakyReLU,
    "elu": nn.ELU,
    "gelu": nn.GELU,
}
POOLS = {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}
NORMS = (None, "batch", "layer", "instance", "group")
GROUPS = 2  # groups of the "group" norm: divides both 6 and 16 channels


def _norm_layer(norm: Optional[str], channels: int) -> nn.Module:
    """The normalisation layer after a convolution with ``channels`` output channels."""
    if norm is None:
        return nn.Identity()
    if norm == "batch":
        return nn.BatchNorm2d(channels)
    if norm == "layer":  # statistics over (C, H, W) of each example, affine per channel
        return nn.GroupNorm(1, channels)
    if norm == "instance":  # statistics over (H, W) of each example and channel
        return nn.GroupNorm(channels, channels)
    return nn.GroupNorm(GROUPS, channels)


class LeNet5(nn.Module):
    """LeNet-5 for (N, 1, 28, 28) images, returning logits (N, num_classes).

    Args:
        num_classes: number of output classes.
        activation: one of "relu", "tanh", "sigmoid", "leaky_relu", "elu", "gelu".
        pool: "max" or "avg" (2x2, stride 2).
        dropout: probability of zeroing an input of fc2 and fc3 (0 disables dropout).
        norm: None, "batch" (BatchNorm2d), "layer" (GroupNorm with 1 group), "instance"
            (GroupNorm with one group per channel) or "group" (GroupNorm with 2 groups),
            inserted after each convolution, before the activation.

    Torch equivalent: the same layers built by hand in ``nn.Sequential``.
    """

    def __init__(
        self,
        num_classes: int = 10,
        *,
        activation: str = "relu",
        pool: str = "max",
        dropout: float = 0.0,
        norm: Optional[str] = None,
    ) -> None:
        super().__init__()
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
            raise ValueError(f"LeNet5: num_classes must be a positive int, got {num_classes!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"LeNet5: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        if pool not in POOLS:
            raise ValueError(f"LeNet5: pool must be 'max' or 'avg', got {pool!r}")
        if not isinstance(dropout, (int, float)) or not 0.0 <= dropout < 1.0:
            raise ValueError(f"LeNet5: dropout must be a number in [0, 1), got {dropout!r}")
        if norm not in NORMS:
            raise ValueError(f"LeNet5: norm must be one of {NORMS}, got {norm!r}")
        act = ACTIVATIONS[activation]
        pool_layer = POOLS[pool]
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2),  # (N, 6, 28, 28)
            _norm_layer(norm, 6),
            act(),
            pool_layer(kernel_size=2, stride=2),  # (N, 6, 14, 14)
            nn.Conv2d(6, 16, kernel_size=5),  # (N, 16, 10, 10)
            _norm_layer(norm, 16),
            act(),
            pool_layer(kernel_size=2, stride=2),  # (N, 16, 5, 5)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (N, 400)
            nn.Linear(16 * 5 * 5, 120),
            act(),
            nn.Dropout(dropout),
            nn.Linear(120, 84),
            act(),
            nn.Dropout(dropout),
            nn.Linear(84, num_classes),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != (1, 28, 28):
            raise ValueError(
                f"LeNet5: x must have shape (N, 1, 28, 28), got {tuple(x.shape)}"
            )
        return self.classifier(self.features(x))
