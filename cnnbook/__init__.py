"""cnnbook: the helper package of the cnnbook course on convolutional neural networks.

Submodules (import the one you need; nothing heavy is imported here):

    cnnbook.numpy_ops   NumPy reference ops: forward/backward pairs, naive and fast variants
    cnnbook.torch_ops   the same ops written with torch tensor ops (autograd, any device)
    cnnbook.shapes      output sizes and parameter counts
    cnnbook.gradcheck   numerical gradients and relative errors
    cnnbook.data        bundled MNIST sample and photos; full datasets through torchvision
    cnnbook.device      picks cuda > mps > cpu
    cnnbook.models      architectures as readable torch modules (LeNet5, ...)
    cnnbook.training    a small training loop: fit, evaluate, early stopping
    cnnbook.viz         plots, animations and widgets the chapters share
    cnnbook.exercises   the checks behind the graded exercises
"""

__version__ = "0.1.0"
