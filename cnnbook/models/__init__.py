"""Architectures as readable torch modules (LeNet ... EfficientNet), one per module."""

from cnnbook.models.lenet import LeNet5

__all__ = ["LeNet5"]
