"""NumPy reference ops: forward/backward pairs, written by hand on purpose.

Every op is a pair ``*_forward(...) -> (out, cache)`` and ``*_backward(dout, cache)``.
The plain names are the fast, vectorised versions; ``*_naive`` are explicit loops that
teach the formula and serve as oracles. Arrays are NCHW; keyword names follow torch.
"""

from cnnbook.numpy_ops.conv import (
    conv2d_forward_naive,
    conv2d_backward_naive,
    im2col,
    col2im,
    conv2d_forward,
    conv2d_backward,
)
from cnnbook.numpy_ops.conv_transpose import (
    conv_transpose2d_forward,
    conv_transpose2d_backward,
)
from cnnbook.numpy_ops.padding import PADDING_MODES, pad2d, padding_indices
from cnnbook.numpy_ops.pooling import (
    max_pool2d_forward_naive,
    max_pool2d_backward_naive,
    max_pool2d_forward,
    max_pool2d_backward,
    avg_pool2d_forward_naive,
    avg_pool2d_backward_naive,
    avg_pool2d_forward,
    avg_pool2d_backward,
    max_pool2d_forward_with_indices,
    max_unpool2d,
)
from cnnbook.numpy_ops.activations import (
    relu_forward,
    relu_backward,
    relu_forward_naive,
    relu_backward_naive,
    sigmoid_forward,
    sigmoid_backward,
    sigmoid_forward_naive,
    sigmoid_backward_naive,
    tanh_forward,
    tanh_backward,
    tanh_forward_naive,
    tanh_backward_naive,
    softplus_forward,
    softplus_backward,
    softplus_forward_naive,
    softplus_backward_naive,
)
from cnnbook.numpy_ops.linear import (
    linear_forward,
    linear_backward,
    linear_forward_naive,
    linear_backward_naive,
)
from cnnbook.numpy_ops.losses import (
    log_softmax,
    softmax,
    cross_entropy_forward,
    cross_entropy_backward,
    cross_entropy_forward_naive,
    cross_entropy_backward_naive,
)
from cnnbook.numpy_ops.dropout import (
    dropout_forward,
    dropout_backward,
    dropout_forward_naive,
    dropout_backward_naive,
)
from cnnbook.numpy_ops.optim import SGD, Adadelta, Adagrad, Adam, AdamW, Optimizer, RMSprop
from cnnbook.numpy_ops.normalization import (
    batch_norm_forward,
    batch_norm_backward,
    batch_norm_forward_naive,
    batch_norm_backward_naive,
)

__all__ = [
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "SGD",
    "avg_pool2d_backward",
    "avg_pool2d_backward_naive",
    "avg_pool2d_forward",
    "avg_pool2d_forward_naive",
    "batch_norm_backward",
    "batch_norm_backward_naive",
    "batch_norm_forward",
    "batch_norm_forward_naive",
    "col2im",
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_forward",
    "conv2d_forward_naive",
    "conv_transpose2d_backward",
    "conv_transpose2d_forward",
    "cross_entropy_backward",
    "cross_entropy_backward_naive",
    "cross_entropy_forward",
    "cross_entropy_forward_naive",
    "dropout_backward",
    "dropout_backward_naive",
    "dropout_forward",
    "dropout_forward_naive",
    "im2col",
    "linear_backward",
    "linear_backward_naive",
    "linear_forward",
    "linear_forward_naive",
    "log_softmax",
    "max_pool2d_backward",
    "max_pool2d_backward_naive",
    "max_pool2d_forward",
    "max_pool2d_forward_naive",
    "max_pool2d_forward_with_indices",
    "max_unpool2d",
    "pad2d",
    "padding_indices",
    "PADDING_MODES",
    "relu_backward",
    "relu_backward_naive",
    "relu_forward",
    "relu_forward_naive",
    "sigmoid_backward",
    "sigmoid_backward_naive",
    "sigmoid_forward",
    "sigmoid_forward_naive",
    "softmax",
    "softplus_backward",
    "softplus_backward_naive",
    "softplus_forward",
    "softplus_forward_naive",
    "tanh_backward",
    "tanh_backward_naive",
    "tanh_forward",
    "tanh_forward_naive",
]
