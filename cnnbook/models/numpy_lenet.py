"""LeNet-5 in plain NumPy: the torch :class:`~cnnbook.models.lenet.LeNet5` built from the
package's forward/backward pairs, with a hand-written backward pass through the whole net.

The layers and their output shapes for a batch of N digits::

    x                        (N, 1, 28, 28)
    conv1 5x5, padding 2  -> (N, 6, 28, 28)    act   pool 2 -> (N, 6, 14, 14)
    conv2 5x5             -> (N, 16, 10, 10)   act   pool 2 -> (N, 16, 5, 5)
    flatten               -> (N, 400)
    fc1 -> (N, 120)  act   fc2 -> (N, 84)  act   fc3 -> (N, num_classes)  (logits)

The parameters are a list of NumPy arrays in torch's order (conv1.weight, conv1.bias,
conv2.weight, ..., fc3.bias), so an optimizer from :mod:`cnnbook.numpy_ops.optim` can update
them in place and :meth:`NumpyLeNet5.load_state_dict` / :meth:`NumpyLeNet5.to_torch` move
weights to and from the torch model without any transposes.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple, Union

import numpy as np

from cnnbook.numpy_ops.activations import (
    relu_backward,
    relu_forward,
    sigmoid_backward,
    sigmoid_forward,
    tanh_backward,
    tanh_forward,
)
from cnnbook.numpy_ops.conv import conv2d_backward, conv2d_forward
from cnnbook.numpy_ops.linear import linear_backward, linear_forward
from cnnbook.numpy_ops.losses import cross_entropy_backward, cross_entropy_forward
from cnnbook.numpy_ops.pooling import (
    avg_pool2d_backward,
    avg_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)
from cnnbook.validation import require_float, require_ndim

ACTIVATIONS = {
    "relu": (relu_forward, relu_backward),
    "tanh": (tanh_forward, tanh_backward),
    "sigmoid": (sigmoid_forward, sigmoid_backward),
}
POOLS = {
    "max": (max_pool2d_forward, max_pool2d_backward),
    "avg": (avg_pool2d_forward, avg_pool2d_backward),
}
# name, shape (num_classes filled in later), key in LeNet5's state_dict
PARAMETERS = [
    ("conv1.weight", (6, 1, 5, 5), "features.0.weight"),
    ("conv1.bias", (6,), "features.0.bias"),
    ("conv2.weight", (16, 6, 5, 5), "features.4.weight"),
    ("conv2.bias", (16,), "features.4.bias"),
    ("fc1.weight", (120, 400), "classifier.1.weight"),
    ("fc1.bias", (120,), "classifier.1.bias"),
    ("fc2.weight", (84, 120), "classifier.4.weight"),
    ("fc2.bias", (84,), "classifier.4.bias"),
    ("fc3.weight", (None, 84), "classifier.7.weight"),
    ("fc3.bias", (None,), "classifier.7.bias"),
]
OP = "NumpyLeNet5"


class NumpyLeNet5:
    """LeNet-5 for (N, 1, 28, 28) images in NumPy: forward, backward and the loss gradient.

    Args:
        num_classes: number of output classes.
        activation: "relu", "tanh" or "sigmoid".
        pool: "max" or "avg" (2x2, stride 2).
        seed: seeds the initial weights (``np.random.default_rng(seed)``).
        dtype: float32 (fast) or float64 (for gradient checks).

    Initialisation as torch's default for Conv2d and Linear (kaiming-uniform with
    a = sqrt(5)): every weight and bias is drawn from U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    fan_in = C_in * KH * KW for a convolution and in_features for a linear layer.

    Attributes:
        params: list of the 10 parameter arrays, in the order of :attr:`param_names`.
        param_names: "conv1.weight", "conv1.bias", ..., "fc3.bias".
        output_shapes: the shape of every layer's output in the last forward pass.

    Torch equivalent: ``cnnbook.models.lenet.LeNet5(num_classes, activation=..., pool=...)``.
    """

    def __init__(
        self,
        num_classes: int = 10,
        *,
        activation: str = "relu",
        pool: str = "max",
        seed: int = 0,
        dtype: Union[type, np.dtype, str] = np.float32,
    ) -> None:
        if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
            raise ValueError(f"{OP}: num_classes must be a positive int, got {num_classes!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"{OP}: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}")
        if pool not in POOLS:
            raise ValueError(f"{OP}: pool must be 'max' or 'avg', got {pool!r}")
        dtype = np.dtype(dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"{OP}: dtype must be float32 or float64, got {dtype}")
        self.num_classes = num_classes
        self.activation = activation
        self.pool = pool
        self.dtype = dtype
        self.param_names = [name for name, _, _ in PARAMETERS]
        self.params = self._init_params(np.random.default_rng(seed))
        self.output_shapes: Dict[str, Tuple[int, ...]] = {}
        self._caches: Optional[tuple] = None

    def _param_shapes(self) -> List[Tuple[int, ...]]:
        return [tuple(self.num_classes if s is None else s for s in shape) for _, shape, _ in PARAMETERS]

    def _init_params(self, rng: np.random.Generator) -> List[np.ndarray]:
        """U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for each weight and the bias that follows it."""
        params = []
        shapes = self._param_shapes()
        for weight_shape, bias_shape in zip(shapes[0::2], shapes[1::2]):
            fan_in = int(np.prod(weight_shape[1:]))  # C_in*KH*KW or in_features
            bound = 1.0 / np.sqrt(fan_in)
            for shape in (weight_shape, bias_shape):
                params.append(rng.uniform(-bound, bound, size=shape).astype(self.dtype))
        return params

    @property
    def num_parameters(self) -> int:
        """Total number of scalar parameters (61,706 with 10 classes)."""
        return int(sum(p.size for p in self.params))

    def _check_x(self, x: np.ndarray) -> np.ndarray:
        require_ndim(x, 4, "x", op=OP, layout="(N, 1, 28, 28)")
        require_float(x, "x", op=OP)
        if tuple(x.shape[1:]) != (1, 28, 28) or x.shape[0] == 0:
            raise ValueError(f"{OP}: x must have shape (N, 1, 28, 28) with N >= 1, got {tuple(x.shape)}")
        return x.astype(self.dtype, copy=False)

    # ------------------------------------------------------------------ forward / backward

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Logits (N, num_classes) of images x (N, 1, 28, 28); keeps the caches for backward."""
        x = self._check_x(x)
        act, _ = ACTIVATIONS[self.activation]
        pool, _ = POOLS[self.pool]
        w1, b1, w2, b2, w3, b3, w4, b4, w5, b5 = self.params
        z1, conv1 = conv2d_forward(x, w1, b1, padding=2)  # (N, 6, 28, 28)
        a1, act1 = act(z1)
        p1, pool1 = pool(a1, kernel_size=2)  # (N, 6, 14, 14)
        z2, conv2 = conv2d_forward(p1, w2, b2)  # (N, 16, 10, 10)
        a2, act2 = act(z2)
        p2, pool2 = pool(a2, kernel_size=2)  # (N, 16, 5, 5)
        flat = p2.reshape(len(x), -1)  # (N, 400)
        h1, fc1 = linear_forward(flat, w3, b3)  # (N, 120)
        a3, act3 = act(h1)
        h2, fc2 = linear_forward(a3, w4, b4)  # (N, 84)
        a4, act4 = act(h2)
        logits, fc3 = linear_forward(a4, w5, b5)  # (N, num_classes)
        self._caches = (conv1, act1, pool1, conv2, act2, pool2, p2.shape, fc1, act3, fc2, act4, fc3)
        self.output_shapes = {
            "input": x.shape, "conv1": z1.shape, "act1": a1.shape, "pool1": p1.shape,
            "conv2": z2.shape, "act2": a2.shape, "pool2": p2.shape, "flatten": flat.shape,
            "fc1": h1.shape, "act3": a3.shape, "fc2": h2.shape, "act4": a4.shape,
            "fc3": logits.shape,
        }
        return logits

    __call__ = forward

    def backward(self, dlogits: np.ndarray) -> List[np.ndarray]:
        """Gradients of every parameter (list in the order of ``params``) given dL/dlogits.

        Walks the layers of the last ``forward()`` in reverse, each backward function
        turning the gradient of its output into the gradients of its input and weights.

        Args:
            dlogits: (N, num_classes), the gradient of the loss with respect to the logits.
        """
        if self._caches is None:
            raise ValueError(f"{OP}.backward: call forward(x) first, no forward pass is cached")
        (conv1, act1, pool1, conv2, act2, pool2, p2_shape, fc1, act3, fc2, act4, fc3) = self._caches
        expected = (p2_shape[0], self.num_classes)
        if not isinstance(dlogits, np.ndarray) or dlogits.shape != expected:
            got = tuple(dlogits.shape) if hasattr(dlogits, "shape") else type(dlogits).__name__
            raise ValueError(f"{OP}.backward: dlogits must have shape {expected}, got {got}")
        require_float(dlogits, "dlogits", op=f"{OP}.backward")
        _, act_back = ACTIVATIONS[self.activation]
        _, pool_back = POOLS[self.pool]
        dlogits = dlogits.astype(self.dtype, copy=False)
        da4, dw5, db5 = linear_backward(dlogits, fc3)  # (N, 84)
        da3, dw4, db4 = linear_backward(act_back(da4, act4), fc2)  # (N, 120)
        dflat, dw3, db3 = linear_backward(act_back(da3, act3), fc1)  # (N, 400)
        dp2 = dflat.reshape(p2_shape)  # (N, 16, 5, 5)
        dz2 = act_back(pool_back(dp2, pool2), act2)  # (N, 16, 10, 10)
        dp1, dw2, db2 = conv2d_backward(dz2, conv2)  # (N, 6, 14, 14)
        dz1 = act_back(pool_back(dp1, pool1), act1)  # (N, 6, 28, 28)
        _, dw1, db1 = conv2d_backward(dz1, conv1)
        return [dw1, db1, dw2, db2, dw3, db3, dw4, db4, dw5, db5]

    def loss_and_grads(self, x: np.ndarray, y: np.ndarray) -> Tuple[float, List[np.ndarray]]:
        """Mean cross-entropy of the batch and the gradient of every parameter.

        Args:
            x: (N, 1, 28, 28) float images.
            y: (N,) integer labels in [0, num_classes).

        Returns:
            loss: a Python float; grads: list of arrays shaped like ``params``.
        """
        logits = self.forward(x)
        loss, cache = cross_entropy_forward(logits, y)
        return float(loss), self.backward(cross_entropy_backward(cache))

    def predict(self, x: np.ndarray, *, batch_size: int = 1000) -> np.ndarray:
        """Predicted class (N,) int64 of each image, in batches of ``batch_size``."""
        x = self._check_x(x)
        return np.concatenate(
            [self.forward(x[i:i + batch_size]).argmax(axis=1) for i in range(0, len(x), batch_size)]
        ).astype(np.int64)

    def evaluate(self, x: np.ndarray, y: np.ndarray, *, batch_size: int = 1000) -> Tuple[float, float]:
        """Mean cross-entropy loss and accuracy (a fraction in [0, 1]) on (x, y), in batches."""
        x = self._check_x(x)
        total_loss, correct = 0.0, 0
        for i in range(0, len(x), batch_size):
            logits = self.forward(x[i:i + batch_size])
            loss, _ = cross_entropy_forward(logits, y[i:i + batch_size])
            total_loss += float(loss) * len(logits)
            correct += int((logits.argmax(axis=1) == y[i:i + batch_size]).sum())
        return total_loss / len(x), correct / len(x)

    # ------------------------------------------------------------------ to and from torch

    def state_dict(self) -> Dict[str, np.ndarray]:
        """The parameters under the keys of ``LeNet5().state_dict()`` (copies)."""
        return {key: p.copy() for (_, _, key), p in zip(PARAMETERS, self.params)}

    def load_state_dict(self, state: dict) -> None:
        """Copy weights in place from a LeNet5 state_dict (torch tensors or NumPy arrays).

        The arrays of ``params`` keep their identity (an optimizer holding them still
        works); values are cast to :attr:`dtype`.
        """
        if not hasattr(state, "keys"):
            raise ValueError(f"{OP}.load_state_dict: state must be a dict, got {type(state).__name__}")
        for (name, _, key), p in zip(PARAMETERS, self.params):
            if key not in state:
                raise ValueError(f"{OP}.load_state_dict: state has no key {key!r} ({name})")
            value = state[key]
            value = value.detach().cpu().numpy() if hasattr(value, "detach") else np.asarray(value)
            if value.shape != p.shape:
                raise ValueError(
                    f"{OP}.load_state_dict: {key} ({name}) must have shape {p.shape}, got {value.shape}"
                )
            p[...] = value

    @classmethod
    def from_torch(cls, model, *, dtype: Union[type, np.dtype, str] = np.float32) -> "NumpyLeNet5":
        """A NumpyLeNet5 with the weights, activation and pooling of a torch LeNet5.

        Only LeNet5 without normalisation layers and without dropout is supported.
        """
        from torch import nn

        from cnnbook.models.lenet import ACTIVATIONS as TORCH_ACTIVATIONS, POOLS as TORCH_POOLS, LeNet5

        if not isinstance(model, LeNet5):
            raise ValueError(f"{OP}.from_torch: model must be a LeNet5, got {type(model).__name__}")
        if not isinstance(model.features[1], nn.Identity):
            raise ValueError(f"{OP}.from_torch: model must have norm=None, got {type(model.features[1]).__name__}")
        if model.classifier[3].p > 0:
            raise ValueError(f"{OP}.from_torch: model must have dropout=0, got {model.classifier[3].p}")
        activation = next(k for k, v in TORCH_ACTIVATIONS.items() if type(model.features[2]) is v)
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"{OP}.from_torch: activation must be one of {sorted(ACTIVATIONS)}, got {activation!r}"
            )
        pool = next(k for k, v in TORCH_POOLS.items() if type(model.features[3]) is v)
        net = cls(model.classifier[7].out_features, activation=activation, pool=pool, dtype=dtype)
        net.load_state_dict(model.state_dict())
        return net

    def to_torch(self):
        """A torch LeNet5 (CPU, same dtype) holding a copy of these weights."""
        import torch

        from cnnbook.models.lenet import LeNet5

        model = LeNet5(self.num_classes, activation=self.activation, pool=self.pool)
        model = model.to(torch.float64 if self.dtype == np.float64 else torch.float32)
        model.load_state_dict({k: torch.from_numpy(v) for k, v in self.state_dict().items()})
        return model

    def __repr__(self) -> str:
        return (
            f"NumpyLeNet5(num_classes={self.num_classes}, activation={self.activation!r}, "
            f"pool={self.pool!r}, dtype={self.dtype.name}, parameters={self.num_parameters:,})"
        )
