"""timm's noise draw, for ``lrkit.noise(..., generator="torch")``."""

from __future__ import annotations

import numpy as np
import torch


def torch_noise(keys: np.ndarray, kind: str, pct: float, std: float) -> np.ndarray:
    """One relative noise per key, drawn from a ``torch.Generator`` seeded with the key.

    ``normal``: ``randn() * std``, drawn again from the same generator until its magnitude is
    below ``pct``. ``uniform``: ``2 * (rand() - 0.5) * pct``. These are timm's rules, so a
    schedule with this generator reproduces timm's noisy lrs exactly.
    """
    out = np.empty(len(keys), dtype=np.float64)
    generator = torch.Generator()
    for i, key in enumerate(np.asarray(keys, dtype=np.int64).tolist()):
        generator.manual_seed(key)
        if kind == "uniform":
            out[i] = 2 * (torch.rand(1, generator=generator).item() - 0.5) * pct
            continue
        while True:
            draw = torch.randn(1, generator=generator).item() * std
            if abs(draw) < pct:
                out[i] = draw
                break
    return out
