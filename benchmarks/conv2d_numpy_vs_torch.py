"""How fast is the NumPy convolution? Forward + backward of conv2d against torch on the CPU.

Run:  python benchmarks/conv2d_numpy_vs_torch.py  [--repeats 15]

For a LeNet-like and a VGG-block-like layer, in float32, it times one training step of the
layer: forward, then backward with a fixed upstream gradient dout, computing dx, dw and db.

* numpy fast : cnnbook.numpy_ops.conv.conv2d_forward + conv2d_backward (im2col + BLAS GEMM)
* torch      : torch.nn.functional.conv2d + autograd backward (x, w and b require grad)
* numpy naive: conv2d_forward_naive + conv2d_backward_naive, one repeat, small layers only

Each block of measurements is the median of several runs after warm-up runs, timed with
time.perf_counter; the two libraries are timed in separate blocks with a pause between them,
so that the worker threads one of them leaves spinning (OpenBLAS, OpenMP) do not slow the
other down. The blocks alternate for a few rounds and the fastest median of each library is
kept, which filters out a round disturbed by something else on the machine. The naive runs
come last. The fast NumPy results are checked against torch before anything is timed.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from cnnbook.numpy_ops.conv import (
    conv2d_backward,
    conv2d_backward_naive,
    conv2d_forward,
    conv2d_forward_naive,
)

# name, N, C, F, H (= W), K, padding, time the naive version too
LAYERS = [
    ("LeNet conv1", 64, 1, 6, 28, 5, 0, True),
    ("LeNet conv2", 64, 6, 16, 14, 5, 0, True),
    ("VGG block conv", 8, 64, 64, 56, 3, 1, False),
]


def median_ms(step, *, repeats: int, warmup: int = 2) -> float:
    """Median wall time of ``step()`` in milliseconds, after ``warmup`` untimed calls."""
    time.sleep(0.2)  # let the other library's worker threads go idle
    for _ in range(warmup):
        step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def make_layer(n: int, c: int, f: int, size: int, k: int, seed: int = 0):
    """float32 input, weights, bias (scaled like torch's default init) and upstream gradient."""
    g = np.random.default_rng(seed)
    x = g.standard_normal((n, c, size, size), dtype=np.float32)
    bound = 1.0 / np.sqrt(c * k * k)
    w = g.uniform(-bound, bound, size=(f, c, k, k)).astype(np.float32)
    b = g.uniform(-bound, bound, size=f).astype(np.float32)
    return x, w, b


def numpy_step(forward, backward, x, w, b, dout, padding):
    def step():
        _, cache = forward(x, w, b, padding=padding)
        return backward(dout, cache)
    return step


def torch_step(x, w, b, dout, padding):
    xs, ws, bs, dout_t = (torch.from_numpy(a) for a in (x, w, b, dout))

    def step():
        xt, wt, bt = (t.detach().requires_grad_() for t in (xs, ws, bs))
        F.conv2d(xt, wt, bt, padding=padding).backward(dout_t)
        return xt.grad, wt.grad, bt.grad
    return step


def check_against_torch(x, w, b, dout, padding) -> None:
    """Fail loudly rather than time a wrong implementation (float32 tolerances)."""
    got = numpy_step(conv2d_forward, conv2d_backward, x, w, b, dout, padding)()
    expected = torch_step(x, w, b, dout, padding)()
    for name, a, e in zip(("dx", "dw", "db"), got, expected):
        e = e.numpy()
        np.testing.assert_allclose(a, e, rtol=1e-3, atol=1e-3 * float(np.abs(e).max()), err_msg=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed runs per block (median)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating numpy/torch blocks (best kept)")
    args = parser.parse_args()

    rows = []
    for name, n, c, f, size, k, padding, run_naive in LAYERS:
        x, w, b = make_layer(n, c, f, size, k)
        out_size = size + 2 * padding - k + 1
        dout = np.random.default_rng(1).standard_normal((n, f, out_size, out_size), dtype=np.float32)
        check_against_torch(x, w, b, dout, padding)
        fast_step = numpy_step(conv2d_forward, conv2d_backward, x, w, b, dout, padding)
        torch_ms_step = torch_step(x, w, b, dout, padding)
        fast = min(median_ms(fast_step, repeats=args.repeats) for _ in range(args.rounds))
        torch_ms = min(median_ms(torch_ms_step, repeats=args.repeats) for _ in range(args.rounds))
        naive_step = numpy_step(conv2d_forward_naive, conv2d_backward_naive, x, w, b, dout, padding)
        shapes = f"({n},{c},{size},{size}) -> ({n},{f},{out_size},{out_size})"
        rows.append([name, shapes, fast, torch_ms, naive_step if run_naive else None])
    for row in rows:  # the slow naive runs last, one each
        row[4] = median_ms(row[4], repeats=1, warmup=0) if row[4] is not None else None

    print(f"numpy {np.__version__}, torch {torch.__version__}, "
          f"torch.get_num_threads() = {torch.get_num_threads()}, float32, forward + backward per step")
    header = (f"{'layer':<16}{'input -> output':<30}{'numpy fast':>11}{'torch':>9}"
              f"{'numpy/torch':>13}{'numpy naive':>13}{'naive/fast':>12}")
    print(header)
    print("-" * len(header))
    for name, shapes, fast, torch_ms, naive in rows:
        naive_cols = f"{naive:>11.0f}ms{naive / fast:>11.0f}x" if naive is not None else f"{'(skipped)':>13}"
        print(f"{name:<16}{shapes:<30}{fast:>9.2f}ms{torch_ms:>7.2f}ms{fast / torch_ms:>12.2f}x{naive_cols}")
    ratios = [fast / torch_ms for _, _, fast, torch_ms, _ in rows]
    print(f"kernels 5x5 (LeNet), 3x3 with padding 1 (VGG); geometric mean numpy/torch = "
          f"{float(np.exp(np.mean(np.log(ratios)))):.2f}x (goal: within 2x)")


if __name__ == "__main__":
    main()
