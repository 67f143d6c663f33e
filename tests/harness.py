"""One comparison harness for every op test: shape, then dtype, then values.

Torch is the oracle. Values are compared in float64 with an absolute and relative
tolerance of 1e-10 unless a test says otherwise.
"""

from __future__ import annotations

import numpy as np
import torch

TOL = 1e-10


def to_numpy(value) -> np.ndarray:
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def assert_close(got, expected, *, name: str = "output", tol: float = TOL) -> None:
    """Compare ``got`` with the oracle ``expected``: shape, dtype, then values."""
    got_np, expected_np = to_numpy(got), to_numpy(expected)
    assert got_np.shape == expected_np.shape, (
        f"{name}: shape {got_np.shape} != expected {expected_np.shape}"
    )
    assert got_np.dtype == expected_np.dtype, (
        f"{name}: dtype {got_np.dtype} != expected {expected_np.dtype}"
    )
    np.testing.assert_allclose(got_np, expected_np, rtol=tol, atol=tol, err_msg=name)


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def torch_leaf(array: np.ndarray) -> torch.Tensor:
    """A float64 torch leaf tensor that records gradients, sharing no memory with ``array``."""
    return torch.tensor(array, dtype=torch.float64, requires_grad=True)


def assert_fails_with_hint(out: str, result, title: str, n_cases: int, message: str, hint: str) -> None:
    """A check's printed report on a wrong answer: it failed, says ``message`` and ``hint``,
    counts its cases right, and keeps every line short."""
    assert not result.all_passed
    assert message in out
    assert hint in out
    assert f"{title}: {result.passed}/{n_cases} cases passed" in out
    assert out.count("FAIL") == n_cases - result.passed
    assert all(len(line) < 400 for line in out.splitlines())
