"""Every graded exercise of the book, as the grader needs it.

An entry names the function the student writes, the notebook it lives in, its public
check, its public cases, the generator of its hidden cases and what it bans. The grader
(:mod:`cnnbook.exercises.grade`) reads nothing else about an exercise.

Hidden cases are drawn from :func:`hidden_rng`, seeded by the instructor's secret seed
and the exercise's name: the package holds the generators but not the seed, so a student
with the package cannot know the hidden inputs, and the expected answers are computed in
the grader's process from independent oracles (torch, autograd, torch.optim).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from cnnbook.exercises import (activations, conv_arithmetic, conv_layer, convolution,
                               normalization, optimizers, pooling, recap, regularization)
from cnnbook.exercises.core import Case, CheckResult

# Banned in every exercise: the book's own reference implementations and the deep-learning
# frameworks (their layers, autograd and optimizers answer every exercise).
FRAMEWORKS = ("cnnbook", "torch", "torchvision", "tensorflow", "keras", "jax", "sklearn")
CONVOLUTION = ("scipy.signal", "scipy.ndimage", "numpy.convolve", "numpy.correlate",
               "skimage", "cv2")


@dataclass(frozen=True)
class GradedExercise:
    """One exercise: the student's function, its checks and its bans.

    Attributes:
        name: the check's title (``check_<name>``), also the gradebook column.
        function: the function the notebook asks the student to write.
        notebook: ``<chapter folder>/<file>`` of the source notebook.
        check: ``check(student_fn, *, cases=None) -> CheckResult``.
        public_cases: the public cases (those the check runs by default).
        hidden_cases: ``hidden_cases(rng) -> [Case]``, randomized.
        bans: dotted names (objects or modules) the student's code may not use.
    """

    name: str
    function: str
    notebook: str
    check: Callable[..., CheckResult]
    public_cases: Callable[[], List[Case]]
    hidden_cases: Callable[[np.random.Generator], List[Case]]
    bans: Tuple[str, ...] = FRAMEWORKS


def _entry(module, name: str, notebook: str, *, function: Optional[str] = None,
           public: Optional[Callable[[], List[Case]]] = None,
           bans: Sequence[str] = ()) -> GradedExercise:
    return GradedExercise(
        name=name, function=function or name, notebook=notebook,
        check=getattr(module, f"check_{name}"),
        public_cases=public or getattr(module, f"{name}_cases"),
        hidden_cases=getattr(module, f"{name}_hidden_cases"),
        bans=FRAMEWORKS + tuple(bans))


def _optimizer(name: str) -> GradedExercise:
    return _entry(optimizers, name, "06_optimization/" + (
        "03_momentum_and_nesterov.ipynb" if name in ("momentum_step", "nesterov_step")
        else "04_adaptive_methods.ipynb"), public=functools.partial(optimizers.optimizer_cases, name))


_LINEAR = "02_recap/01_linear_models.ipynb"
_IM2COL = "03_convolution/04_im2col_and_backward.ipynb"
_POOLING = "04_pooling/01_pooling.ipynb"
_ALL = [
    _entry(recap, "normal_equation", _LINEAR,
           bans=("numpy.linalg.lstsq", "numpy.linalg.pinv", "numpy.polyfit",
                 "numpy.polynomial", "scipy.linalg.lstsq", "scipy.linalg.pinv",
                 "scipy.optimize", "statsmodels")),
    _entry(recap, "logistic_gradient", _LINEAR, bans=("scipy.optimize", "statsmodels")),
    _entry(recap, "gradient_descent", _LINEAR, bans=("scipy.optimize", "statsmodels")),
    _entry(recap, "softmax_cross_entropy", _LINEAR,
           bans=("scipy.special.softmax", "scipy.special.log_softmax",
                 "scipy.special.logsumexp")),
    _entry(recap, "mlp_backward", "02_recap/02_backprop_and_mlp.ipynb"),
    _entry(convolution, "conv2d_valid", "03_convolution/01_convolution_from_scratch.ipynb",
           bans=CONVOLUTION),
    _entry(conv_arithmetic, "conv2d_output_size",
           "03_convolution/02_padding_stride_dilation.ipynb"),
    _entry(conv_layer, "im2col", _IM2COL, bans=CONVOLUTION),
    _entry(conv_layer, "conv2d_forward", _IM2COL, bans=CONVOLUTION),
    _entry(conv_layer, "conv2d_backward", _IM2COL, bans=CONVOLUTION),
    _entry(pooling, "max_pool2d", _POOLING, bans=CONVOLUTION),
    _entry(pooling, "avg_pool2d", _POOLING, bans=CONVOLUTION),
    _entry(pooling, "max_pool2d_backward", _POOLING, function="max_pool2d_backward_2d",
           bans=CONVOLUTION),
    _entry(pooling, "avg_pool2d_backward", _POOLING, function="avg_pool2d_backward_2d",
           bans=CONVOLUTION),
    _entry(activations, "sigmoid_and_grad", "05_activations/01_activation_functions.ipynb",
           bans=("scipy.special.expit", "scipy.special.log_expit")),
    _entry(activations, "elu_and_grad", "05_activations/02_relu_and_gradient_flow.ipynb"),
    *(_optimizer(name) for name in ("momentum_step", "nesterov_step", "adagrad_step",
                                    "rmsprop_step", "adadelta_step", "adam_step")),
    _entry(normalization, "batch_norm_forward",
           "06_optimization/08_initialization_and_normalization.ipynb"),
    _entry(normalization, "batch_norm_backward",
           "06_optimization/08_initialization_and_normalization.ipynb"),
    _entry(regularization, "dropout_forward", "06_optimization/09_regularization.ipynb"),
    _entry(regularization, "dropout_backward", "06_optimization/09_regularization.ipynb"),
]

EXERCISES: Dict[str, GradedExercise] = {exercise.name: exercise for exercise in _ALL}


def exercises_of(notebook: str) -> List[GradedExercise]:
    """The exercises of a source notebook, given as ``<chapter>/<file>`` or a file name."""
    return [e for e in _ALL if e.notebook == notebook or e.notebook.split("/")[-1] == notebook]


def hidden_rng(seed: str, exercise: str) -> np.random.Generator:
    """The generator of an exercise's hidden cases for the instructor's ``seed``."""
    digest = hashlib.sha256(f"cnnbook-grade|{seed}|{exercise}".encode("utf-8")).digest()
    return np.random.default_rng(np.random.SeedSequence(int.from_bytes(digest[:16], "big")))
