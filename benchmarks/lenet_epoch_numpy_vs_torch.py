"""How long does one LeNet-5 training epoch take in NumPy, and in torch?

Run:  python benchmarks/lenet_epoch_numpy_vs_torch.py  [--rounds 5] [--device cpu|cuda] [--threads N]

One epoch is a pass over the 4,000 bundled training digits in mini-batches of 64 (63 steps;
the last batch has 32 digits), in float32, with SGD (lr 0.01, momentum 0.9). Each step is a
forward pass, the cross-entropy loss, the backward pass and the parameter update.

* numpy: cnnbook.models.numpy_lenet.NumpyLeNet5 (im2col convolutions, hand-written backward)
         + cnnbook.numpy_ops.optim.SGD
* torch: cnnbook.models.lenet.LeNet5 + autograd + torch.optim.SGD, on the CPU by default,
         on a GPU with --device cuda (the clock stops after the last loss's .item(),
         which waits for the GPU to finish).

Both start from the same weights, and their losses on a batch are checked against each
other before anything is timed. The two are timed side by side in one run: each round
times one NumPy epoch, pauses so the other library's worker threads go idle, then times one
torch epoch. The rounds follow a warm-up epoch of each, and the median over the rounds is
reported with the ratio NumPy / torch.

--threads N sets the thread count of both libraries (OpenBLAS for NumPy, intra-op threads
for torch); the default leaves both at their own defaults (one thread per core). On a
machine shared with other jobs, --threads 1 often makes the NumPy side much faster: many
small matrix products suffer when BLAS threads wait for a descheduled partner.
"""

from __future__ import annotations

import os
import sys

# BLAS reads its thread count once, when NumPy is first imported: set it before the imports.
if "--threads" in sys.argv[:-1]:
    _threads = sys.argv[sys.argv.index("--threads") + 1]
    for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[_var] = _threads

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from cnnbook.data.mnist import load_mnist, mnist_statistics  # noqa: E402
from cnnbook.models.lenet import LeNet5  # noqa: E402
from cnnbook.models.numpy_lenet import NumpyLeNet5  # noqa: E402
from cnnbook.numpy_ops.optim import SGD  # noqa: E402

BATCH_SIZE = 64
LR, MOMENTUM = 0.01, 0.9


def bundled_digits():
    """The 4,000 training digits standardised, float32 (N, 1, 28, 28), and labels int64 (N,)."""
    x, y = load_mnist("train")
    mean, std = mnist_statistics()
    return ((x.astype(np.float32) / 255.0 - mean) / std)[:, None], y


def numpy_epoch(net: NumpyLeNet5, opt: SGD, x: np.ndarray, y: np.ndarray, order: np.ndarray,
                steps: int) -> float:
    """Train ``steps`` mini-batches; return the last loss."""
    loss = float("nan")
    for first in range(0, BATCH_SIZE * steps, BATCH_SIZE):
        idx = order[first:first + BATCH_SIZE]
        loss, grads = net.loss_and_grads(x[idx], y[idx])
        opt.step(grads)
    return loss


def torch_epoch(model, opt, x: torch.Tensor, y: torch.Tensor, order: torch.Tensor, steps: int) -> float:
    """Train ``steps`` mini-batches; return the last loss."""
    loss = torch.tensor(float("nan"))
    for first in range(0, BATCH_SIZE * steps, BATCH_SIZE):
        idx = order[first:first + BATCH_SIZE]
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    return loss.item()  # .item() waits for the GPU


def seconds(run) -> float:
    """Wall time of ``run()``, after a short pause that lets idle worker threads sleep."""
    time.sleep(0.3)
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def check_same_loss(net: NumpyLeNet5, model, x: np.ndarray, y: np.ndarray, device) -> None:
    """Fail loudly rather than time a wrong implementation (float32 tolerance)."""
    loss_numpy, _ = net.loss_and_grads(x[:BATCH_SIZE], y[:BATCH_SIZE])
    with torch.no_grad():
        xt = torch.from_numpy(x[:BATCH_SIZE]).to(device)
        loss_torch = F.cross_entropy(model(xt), torch.from_numpy(y[:BATCH_SIZE]).to(device)).item()
    if abs(loss_numpy - loss_torch) > 1e-4 * max(1.0, abs(loss_torch)):
        raise SystemExit(f"numpy loss {loss_numpy:.6f} != torch loss {loss_torch:.6f}: not timing")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed epochs of each library (median)")
    parser.add_argument("--device", default="cpu", help="device of the torch side: cpu or cuda")
    parser.add_argument("--threads", type=int, default=None, help="threads of both libraries")
    args = parser.parse_args()
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda: no CUDA device on this machine")
    device = torch.device(args.device)
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    x, y = bundled_digits()
    steps = -(-len(x) // BATCH_SIZE)  # ceil: the last batch is smaller
    order = np.random.default_rng(0).permutation(len(x))
    torch.manual_seed(0)
    model = LeNet5().to(device)
    net = NumpyLeNet5.from_torch(model.cpu(), dtype=np.float32)
    model.to(device)
    check_same_loss(net, model, x, y, device)
    opt_numpy = SGD(net.params, lr=LR, momentum=MOMENTUM)
    opt_torch = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    xt, yt = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)
    order_t = torch.from_numpy(order).to(device)

    def run_numpy():
        return numpy_epoch(net, opt_numpy, x, y, order, steps)

    def run_torch():
        return torch_epoch(model, opt_torch, xt, yt, order_t, steps)

    seconds(run_numpy), seconds(run_torch)  # warm-up: caches, allocator, cuDNN autotuning
    numpy_s, torch_s = [], []
    for _ in range(args.rounds):
        numpy_s.append(seconds(run_numpy))
        torch_s.append(seconds(run_torch))
    numpy_med, torch_med = statistics.median(numpy_s), statistics.median(torch_s)

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else "CPU"
    print(f"numpy {np.__version__}, torch {torch.__version__}, torch threads {torch.get_num_threads()}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, "
          f"{cpus} CPU cores usable")
    print(f"one epoch = {len(x)} digits, {steps} steps of batch {BATCH_SIZE}, float32, "
          f"SGD lr {LR} momentum {MOMENTUM}; median of {args.rounds} rounds after a warm-up")
    rows = (("numpy (CPU)", numpy_s), (f"torch ({where})", torch_s))
    width = max(len(name) for name, _ in rows) + 2
    print(f"{'':<{width}}{'median':>9}{'min':>9}{'max':>9}")
    for name, times in rows:
        print(f"{name:<{width}}{statistics.median(times):>8.2f}s{min(times):>8.2f}s{max(times):>8.2f}s")
    print(f"ratio numpy / torch = {numpy_med / torch_med:.1f}x")


if __name__ == "__main__":
    main()
