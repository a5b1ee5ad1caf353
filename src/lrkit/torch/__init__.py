"""lrkit's torch layer: drive optimizer param groups with lrkit schedules (and plateaus)."""

from lrkit.recipes.timm import torch_noise
from lrkit.torch.lr_finder import LRFinderResult, find_lr
from lrkit.torch.named import NamedScheduler
from lrkit.torch.plateau import GroupCountError, Plateau
from lrkit.torch.scheduler import DriverConflictWarning, Rescheduled, Scheduler

__all__ = [
    "DriverConflictWarning",
    "GroupCountError",
    "LRFinderResult",
    "NamedScheduler",
    "Plateau",
    "Rescheduled",
    "Scheduler",
    "find_lr",
    "torch_noise",
]
