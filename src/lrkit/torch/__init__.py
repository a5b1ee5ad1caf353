"""lrkit's torch layer: drive optimizer param groups with lrkit schedules (and plateaus)."""

from lrkit.recipes.timm import torch_noise
from lrkit.torch.lr_finder import LRFinderResult, find_lr
from lrkit.torch.plateau import Plateau
from lrkit.torch.scheduler import Scheduler

__all__ = ["LRFinderResult", "Plateau", "Scheduler", "find_lr", "torch_noise"]
