"""LeNet5: layer sizes from the 1998 paper's arithmetic, switches, bad input."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnnbook.models import LeNet5


def test_parameter_count_matches_the_layer_arithmetic():
    # conv1 1->6 5x5, conv2 6->16 5x5, fc 400->120->84->10 (weights + biases)
    expected = (6 * 25 + 6) + (16 * 6 * 25 + 16) + (400 * 120 + 120) + (120 * 84 + 84) + (84 * 10 + 10)
    assert sum(p.numel() for p in LeNet5().parameters()) == expected == 61706


def test_feature_map_shapes_follow_the_paper():
    model = LeNet5()
    x = torch.zeros(3, 1, 28, 28)
    shapes = []
    for layer in model.features:
        x = layer(x)
        if isinstance(layer, (nn.Conv2d, nn.MaxPool2d)):
            shapes.append(tuple(x.shape[1:]))
    assert shapes == [(6, 28, 28), (6, 14, 14), (16, 10, 10), (16, 5, 5)]
    assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)


@pytest.mark.parametrize(
    "norm,kind,groups",
    [("batch", nn.BatchNorm2d, None), ("layer", nn.GroupNorm, 1),
     ("instance", nn.GroupNorm, "C"), ("group", nn.GroupNorm, 2)],
)
def test_norm_layers_follow_each_convolution(norm, kind, groups):
    model = LeNet5(norm=norm)
    norms = [m for m in model.features if isinstance(m, kind)]
    assert len(norms) == 2
    if groups is not None:
        for layer, channels in zip(norms, (6, 16)):
            assert layer.num_groups == (channels if groups == "C" else groups)
    # Instance norm as GroupNorm(C, C) equals F.instance_norm (plus the per-channel affine).
    if norm == "instance":
        x = torch.randn(2, 6, 7, 7)
        torch.testing.assert_close(norms[0](x), torch.nn.functional.instance_norm(x, eps=1e-5))


def test_dropout_is_active_in_train_and_off_in_eval():
    torch.manual_seed(0)
    model = LeNet5(dropout=0.5)
    x = torch.randn(4, 1, 28, 28)
    model.train()
    assert not torch.equal(model(x), model(x))
    model.eval()
    assert torch.equal(model(x), model(x))


@pytest.mark.parametrize("activation", ["tanh", "sigmoid", "leaky_relu", "elu", "gelu"])
def test_activation_switch(activation):
    model = LeNet5(activation=activation, pool="avg")
    kinds = {type(m).__name__.lower() for m in model.modules()}
    assert activation.replace("_", "") in kinds
    assert "avgpool2d" in kinds and "relu" not in kinds


@pytest.mark.parametrize(
    "kwargs,match",
    [
        (dict(num_classes=0), "num_classes must be a positive int"),
        (dict(activation="swish"), "activation must be one of"),
        (dict(pool="min"), "pool must be 'max' or 'avg'"),
        (dict(dropout=1.0), r"dropout must be a number in \[0, 1\)"),
        (dict(norm="weight"), "norm must be one of"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        LeNet5(**kwargs)


def test_bad_input_shape_is_named():
    with pytest.raises(ValueError, match=r"x must have shape \(N, 1, 28, 28\), got \(2, 3, 28, 28\)"):
        LeNet5()(torch.zeros(2, 3, 28, 28))
