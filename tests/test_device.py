"""cnnbook.device: every branch of cuda > mps > cpu, exercised by monkeypatching."""

from __future__ import annotations

import pytest
import torch

from cnnbook.device import COLAB_GPU_HINT, colab_report, describe_device, get_device


@pytest.fixture
def machine(monkeypatch):
    """Pretend to be a machine with the given devices: machine(cuda=True, mps=False)."""

    def pretend(*, cuda: bool, mps: bool, cuda_count: int = 1) -> None:
        monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
        monkeypatch.setattr(torch.cuda, "device_count", lambda: cuda_count if cuda else 0)
        monkeypatch.setattr(torch.cuda, "get_device_name", lambda device=None: "NVIDIA H100")
        monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)

    return pretend


@pytest.mark.parametrize("cuda, mps, expected", [
    (True, True, "cuda"),
    (True, False, "cuda"),
    (False, True, "mps"),
    (False, False, "cpu"),
])
def test_get_device_prefers_cuda_then_mps_then_cpu(machine, cuda, mps, expected):
    machine(cuda=cuda, mps=mps)
    assert get_device() == torch.device(expected)


@pytest.mark.parametrize("prefer", ["cpu", "cuda", "cuda:1", "mps"])
def test_get_device_honours_an_available_preference(machine, prefer):
    machine(cuda=True, mps=True, cuda_count=2)
    assert get_device(prefer) == torch.device(prefer)


def test_get_device_cpu_is_always_available(machine):
    machine(cuda=False, mps=False)
    assert get_device("cpu") == torch.device("cpu")


@pytest.mark.parametrize("prefer, message", [
    ("cuda", r"'cuda' was requested but no CUDA GPU is available"),
    ("mps", r"'mps' was requested but Apple MPS is not available"),
    ("tpu", r"prefer must be None or a device name"),
    ("meta", r"prefer must be 'cpu', 'cuda' or 'mps', got 'meta'"),
])
def test_get_device_rejects_unavailable_or_unknown(machine, prefer, message):
    machine(cuda=False, mps=False)
    with pytest.raises(ValueError, match=message):
        get_device(prefer)


def test_get_device_rejects_missing_cuda_index(machine):
    machine(cuda=True, mps=False, cuda_count=1)
    with pytest.raises(ValueError, match=r"'cuda:1' was requested but this machine has 1 CUDA device"):
        get_device("cuda:1")


@pytest.mark.parametrize("cuda, mps, expected", [
    (True, False, "Using device: cuda (NVIDIA H100)"),
    (False, True, "Using device: mps (Apple GPU via Metal)"),
    (False, False, "Using device: cpu (no GPU found; on Colab: Runtime > Change runtime type > GPU)"),
])
def test_describe_device_default(machine, cuda, mps, expected):
    machine(cuda=cuda, mps=mps)
    assert describe_device() == expected


def test_describe_device_cpu_by_choice_mentions_the_gpu(machine):
    machine(cuda=True, mps=False)
    line = describe_device("cpu")
    assert line.startswith("Using device: cpu") and "GPU is available" in line


def test_describe_device_real_machine():
    line = describe_device()
    assert line.startswith(f"Using device: {get_device().type}")


@pytest.mark.parametrize("cuda, mps, expected", [
    (True, False, ["Using device: cuda (NVIDIA H100)"]),
    (False, True, ["Using device: mps (Apple GPU via Metal)"]),
    (False, False, ["Using device: cpu (this Colab runtime has no GPU; the notebook runs on the CPU too)",
                    "For a GPU: Runtime > Change runtime type > T4 GPU > Save, then Runtime > Run all."]),
])
def test_colab_report_names_the_device_and_on_a_cpu_how_to_get_a_gpu(machine, cuda, mps, expected):
    machine(cuda=cuda, mps=mps)
    assert colab_report().split("\n") == expected


def test_colab_report_cpu_by_choice_gives_no_hint(machine):
    machine(cuda=True, mps=False)
    report = colab_report("cpu")
    assert "\n" not in report and "GPU is available" in report


def test_colab_report_lines_fit_a_colab_output():
    assert all(len(line) <= 92 for line in [COLAB_GPU_HINT, *colab_report("cpu").split("\n")])
