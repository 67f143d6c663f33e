"""Padding of (N, C, H, W) arrays in NumPy: zeros, replicate, reflect, symmetric, circular.

Padding adds a frame of made-up pixels around an image before a convolution, so that
the kernel can also be centred on the border pixels. The modes differ only in where a
padded pixel takes its value from. Along one axis of length n, the padded position
p (from -before to n + after - 1; 0..n-1 are the original pixels) reads

    zeros       0 outside 0..n-1                         ...0 0 | a b c d | 0 0...
    replicate   x[clip(p, 0, n - 1)]                      ...a a | a b c d | d d...
    reflect     x[-p] left, x[2(n - 1) - p] right         ...c b | a b c d | c b...
    symmetric   x[-p - 1] left, x[2n - 1 - p] right       ...b a | a b c d | d c...
    circular    x[p mod n]                                ...c d | a b c d | a b...

``reflect`` mirrors about the edge pixel and does not repeat it (NumPy and torch call
it "reflect"); ``symmetric`` mirrors about the edge itself and repeats the edge pixel
(NumPy's "symmetric"; torch has no such mode). As in torch, one reflection must be
enough: reflect needs padding < n, symmetric and circular padding <= n.
"""

from __future__ import annotations

from numbers import Integral
from typing import Tuple, Union

import numpy as np

from cnnbook.validation import positive_int, require_ndim

PADDING_MODES = ("zeros", "replicate", "reflect", "symmetric", "circular")

Padding = Union[int, Tuple[int, int], Tuple[int, int, int, int]]


def _padding_amounts(padding, *, op: str) -> Tuple[int, int, int, int]:
    """(left, right, top, bottom) from an int, an (h, w) pair or a 4-tuple."""
    def is_int(value) -> bool:
        return isinstance(value, Integral) and not isinstance(value, bool)

    if is_int(padding):
        amounts = (int(padding),) * 4
    elif isinstance(padding, (tuple, list)) and len(padding) == 2 and all(map(is_int, padding)):
        ph, pw = (int(v) for v in padding)
        amounts = (pw, pw, ph, ph)
    elif isinstance(padding, (tuple, list)) and len(padding) == 4 and all(map(is_int, padding)):
        amounts = tuple(int(v) for v in padding)
    else:
        raise ValueError(
            f"{op}: padding must be an int, an (h, w) pair or a (left, right, top, bottom) "
            f"4-tuple of ints, got {padding!r}"
        )
    if min(amounts) < 0:
        raise ValueError(f"{op}: padding must be non-negative, got {padding!r}")
    return amounts  # type: ignore[return-value]


def _check_fits(mode: str, size: int, before: int, after: int, *, what: str, axis: str, op: str) -> None:
    """Raise when one reflection (or one wrap) cannot produce ``before``/``after`` pixels."""
    limit = {"reflect": size - 1, "symmetric": size, "circular": size}.get(mode)
    if limit is not None and max(before, after) > limit:
        relation = "smaller than" if mode == "reflect" else "at most"
        raise ValueError(
            f"{op}: {mode} padding must be {relation} the input's {axis}, got {what}"
        )


def padding_indices(size: int, before: int, after: int, mode: str = "zeros") -> np.ndarray:
    """Where each position of a padded axis reads from in the original axis.

    Args:
        size: the original length n (>= 1).
        before, after: how many positions to add on each side (>= 0).
        mode: one of ``PADDING_MODES``.

    Returns:
        int array of length before + n + after; entry p holds the index into the original
        axis that padded position p copies, or -1 for a zero (``mode="zeros"``).

    Example: ``padding_indices(4, 2, 2, "reflect")`` is [2, 1, 0, 1, 2, 3, 2, 1].
    """
    op = "padding_indices"
    if mode not in PADDING_MODES:
        raise ValueError(f"{op}: mode must be one of {PADDING_MODES}, got {mode!r}")
    n = positive_int(size, "size", op=op)
    before = positive_int(before, "before", op=op, minimum=0)
    after = positive_int(after, "after", op=op, minimum=0)
    _check_fits(mode, n, before, after, what=f"padding ({before}, {after})",
                axis=f"size {n}", op=op)
    p = np.arange(-before, n + after)  # padded position, 0..n-1 inside
    if mode == "zeros":
        return np.where((p >= 0) & (p < n), p, -1)
    if mode == "replicate":
        return np.clip(p, 0, n - 1)
    if mode == "reflect":  # mirror about the edge pixels 0 and n - 1
        return np.where(p < 0, -p, np.where(p > n - 1, 2 * (n - 1) - p, p))
    if mode == "symmetric":  # mirror about the edges -1/2 and n - 1/2
        return np.where(p < 0, -p - 1, np.where(p > n - 1, 2 * n - 1 - p, p))
    return np.mod(p, n)  # circular


def pad2d(x: np.ndarray, padding: Padding, mode: str = "zeros") -> np.ndarray:
    """Pad the last two axes (H, W) of an (N, C, H, W) array.

    Args:
        x: (N, C, H, W) array.
        padding: an int (the same on all four sides), an (h, w) pair (h rows on top and
            bottom, w columns on the left and right, as ``nn.Conv2d``'s ``padding``) or a
            (left, right, top, bottom) 4-tuple (the order of ``F.pad``).
        mode: "zeros", "replicate", "reflect", "symmetric" or "circular" (see the module
            docstring for the formulas).

    Returns:
        (N, C, top + H + bottom, left + W + right) array of x's dtype.

    Raises:
        ValueError: for a bad shape, padding or mode, and (as torch does) when reflect
            padding is not smaller than the input, or symmetric/circular padding larger.

    Torch equivalent: ``torch.nn.functional.pad(x, (left, right, top, bottom), mode=...)``
    with mode "constant" for "zeros"; "symmetric" is ``numpy.pad``'s mode of that name.
    """
    op = "pad2d"
    require_ndim(x, 4, "x", op=op, layout="(N, C, H, W)")
    if mode not in PADDING_MODES:
        raise ValueError(f"{op}: mode must be one of {PADDING_MODES}, got {mode!r}")
    left, right, top, bottom = _padding_amounts(padding, op=op)
    h, w = x.shape[-2:]
    if h == 0 or w == 0:
        raise ValueError(f"{op}: x must have a non-empty (H, W), got shape {tuple(x.shape)}")
    _check_fits(mode, h, top, bottom, what=f"top={top}, bottom={bottom} for x of shape "
                f"{tuple(x.shape)}", axis=f"height H={h}", op=op)
    _check_fits(mode, w, left, right, what=f"left={left}, right={right} for x of shape "
                f"{tuple(x.shape)}", axis=f"width W={w}", op=op)
    rows = padding_indices(h, top, bottom, mode)  # (top + H + bottom,)
    cols = padding_indices(w, left, right, mode)  # (left + W + right,)
    out = x[:, :, np.maximum(rows, 0)[:, None], np.maximum(cols, 0)[None, :]]  # (N, C, Hp, Wp)
    if mode == "zeros":
        inside = (rows >= 0)[:, None] & (cols >= 0)[None, :]  # (Hp, Wp)
        out = np.where(inside, out, np.zeros((), dtype=x.dtype))
    return out
