"""The three bundled photos as float arrays."""

from __future__ import annotations

import numpy as np
from PIL import Image

from cnnbook.data.bundled import bundled_path

IMAGES = {"cat": "chelsea.png", "coffee": "coffee.png", "astronaut": "astronaut.png"}


def load_image(name: str) -> np.ndarray:
    """One of the bundled CC0 / public-domain photos as an RGB float image.

    Args:
        name: "cat" (Chelsea the cat, 451x300), "coffee" (600x400) or "astronaut" (512x512).

    Returns:
        float32 array (H, W, 3) with values in [0, 1].
    """
    if name not in IMAGES:
        raise ValueError(f"load_image: name must be one of {sorted(IMAGES)}, got {name!r}")
    with Image.open(bundled_path(IMAGES[name])) as image:
        rgb = np.asarray(image.convert("RGB"), dtype=np.float32)  # (H, W, 3) in 0..255
    return rgb / np.float32(255.0)
