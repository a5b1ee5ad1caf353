"""lrkit's torch layer: drive optimizer param groups with lrkit schedules (and plateaus).

Importing it also registers ``noise(..., generator="torch")``, which draws the very numbers
timm draws (a ``torch.Generator`` seeded with ``seed + t``).
"""

from lrkit.combinators import register_noise_generator
from lrkit.torch._noise import torch_noise
from lrkit.torch.lr_finder import LRFinderResult, find_lr
from lrkit.torch.plateau import Plateau
from lrkit.torch.scheduler import Scheduler

register_noise_generator("torch", torch_noise)

__all__ = ["LRFinderResult", "Plateau", "Scheduler", "find_lr", "torch_noise"]
