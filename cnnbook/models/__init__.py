"""Architectures as readable modules (LeNet ... EfficientNet), one per module.

``LeNet5`` is the torch module; ``NumpyLeNet5`` is the same network built only from
``cnnbook.numpy_ops``, with weights that move to and from the torch model.
"""

from cnnbook.models.lenet import LeNet5
from cnnbook.models.numpy_lenet import NumpyLeNet5

__all__ = ["LeNet5", "NumpyLeNet5"]
