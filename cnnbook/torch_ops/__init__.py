"""The ops of ``cnnbook.numpy_ops`` written in plain torch tensor ops.

Each op is built from elementary tensor operations (``unfold``, ``matmul``, ``exp``...),
not by calling its ``torch.nn.functional`` counterpart, so the code shows the algorithm
while autograd supplies the backward pass and the tensors may live on any device
(CPU, CUDA, MPS). The tests check every op against ``torch.nn.functional``.
"""

from cnnbook.torch_ops.activations import elu, gelu, leaky_relu, relu, sigmoid, softplus, tanh
from cnnbook.torch_ops.conv import conv2d
from cnnbook.torch_ops.dropout import dropout
from cnnbook.torch_ops.linear import linear
from cnnbook.torch_ops.losses import cross_entropy
from cnnbook.torch_ops.normalization import batch_norm
from cnnbook.torch_ops.pooling import avg_pool2d, max_pool2d

__all__ = [
    "avg_pool2d",
    "batch_norm",
    "conv2d",
    "cross_entropy",
    "dropout",
    "elu",
    "gelu",
    "leaky_relu",
    "linear",
    "max_pool2d",
    "relu",
    "sigmoid",
    "softplus",
    "tanh",
]
