"""Numerical gradients against functions whose gradient is known in closed form and against autograd."""

import numpy as np
import pytest
import torch

from cnnbook.gradcheck import numerical_gradient, numerical_gradient_array, relative_error


def test_numerical_gradient_of_a_quadratic_form_matches_the_formula():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(4, 4))
    x = rng.normal(size=4)
    got = numerical_gradient(lambda z: z @ a @ z, x)
    assert relative_error(got, (a + a.T) @ x) < 1e-8


def test_numerical_gradient_matches_autograd_on_a_nonlinear_function():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3))
    got = numerical_gradient(lambda z: float(np.sum(np.sin(z) * np.exp(z / 3))), x)
    t = torch.tensor(x, requires_grad=True)
    (torch.sin(t) * torch.exp(t / 3)).sum().backward()
    assert relative_error(got, t.grad.numpy()) < 1e-8


def test_numerical_gradient_restores_its_input():
    x = np.arange(6, dtype=np.float64).reshape(2, 3)
    before = x.copy()
    numerical_gradient(lambda z: float(np.sum(z ** 2)), x)
    np.testing.assert_array_equal(x, before)


def test_numerical_gradient_array_is_a_vector_jacobian_product():
    rng = np.random.default_rng(2)
    w = rng.normal(size=(3, 5))
    x = rng.normal(size=5)
    dout = rng.normal(size=3)
    got = numerical_gradient_array(lambda z: w @ z, x, dout)
    assert relative_error(got, w.T @ dout) < 1e-8


def test_relative_error_detects_a_wrong_gradient():
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.2])) > 1e-2


@pytest.mark.parametrize(
    "call,match",
    [
        (lambda: numerical_gradient(lambda z: 0.0, np.arange(3)), "x must be a float NumPy array"),
        (lambda: numerical_gradient(lambda z: 0.0, np.zeros(3), h=0), "h must be positive"),
        (lambda: relative_error(np.zeros(2), np.zeros(3)), r"same shape, got \(2,\) and \(3,\)"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(ValueError, match=match):
        call()
