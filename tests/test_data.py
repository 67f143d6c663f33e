"""Bundled data: checksums, the deterministic stratified split, images, torch loaders, offline failure."""

import time

import numpy as np
import pytest
import torch

import cnnbook.data as data
from cnnbook.data import bundled


def test_mnist_split_is_stratified_4000_1000_and_disjoint():
    x_train, y_train = data.load_mnist("train")
    x_test, y_test = data.load_mnist("test")
    assert x_train.shape == (4000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (4000,) and y_train.dtype == np.int64
    assert x_test.shape == (1000, 28, 28) and y_test.dtype == np.int64
    assert np.bincount(y_train).tolist() == [400] * 10
    assert np.bincount(y_test).tolist() == [100] * 10
    # Every bundled digit lands in exactly one split.
    with np.load(bundled.bundled_path("mnist_5k.npz")) as archive:
        everything = archive["x"].reshape(5000, -1)
    together = np.concatenate([x_train, x_test]).reshape(5000, -1)
    assert sorted(map(bytes, together)) == sorted(map(bytes, everything))


def test_mnist_split_is_deterministic_and_mixed():
    x1, y1 = data.load_mnist("train")
    x2, y2 = data.load_mnist("train")
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert len(set(y1[:50].tolist())) == 10  # classes are shuffled, not sorted
    x1[0] = 0  # callers get copies
    assert data.load_mnist("train")[0][0].any()


def test_mnist_pixels_look_like_digits():
    x, _ = data.load_mnist("test")
    assert x.max() == 255 and x.min() == 0
    border = np.concatenate([x[:, 0, :], x[:, -1, :]])
    assert border.mean() < 5  # digits are centred on a black background


@pytest.mark.parametrize("name,shape", [("cat", (300, 451, 3)), ("coffee", (400, 600, 3)), ("astronaut", (512, 512, 3))])
def test_images_are_float_rgb_in_unit_range(name, shape):
    image = data.load_image(name)
    assert image.shape == shape and image.dtype == np.float32
    assert 0.0 <= image.min() and image.max() <= 1.0 and image.std() > 0.05


def test_bad_names_raise():
    with pytest.raises(ValueError, match="name must be one of .*got 'dog'"):
        data.load_image("dog")
    with pytest.raises(ValueError, match="split must be 'train' or 'test', got 'val'"):
        data.load_mnist("val")
    with pytest.raises(ValueError, match="batch_size must be a positive int, got 0"):
        data.mnist_loader(batch_size=0)


def test_checksum_mismatch_is_detected(monkeypatch):
    monkeypatch.setitem(bundled.SHA256, "coffee.png", "0" * 64)
    bundled.bundled_path.cache_clear()
    try:
        with pytest.raises(bundled.ChecksumError, match="coffee.png is damaged"):
            data.load_image("coffee")
    finally:
        monkeypatch.undo()
        bundled.bundled_path.cache_clear()
    assert data.load_image("coffee").shape == (400, 600, 3)


def test_bundled_files_match_their_published_checksums():
    for filename, expected in bundled.SHA256.items():
        path = bundled.bundled_path(filename)
        assert bundled.sha256_of(path) == expected


def test_torch_dataset_and_loader():
    dataset = data.mnist_dataset("test")
    image, label = dataset[0]
    assert image.shape == (1, 28, 28) and image.dtype == torch.float32 and label.dtype == torch.int64
    assert 0.0 <= float(image.min()) and float(image.max()) <= 1.0
    loader = data.mnist_loader("train", batch_size=32, seed=3)
    first = next(iter(loader))[1]
    again = next(iter(data.mnist_loader("train", batch_size=32, seed=3)))[1]
    assert first.shape == (32,) and torch.equal(first, again)
    normalized = data.mnist_dataset("train", normalize=True).tensors[0]
    assert abs(float(normalized.mean())) < 1e-4 and abs(float(normalized.std()) - 1) < 1e-3


@pytest.mark.parametrize("loader", [lambda: data.load_mnist("train", full=True), data.load_fashion_mnist, data.load_cifar10])
def test_full_datasets_fail_fast_offline_naming_the_bundled_default(loader, tmp_path, monkeypatch):
    monkeypatch.setenv("CNNBOOK_DATA", str(tmp_path))
    from cnnbook.data import online

    if online._reachable("ossci-datasets.s3.amazonaws.com") or online._reachable("www.cs.toronto.edu"):
        pytest.skip("this machine is online: the download would really start")
    start = time.monotonic()
    with pytest.raises(data.DatasetUnavailableError, match=r"load_mnist\(split\)"):
        loader()
    assert time.monotonic() - start < 5.0
